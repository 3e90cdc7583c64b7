//! Bindings for the pipeline: `soc_core.Pipeline`, driven from a notebook.
//!
//! `Pipeline.from_config(path_or_dict)` builds the configured pipeline;
//! `run_once()` runs it with the GIL released and returns the run's metrics;
//! `alerts()`, `actions()`, `metrics()`, `report()` read the state store.
//! Python objects can be plugged in as steps: anything with
//! `enrich(indicator) -> dict | None` (`add_enricher`),
//! `score(alert) -> dict | float` (`set_scorer`) or
//! `respond(alert, dry_run) -> dict | None` (`add_responder`); the scorer and
//! responder adapters are the triage bindings' (`PyScorer`, `PyResponder`),
//! the enricher adapter ([`PyEnricher`]) is here.

use std::sync::{Arc, Mutex};

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use std::future::Future;
use std::pin::Pin;

use soc_core::error::EnrichError;
use soc_core::model::{Enrichment, Indicator};
use soc_core::pipeline::report::{render, triage_summary, ReportData, ReportFormat};
use soc_core::pipeline::{BuildOptions, PipelineConfig, RunMetrics, RunOptions};
use soc_core::Enricher;

use crate::convert::{from_py_data, runtime, to_py_data, Repr};
use crate::errors::{config_error, to_py, type_error};
use crate::triage::FailureLog;

/// The name of a plugged-in Python object: its `name` attribute, else its class name.
fn object_name(obj: &Bound<'_, PyAny>) -> String {
    if let Ok(n) = obj.getattr("name") {
        if let Ok(s) = n.extract::<String>() {
            return s;
        }
    }
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "python".into())
}

fn require_method(obj: &Bound<'_, PyAny>, method: &str) -> PyResult<()> {
    if obj.hasattr(method)? && obj.getattr(method)?.is_callable() {
        Ok(())
    } else {
        Err(type_error(format!(
            "{} has no callable {method}() method",
            object_name(obj)
        )))
    }
}

/// A Python object with `enrich(indicator: dict) -> dict | None` (and
/// optionally `supports(indicator: dict) -> bool`) as an [`Enricher`].
/// The returned dict may hold any `Enrichment` field (`verdict`, `score`,
/// `summary`, `facts`, ...); `None` means "nothing known".
pub(crate) struct PyEnricher {
    obj: Py<PyAny>,
    name: String,
}

impl PyEnricher {
    pub(crate) fn new(obj: &Bound<'_, PyAny>) -> PyResult<Self> {
        require_method(obj, "enrich")?;
        Ok(PyEnricher {
            name: object_name(obj),
            obj: obj.clone().unbind(),
        })
    }
}

/// A boxed future, as `#[async_trait]` would write it (soc-py does not
/// depend on the `async-trait` crate).
type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

impl Enricher for PyEnricher {
    fn name(&self) -> &str {
        &self.name
    }

    fn supports(&self, indicator: &Indicator) -> bool {
        Python::with_gil(|py| {
            let obj = self.obj.bind(py);
            if !obj.hasattr("supports").unwrap_or(false) {
                return true;
            }
            to_py_data(py, indicator)
                .and_then(|d| obj.call_method1("supports", (d,)))
                .and_then(|r| r.is_truthy())
                .unwrap_or(false)
        })
    }

    fn enrich<'a, 'b, 'f>(
        &'a self,
        indicator: &'b Indicator,
    ) -> BoxFut<'f, Result<Enrichment, EnrichError>>
    where
        'a: 'f,
        'b: 'f,
        Self: 'f,
    {
        Box::pin(async move { self.enrich_now(indicator) })
    }
}

