//! OpenSSH log lines: never panic, and an attributed source address is
//! always an address written in the input so far (in the line itself, or
//! in an earlier line of the same connection, which the parser joins by
//! pid): soc never invents one.
#![no_main]

use std::net::IpAddr;

use libfuzzer_sys::fuzz_target;
use soc_core::model::Origin;
use soc_core::parse::ssh::{SshOptions, SshParser};

/// Every token of `line` that parses as an address (brackets, `%zone` and
/// trailing punctuation stripped).
fn addresses(line: &str) -> Vec<IpAddr> {
    line.split(|c: char| !(c.is_ascii_hexdigit() || c == ':' || c == '.'))
        .filter_map(|t| {
            let t = t.trim_matches(|c| c == ':' || c == '.');
            t.parse::<IpAddr>().ok()
        })
        .map(|ip| ip.to_canonical())
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parser = SshParser::new(SshOptions {
        year: Some(2024),
        ..SshOptions::default()
    });
    let mut seen: Vec<IpAddr> = Vec::new();
    let mut seen_text = String::new();
    for (i, line) in text.lines().enumerate() {
        seen.extend(addresses(line));
        seen_text.push_str(line);
        seen_text.push('\n');
        let origin = Origin {
            file: "fuzz".into(),
            line: i as u64 + 1,
        };
        if let Some(ev) = parser.parse_line(line, origin) {
            if let Some(ip) = ev.src_ip {
                let ip = ip.to_canonical();
                // Dotted quads with leading zeros are parsed by soc but
                // not by std; accept those by their digits.
                let digits = |s: &str| {
                    s.split('.')
                        .map(|p| p.trim_start_matches('0').to_string())
                        .collect::<Vec<_>>()
                };
                let leading_zero_match = seen_text
                    .split(|c: char| !(c.is_ascii_digit() || c == '.'))
                    .any(|t| digits(t) == digits(&ip.to_string()));
                assert!(
                    seen.contains(&ip) || leading_zero_match,
                    "source {ip} is not written in the input (line {line:?})"
                );
            }
        }
    }
});
