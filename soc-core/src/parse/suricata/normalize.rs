//! Alerts from EVE: normalization ([`alert_from_eve`] from a record,
//! [`alert_from_line`] straight from a line). Both build the alert with
//! the same code; the line reader keeps the rule metadata as borrowed
//! string lists ([`Meta`]) instead of a JSON map.

use std::net::IpAddr;

use serde_json::Map;

use super::eve_record::EveRecord;
use super::fast;
use super::line::read_line;
use super::objects::EveAlert;
use super::rule_meta::Meta;
use crate::error::ParseError;
use crate::model::{Alert, Indicator, IndicatorKind, Severity};

/// The normalized alert of one EVE line, reading only what the alert
/// needs (the envelope and the `alert` object; everything else is
/// validated and skipped). Same result as [`parse_eve_line`] followed by
/// [`alert_from_eve`], including the errors: `Ok(None)` when the line is
/// a valid record without an alert.
///
/// [`parse_eve_line`]: super::parse_eve_line
///
/// ```
/// use soc_core::parse::suricata::alert_from_line;
/// let a = alert_from_line(r#"{"event_type":"alert","src_ip":"192.0.2.7","alert":{"signature":"X","severity":1}}"#).unwrap().unwrap();
/// assert_eq!((a.title.as_str(), a.severity), ("X", soc_core::Severity::High));
/// assert_eq!(alert_from_line(r#"{"event_type":"flow"}"#).unwrap(), None);
/// assert!(alert_from_line("{").is_err());
/// ```
pub fn alert_from_line(line: &str) -> Result<Option<Alert>, ParseError> {
    let mut rec = EveRecord::empty();
    let mut meta = Meta::default();
    if fast::read_alert_into(line, &mut rec, &mut meta) {
        return Ok(build(&rec, &meta));
    }
    read_line(line, false, &mut rec)?;
    Ok(alert_from_eve(&rec))
}

/// The normalized alert of an `alert` record (or a `drop` carrying one):
/// signature, sid, rev, category, severity on the common scale (1 high,
/// 2 medium, 3 low, 4 info; `signature_severity: Critical` makes it
/// critical), action, tuple and ATT&CK references from rule metadata.
/// The id is stable: derived from time, flow id, sid and addresses.
pub fn alert_from_eve(rec: &EveRecord) -> Option<Alert> {
    let meta = rec
        .views
        .alert
        .as_deref()
        .map(|a| Meta::of_map(&a.metadata))
        .unwrap_or_default();
    build(rec, &meta)
}

/// The alert of `rec`, its rule metadata read from `meta`.
fn build(rec: &EveRecord, meta: &Meta<'_>) -> Option<Alert> {
    // An `alert` record without its object (partial exports) is still an alert.
    let none = EveAlert::default();
    let a = match rec.views.alert.as_deref() {
        Some(a) => a,
        None if rec.event_type == "alert" => &none,
        None => return None,
    };
    let mut sev = match a.severity {
        Some(1) => Severity::High,
        Some(2) => Severity::Medium,
        Some(3) => Severity::Low,
        Some(_) => Severity::Info,
        None => Severity::Medium,
    };
    if meta
        .get("signature_severity")
        .iter()
        .any(|v| v.eq_ignore_ascii_case("critical"))
    {
        sev = Severity::Critical;
    }
    let sig = a
        .signature
        .clone()
        .unwrap_or_else(|| "Suricata alert".into());
    let src = rec.src_ip.map(ip_text);
    let dst = rec.dest_ip.map(ip_text);
    // `{ts}|{flow_id}|{gid}:{sid}:{rev}|{src}|{dst}`, written directly.
    let ts = rec.ts_text.as_deref().unwrap_or("");
    let mut key = String::with_capacity(ts.len() + 96);
    key.push_str(ts);
    key.push('|');
    push_u64(&mut key, rec.flow_id.unwrap_or(0));
    key.push('|');
    push_u64(&mut key, a.gid.unwrap_or(1));
    key.push(':');
    push_u64(&mut key, a.signature_id.unwrap_or(0));
    key.push(':');
    push_u64(&mut key, a.rev.unwrap_or(0));
    key.push('|');
    key.push_str(src.as_deref().unwrap_or(""));
    key.push('|');
    key.push_str(dst.as_deref().unwrap_or(""));
    let mut al = Alert::new("suricata.alert", &key, sig, sev);
    al.source = "suricata".into();
    al.src_ip = rec.src_ip;
    al.dst_ip = rec.dest_ip;
    al.dst_port = rec.dest_port;
    al.host = rec.host.clone();
    al.first_seen = rec.timestamp;
    al.last_seen = rec.timestamp;
    al.count = 1;
    al.attack = meta.attack();
    for (ip, text) in [(rec.src_ip, src), (rec.dest_ip, dst)] {
        if let (Some(ip), Some(text)) = (ip, text) {
            let kind = if ip.is_ipv4() {
                IndicatorKind::Ipv4
            } else {
                IndicatorKind::Ipv6
            };
            al.indicators.push(Indicator::new(kind, text));
        }
    }
    // Room for every field below (no regrowth on the way).
    al.fields = Map::with_capacity(12);
    let f = &mut al.fields;
    if let Some(v) = a.signature_id {
        f.insert("signature_id".into(), v.into());
    }
    if let Some(v) = a.gid {
        f.insert("gid".into(), v.into());
    }
    if let Some(v) = a.rev {
        f.insert("rev".into(), v.into());
    }
    if let Some(v) = &a.category {
        f.insert("category".into(), v.clone().into());
    }
    if let Some(v) = &a.action {
        f.insert("action".into(), v.clone().into());
    }
    if let Some(v) = a.severity {
        f.insert("suricata_severity".into(), v.into());
    }
    if let Some(v) = rec.src_port {
        f.insert("src_port".into(), v.into());
    }
    if let Some(v) = &rec.proto {
        f.insert("proto".into(), v.clone().into());
    }
    if let Some(v) = &rec.app_proto {
        f.insert("app_proto".into(), v.clone().into());
    }
    if let Some(v) = rec.flow_id {
        f.insert("flow_id".into(), v.into());
    }
    if rec.event_type == "drop" {
        f.insert("dropped".into(), true.into());
    }
    Some(al)
}

