//! Indicators of an alert: its source and destination addresses plus what
//! the IOC extractor finds in its text (title, signature and other string
//! fields, evidence lines), and which of them go to enrichment.
//!
//! ```
//! use soc_core::model::{Alert, IndicatorKind, Severity};
//! use soc_core::pipeline::indicators::{attach_indicators, enrichable};
//! let mut a = Alert::new("ssh.brute_force", "k", "SSH brute force", Severity::High);
//! a.src_ip = Some("203.0.113.7".parse().unwrap());
//! a.dst_ip = Some("10.0.0.5".parse().unwrap());
//! attach_indicators(&mut a);
//! assert_eq!(a.indicators.len(), 2);
//! let kinds = [IndicatorKind::Ipv4];
//! let ext: Vec<_> = a.indicators.iter().filter(|i| enrichable(i, &kinds, false)).collect();
//! assert_eq!(ext.len(), 1, "the private destination is not enriched");
//! ```

use std::collections::HashSet;
use std::net::IpAddr;

use crate::model::{ip_tags, AddrClass, Alert, Indicator, IndicatorKind};

/// Evidence lines scanned for indicators per alert (bounded for speed).
const MAX_EVIDENCE_LINES: usize = 5;

fn ip_indicator(ip: IpAddr) -> Indicator {
    let kind = if ip.is_ipv4() {
        IndicatorKind::Ipv4
    } else {
        IndicatorKind::Ipv6
    };
    let mut ind = Indicator::new(kind, ip.to_string());
    ind.tags = ip_tags(ip);
    ind
}

/// The alert's text worth scanning for indicators.
fn alert_text(alert: &Alert) -> String {
    let mut text = alert.title.clone();
    for v in alert.fields.values() {
        if let Some(s) = v.as_str() {
            text.push('\n');
            text.push_str(s);
        }
    }
    for e in alert.events.iter().take(MAX_EVIDENCE_LINES) {
        text.push('\n');
        text.push_str(&e.raw);
    }
    text
}

/// Adds the alert's indicators to `alert.indicators` (keeping any already
/// there, without duplicates).
pub fn attach_indicators(alert: &mut Alert) {
    let mut seen: HashSet<(IndicatorKind, String)> = alert
        .indicators
        .iter()
        .map(|i| (i.kind, i.value.clone()))
        .collect();
    let mut found: Vec<Indicator> = Vec::new();
    found.extend(alert.src_ip.map(ip_indicator));
    found.extend(alert.dst_ip.map(ip_indicator));
    found.extend(super::wiring::text_indicators(&alert_text(alert)));
    for ind in found {
        if seen.insert((ind.kind, ind.value.clone())) {
            alert.indicators.push(ind);
        }
    }
}

/// Bounds `alert`'s evidence to `max_events` and attaches its indicators
/// (which read the first few evidence lines): the part of preparing an
/// alert that needs nothing but the alert, so any thread may do it.
pub(super) fn bound_and_attach(alert: &mut Alert, max_events: usize) {
    alert.events.truncate(max_events);
    attach_indicators(alert);
}

/// Whether `ind` should be enriched: its kind is in `kinds` and, unless
/// `include_private`, it is not a private, loopback, link-local, multicast
/// or reserved address. Documentation ranges count as external (they are
/// what examples and tests use for attackers).
pub fn enrichable(ind: &Indicator, kinds: &[IndicatorKind], include_private: bool) -> bool {
    if !kinds.contains(&ind.kind) {
        return false;
    }
    if include_private {
        return true;
    }
    match ind.ip() {
        Some(ip) => AddrClass::of(ip).is_public(),
        None => ind
            .tags
            .iter()
            .filter_map(|t| AddrClass::from_tag(*t))
            .all(AddrClass::is_public),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Severity;

    #[test]
    fn no_duplicates_and_private_filtered() {
        let mut a = Alert::new("k", "x", "t", Severity::Low);
        a.src_ip = Some("127.0.0.1".parse().unwrap());
        a.indicators
            .push(Indicator::new(IndicatorKind::Ipv4, "127.0.0.1"));
        attach_indicators(&mut a);
        assert_eq!(
            a.indicators
                .iter()
                .filter(|i| i.value == "127.0.0.1")
                .count(),
            1
        );
        assert!(!enrichable(&a.indicators[0], &[IndicatorKind::Ipv4], false));
        assert!(enrichable(&a.indicators[0], &[IndicatorKind::Ipv4], true));
        assert!(!enrichable(
            &a.indicators[0],
            &[IndicatorKind::Domain],
            true
        ));
    }
}
