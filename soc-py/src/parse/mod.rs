//! Bindings for the parse area: `parse_ssh`, `parse_eve`, `read_alerts`,
//! `detect_bruteforce`, `ssh_summary`, and the `Event` / `Alert` classes.
//!
//! File readers parse in batches with the GIL released.

use std::collections::VecDeque;
use std::path::PathBuf;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use soc_core::detect::{alerts_of, DetectConfig, SshSummary};
use soc_core::model::{Alert as CoreAlert, Event as CoreEvent};
use soc_core::parse::alerts::AlertReader;
use soc_core::parse::json_csv::{AlertFormat, AlertMapping};
use soc_core::parse::ssh::{Reader, SshOptions};
use soc_core::parse::suricata::Reader as EveReader;
use soc_core::parse::ParseStats;

use crate::convert::{to_py_data, Repr};
use crate::errors::{config_error, to_py, type_error};

use eve::{parse_eve, read_alerts, EveEvents};
use ssh::{detect_bruteforce, parse_ssh, ssh_summary, SshEvents};

const BATCH: usize = 4096;

/// The `.stats` of the file iterators: lines, events, skipped, malformed,
/// and the first errors as text.
fn stats_dict(py: Python<'_>, stats: &ParseStats) -> PyResult<PyObject> {
    let d = PyDict::new(py);
    d.set_item("lines", stats.lines)?;
    d.set_item("events", stats.events)?;
    d.set_item("skipped", stats.skipped)?;
    d.set_item("malformed", stats.malformed)?;
    let errors: Vec<String> = stats.errors.iter().map(|e| e.to_string()).collect();
    d.set_item("errors", errors)?;
    Ok(d.into_any().unbind())
}

/// The pickle state of an `Event` or `Alert`: its JSON text.
fn pickle_state<T: serde::Serialize>(inner: &T) -> PyResult<String> {
    serde_json::to_string(inner).map_err(json_err)
}

/// The object back from [`pickle_state`]'s text.
fn unpickle_state<T: serde::de::DeserializeOwned>(state: &str) -> PyResult<T> {
    serde_json::from_str(state).map_err(json_err)
}

fn json_err(e: serde_json::Error) -> PyErr {
    config_error(format!("not a pickled soc object: {e}"))
}

/// The `TypeError` of iterators that cannot be pickled, saying why.
fn not_picklable(class: &str, what: &str) -> PyErr {
    PyTypeError::new_err(format!(
        "cannot pickle '{class}': it is a live iterator over {what}, whose position \
         and parser state live in Rust; pickle list(events) (Event objects pickle) \
         or parse the file again"
    ))
}

/// A parse iterator's buffer: events parsed ahead in batches of [`BATCH`],
/// and whether its input is exhausted.
#[derive(Default)]
struct EventBatches {
    buf: VecDeque<CoreEvent>,
    done: bool,
}

impl EventBatches {
    /// The next event, calling `fill` (false at the end of its input) while
    /// the buffer is empty.
    fn next_event(
        &mut self,
        mut fill: impl FnMut(&mut VecDeque<CoreEvent>) -> PyResult<bool>,
    ) -> PyResult<Option<PyEvent>> {
        loop {
            if let Some(e) = self.buf.pop_front() {
                return Ok(Some(PyEvent { inner: e }));
            }
            if self.done {
                return Ok(None);
            }
            self.done = !fill(&mut self.buf)?;
        }
    }
}