impl PyEnricher {
    fn enrich_now(&self, indicator: &Indicator) -> Result<Enrichment, EnrichError> {
        let fail = |message: String| EnrichError::Transport {
            provider: self.name.clone(),
            message,
        };
        let value = Python::with_gil(|py| -> PyResult<Option<serde_json::Value>> {
            let arg = to_py_data(py, indicator)?;
            let out = self.obj.bind(py).call_method1("enrich", (arg,))?;
            if out.is_none() {
                return Ok(None);
            }
            from_py_data(&out).map(Some)
        })
        .map_err(|e| fail(format!("Python enrich() raised: {e}")))?;
        let base = Enrichment::unknown(&self.name, indicator).with_ttl(3600);
        let Some(value) = value else { return Ok(base) };
        let serde_json::Value::Object(fields) = value else {
            return Err(EnrichError::Malformed {
                provider: self.name.clone(),
                field: "enrich()".into(),
                reason: "must return a dict or None".into(),
            });
        };
        let mut merged = serde_json::to_value(&base).map_err(|e| fail(e.to_string()))?;
        if let Some(m) = merged.as_object_mut() {
            for (k, v) in fields {
                m.insert(k, v);
            }
        }
        serde_json::from_value(merged).map_err(|e| EnrichError::Malformed {
            provider: self.name.clone(),
            field: "enrich()".into(),
            reason: e.to_string(),
        })
    }
}

/// The configured soc pipeline. Rust: `soc_core::pipeline::Pipeline`.
#[pyclass(module = "soc_core", name = "Pipeline")]
pub(crate) struct PyPipeline {
    inner: Mutex<Option<soc_core::pipeline::Pipeline>>,
    source: Py<PyAny>,
    state: Option<std::path::PathBuf>,
    dry_run: Option<bool>,
    offline: bool,
    last: Mutex<Option<RunMetrics>>,
    /// Failures of plugged-in Python scorers and responders.
    failures: FailureLog,
    /// The failures of the last run, reported by `last_run` and `summary()`.
    last_failures: Mutex<Vec<String>>,
}

impl PyPipeline {
    fn with<T>(
        &self,
        f: impl FnOnce(&mut soc_core::pipeline::Pipeline) -> PyResult<T>,
    ) -> PyResult<T> {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let p = guard
            .as_mut()
            .ok_or_else(|| PyRuntimeError::new_err("the pipeline is running in another thread"))?;
        f(p)
    }

    fn store(&self) -> PyResult<Arc<soc_core::StateStore>> {
        self.with(|p| Ok(p.store().clone()))
    }
}

/// `since` as `soc report --since` takes it (`24h`, `7d`, RFC 3339, `all`).
fn since_arg(since: Option<&str>) -> PyResult<chrono::DateTime<chrono::Utc>> {
    let Some(s) = since else {
        return Ok(chrono::DateTime::<chrono::Utc>::MIN_UTC);
    };
    soc_core::pipeline::since::parse_since(s, chrono::Utc::now())
        .map_err(|e| config_error(e.to_string()))
}

/// The run's metrics as JSON plus what failed: `failed_actions` (action
/// records with outcome `failed`), `errors` (plug-in failures, as text) and
/// `ok` (nothing failed).
fn run_report(metrics: &RunMetrics, errors: &[String]) -> serde_json::Value {
    let mut json = metrics.to_json();
    let failed_actions: u64 = metrics
        .actions
        .values()
        .filter_map(|by_outcome| by_outcome.get("failed"))
        .sum();
    if let Some(m) = json.as_object_mut() {
        m.insert("failed_actions".into(), failed_actions.into());
        m.insert("errors".into(), serde_json::json!(errors));
        m.insert(
            "ok".into(),
            (failed_actions == 0 && errors.is_empty()).into(),
        );
    }
    json
}

