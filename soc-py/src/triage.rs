//! Bindings for triage and the notify/ticket responders.
//!
//! * `WeightedScorer`, `ModelScorer`, `features`, `FEATURE_NAMES`, `train`, `score_alerts`.
//! * Responders `EmailNotifier`, `SlackNotifier`, `WebhookNotifier`,
//!   `TheHive`, `Jira`, `TicketFile` (keyword arguments = the `soc.toml`
//!   section's keys), and `run_responders`.
//! * Adapters [`PyScorer`] and [`PyResponder`] let any Python object with a
//!   `score(alert)` or `respond(alert, dry_run)` method stand in for a Rust
//!   scorer or responder; the pipeline bindings reuse them.

use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple, PyType};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use soc_core::score::features::FEATURE_NAMES;
use soc_core::score::train::{train_csv, TrainOptions};
use soc_core::score::{LogisticModel, RiskThresholds, SeverityScorer, WeightedConfig};
use soc_core::{Alert, Score, ScoreError, ScoreFactor, Scorer};

use crate::convert::{from_py_data, rebuilt_by_type, to_py_data, Reduced, Repr};
use crate::errors::{config_error, kwargs_error, to_py};

fn value_err(e: impl std::fmt::Display) -> PyErr {
    config_error(e.to_string())
}

/// Failures of plug-in (Python) scorers and responders, shared between the
/// adapters and the pipeline that reports them after a run.
#[derive(Clone, Default)]
pub(crate) struct FailureLog(Arc<Mutex<Vec<String>>>);

impl FailureLog {
    /// Records one failure.
    pub(crate) fn push(&self, what: String) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(what);
    }

    /// The failures recorded so far, leaving the log empty.
    pub(crate) fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// An alert from Python: a dict in the serde form of `soc_core::Alert`, or
/// any object with `to_dict()`. Missing `id`, `title`, `source`, `count`
/// get defaults (`id` is the stable id of kind and source address).
pub(crate) fn alert_from_py(obj: &Bound<'_, PyAny>) -> PyResult<Alert> {
    let data = if obj.hasattr("to_dict")? && !obj.is_instance_of::<PyDict>() {
        from_py_data(&obj.call_method0("to_dict")?)?
    } else {
        from_py_data(obj)?
    };
    soc_core::parse::json_csv::soc_alert_from_json(data).map_err(config_error)
}