/// Up to [`BATCH`] events of `reader` into `buf`, with the GIL released;
/// false at the end.
fn fill_batch<R>(py: Python<'_>, reader: &mut R, buf: &mut VecDeque<CoreEvent>) -> bool
where
    R: Iterator<Item = CoreEvent> + Send,
{
    py.allow_threads(|| {
        while buf.len() < BATCH {
            let Some(e) = reader.next() else {
                return false;
            };
            buf.push_back(e);
        }
        true
    })
}

/// `#[pymethods]` of a parse iterator class (`SshEvents`, `EveEvents`) with a
/// counting `reader` and an inherent `next_event`: `__iter__`, `__next__`,
/// `.stats`, `to_arrow` and `__reduce__` (which says why it cannot pickle).
macro_rules! event_iterator_methods {
    ($class:ident, $what:literal) => {
        #[pymethods]
        impl $class {
            fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
                slf
            }
            fn __next__(&mut self, py: Python<'_>) -> PyResult<Option<PyEvent>> {
                self.next_event(py)
            }
            /// Counts so far: lines, events, skipped, malformed, and the first errors.
            #[getter]
            fn stats(&self, py: Python<'_>) -> PyResult<PyObject> {
                stats_dict(py, self.reader.stats())
            }
            /// The events not yet read, as one Arrow batch (`soc.events`).
            #[pyo3(name = "to_arrow")]
            fn drain_to_arrow(&mut self, py: Python<'_>) -> PyResult<crate::columnar::ArrowBatch> {
                crate::columnar::drain_events(|| Ok(self.next_event(py)?.map(|e| e.inner)))
            }
            /// Always raises `TypeError`: a live parse cannot be pickled.
            fn __reduce__(&self) -> PyResult<PyObject> {
                Err(not_picklable(stringify!($class), $what))
            }
        }
    };
}

mod eve;
mod ssh;

/// `#[pymethods] impl $class { ... }` for a class wrapping a model record in
/// `inner` (`Event`, `Alert`): the class's own methods plus what both share,
/// the `kind`, `src_ip` and `user` getters, `to_dict` and JSON pickling.
macro_rules! record_methods {
    (impl $class:ident { $($methods:tt)* }) => {
        #[pymethods]
        impl $class {
            $($methods)*
            /// Kind, e.g. `ssh.failed_password` (an event), `ssh.brute_force` (an alert).
            #[getter]
            fn kind(&self) -> &str {
                &self.inner.kind
            }
            /// Source address.
            #[getter]
            fn src_ip(&self) -> Option<String> {
                self.inner.src_ip.map(|i| i.to_string())
            }
            /// User name.
            #[getter]
            fn user(&self) -> Option<&str> {
                self.inner.user.as_deref()
            }
            /// As plain Python data.
            fn to_dict(&self, py: Python<'_>) -> PyResult<PyObject> {
                to_py_data(py, &self.inner)
            }
            fn __getstate__(&self) -> PyResult<String> {
                pickle_state(&self.inner)
            }
            fn __setstate__(&mut self, state: &str) -> PyResult<()> {
                self.inner = unpickle_state(state)?;
                Ok(())
            }
        }
    };
}

/// One normalized event (an sshd line, a Suricata record). Rust:
/// `soc_core::model::Event`.
#[pyclass(module = "soc_core", name = "Event", eq)]
#[derive(Clone, PartialEq)]
pub(crate) struct PyEvent {
    pub(crate) inner: CoreEvent,
}

record_methods! {
impl PyEvent {
    #[new]
    #[pyo3(signature = (source = "ssh", kind = "ssh.other"))]
    fn new(source: &str, kind: &str) -> Self {
        PyEvent {
            inner: CoreEvent::new(source, kind),
        }
    }
    /// Parser: `ssh`, `suricata`.
    #[getter]
    fn source(&self) -> &str {
        &self.inner.source
    }
    /// Event time as ISO 8601 UTC, or None.
    #[getter]
    fn time(&self) -> Option<String> {
        self.inner.time.map(|t| t.to_rfc3339())
    }
    /// Logging host.
    #[getter]
    fn host(&self) -> Option<&str> {
        self.inner.host.as_deref()
    }
    /// Source host name when the log has a name instead of an address.
    #[getter]
    fn src_host(&self) -> Option<&str> {
        self.inner.src_host.as_deref()
    }
    /// Source port.
    #[getter]
    fn src_port(&self) -> Option<u16> {
        self.inner.src_port
    }
    /// Destination address.
    #[getter]
    fn dst_ip(&self) -> Option<String> {
        self.inner.dst_ip.map(|i| i.to_string())
    }
    /// Destination port.
    #[getter]
    fn dst_port(&self) -> Option<u16> {
        self.inner.dst_port
    }
    /// `failure`, `success` or `unknown`.
    #[getter]
    fn outcome(&self) -> &'static str {
        match self.inner.outcome {
            soc_core::EventOutcome::Failure => "failure",
            soc_core::EventOutcome::Success => "success",
            soc_core::EventOutcome::Unknown => "unknown",
        }
    }
    /// True for a failed or illegitimate access attempt.
    #[getter]
    fn failure(&self) -> bool {
        self.inner.is_failure()
    }
    /// Attempt class: `failure`, `probe`, `success`, or None.
    #[getter]
    fn attempt(&self) -> Option<&'static str> {
        self.inner.attempt.map(|a| a.as_str())
    }
    /// The class of an attempt an earlier line of the same connection
    /// counted, which this line records again (`failure`, `probe`), or None.
    #[getter]
    fn continues(&self) -> Option<&'static str> {
        self.inner.continues.map(|a| a.as_str())
    }
    /// 1-based line number in its file.
    #[getter]
    fn line(&self) -> Option<u64> {
        self.inner.origin.as_ref().map(|o| o.line)
    }
    /// The raw line.
    #[getter]
    fn raw(&self) -> &str {
        &self.inner.raw
    }
    /// Parser-specific fields.
    #[getter]
    fn fields(&self, py: Python<'_>) -> PyResult<PyObject> {
        to_py_data(py, &self.inner.fields)
    }
    fn __repr__(&self, py: Python<'_>) -> String {
        let mut r = Repr::new(py, "Event")
            .field("kind", &self.inner.kind)
            .field("src_ip", self.src_ip());
        if self.inner.src_ip.is_none() && self.inner.src_host.is_some() {
            r = r.field("src_host", self.src_host());
        }
        r.field("user", self.user())
            .field("failure", self.failure())
            .field("line", self.line())
            .finish()
    }
}
}

