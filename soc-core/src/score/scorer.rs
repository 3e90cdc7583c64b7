//! The [`Scorer`] trait and the [`RiskThresholds`] that turn every
//! scorer's value into a risk level. A leaf: the scorers use it.

use serde::{Deserialize, Serialize};

use crate::model::{Alert, RiskLevel, Score};

/// Scores an alert. CPU-only, so synchronous.
pub trait Scorer: Send + Sync {
    /// Scorer name.
    fn name(&self) -> &str;
    /// The score, with factors explaining it.
    fn score(&self, alert: &Alert) -> Score;
}

/// Score thresholds (0..=100) at which each risk level starts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RiskThresholds {
    /// Scores at or above this are `medium`.
    pub medium: f64,
    /// Scores at or above this are `high`.
    pub high: f64,
    /// Scores at or above this are `critical`.
    pub critical: f64,
}

impl Default for RiskThresholds {
    fn default() -> Self {
        RiskThresholds {
            medium: 30.0,
            high: 55.0,
            critical: 80.0,
        }
    }
}

impl RiskThresholds {
    /// The level of a (clamped) score.
    ///
    /// ```
    /// use soc_core::score::RiskThresholds;
    /// use soc_core::RiskLevel;
    /// let t = RiskThresholds::default();
    /// assert_eq!(t.level(10.0), RiskLevel::Low);
    /// assert_eq!(t.level(80.0), RiskLevel::Critical);
    /// ```
    pub fn level(&self, value: f64) -> RiskLevel {
        if value >= self.critical {
            RiskLevel::Critical
        } else if value >= self.high {
            RiskLevel::High
        } else if value >= self.medium {
            RiskLevel::Medium
        } else {
            RiskLevel::Low
        }
    }

    /// Checks that the thresholds are finite and increasing.
    pub fn validate(&self) -> Result<(), String> {
        let ok = [self.medium, self.high, self.critical]
            .iter()
            .all(|v| v.is_finite())
            && self.medium <= self.high
            && self.high <= self.critical;
        if ok {
            Ok(())
        } else {
            Err(format!(
                "thresholds must be finite and medium <= high <= critical (got {}, {}, {})",
                self.medium, self.high, self.critical
            ))
        }
    }
}
