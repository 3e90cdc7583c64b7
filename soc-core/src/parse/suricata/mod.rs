//! Suricata EVE JSON.
//!
//! [`parse_eve_line`] reads one EVE line into an [`EveRecord`] in a single
//! pass over its text, without building a JSON tree (a small JSON cursor
//! for the forms Suricata writes, `serde_json` for the rest: escapes,
//! floats, negative numbers, invalid lines; both apply the same field
//! rules and accept exactly the same lines): the typed envelope
//! (timestamp, flow id, tuple, protocol, ...) and typed views of the known
//! event objects ([`EveAlert`], [`EveDns`], [`EveHttp`], [`EveTls`],
//! [`EveFlow`], [`EveFileinfo`], [`EveAnomaly`]) are read directly; every
//! other field is validated and skipped. The line text is kept, so nothing
//! is lost: [`EveRecord::raw`] parses the whole object (keys in order) the
//! first time it is asked for, and re-serializing is faithful. Views never
//! fail: fields missing or of an unexpected type are `None`.
//!
//! Alert-only readers have a fast path: [`is_alert_line`] (one line) or
//! [`alert_lines`] (a whole buffer, one substring search) find the
//! candidate lines without parsing the others, and [`alert_from_line`]
//! reads only what a normalized [`Alert`](crate::model::Alert) needs. [`alert_from_eve`] does
//! the same from a full record.
//!
//! ```
//! use soc_core::parse::suricata::{parse_eve_line, alert_from_eve, is_alert_line};
//! let line = r#"{"timestamp":"2026-11-21T02:14:40.000000+0000","event_type":"alert","src_ip":"203.0.113.45","src_port":4242,"dest_ip":"10.0.0.5","dest_port":22,"proto":"TCP","alert":{"action":"allowed","gid":1,"signature_id":2001219,"rev":20,"signature":"ET SCAN Potential SSH Scan","category":"Attempted Information Leak","severity":2,"metadata":{"mitre_tactic_id":["TA0006"],"mitre_tactic_name":["Credential_Access"],"mitre_technique_id":["T1110"],"mitre_technique_name":["Brute_Force"]}}}"#;
//! assert!(is_alert_line(line.as_bytes()));
//! let rec = parse_eve_line(line).unwrap();
//! let alert = alert_from_eve(&rec).unwrap();
//! assert_eq!(alert.severity, soc_core::Severity::Medium);
//! assert_eq!(alert.attack[0].technique_id, "T1110");
//! assert_eq!(alert.attack[0].tactic_name.as_deref(), Some("credential-access"));
//! ```

mod alert;
mod eve_record;
mod fast;
#[cfg(test)]
mod fast_tests;
mod lenient;
mod line;
mod normalize;
mod objects;
mod reader;
mod record;
mod rule_meta;
mod scalars;
mod scan;
mod skip;
mod typed;
mod views;

pub use alert::{alert_lines, is_alert_line, AlertLines};
pub use eve_record::{parse_eve_time, EveRecord};
pub use line::parse_eve_line;
pub use normalize::{alert_from_eve, alert_from_line};
pub use objects::{
    DnsAnswer, DnsQuery, EveAlert, EveAnomaly, EveDns, EveFileinfo, EveFlow, EveHttp, EveTls,
};
pub use reader::Reader;
pub use scan::{AlertScanner, SCAN_BLOCK};
