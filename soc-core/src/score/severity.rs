//! [`SeverityScorer`]: the minimal scorer used when no `[score]` scorer is
//! configured, and the fallback when a plug-in scorer fails.

use crate::model::{Alert, Score, ScoreFactor, Severity};
use crate::score::{RiskThresholds, Scorer};

/// Alert severity plus 0.4 × the worst enrichment score. Levels come from
/// [`RiskThresholds::default`], the one table every scorer uses.
///
/// ```
/// use soc_core::score::SeverityScorer;
/// use soc_core::{Alert, RiskLevel, Scorer, Severity};
/// let s = SeverityScorer.score(&Alert::new("ssh.brute_force", "198.51.100.23", "t", Severity::Critical));
/// assert_eq!(s.value, 60.0);
/// assert_eq!(s.level, RiskLevel::High);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SeverityScorer;

impl Scorer for SeverityScorer {
    fn name(&self) -> &str {
        "severity"
    }

    fn score(&self, alert: &Alert) -> Score {
        let sev = match alert.severity {
            Severity::Info => 5.0,
            Severity::Low => 15.0,
            Severity::Medium => 30.0,
            Severity::High => 45.0,
            Severity::Critical => 60.0,
        };
        let mut factors = vec![ScoreFactor {
            name: "severity".into(),
            contribution: sev,
            detail: format!("alert severity {}", alert.severity),
        }];
        if let Some(worst) = alert.enrichments.iter().max_by_key(|e| e.score) {
            let c = f64::from(worst.score) * 0.4;
            factors.push(ScoreFactor {
                name: "threat_intel".into(),
                contribution: c,
                detail: format!(
                    "{} says {} ({}) x 0.4",
                    worst.provider, worst.verdict, worst.score
                ),
            });
        }
        let value = factors
            .iter()
            .map(|f| f.contribution)
            .sum::<f64>()
            .clamp(0.0, 100.0);
        Score {
            scorer: "severity".into(),
            value,
            level: RiskThresholds::default().level(value),
            factors,
        }
    }
}
