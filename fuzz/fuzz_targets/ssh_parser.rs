//! OpenSSH log lines: never panic, and an attributed source address is
//! always an address written in the line itself (soc never invents one).
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
    for (i, line) in text.lines().enumerate() {
        let origin = Origin {
            file: "fuzz".into(),
            line: i as u64 + 1,
        };
        if let Some(ev) = parser.parse_line(line, origin) {
            if let Some(ip) = ev.src_ip {
                let found = addresses(line);
                let ip = ip.to_canonical();
                // Dotted quads with leading zeros are parsed by soc but
                // not by std; accept those by their digits.
                let digits = |s: &str| s.split('.').map(|p| p.trim_start_matches('0').to_string()).collect::<Vec<_>>();
                let leading_zero_match = line
                    .split(|c: char| !(c.is_ascii_digit() || c == '.'))
                    .any(|t| digits(t) == digits(&ip.to_string()));
                assert!(
                    found.contains(&ip) || leading_zero_match,
                    "source {ip} is not written in the line {line:?}"
                );
            }
        }
    }
});
