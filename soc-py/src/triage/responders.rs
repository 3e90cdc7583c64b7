//! Responder bindings: the Rust notify/ticket responders as Python classes,
//! the [`PyResponder`] adapter and `run_responders`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use serde_json::Value;
use soc_core::respond::notify::{
    EmailConfig, EmailNotifier, SlackConfig, SlackNotifier, WebhookConfig, WebhookNotifier,
};
use soc_core::respond::ticket::{
    Jira, JiraConfig, TheHive, TheHiveConfig, TicketFile, TicketFileConfig,
};
use soc_core::{ActionRecord, Alert, Mode, RespondError, Responder};

use super::{alert_from_py, from_kwargs, redacted_dict, value_err, FailureLog};
use crate::convert::{from_py_data, runtime, to_py_data};
use crate::errors::to_py;

/// The base of the Rust responders.
#[pyclass(module = "soc_core", subclass, name = "_RustResponder", frozen)]
pub(crate) struct RustResponder {
    inner: Arc<dyn Responder>,
    raw: Value,
    shown: Value,
}

fn run_one(
    py: Python<'_>,
    r: Arc<dyn Responder>,
    alert: Alert,
    dry_run: bool,
) -> Result<ActionRecord, RespondError> {
    let mode = if dry_run { Mode::DryRun } else { Mode::Live };
    py.allow_threads(|| runtime().block_on(async move { r.respond(&alert, mode).await }))
}

#[pymethods]
impl RustResponder {
    /// Acts on an alert (or, with `dry_run=True`, the default, only
    /// describes the action); returns the action record as a dict.
    #[pyo3(signature = (alert, dry_run = true))]
    fn respond(
        &self,
        py: Python<'_>,
        alert: &Bound<'_, PyAny>,
        dry_run: bool,
    ) -> PyResult<PyObject> {
        let a = alert_from_py(alert)?;
        let rec = run_one(py, self.inner.clone(), a, dry_run).map_err(to_py)?;
        to_py_data(py, &rec)
    }

    /// The responder name.
    #[getter]
    fn name(&self) -> String {
        self.inner.name().to_string()
    }

    /// The configuration, secrets redacted.
    fn to_dict(&self, py: Python<'_>) -> PyResult<PyObject> {
        to_py_data(py, &self.shown)
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let py = slf.py();
        let class = slf.get_type().name()?.to_string();
        let kwargs = to_py_data(py, &slf.get().shown)?;
        let mut parts = Vec::new();
        if let Ok(d) = kwargs.bind(py).downcast::<PyDict>() {
            for (k, v) in d.iter() {
                parts.push(format!("{}={}", k.str()?, v.repr()?));
            }
        }
        Ok(format!("{class}({})", parts.join(", ")))
    }

    /// Pickles as the class and the keyword arguments it was built with
    /// (secrets included as given: prefer `${VAR}` references).
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let rebuild = py
            .import("soc_core.triage")?
            .getattr("_rebuild_responder")?;
        let args = (slf.get_type(), to_py_data(py, &slf.get().raw)?);
        PyTuple::new(py, [rebuild, args.into_pyobject(py)?.into_any()])
    }
}

macro_rules! py_responder {
    ($py:ident, $name:literal, $cfg:ty, $build:expr) => {
        #[doc = concat!("The `", $name, "` responder; keyword arguments are its `soc.toml` keys.")]
        #[pyclass(module = "soc_core", extends = RustResponder, frozen, name = $name)]
        pub(crate) struct $py;

        #[pymethods]
        impl $py {
            #[new]
            #[pyo3(signature = (**kwargs))]
            fn new(
                py: Python<'_>,
                kwargs: Option<&Bound<'_, PyDict>>,
            ) -> PyResult<(Self, RustResponder)> {
                let (cfg, raw): ($cfg, Value) = from_kwargs(concat!($name, "()"), kwargs)?;
                let shown = from_py_data(redacted_dict(py, &cfg)?.bind(py))?;
                let build: fn(&$cfg) -> Result<Arc<dyn Responder>, RespondError> = $build;
                let inner = build(&cfg).map_err(to_py)?;
                Ok(($py, RustResponder { inner, raw, shown }))
            }
        }
    };
}

py_responder!(PyEmailNotifier, "EmailNotifier", EmailConfig, |c| Ok(
    Arc::new(EmailNotifier::new(c)?)
));
py_responder!(PySlackNotifier, "SlackNotifier", SlackConfig, |c| Ok(
    Arc::new(SlackNotifier::new(c)?)
));
py_responder!(PyWebhookNotifier, "WebhookNotifier", WebhookConfig, |c| Ok(
    Arc::new(WebhookNotifier::new(c)?)
));
py_responder!(PyTheHive, "TheHive", TheHiveConfig, |c| Ok(Arc::new(
    TheHive::new(c)?
)));
py_responder!(PyJira, "Jira", JiraConfig, |c| Ok(Arc::new(Jira::new(c)?)));
py_responder!(PyTicketFile, "TicketFile", TicketFileConfig, |c| Ok(
    Arc::new(TicketFile::new(c.path.clone()))
));

