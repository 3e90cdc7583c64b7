//! OpenSSH log lines: never panic, and an attributed source address is
//! always an address written in the input so far (in the line itself, or
//! in an earlier line of the same connection, which the parser joins by
//! pid): soc never invents one.
//!
//! Cheap per input: the addresses written so far are kept in a set that
//! grows line by line (the first version rescanned all earlier text for
//! every line, quadratic in the input, and reached 78 inputs in 60 s).
#![no_main]

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr};

use libfuzzer_sys::fuzz_target;
use soc_core::model::Origin;
use soc_core::parse::ssh::{SshOptions, SshParser};

/// Adds every token of `line` that parses as an address (brackets, `%zone`
/// and trailing punctuation stripped) to `seen`, and dotted quads with
/// leading zeros (`010.1.1.1`, which soc reads as 10.1.1.1 and std
/// rejects) by their digits.
fn add_addresses(line: &str, seen: &mut HashSet<IpAddr>) {
    for t in line.split(|c: char| !(c.is_ascii_hexdigit() || c == ':' || c == '.')) {
        let t = t.trim_matches(|c| c == ':' || c == '.');
        if let Ok(ip) = t.parse::<IpAddr>() {
            seen.insert(ip.to_canonical());
        }
    }
    for t in line.split(|c: char| !(c.is_ascii_digit() || c == '.')) {
        let octets: Vec<Option<u8>> = t
            .split('.')
            .map(|p| match p.trim_start_matches('0') {
                _ if p.is_empty() => None,
                "" => Some(0),
                digits => digits.parse().ok(),
            })
            .collect();
        if let [Some(a), Some(b), Some(c), Some(d)] = octets[..] {
            seen.insert(IpAddr::V4(Ipv4Addr::new(a, b, c, d)));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parser = SshParser::new(SshOptions {
        year: Some(2024),
        ..SshOptions::default()
    });
    let mut seen: HashSet<IpAddr> = HashSet::new();
    for (i, line) in text.lines().enumerate() {
        add_addresses(line, &mut seen);
        let origin = Origin {
            file: "fuzz".into(),
            line: i as u64 + 1,
        };
        if let Some(ev) = parser.parse_line(line, origin) {
            if let Some(ip) = ev.src_ip {
                let ip = ip.to_canonical();
                assert!(
                    seen.contains(&ip),
                    "source {ip} is not written in the input (line {line:?})"
                );
            }
        }
    }
});