/// Appends `n` in decimal (what `Display` writes).
fn push_u64(s: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        if let Some(d) = buf.get_mut(i) {
            // `n % 10` is a digit.
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    s.push_str(std::str::from_utf8(buf.get(i..).unwrap_or_default()).unwrap_or_default());
}

/// An address as `Display` writes it (IPv4 written directly).
fn ip_text(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(a) => {
            let mut s = String::with_capacity(15);
            for (k, o) in a.octets().into_iter().enumerate() {
                if k > 0 {
                    s.push('.');
                }
                push_u64(&mut s, u64::from(o));
            }
            s
        }
        IpAddr::V6(_) => ip.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    use proptest::prelude::*;

    use super::{ip_text, push_u64};
    use crate::model::Alert;
    use crate::parse::suricata::{alert_from_line, parse_eve_line};

    proptest! {
        #[test]
        fn numbers_and_addresses_are_written_like_display(n: u64, a: u32, b: u128) {
            let mut s = String::from("x");
            push_u64(&mut s, n);
            prop_assert_eq!(s, format!("x{n}"));
            let v4 = IpAddr::V4(Ipv4Addr::from(a));
            prop_assert_eq!(ip_text(v4), v4.to_string());
            let v6 = IpAddr::V6(Ipv6Addr::from(b));
            prop_assert_eq!(ip_text(v6), v6.to_string());
        }
    }

    /// Alert ids are what the first version derived (one `format!` of the
    /// key), on the sample alerts.
    #[test]
    fn alert_ids_are_unchanged() {
        let sample = include_str!("../../../../examples/data/eve.json");
        let mut n = 0;
        for line in sample.lines() {
            let Some(got) = alert_from_line(line).ok().flatten() else {
                continue;
            };
            let rec = parse_eve_line(line).unwrap();
            let a = rec.alert_ref().cloned().unwrap_or_default();
            let key = format!(
                "{}|{}|{}:{}:{}|{}|{}",
                rec.ts_text.as_deref().unwrap_or(""),
                rec.flow_id.unwrap_or(0),
                a.gid.unwrap_or(1),
                a.signature_id.unwrap_or(0),
                a.rev.unwrap_or(0),
                rec.src_ip.map(|i| i.to_string()).unwrap_or_default(),
                rec.dest_ip.map(|i| i.to_string()).unwrap_or_default(),
            );
            let want = Alert::new("suricata.alert", &key, "", crate::Severity::Info).id;
            assert_eq!(got.id, want, "{line}");
            n += 1;
        }
        assert!(n > 5, "{n}");
    }
}
