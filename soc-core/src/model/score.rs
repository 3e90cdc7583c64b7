//! Triage scores that explain themselves.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Risk level derived from a score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl RiskLevel {
    /// The output name.
    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::Low => "low",
            RiskLevel::Medium => "medium",
            RiskLevel::High => "high",
            RiskLevel::Critical => "critical",
        }
    }
}

impl fmt::Display for RiskLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One factor's contribution to a score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreFactor {
    /// Factor name, e.g. `abuseipdb_confidence`.
    pub name: String,
    /// Points this factor added (may be negative).
    pub contribution: f64,
    /// Human explanation, e.g. "AbuseIPDB confidence 100 x 0.25".
    pub detail: String,
}

/// A triage result: value, level and the factors that add up to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// Which scorer produced it.
    pub scorer: String,
    /// 0..=100.
    pub value: f64,
    /// Risk level.
    pub level: RiskLevel,
    /// Contributions; for additive scorers they sum to `value` before clamping.
    pub factors: Vec<ScoreFactor>,
}
