//! Triage: scorers turn an alert into an explained [`Score`].

use crate::model::{Alert, Score};

/// Scores an alert. CPU-only, so synchronous.
pub trait Scorer: Send + Sync {
    /// Scorer name.
    fn name(&self) -> &str;
    /// The score, with factors explaining it.
    fn score(&self, alert: &Alert) -> Score;
}
