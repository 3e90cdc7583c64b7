//! Alerts raised by detectors and sensors.

use std::fmt;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Enrichment, Event, Indicator};

/// Severity on a common scale (Suricata's 1..4, syslog levels and tool
/// severities are mapped onto it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Informational.
    Info,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// The output name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Parses a severity written as a name (`high`, `Critical`, `warning`)
    /// or a number on a 1 (most severe, Suricata) .. 4 scale.
    ///
    /// ```
    /// use soc_core::Severity;
    /// assert_eq!(Severity::parse_loose("1"), Some(Severity::High));
    /// assert_eq!(Severity::parse_loose("CRITICAL"), Some(Severity::Critical));
    /// ```
    pub fn parse_loose(s: &str) -> Option<Severity> {
        let s = s.trim().to_ascii_lowercase();
        Some(match s.as_str() {
            "info" | "informational" | "information" | "notice" | "debug" => Severity::Info,
            "low" | "minor" => Severity::Low,
            "medium" | "moderate" | "warning" | "warn" => Severity::Medium,
            "high" | "major" | "error" | "severe" => Severity::High,
            "critical" | "crit" | "emergency" | "alert" | "fatal" => Severity::Critical,
            "1" => Severity::High,
            "2" => Severity::Medium,
            "3" => Severity::Low,
            "4" => Severity::Info,
            _ => return None,
        })
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A MITRE ATT&CK reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AttackRef {
    /// Technique id, e.g. `T1110.001`.
    pub technique_id: String,
    /// Technique name, e.g. `Password Guessing`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub technique_name: Option<String>,
    /// Tactic id, e.g. `TA0006`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tactic_id: Option<String>,
    /// Tactic name, e.g. `credential-access`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tactic_name: Option<String>,
}

/// What a detector or a sensor raised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Stable id: the same alert from the same evidence gets the same id, so
    /// re-running over a file does not create duplicates.
    pub id: String,
    /// Kind, e.g. `ssh.brute_force`, `ssh.success_after_failures`, `suricata.alert`.
    pub kind: String,
    /// One-line human title.
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// Which detector or sensor raised it.
    pub source: String,
    /// Source address (the attacker, usually).
    pub src_ip: Option<IpAddr>,
    /// Destination address.
    pub dst_ip: Option<IpAddr>,
    /// Destination port.
    pub dst_port: Option<u16>,
    /// User involved.
    pub user: Option<String>,
    /// Host the alert is about (where it was logged).
    pub host: Option<String>,
    /// First evidence time.
    pub first_seen: Option<DateTime<Utc>>,
    /// Last evidence time.
    pub last_seen: Option<DateTime<Utc>>,
    /// How many events are behind it.
    pub count: u64,
    /// ATT&CK techniques.
    #[serde(default)]
    pub attack: Vec<AttackRef>,
    /// Indicators involved.
    #[serde(default)]
    pub indicators: Vec<Indicator>,
    /// Evidence events (bounded; `count` has the full number).
    #[serde(default)]
    pub events: Vec<Event>,
    /// Enrichments gathered for its indicators.
    #[serde(default)]
    pub enrichments: Vec<Enrichment>,
    /// Extra fields (signature id, category, ...).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub fields: serde_json::Map<String, serde_json::Value>,
}

impl Alert {
    /// A new alert with an id derived from `kind` and `key` (for example the
    /// source address and first-seen time), so that it is stable across runs.
    ///
    /// ```
    /// use soc_core::{Alert, Severity};
    /// let a = Alert::new("ssh.brute_force", "198.51.100.23", "SSH brute force", Severity::High);
    /// let b = Alert::new("ssh.brute_force", "198.51.100.23", "other title", Severity::Low);
    /// assert_eq!(a.id, b.id);
    /// ```
    pub fn new(
        kind: impl Into<String>,
        key: &str,
        title: impl Into<String>,
        severity: Severity,
    ) -> Self {
        let kind = kind.into();
        let id = stable_id(&kind, key);
        Alert {
            id,
            kind,
            title: title.into(),
            severity,
            source: String::new(),
            src_ip: None,
            dst_ip: None,
            dst_port: None,
            user: None,
            host: None,
            first_seen: None,
            last_seen: None,
            count: 0,
            attack: Vec::new(),
            indicators: Vec::new(),
            events: Vec::new(),
            enrichments: Vec::new(),
            fields: serde_json::Map::new(),
        }
    }
}

/// A short stable hex id of `kind` and `key` (SHA-256, first 16 hex digits).
pub(crate) fn stable_id(kind: &str, key: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(kind.as_bytes());
    h.update([0u8]);
    h.update(key.as_bytes());
    let digest = h.finalize();
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut id = String::with_capacity(16);
    for b in digest.iter().take(8) {
        id.push(char::from(HEX[usize::from(b >> 4)]));
        id.push(char::from(HEX[usize::from(b & 15)]));
    }
    id
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    /// The id as it was first written (one `format!` per byte).
    fn reference_id(kind: &str, key: &str) -> String {
        let mut h = Sha256::new();
        h.update(kind.as_bytes());
        h.update([0u8]);
        h.update(key.as_bytes());
        let digest = h.finalize();
        digest[..8].iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn stable_id_is_unchanged() {
        for i in 0..500u32 {
            let key = format!(
                "2026-11-21T02:14:40.{i:06}+0000|{}|1:2001219:3|10.0.0.{i}|::1",
                i * 7919
            );
            let id = super::stable_id("suricata.alert", &key);
            assert_eq!(id, reference_id("suricata.alert", &key));
            assert_eq!(id.len(), 16);
        }
        assert_eq!(super::stable_id("", ""), reference_id("", ""));
    }
}
