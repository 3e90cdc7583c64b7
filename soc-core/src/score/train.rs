//! Training the [`ModelScorer`](super::ModelScorer): logistic regression
//! fitted by gradient descent on standardized features with L2
//! regularization, evaluated on a seeded held-out split.
//!
//! # Labelled CSV format
//!
//! A header row naming every column of
//! [`FEATURE_NAMES`] plus `label` (`1` = true
//! positive, `0` = false positive / benign), in any order; other columns
//! (an `alert_id`, a comment) are ignored. `soc triage ALERTS --features`
//! writes such a file with an empty `label` column for an analyst to fill.
//!
//! ```
//! use soc_core::score::features::FEATURE_NAMES;
//! use soc_core::score::train::{train_csv, TrainOptions};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("labeled.csv");
//! let mut csv = format!("{},label\n", FEATURE_NAMES.join(","));
//! for i in 0..40 {
//!     let bad = i % 2 == 0;
//!     let mut row = vec!["0"; FEATURE_NAMES.len()];
//!     row[2] = if bad { "95" } else { "3" }; // abuse_confidence
//!     csv += &format!("{},{}\n", row.join(","), u8::from(bad));
//! }
//! std::fs::write(&path, csv).unwrap();
//! let report = train_csv(&path, &TrainOptions::default()).unwrap();
//! assert!(report.accuracy >= report.baseline_accuracy);
//! ```

use std::path::Path;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

use super::features::FEATURE_NAMES;
use super::model::{sigmoid, LogisticModel};
use crate::error::ScoreError;

/// Training hyper-parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainOptions {
    /// Full-batch gradient-descent iterations.
    pub epochs: usize,
    /// Step size.
    pub learning_rate: f64,
    /// L2 penalty on the weights (not the bias).
    pub l2: f64,
    /// Share of rows held out for evaluation (0 < f < 1).
    pub test_fraction: f64,
    /// Seed of the train/test shuffle.
    pub seed: u64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            epochs: 2000,
            learning_rate: 0.1,
            l2: 0.01,
            test_fraction: 0.25,
            seed: 42,
        }
    }
}

/// What training produced: the model and its held-out evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainReport {
    /// The fitted model (save it with [`LogisticModel::save`]).
    pub model: LogisticModel,
    /// Rows used for fitting.
    pub train_rows: usize,
    /// Rows held out.
    pub test_rows: usize,
    /// Held-out accuracy (threshold 0.5).
    pub accuracy: f64,
    /// Held-out precision (of predicted positives, how many are positive); 0 when none predicted.
    pub precision: f64,
    /// Held-out recall (of positives, how many were found).
    pub recall: f64,
    /// Held-out accuracy of always predicting the training split's majority class.
    pub baseline_accuracy: f64,
    /// The class the baseline predicts (0 or 1).
    pub baseline_label: u8,
    /// Final training loss (mean log-loss plus L2).
    pub train_loss: f64,
}

/// Reads a labelled CSV (see the module docs) into feature rows and labels.
pub fn read_labeled_csv(path: &Path) -> Result<(Vec<Vec<f64>>, Vec<f64>), ScoreError> {
    let name = path.display().to_string();
    let err = |reason: String| ScoreError::Training {
        path: name.clone(),
        reason,
    };
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| err(format!("cannot read: {e}")))?;
    let headers = rdr.headers().map_err(|e| err(e.to_string()))?.clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let mut idx = Vec::new();
    let mut missing = Vec::new();
    for f in FEATURE_NAMES {
        match col(f) {
            Some(i) => idx.push(i),
            None => missing.push(f),
        }
    }
    let label = col("label");
    if label.is_none() {
        missing.push("label");
    }
    if !missing.is_empty() {
        return Err(err(format!(
            "missing columns {}; the header must name {} and label (write one with `soc triage ALERTS --features`)",
            missing.join(","),
            FEATURE_NAMES.join(",")
        )));
    }
    let label = label.unwrap_or_default();
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for (n, rec) in rdr.records().enumerate() {
        let line = n + 2;
        let rec = rec.map_err(|e| err(format!("line {line}: {e}")))?;
        let num = |i: usize, what: &str| -> Result<f64, ScoreError> {
            let cell = rec.get(i).unwrap_or("");
            cell.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    err(format!(
                        "line {line}: {what} '{cell}' is not a finite number"
                    ))
                })
        };
        let y = match rec.get(label).unwrap_or("") {
            "1" | "true" | "tp" => 1.0,
            "0" | "false" | "fp" => 0.0,
            "" => continue, // not yet labelled
            other => {
                return Err(err(format!(
                    "line {line}: label '{other}' must be 1 (true positive) or 0 (false positive)"
                )))
            }
        };
        let x = idx
            .iter()
            .zip(FEATURE_NAMES)
            .map(|(i, f)| num(*i, f))
            .collect::<Result<Vec<_>, _>>()?;
        xs.push(x);
        ys.push(y);
    }
    Ok((xs, ys))
}

