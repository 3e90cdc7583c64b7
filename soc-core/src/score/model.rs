//! The model scorer: logistic regression over [`features`](super::features()).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::features::{features, FEATURE_NAMES};
use super::{RiskThresholds, Scorer};
use crate::error::ScoreError;
use crate::model::{Alert, Score, ScoreFactor};

/// The model file format written by `soc triage train`: feature names, the
/// standardization fitted on the training split, weights and bias.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogisticModel {
    /// Format version (1).
    pub version: u32,
    /// Feature names, in [`FEATURE_NAMES`] order.
    pub features: Vec<String>,
    /// Per-feature mean used to standardize.
    pub mean: Vec<f64>,
    /// Per-feature standard deviation used to standardize (1 when constant).
    pub std: Vec<f64>,
    /// Per-feature weights on the standardized features.
    pub weights: Vec<f64>,
    /// Intercept.
    pub bias: f64,
}

impl LogisticModel {
    /// Checks that the model matches this build's features and is finite.
    pub fn validate(&self) -> Result<(), String> {
        if self.version != 1 {
            return Err(format!("unsupported version {}; expected 1", self.version));
        }
        let names: Vec<&str> = self.features.iter().map(String::as_str).collect();
        if names != FEATURE_NAMES {
            return Err(format!(
                "features {names:?} do not match this soc version's {FEATURE_NAMES:?}; retrain with `soc triage train`"
            ));
        }
        let n = FEATURE_NAMES.len();
        if self.mean.len() != n || self.std.len() != n || self.weights.len() != n {
            return Err(format!("mean, std and weights must have {n} entries each"));
        }
        let all = self
            .mean
            .iter()
            .chain(&self.std)
            .chain(&self.weights)
            .chain(std::iter::once(&self.bias));
        if all.clone().any(|v| !v.is_finite()) || self.std.iter().any(|s| *s <= 0.0) {
            return Err("values must be finite and std > 0".into());
        }
        Ok(())
    }

    /// Standardized features of an alert.
    pub fn standardize(&self, raw: &[f64]) -> Vec<f64> {
        raw.iter()
            .zip(self.mean.iter().zip(&self.std))
            .map(|(x, (m, s))| (x - m) / s)
            .collect()
    }

    /// The logit (log-odds) of standardized features `z`.
    pub fn logit(&self, z: &[f64]) -> f64 {
        self.bias + z.iter().zip(&self.weights).map(|(x, w)| x * w).sum::<f64>()
    }

    /// Probability (0..=1) that an alert with raw features `raw` is a true positive.
    pub fn probability(&self, raw: &[f64]) -> f64 {
        sigmoid(self.logit(&self.standardize(raw)))
    }

    /// Writes the model as pretty JSON.
    pub fn save(&self, path: &Path) -> Result<(), ScoreError> {
        let text = serde_json::to_string_pretty(self).map_err(|e| ScoreError::Model {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        std::fs::write(path, text + "\n").map_err(|e| ScoreError::Model {
            path: path.display().to_string(),
            reason: format!("cannot write: {e}"),
        })
    }
}

/// The logistic function, safe for any finite input.
pub(crate) fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// Scores alerts with a trained [`LogisticModel`]: the value is 100 x the
/// predicted probability of a true positive.
///
/// The explanation is additive: a `baseline` factor (the probability of an
/// average alert) plus one factor per feature, each feature's logit term
/// scaled so that all factors add up to the value.
///
/// ```no_run
/// use soc_core::score::{ModelScorer, Scorer};
/// use soc_core::{Alert, Severity};
/// let scorer = ModelScorer::load("model.json")?;
/// let s = scorer.score(&Alert::new("ssh.brute_force", "k", "t", Severity::High));
/// println!("{} {}", s.value, s.level);
/// # Ok::<(), soc_core::ScoreError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ModelScorer {
    model: LogisticModel,
    thresholds: RiskThresholds,
}

impl ModelScorer {
    /// A scorer for a model (validated).
    pub fn new(model: LogisticModel) -> Result<Self, ScoreError> {
        model.validate().map_err(|reason| ScoreError::Model {
            path: "<in memory>".into(),
            reason,
        })?;
        Ok(ModelScorer {
            model,
            thresholds: RiskThresholds::default(),
        })
    }

    /// Loads and validates a model file written by `soc triage train`.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ScoreError> {
        let path = path.as_ref();
        let err = |reason: String| ScoreError::Model {
            path: path.display().to_string(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(format!("cannot read: {e}")))?;
        let model: LogisticModel =
            serde_json::from_str(&text).map_err(|e| err(format!("invalid JSON: {e}")))?;
        model.validate().map_err(err)?;
        Ok(ModelScorer {
            model,
            thresholds: RiskThresholds::default(),
        })
    }

    /// The same scorer with other thresholds.
    pub fn with_thresholds(mut self, thresholds: RiskThresholds) -> Self {
        self.thresholds = thresholds;
        self
    }

    /// The model.
    pub fn model(&self) -> &LogisticModel {
        &self.model
    }
}

impl Scorer for ModelScorer {
    fn name(&self) -> &str {
        "model"
    }

    fn score(&self, alert: &Alert) -> Score {
        let m = &self.model;
        let raw = features(alert);
        let z = m.standardize(&raw);
        let terms: Vec<f64> = z.iter().zip(&m.weights).map(|(x, w)| x * w).collect();
        let total: f64 = terms.iter().sum();
        let base = 100.0 * sigmoid(m.bias);
        let value = 100.0 * sigmoid(m.bias + total);
        // Secant slope of 100*sigmoid between bias and bias+total: always in (0, 25].
        let k = if total.abs() > 1e-12 {
            (value - base) / total
        } else {
            let s = sigmoid(m.bias);
            100.0 * s * (1.0 - s)
        };
        let mut factors = vec![ScoreFactor {
            name: "baseline".into(),
            contribution: base,
            detail: format!("average alert: {base:.1}"),
        }];
        for (i, t) in terms.iter().enumerate() {
            if *t == 0.0 {
                continue;
            }
            factors.push(ScoreFactor {
                name: FEATURE_NAMES[i].to_string(),
                contribution: t * k,
                detail: format!(
                    "{} = {} (z {:+.2}) x weight {:+.3} = logit {:+.3}",
                    FEATURE_NAMES[i], raw[i], z[i], m.weights[i], t
                ),
            });
        }
        let value = if value.is_finite() { value } else { 0.0 };
        Score {
            scorer: "model".into(),
            value,
            level: self.thresholds.level(value),
            factors,
        }
    }
}