fn from_kwargs<T: DeserializeOwned>(
    class: &str,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<(T, Value)> {
    let raw = match kwargs {
        Some(k) => from_py_data(k.as_any())?,
        None => Value::Object(Default::default()),
    };
    let cfg = serde_json::from_value(raw.clone()).map_err(|e| kwargs_error(class, &e))?;
    Ok((cfg, raw))
}

fn redacted_dict<T: Serialize>(py: Python<'_>, cfg: &T) -> PyResult<PyObject> {
    to_py_data(py, cfg)
}

// ---- scorers ---------------------------------------------------------------

/// The base of the Rust scorers.
#[pyclass(module = "soc_core", subclass, name = "_RustScorer", frozen)]
pub(crate) struct RustScorer {
    inner: Arc<dyn Scorer>,
}

fn score_py(py: Python<'_>, scorer: &dyn Scorer, alert: &Bound<'_, PyAny>) -> PyResult<PyObject> {
    let a = alert_from_py(alert)?;
    to_py_data(py, &scorer.score(&a))
}

#[pymethods]
impl RustScorer {
    /// Scores an alert; returns the score as a dict (`value`, `level`, `factors`).
    fn score(&self, py: Python<'_>, alert: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        score_py(py, self.inner.as_ref(), alert)
    }

    /// The scorer's name.
    #[getter]
    fn name(&self) -> String {
        self.inner.name().to_string()
    }
}

/// The weighted, explainable scorer.
#[pyclass(module = "soc_core", extends = RustScorer, frozen)]
pub(crate) struct WeightedScorer {
    config: WeightedConfig,
    thresholds: RiskThresholds,
}

#[pymethods]
impl WeightedScorer {
    #[new]
    #[pyo3(signature = (config = None, thresholds = None))]
    fn new(
        config: Option<&Bound<'_, PyAny>>,
        thresholds: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<(Self, RustScorer)> {
        let config: WeightedConfig = match config {
            Some(c) if !c.is_none() => {
                serde_json::from_value(from_py_data(c)?).map_err(value_err)?
            }
            _ => WeightedConfig::default(),
        };
        let thresholds: RiskThresholds = match thresholds {
            Some(t) if !t.is_none() => {
                serde_json::from_value(from_py_data(t)?).map_err(value_err)?
            }
            _ => RiskThresholds::default(),
        };
        thresholds.validate().map_err(value_err)?;
        let inner = soc_core::score::WeightedScorer::with_thresholds(config.clone(), thresholds);
        Ok((
            WeightedScorer { config, thresholds },
            RustScorer {
                inner: Arc::new(inner),
            },
        ))
    }

    /// The weights and thresholds as a dict.
    fn to_dict(&self, py: Python<'_>) -> PyResult<PyObject> {
        to_py_data(
            py,
            &serde_json::json!({"config": self.config, "thresholds": self.thresholds}),
        )
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        Repr::new(py, "WeightedScorer")
            .field("medium", self.thresholds.medium)
            .field("high", self.thresholds.high)
            .field("critical", self.thresholds.critical)
            .finish()
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Reduced<'py>> {
        let py = slf.py();
        let me = slf.get();
        let args = (to_py_data(py, &me.config)?, to_py_data(py, &me.thresholds)?);
        rebuilt_by_type(slf, args)
    }
}

/// The logistic-regression scorer trained with `train()`.
#[pyclass(module = "soc_core", extends = RustScorer, frozen)]
pub(crate) struct ModelScorer {
    model: LogisticModel,
}

#[pymethods]
impl ModelScorer {
    /// Loads a model file written by `train()` / `soc triage train`.
    #[new]
    fn new(py: Python<'_>, path: std::path::PathBuf) -> PyResult<(Self, RustScorer)> {
        let s = py
            .allow_threads(|| soc_core::score::ModelScorer::load(&path))
            .map_err(to_py)?;
        Ok((
            ModelScorer {
                model: s.model().clone(),
            },
            RustScorer { inner: Arc::new(s) },
        ))
    }

    /// A scorer from a model dict (as `to_dict()` returns).
    #[classmethod]
    fn from_dict(cls: &Bound<'_, PyType>, model: &Bound<'_, PyAny>) -> PyResult<Py<ModelScorer>> {
        let model: LogisticModel =
            serde_json::from_value(from_py_data(model)?).map_err(value_err)?;
        let s = soc_core::score::ModelScorer::new(model.clone()).map_err(to_py)?;
        let init = PyClassInitializer::from(RustScorer { inner: Arc::new(s) })
            .add_subclass(ModelScorer { model });
        Py::new(cls.py(), init)
    }

    /// The model (features, standardization, weights, bias) as a dict.
    fn to_dict(&self, py: Python<'_>) -> PyResult<PyObject> {
        to_py_data(py, &self.model)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        Repr::new(py, "ModelScorer")
            .field("features", self.model.features.len())
            .field("bias", self.model.bias)
            .finish()
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let ctor = slf.get_type().getattr("from_dict")?;
        let args = (to_py_data(py, &slf.get().model)?,);
        PyTuple::new(py, [ctor, args.into_pyobject(py)?.into_any()])
    }
}

/// Any Python object with `score(alert: dict)` returning a score dict
/// (`value`, optional `level`, `factors`) or a number, usable as a Rust
/// [`Scorer`]. When the Python call raises, the alert is not dropped nor
/// quietly rated low: it gets the [`SeverityScorer`] score with a
/// `scorer_error` factor saying what failed, and the failure goes to the
/// [`FailureLog`] the pipeline reports after the run.
pub(crate) struct PyScorer {
    obj: Py<PyAny>,
    name: String,
    thresholds: RiskThresholds,
    failures: FailureLog,
}

impl PyScorer {
    /// Wraps `obj`, which must have a callable `score`.
    pub(crate) fn new(obj: &Bound<'_, PyAny>) -> PyResult<Self> {
        if !obj.getattr("score").is_ok_and(|m| m.is_callable()) {
            return Err(value_err("a scorer needs a score(alert) method"));
        }
        let name = match obj.getattr("name").and_then(|n| n.extract::<String>()) {
            Ok(n) => n,
            Err(_) => obj.get_type().name()?.to_string(),
        };
        Ok(PyScorer {
            obj: obj.clone().unbind(),
            name,
            thresholds: RiskThresholds::default(),
            failures: FailureLog::default(),
        })
    }

    /// Reports failures to `log` instead of a private one.
    pub(crate) fn with_failures(mut self, log: FailureLog) -> Self {
        self.failures = log;
        self
    }

    pub(crate) fn try_score(&self, alert: &Alert) -> PyResult<Score> {
        Python::with_gil(|py| {
            let arg = to_py_data(py, alert)?;
            let out = self.obj.bind(py).call_method1("score", (arg,))?;
            if let Ok(v) = out.extract::<f64>() {
                let value = if v.is_finite() {
                    v.clamp(0.0, 100.0)
                } else {
                    0.0
                };
                return Ok(Score {
                    scorer: self.name.clone(),
                    value,
                    level: self.thresholds.level(value),
                    factors: vec![ScoreFactor {
                        name: self.name.clone(),
                        contribution: value,
                        detail: "python scorer".into(),
                    }],
                });
            }
            let Value::Object(mut m) = from_py_data(&out)? else {
                return Err(value_err("score() must return a dict or a number"));
            };
            let value = m
                .get("value")
                .and_then(Value::as_f64)
                .filter(|v| v.is_finite())
                .ok_or_else(|| value_err("score dict needs a numeric 'value'"))?;
            m.entry("scorer")
                .or_insert_with(|| Value::String(self.name.clone()));
            m.entry("factors").or_insert_with(|| Value::Array(vec![]));
            if !m.contains_key("level") {
                m.insert(
                    "level".into(),
                    serde_json::json!(self.thresholds.level(value)),
                );
            }
            serde_json::from_value(Value::Object(m)).map_err(value_err)
        })
    }
}

impl Scorer for PyScorer {
    fn name(&self) -> &str {
        &self.name
    }

    fn score(&self, alert: &Alert) -> Score {
        self.try_score(alert).unwrap_or_else(|e| {
            let message = format!("python scorer '{}' raised: {e}", self.name);
            self.failures
                .push(format!("scorer {}: alert {}: {e}", self.name, alert.id));
            let mut s = SeverityScorer.score(alert);
            s.scorer = format!("severity (fallback: {} failed)", self.name);
            s.factors.push(ScoreFactor {
                name: "scorer_error".into(),
                contribution: 0.0,
                detail: format!("{message}; scored by alert severity instead"),
            });
            s
        })
    }
}

/// A Rust scorer from a `WeightedScorer`/`ModelScorer`, or a [`PyScorer`]
/// around any other object, whose failures go to `failures`.
pub(crate) fn scorer_from_py(
    obj: &Bound<'_, PyAny>,
    failures: &FailureLog,
) -> PyResult<Arc<dyn Scorer>> {
    if let Ok(r) = obj.downcast::<RustScorer>() {
        return Ok(r.get().inner.clone());
    }
    Ok(Arc::new(
        PyScorer::new(obj)?.with_failures(failures.clone()),
    ))
}

/// Scores alerts with a scorer (Rust or Python); returns score dicts. An
/// exception raised by a Python scorer propagates.
#[pyfunction]
#[pyo3(signature = (alerts, scorer = None))]
fn score_alerts(
    py: Python<'_>,
    alerts: &Bound<'_, PyAny>,
    scorer: Option<&Bound<'_, PyAny>>,
) -> PyResult<Vec<PyObject>> {
    let alerts: Vec<Alert> = alerts
        .try_iter()?
        .map(|a| alert_from_py(&a?))
        .collect::<PyResult<_>>()?;
    let rust: Arc<dyn Scorer> = match scorer {
        Some(s) if s.downcast::<RustScorer>().is_ok() => scorer_from_py(s, &FailureLog::default())?,
        Some(s) => {
            let py_scorer = PyScorer::new(s)?;
            return alerts
                .iter()
                .map(|a| to_py_data(py, &py_scorer.try_score(a)?))
                .collect();
        }
        None => Arc::new(soc_core::score::WeightedScorer::default()),
    };
    alerts
        .iter()
        .map(|a| to_py_data(py, &rust.score(a)))
        .collect()
}

/// The model features of an alert, in `FEATURE_NAMES` order.
#[pyfunction]
fn features(alert: &Bound<'_, PyAny>) -> PyResult<Vec<f64>> {
    Ok(soc_core::score::features(&alert_from_py(alert)?))
}

/// Trains the triage model on a labelled CSV; writes it to `output` when
/// given and returns the report (accuracy, precision, recall, baseline, model).
#[pyfunction]
#[pyo3(signature = (csv, output = None, epochs = 2000, learning_rate = 0.1, l2 = 0.01, test_fraction = 0.25, seed = 42))]
#[allow(clippy::too_many_arguments)]
fn train(
    py: Python<'_>,
    csv: std::path::PathBuf,
    output: Option<std::path::PathBuf>,
    epochs: usize,
    learning_rate: f64,
    l2: f64,
    test_fraction: f64,
    seed: u64,
) -> PyResult<PyObject> {
    let opts = TrainOptions {
        epochs,
        learning_rate,
        l2,
        test_fraction,
        seed,
    };
    let report = py
        .allow_threads(|| -> Result<_, ScoreError> {
            let r = train_csv(&csv, &opts)?;
            if let Some(o) = &output {
                r.model.save(o)?;
            }
            Ok(r)
        })
        .map_err(to_py)?;
    to_py_data(py, &report)
}

mod responders;

pub(crate) use responders::responder_from_py;
use responders::{
    run_responders, PyEmailNotifier, PyJira, PySlackNotifier, PyTheHive, PyTicketFile,
    PyWebhookNotifier, RustResponder,
};

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<RustScorer>()?;
    m.add_class::<WeightedScorer>()?;
    m.add_class::<ModelScorer>()?;
    m.add_class::<RustResponder>()?;
    m.add_class::<PyEmailNotifier>()?;
    m.add_class::<PySlackNotifier>()?;
    m.add_class::<PyWebhookNotifier>()?;
    m.add_class::<PyTheHive>()?;
    m.add_class::<PyJira>()?;
    m.add_class::<PyTicketFile>()?;
    m.add_function(wrap_pyfunction!(score_alerts, m)?)?;
    m.add_function(wrap_pyfunction!(features, m)?)?;
    m.add_function(wrap_pyfunction!(train, m)?)?;
    m.add_function(wrap_pyfunction!(run_responders, m)?)?;
    m.add("FEATURE_NAMES", FEATURE_NAMES.to_vec())?;
    Ok(())
}
