//! Triage: scorers turn an alert into an explained [`Score`](crate::model::Score).
//!
//! * [`WeightedScorer`]: transparent additive factors (threat intel, local
//!   lists, severity, kind, repetition, source, port, asset, country) whose
//!   contributions add up to the score.
//! * [`ModelScorer`]: a logistic-regression model trained on analyst labels
//!   with [`train::train_csv`], over the same [`features`](mod@features) used for training.
//!
//! [`ScoringConfig`] picks one and sets the risk-level thresholds.
//!
//! ```
//! use soc_core::score::{ScoringConfig, Scorer};
//! use soc_core::{Alert, Severity, RiskLevel};
//!
//! let scorer = ScoringConfig::default().build().unwrap();
//! let mut alert = Alert::new("ssh.brute_force", "198.51.100.23", "SSH brute force", Severity::High);
//! alert.count = 40;
//! alert.dst_port = Some(22);
//! let score = scorer.score(&alert);
//! assert!(score.level >= RiskLevel::Medium);
//! assert!(!score.factors.is_empty());
//! ```

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::ScoreError;

pub mod features;
mod model;
mod scorer;
mod severity;
pub mod train;
mod weighted;

pub use features::features;
pub use model::{LogisticModel, ModelScorer};
pub use scorer::{RiskThresholds, Scorer};
pub use severity::SeverityScorer;
pub use weighted::{WeightedConfig, WeightedScorer};

/// Which scorer to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScorerKind {
    /// [`WeightedScorer`].
    #[default]
    Weighted,
    /// [`ModelScorer`] (needs `model_path`).
    Model,
}

/// The `[score]` section of `soc.toml`: which scorer, its settings and the thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ScoringConfig {
    /// `weighted` (default) or `model`.
    pub scorer: ScorerKind,
    /// Risk-level thresholds.
    pub thresholds: RiskThresholds,
    /// Weights of the weighted scorer.
    pub weighted: WeightedConfig,
    /// The model file written by `soc triage train` (for `scorer = "model"`).
    pub model_path: Option<PathBuf>,
}

impl ScoringConfig {
    /// Builds the configured scorer.
    pub fn build(&self) -> Result<Box<dyn Scorer>, ScoreError> {
        self.thresholds
            .validate()
            .map_err(|reason| ScoreError::Model {
                path: "score.thresholds".into(),
                reason,
            })?;
        match self.scorer {
            ScorerKind::Weighted => Ok(Box::new(WeightedScorer::with_thresholds(
                self.weighted.clone(),
                self.thresholds,
            ))),
            ScorerKind::Model => {
                let path = self.model_path.as_ref().ok_or_else(|| ScoreError::Model {
                    path: "score.model_path".into(),
                    reason: "scorer = \"model\" needs model_path; train one with `soc triage train LABELED.csv -o model.json`".into(),
                })?;
                Ok(Box::new(
                    ModelScorer::load(path)?.with_thresholds(self.thresholds),
                ))
            }
        }
    }
}