/// Trains on a labelled CSV and evaluates on a seeded held-out split.
pub fn train_csv(path: impl AsRef<Path>, opts: &TrainOptions) -> Result<TrainReport, ScoreError> {
    let path = path.as_ref();
    let (xs, ys) = read_labeled_csv(path)?;
    train_rows(&xs, &ys, opts).map_err(|reason| ScoreError::Training {
        path: path.display().to_string(),
        reason,
    })
}

/// Trains on in-memory feature rows (each [`FEATURE_NAMES`] long) and 0/1 labels.
pub fn train_rows(xs: &[Vec<f64>], ys: &[f64], opts: &TrainOptions) -> Result<TrainReport, String> {
    let n_feat = FEATURE_NAMES.len();
    if xs.len() != ys.len() || xs.iter().any(|r| r.len() != n_feat) {
        return Err(format!("every row needs {n_feat} features and a label"));
    }
    if !(opts.test_fraction > 0.0 && opts.test_fraction < 1.0) {
        return Err("test_fraction must be between 0 and 1".into());
    }
    if !(opts.learning_rate > 0.0 && opts.learning_rate.is_finite() && opts.l2 >= 0.0) {
        return Err("learning_rate must be > 0 and l2 >= 0".into());
    }
    let pos = ys.iter().filter(|y| **y > 0.5).count();
    if xs.len() < 10 || pos == 0 || pos == ys.len() {
        return Err(format!(
            "need at least 10 labelled rows with both labels (got {} rows, {pos} positive)",
            xs.len()
        ));
    }
    let mut order: Vec<usize> = (0..xs.len()).collect();
    order.shuffle(&mut rand::rngs::StdRng::seed_from_u64(opts.seed));
    let n_test = ((xs.len() as f64 * opts.test_fraction).round() as usize).clamp(1, xs.len() - 2);
    let (test, train) = order.split_at(n_test);

    let nt = train.len() as f64;
    let mut mean = vec![0.0; n_feat];
    for &i in train {
        for (m, x) in mean.iter_mut().zip(&xs[i]) {
            *m += x / nt;
        }
    }
    let mut std = vec![0.0; n_feat];
    for &i in train {
        for ((s, x), m) in std.iter_mut().zip(&xs[i]).zip(&mean) {
            *s += (x - m).powi(2) / nt;
        }
    }
    for s in &mut std {
        *s = if *s > 1e-12 { s.sqrt() } else { 1.0 };
    }
    let mut model = LogisticModel {
        version: 1,
        features: FEATURE_NAMES.iter().map(|s| s.to_string()).collect(),
        mean,
        std,
        weights: vec![0.0; n_feat],
        bias: 0.0,
    };
    let zs: Vec<Vec<f64>> = train.iter().map(|&i| model.standardize(&xs[i])).collect();
    let yt: Vec<f64> = train.iter().map(|&i| ys[i]).collect();
    let mut loss = f64::NAN;
    for _ in 0..opts.epochs {
        let mut gw = vec![0.0; n_feat];
        let mut gb = 0.0;
        loss = 0.0;
        for (z, y) in zs.iter().zip(&yt) {
            let p = sigmoid(model.logit(z));
            let d = p - y;
            for (g, x) in gw.iter_mut().zip(z) {
                *g += d * x / nt;
            }
            gb += d / nt;
            let p = p.clamp(1e-12, 1.0 - 1e-12);
            loss -= (y * p.ln() + (1.0 - y) * (1.0 - p).ln()) / nt;
        }
        loss += 0.5 * opts.l2 * model.weights.iter().map(|w| w * w).sum::<f64>();
        for (w, g) in model.weights.iter_mut().zip(&gw) {
            *w -= opts.learning_rate * (g + opts.l2 * *w);
        }
        model.bias -= opts.learning_rate * gb;
    }
    model.validate()?;

    let baseline_label = u8::from(yt.iter().sum::<f64>() * 2.0 >= nt);
    let (mut tp, mut fp, mut tn, mut fn_, mut base_ok) = (0usize, 0usize, 0usize, 0usize, 0usize);
    for &i in test {
        let pred = model.probability(&xs[i]) >= 0.5;
        let actual = ys[i] > 0.5;
        match (pred, actual) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, false) => tn += 1,
            (false, true) => fn_ += 1,
        }
        if actual == (baseline_label == 1) {
            base_ok += 1;
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    Ok(TrainReport {
        model,
        train_rows: train.len(),
        test_rows: test.len(),
        accuracy: ratio(tp + tn, test.len()),
        precision: ratio(tp, tp + fp),
        recall: ratio(tp, tp + fn_),
        baseline_accuracy: ratio(base_ok, test.len()),
        baseline_label,
        train_loss: loss,
    })
}