#[pymethods]
impl PyPipeline {
    /// Builds the pipeline from a `soc.toml` path or a dict of the same shape.
    /// `dry_run`: `None` keeps the config's `response.dry_run` (itself
    /// dry-run by default); `True`/`False` means what it means for
    /// `Firewall(dry_run=...)`. `state` overrides `store.path`.
    #[staticmethod]
    #[pyo3(signature = (config, *, state=None, dry_run=None, offline=false))]
    fn from_config(
        py: Python<'_>,
        config: &Bound<'_, PyAny>,
        state: Option<std::path::PathBuf>,
        dry_run: Option<bool>,
        offline: bool,
    ) -> PyResult<Self> {
        let mut cfg = if config.is_instance_of::<PyDict>() {
            PipelineConfig::from_json_value(&from_py_data(config)?).map_err(to_py)?
        } else if config.is_instance_of::<PyString>() || config.hasattr("__fspath__")? {
            let path: std::path::PathBuf = config.extract()?;
            PipelineConfig::load(&path).map_err(to_py)?
        } else {
            return Err(type_error(
                "Pipeline.from_config: config must be a path or a dict",
            ));
        };
        if let Some(s) = &state {
            cfg.store.path = s.clone();
        }
        if let Some(d) = dry_run {
            cfg.response.dry_run = d;
        }
        let opts = BuildOptions {
            follow: false,
            force_dry_run: dry_run == Some(true),
            offline,
            store: None,
        };
        let pipeline = py
            .allow_threads(|| soc_core::pipeline::Pipeline::from_config(&cfg, &opts))
            .map_err(to_py)?;
        Ok(PyPipeline {
            inner: Mutex::new(Some(pipeline)),
            source: config.clone().unbind(),
            state,
            dry_run,
            offline,
            last: Mutex::new(None),
            failures: FailureLog::default(),
            last_failures: Mutex::new(Vec::new()),
        })
    }

    /// Processes what is new since the last checkpoint, acts, and returns the
    /// run's metrics as a dict, with `ok` (False when a Python scorer or
    /// responder raised or an action failed), `failed_actions` and `errors`.
    /// The GIL is released while it runs.
    fn run_once(&self, py: Python<'_>) -> PyResult<PyObject> {
        let mut pipeline = {
            let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            guard
                .take()
                .ok_or_else(|| PyRuntimeError::new_err("the pipeline is already running"))?
        };
        let result = py.allow_threads(|| runtime().block_on(pipeline.run(RunOptions::default())));
        *self.inner.lock().unwrap_or_else(|p| p.into_inner()) = Some(pipeline);
        let errors = self.failures.take();
        let metrics = result.map_err(to_py)?;
        let json = run_report(&metrics, &errors);
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some(metrics);
        *self.last_failures.lock().unwrap_or_else(|p| p.into_inner()) = errors;
        to_py_data(py, &json)
    }

    /// Stored alerts (dicts with `score`), optionally `since` a time (`24h`,
    /// `7d`, RFC 3339, `all`: the forms of `soc report --since`).
    #[pyo3(signature = (since=None))]
    fn alerts(&self, py: Python<'_>, since: Option<&str>) -> PyResult<PyObject> {
        let store = self.store()?;
        let since = since_arg(since)?;
        let alerts = py
            .allow_threads(|| store.alerts_since(since))
            .map_err(to_py)?;
        let rows: Vec<serde_json::Value> = alerts
            .into_iter()
            .map(|s| {
                let mut v = serde_json::to_value(&s.alert).unwrap_or_default();
                if let Some(m) = v.as_object_mut() {
                    m.insert(
                        "score".into(),
                        serde_json::to_value(&s.score).unwrap_or_default(),
                    );
                    m.insert(
                        "created_at".into(),
                        serde_json::to_value(s.created_at).unwrap_or_default(),
                    );
                }
                v
            })
            .collect();
        to_py_data(py, &rows)
    }

    /// Audited actions (dicts), optionally `since` a time (as in `alerts`).
    #[pyo3(signature = (since=None))]
    fn actions(&self, py: Python<'_>, since: Option<&str>) -> PyResult<PyObject> {
        let store = self.store()?;
        let since = since_arg(since)?;
        let actions = py
            .allow_threads(|| store.actions_since(since))
            .map_err(to_py)?;
        to_py_data(py, &actions)
    }

    /// Cumulative metrics over every recorded run.
    fn metrics(&self, py: Python<'_>) -> PyResult<PyObject> {
        let store = self.store()?;
        let runs = store.runs().map_err(to_py)?;
        to_py_data(py, &RunMetrics::cumulative(&runs).to_json())
    }