/// Any Python object with `respond(alert: dict, dry_run: bool)` returning an
/// action-record dict (missing keys get defaults) or `None`, usable as a Rust
/// [`Responder`]. Python exceptions become `RespondError::Plugin` (a
/// `failed` action record) and go to the [`FailureLog`].
pub(crate) struct PyResponder {
    obj: Py<PyAny>,
    name: String,
    failures: FailureLog,
}

impl PyResponder {
    /// Wraps `obj`, which must have a callable `respond`.
    pub(crate) fn new(obj: &Bound<'_, PyAny>) -> PyResult<Self> {
        if !obj.getattr("respond").is_ok_and(|m| m.is_callable()) {
            return Err(value_err(
                "a responder needs a respond(alert, dry_run) method",
            ));
        }
        let name = match obj.getattr("name").and_then(|n| n.extract::<String>()) {
            Ok(n) => n,
            Err(_) => obj.get_type().name()?.to_string(),
        };
        Ok(PyResponder {
            obj: obj.clone().unbind(),
            name,
            failures: FailureLog::default(),
        })
    }

    fn call(&self, alert: &Alert, mode: Mode) -> PyResult<ActionRecord> {
        Python::with_gil(|py| {
            let arg = to_py_data(py, alert)?;
            let out = self
                .obj
                .bind(py)
                .call_method1("respond", (arg, mode == Mode::DryRun))?;
            let mut base =
                serde_json::to_value(ActionRecord::new(&self.name, "python", "", &alert.id, mode))
                    .map_err(value_err)?;
            if !out.is_none() {
                let Value::Object(given) = from_py_data(&out)? else {
                    return Err(value_err("respond() must return a dict or None"));
                };
                if let Value::Object(b) = &mut base {
                    b.extend(given);
                }
            }
            serde_json::from_value(base).map_err(value_err)
        })
    }
}

// Written out the way `#[async_trait]` expands, to keep this crate's dependencies unchanged.
impl Responder for PyResponder {
    fn name(&self) -> &str {
        &self.name
    }

    fn respond<'life0, 'life1, 'async_trait>(
        &'life0 self,
        alert: &'life1 Alert,
        mode: Mode,
    ) -> Pin<Box<dyn Future<Output = Result<ActionRecord, RespondError>> + Send + 'async_trait>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        let out = self.call(alert, mode).map_err(|e| {
            self.failures
                .push(format!("responder {}: alert {}: {e}", self.name, alert.id));
            RespondError::Plugin {
                responder: self.name.clone(),
                message: e.to_string(),
            }
        });
        Box::pin(std::future::ready(out))
    }
}

/// A Rust responder from one of the responder classes, or a
/// [`PyResponder`] around any other object, whose failures go to `failures`.
pub(crate) fn responder_from_py(
    obj: &Bound<'_, PyAny>,
    failures: &FailureLog,
) -> PyResult<Arc<dyn Responder>> {
    if let Ok(r) = obj.downcast::<RustResponder>() {
        return Ok(r.get().inner.clone());
    }
    let mut r = PyResponder::new(obj)?;
    r.failures = failures.clone();
    Ok(Arc::new(r))
}

/// Runs responders (Rust or Python objects) on an alert through the Rust
/// `Responder` interface; failures come back as records with status `failed`.
#[pyfunction]
#[pyo3(signature = (alert, responders, dry_run = true))]
pub(super) fn run_responders(
    py: Python<'_>,
    alert: &Bound<'_, PyAny>,
    responders: &Bound<'_, PyAny>,
    dry_run: bool,
) -> PyResult<Vec<PyObject>> {
    let a = alert_from_py(alert)?;
    let rs: Vec<Arc<dyn Responder>> = responders
        .try_iter()?
        .map(|r| responder_from_py(&r?, &FailureLog::default()))
        .collect::<PyResult<_>>()?;
    let mode = if dry_run { Mode::DryRun } else { Mode::Live };
    let mut out = Vec::new();
    for r in rs {
        let (a2, r2) = (a.clone(), r.clone());
        // Python responders re-acquire the GIL inside; Rust ones run without it.
        let res =
            py.allow_threads(|| runtime().block_on(async move { r2.respond(&a2, mode).await }));
        let rec = res.unwrap_or_else(|e| {
            let mut rec = ActionRecord::new(r.name(), "respond", "", &a.id, mode);
            rec.outcome = soc_core::ActionOutcome::Failed(e.to_string());
            rec
        });
        out.push(to_py_data(py, &rec)?);
    }
    Ok(out)
}
