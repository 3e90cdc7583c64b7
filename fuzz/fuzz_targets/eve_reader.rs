//! Suricata EVE JSON lines: never panic; every record that parses turns
//! into an event and its typed sections without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use soc_core::model::Origin;
use soc_core::parse::suricata::parse_eve_line;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for (i, line) in text.lines().enumerate() {
        if let Ok(rec) = parse_eve_line(line) {
            let _ = rec.alert();
            let _ = rec.flow();
            let _ = rec.dns();
            let _ = rec.http();
            let _ = rec.tls();
            let _ = rec.fileinfo();
            let _ = rec.anomaly();
            let _ = rec.to_event(Origin {
                file: "fuzz".into(),
                line: i as u64 + 1,
            });
        }
    }
});