/// A detector or sensor alert. Rust: `soc_core::model::Alert`.
#[pyclass(module = "soc_core", name = "Alert", eq)]
#[derive(Clone, PartialEq)]
pub(crate) struct PyAlert {
    pub(crate) inner: CoreAlert,
}

record_methods! {
impl PyAlert {
    #[new]
    #[pyo3(signature = (kind = "alerts.generic", key = "", title = "", severity = "medium"))]
    fn new(kind: &str, key: &str, title: &str, severity: &str) -> PyResult<Self> {
        let sev = soc_core::Severity::parse_loose(severity).ok_or_else(|| {
            config_error(format!(
                "unknown severity '{severity}'; use info, low, medium, high or critical"
            ))
        })?;
        Ok(PyAlert {
            inner: CoreAlert::new(kind, key, title, sev),
        })
    }
    /// Stable id.
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }
    /// Title.
    #[getter]
    fn title(&self) -> &str {
        &self.inner.title
    }
    /// Severity name.
    #[getter]
    fn severity(&self) -> &'static str {
        self.inner.severity.as_str()
    }
    /// Number of events behind it.
    #[getter]
    fn count(&self) -> u64 {
        self.inner.count
    }
    /// ATT&CK technique ids.
    #[getter]
    fn techniques(&self) -> Vec<String> {
        self.inner
            .attack
            .iter()
            .map(|a| a.technique_id.clone())
            .collect()
    }
    /// First evidence time (ISO 8601).
    #[getter]
    fn first_seen(&self) -> Option<String> {
        self.inner.first_seen.map(|t| t.to_rfc3339())
    }
    /// Last evidence time (ISO 8601).
    #[getter]
    fn last_seen(&self) -> Option<String> {
        self.inner.last_seen.map(|t| t.to_rfc3339())
    }
    fn __repr__(&self, py: Python<'_>) -> String {
        Repr::new(py, "Alert")
            .field("kind", &self.inner.kind)
            .field("src_ip", self.src_ip())
            .field("user", self.user())
            .field("count", self.inner.count)
            .field("severity", self.severity())
            .finish()
    }
}
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyEvent>()?;
    m.add_class::<PyAlert>()?;
    m.add_class::<SshEvents>()?;
    m.add_class::<EveEvents>()?;
    m.add_function(wrap_pyfunction!(parse_ssh, m)?)?;
    m.add_function(wrap_pyfunction!(parse_eve, m)?)?;
    m.add_function(wrap_pyfunction!(read_alerts, m)?)?;
    m.add_function(wrap_pyfunction!(detect_bruteforce, m)?)?;
    m.add_function(wrap_pyfunction!(ssh_summary, m)?)?;
    Ok(())
}
