//! Numeric features of an alert, shared by training rows and model scoring.
//!
//! The same extractor builds the columns of a labelled training CSV
//! (`soc triage --features`) and the input of [`ModelScorer`](super::ModelScorer),
//! so a model can never be trained on one definition and applied to another.

use std::net::IpAddr;

use crate::model::{AddrClass, Alert, Severity, Verdict};

/// Alert kinds with their own one-hot column; anything else sets `kind_other`.
pub const KNOWN_KINDS: [&str; 5] = [
    "ssh.brute_force",
    "ssh.password_spraying",
    "ssh.success_after_failures",
    "ssh.distributed_attack",
    "suricata.alert",
];

/// The feature names, in the order [`features`] returns them. These are the
/// column names of a training CSV (plus `label`).
pub const FEATURE_NAMES: [&str; 15] = [
    "severity",
    "log_count",
    "abuse_confidence",
    "vt_malicious",
    "list_hit",
    "intel_malicious",
    "intel_suspicious",
    "internal_src",
    "port_risk",
    "kind_ssh_brute_force",
    "kind_ssh_password_spraying",
    "kind_ssh_success_after_failures",
    "kind_ssh_distributed_attack",
    "kind_suricata_alert",
    "kind_other",
];

/// Severity on a 0 (info) ..= 4 (critical) scale.
pub fn severity_rank(s: Severity) -> f64 {
    match s {
        Severity::Info => 0.0,
        Severity::Low => 1.0,
        Severity::Medium => 2.0,
        Severity::High => 3.0,
        Severity::Critical => 4.0,
    }
}

/// Risk of a targeted port on a 0..=1 scale: remote-administration and
/// database ports are the most attacked and the most damaging.
pub fn port_risk(port: u16) -> f64 {
    match port {
        22 | 23 | 3389 | 445 | 5985 | 5986 | 5900 => 1.0,
        1433 | 3306 | 5432 | 6379 | 9200 | 27017 | 11211 | 2375 => 0.8,
        21 | 139 | 135 | 161 | 389 | 636 => 0.5,
        25 | 110 | 143 | 465 | 587 | 993 | 995 => 0.3,
        80 | 443 | 8080 | 8443 => 0.2,
        _ => 0.0,
    }
}

/// Whether an address is internal: private, loopback, link-local or
/// unique-local ([`AddrClass::is_internal`]).
pub fn is_internal(ip: IpAddr) -> bool {
    AddrClass::of(ip).is_internal()
}

/// The highest AbuseIPDB confidence (0..=100) among the alert's enrichments.
pub fn abuse_confidence(alert: &Alert) -> Option<f64> {
    alert
        .enrichments
        .iter()
        .filter(|e| e.provider == "abuseipdb")
        .map(|e| f64::from(e.score))
        .reduce(f64::max)
}

/// The highest VirusTotal malicious-engine count among the alert's enrichments.
pub fn vt_malicious(alert: &Alert) -> Option<f64> {
    alert
        .enrichments
        .iter()
        .filter(|e| e.provider == "virustotal")
        .map(|e| f64::from(e.facts.malicious.unwrap_or(0)))
        .reduce(f64::max)
}

/// Whether a local threat-intel list (provider `lists`) flagged an indicator.
pub fn list_hit(alert: &Alert) -> bool {
    alert
        .enrichments
        .iter()
        .any(|e| e.provider == "lists" && e.verdict >= Verdict::Suspicious)
}

/// The feature vector of an alert, in [`FEATURE_NAMES`] order. Total: any
/// alert (even an empty one) gives finite values.
///
/// ```
/// use soc_core::{Alert, Severity};
/// use soc_core::score::features::{features, FEATURE_NAMES};
///
/// let mut a = Alert::new("ssh.brute_force", "198.51.100.23", "SSH brute force", Severity::High);
/// a.count = 412;
/// a.dst_port = Some(22);
/// let f = features(&a);
/// assert_eq!(f.len(), FEATURE_NAMES.len());
/// assert_eq!(f[0], 3.0); // severity high
/// assert_eq!(f[8], 1.0); // port 22 is high-risk
/// assert_eq!(f[9], 1.0); // kind_ssh_brute_force
/// ```
pub fn features(alert: &Alert) -> Vec<f64> {
    let verdict_count =
        |v: Verdict| alert.enrichments.iter().filter(|e| e.verdict == v).count() as f64;
    let mut out = vec![
        severity_rank(alert.severity),
        (alert.count as f64).ln_1p(),
        abuse_confidence(alert).unwrap_or(0.0),
        vt_malicious(alert).unwrap_or(0.0),
        if list_hit(alert) { 1.0 } else { 0.0 },
        verdict_count(Verdict::Malicious),
        verdict_count(Verdict::Suspicious),
        if alert.src_ip.is_some_and(is_internal) {
            1.0
        } else {
            0.0
        },
        alert.dst_port.map(port_risk).unwrap_or(0.0),
    ];
    let known = KNOWN_KINDS.iter().position(|k| *k == alert.kind);
    for i in 0..KNOWN_KINDS.len() {
        out.push(if known == Some(i) { 1.0 } else { 0.0 });
    }
    out.push(if known.is_none() { 1.0 } else { 0.0 });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Enrichment, Indicator, IndicatorKind};

    #[test]
    fn enrichment_features() {
        let mut a = Alert::new("custom.thing", "k", "t", Severity::Low);
        a.src_ip = Some("10.0.0.5".parse().unwrap());
        let ip = Indicator::new(IndicatorKind::Ipv4, "10.0.0.5");
        let mut abuse = Enrichment::unknown("abuseipdb", &ip).with_ttl(60);
        abuse.score = 87;
        abuse.verdict = Verdict::Malicious;
        let mut vt = Enrichment::unknown("virustotal", &ip).with_ttl(60);
        vt.facts.malicious = Some(7);
        vt.verdict = Verdict::Suspicious;
        let mut list = Enrichment::unknown("lists", &ip).with_ttl(60);
        list.verdict = Verdict::Malicious;
        a.enrichments = vec![abuse, vt, list];
        let f = features(&a);
        assert_eq!(f[2], 87.0);
        assert_eq!(f[3], 7.0);
        assert_eq!(f[4], 1.0);
        assert_eq!(f[5], 2.0);
        assert_eq!(f[6], 1.0);
        assert_eq!(f[7], 1.0);
        assert_eq!(*f.last().unwrap(), 1.0, "unknown kind sets kind_other");
        assert!(f.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn huge_count_is_finite() {
        let mut a = Alert::new("x", "k", "t", Severity::Info);
        a.count = u64::MAX;
        assert!(features(&a).iter().all(|v| v.is_finite()));
    }
}