    /// The last `run_once()`'s report (as it returned), or None.
    #[getter]
    fn last_run(&self, py: Python<'_>) -> PyResult<PyObject> {
        let errors = self
            .last_failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        match &*self.last.lock().unwrap_or_else(|p| p.into_inner()) {
            Some(m) => to_py_data(py, &run_report(m, &errors)),
            None => Ok(py.None()),
        }
    }

    /// `dry_run` or `live`.
    #[getter]
    fn mode(&self) -> PyResult<String> {
        self.with(|p| Ok(p.mode().to_string()))
    }

    /// A report: `md`, `html`, `json` or `csv`, optionally `since` a time
    /// (as in `alerts`).
    #[pyo3(signature = (format="md", since=None))]
    fn report(&self, format: &str, since: Option<&str>) -> PyResult<String> {
        let format: ReportFormat = format.parse().map_err(config_error)?;
        let store = self.store()?;
        let data =
            ReportData::from_store(&store, since_arg(since)?, chrono::Utc::now()).map_err(to_py)?;
        Ok(render(&data, format))
    }

    /// The plain-text triage summary of the last run's alerts.
    fn summary(&self) -> PyResult<String> {
        let (store, ids) = self.with(|p| Ok((p.store().clone(), p.last_alert_ids().to_vec())))?;
        let mut alerts = Vec::new();
        for id in &ids {
            if let Some(a) = store.alert_by_id(id).map_err(to_py)? {
                alerts.push(a);
            }
        }
        let since = self
            .last
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .and_then(|m| m.started_at)
            .unwrap_or_default();
        let actions = store.actions_since(since).map_err(to_py)?;
        let mut text = triage_summary(&alerts, &actions);
        let failures = self.last_failures.lock().unwrap_or_else(|p| p.into_inner());
        if !failures.is_empty() {
            text.push_str(&format!(
                "\nFAILED: {} plug-in error(s) in the last run:\n",
                failures.len()
            ));
            for f in failures.iter() {
                text.push_str(&format!("  - {f}\n"));
            }
        }
        Ok(text)
    }

    /// Adds a Python enricher: an object with `enrich(indicator) -> dict | None`.
    fn add_enricher(&self, obj: &Bound<'_, PyAny>) -> PyResult<()> {
        let e = PyEnricher::new(obj)?;
        self.with(|p| {
            p.add_enricher(Box::new(e));
            Ok(())
        })
    }

    /// Replaces the scorer: a `WeightedScorer`/`ModelScorer`, or any object
    /// with `score(alert) -> dict | float`.
    fn set_scorer(&self, obj: &Bound<'_, PyAny>) -> PyResult<()> {
        let s = crate::triage::scorer_from_py(obj, &self.failures)?;
        self.with(|p| {
            p.set_scorer(s);
            Ok(())
        })
    }

    /// Adds a Python responder: an object with `respond(alert, dry_run) -> dict | None`,
    /// called once per alert.
    fn add_responder(&self, obj: &Bound<'_, PyAny>) -> PyResult<()> {
        let r = crate::triage::responder_from_py(obj, &self.failures)?;
        self.with(|p| {
            p.add_responder(r);
            Ok(())
        })
    }

    /// Pickles as "build again from the same config and options" (plugged-in
    /// Python steps are not included: add them again after unpickling).
    fn __reduce__(slf: &Bound<'_, Self>) -> PyResult<(PyObject, (PyObject, PyObject))> {
        let py = slf.py();
        let me = slf.borrow();
        let rebuild = py
            .import("soc_core.pipeline")?
            .getattr("_rebuild_pipeline")?
            .unbind();
        let opts = PyDict::new(py);
        opts.set_item("state", me.state.clone())?;
        opts.set_item("dry_run", me.dry_run)?;
        opts.set_item("offline", me.offline)?;
        Ok((rebuild, (me.source.clone_ref(py), opts.into_any().unbind())))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        self.with(|p| {
            Ok(Repr::new(py, "Pipeline")
                .field("store", p.store().path().display().to_string())
                .field("mode", p.mode().to_string())
                .finish())
        })
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyPipeline>()?;
    Ok(())
}
