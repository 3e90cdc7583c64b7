//! Bindings for the parse area: `parse_ssh`, `parse_eve`, `read_alerts`,
//! `detect_bruteforce`, `ssh_summary`, and the `Event` / `Alert` classes.
//!
//! File readers parse in batches with the GIL released.

use std::collections::VecDeque;
use std::path::PathBuf;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use soc_core::detect::{DetectConfig, DetectorSet, SshSummary};
use soc_core::model::{Alert as CoreAlert, Event as CoreEvent, Origin};
use soc_core::parse::json_csv::{self, AlertFormat, AlertMapping};
use soc_core::parse::lines::LineReader;
use soc_core::parse::ssh::{SshOptions, SshParser};
use soc_core::parse::suricata::{parse_eve_line, EveRecord};
use soc_core::parse::ParseStats;

use crate::convert::to_py_data;
use crate::errors::to_py;

const BATCH: usize = 4096;

fn json_err(e: serde_json::Error) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// One normalized event (an sshd line, a Suricata record).
#[pyclass(module = "soc_core", name = "Event")]
#[derive(Clone)]
pub(crate) struct PyEvent {
    pub(crate) inner: CoreEvent,
}

#[pymethods]
impl PyEvent {
    #[new]
    #[pyo3(signature = (source = "ssh", kind = "ssh.other"))]
    fn new(source: &str, kind: &str) -> Self {
        PyEvent {
            inner: CoreEvent::new(source, kind),
        }
    }
    /// Kind, e.g. `ssh.failed_auth`.
    #[getter]
    fn kind(&self) -> &str {
        &self.inner.kind
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
    /// Source address.
    #[getter]
    fn src_ip(&self) -> Option<String> {
        self.inner.src_ip.map(|i| i.to_string())
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
    /// User name.
    #[getter]
    fn user(&self) -> Option<&str> {
        self.inner.user.as_deref()
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
    /// The event as plain Python data.
    fn to_dict(&self, py: Python<'_>) -> PyResult<PyObject> {
        to_py_data(py, &self.inner)
    }
    fn __repr__(&self) -> String {
        let who = self
            .src_ip()
            .or_else(|| self.inner.src_host.clone())
            .unwrap_or_default();
        format!(
            "Event(kind={:?}, src={:?}, user={:?}, failure={})",
            self.inner.kind,
            who,
            self.inner.user,
            self.failure()
        )
    }
    fn __getstate__(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner).map_err(json_err)
    }
    fn __setstate__(&mut self, state: &str) -> PyResult<()> {
        self.inner = serde_json::from_str(state).map_err(json_err)?;
        Ok(())
    }
}

/// A detector or sensor alert.
#[pyclass(module = "soc_core", name = "Alert")]
#[derive(Clone)]
pub(crate) struct PyAlert {
    pub(crate) inner: CoreAlert,
}

#[pymethods]
impl PyAlert {
    #[new]
    #[pyo3(signature = (kind = "alerts.generic", key = "", title = "", severity = "medium"))]
    fn new(kind: &str, key: &str, title: &str, severity: &str) -> PyResult<Self> {
        let sev = soc_core::Severity::parse_loose(severity)
            .ok_or_else(|| PyValueError::new_err(format!("unknown severity '{severity}'")))?;
        Ok(PyAlert {
            inner: CoreAlert::new(kind, key, title, sev),
        })
    }
    /// Stable id.
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }
    /// Kind, e.g. `ssh.brute_force`.
    #[getter]
    fn kind(&self) -> &str {
        &self.inner.kind
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
    /// Source address.
    #[getter]
    fn src_ip(&self) -> Option<String> {
        self.inner.src_ip.map(|i| i.to_string())
    }
    /// User.
    #[getter]
    fn user(&self) -> Option<&str> {
        self.inner.user.as_deref()
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
    /// The alert as plain Python data.
    fn to_dict(&self, py: Python<'_>) -> PyResult<PyObject> {
        to_py_data(py, &self.inner)
    }
    fn __repr__(&self) -> String {
        format!(
            "Alert(kind={:?}, src_ip={:?}, count={}, severity={:?})",
            self.inner.kind,
            self.src_ip(),
            self.inner.count,
            self.severity()
        )
    }
    fn __getstate__(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner).map_err(json_err)
    }
    fn __setstate__(&mut self, state: &str) -> PyResult<()> {
        self.inner = serde_json::from_str(state).map_err(json_err)?;
        Ok(())
    }
}

enum SshInput {
    File {
        reader: LineReader,
        parser: SshParser,
    },
    Lines {
        iter: PyObject,
        parser: SshParser,
        line: u64,
    },
}

/// Iterator of `Event`s from an auth log (see `parse_ssh`).
#[pyclass(module = "soc_core", unsendable)]
pub(crate) struct SshEvents {
    input: Option<SshInput>,
    buf: VecDeque<CoreEvent>,
    stats: ParseStats,
}

fn fill_file(
    reader: &mut LineReader,
    parser: &mut SshParser,
    buf: &mut VecDeque<CoreEvent>,
    stats: &mut ParseStats,
) -> bool {
    let name = reader.name().to_string();
    while buf.len() < BATCH {
        let Some((no, line)) = reader.next() else {
            return false;
        };
        stats.lines += 1;
        match line {
            Ok(l) => match parser.parse_line(
                &l,
                Origin {
                    file: name.clone(),
                    line: no,
                },
            ) {
                Some(e) => {
                    stats.events += 1;
                    buf.push_back(e);
                }
                None => stats.skipped += 1,
            },
            Err(e) => stats.malformed(e),
        }
    }
    true
}

#[pymethods]
impl SshEvents {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }
    fn __next__(&mut self, py: Python<'_>) -> PyResult<Option<PyEvent>> {
        loop {
            if let Some(e) = self.buf.pop_front() {
                return Ok(Some(PyEvent { inner: e }));
            }
            let Some(input) = self.input.as_mut() else {
                return Ok(None);
            };
            let more = match input {
                SshInput::File { reader, parser } => {
                    let (buf, stats) = (&mut self.buf, &mut self.stats);
                    py.allow_threads(|| fill_file(reader, parser, buf, stats))
                }
                SshInput::Lines { iter, parser, line } => {
                    let it = iter.bind(py);
                    match it.call_method0("__next__") {
                        Ok(obj) => {
                            *line += 1;
                            self.stats.lines += 1;
                            let s: String = obj.extract().map_err(|_| {
                                PyTypeError::new_err("parse_ssh: lines must be str")
                            })?;
                            match parser.parse_line(
                                s.trim_end_matches(['\n', '\r']),
                                Origin {
                                    file: "<lines>".into(),
                                    line: *line,
                                },
                            ) {
                                Some(e) => {
                                    self.stats.events += 1;
                                    self.buf.push_back(e);
                                }
                                None => self.stats.skipped += 1,
                            }
                            true
                        }
                        Err(e) if e.is_instance_of::<pyo3::exceptions::PyStopIteration>(py) => {
                            false
                        }
                        Err(e) => return Err(e),
                    }
                }
            };
            if !more {
                self.input = None;
            }
        }
    }
    /// Counts so far: lines, events, skipped, malformed, and the first errors.
    #[getter]
    fn stats(&self, py: Python<'_>) -> PyResult<PyObject> {
        let d = PyDict::new(py);
        d.set_item("lines", self.stats.lines)?;
        d.set_item("events", self.stats.events)?;
        d.set_item("skipped", self.stats.skipped)?;
        d.set_item("malformed", self.stats.malformed)?;
        d.set_item(
            "errors",
            self.stats
                .errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>(),
        )?;
        Ok(d.into_any().unbind())
    }
}

fn ssh_opts(year: Option<i32>, tz: &str, stateful: bool) -> SshOptions {
    SshOptions {
        year,
        tz: tz.to_string(),
        stateful,
        ..SshOptions::default()
    }
}

/// Parses an OpenSSH auth log: `source` is a path (`.gz` transparent) or an
/// iterable of lines. Returns an iterator of `Event`s.
#[pyfunction]
#[pyo3(signature = (source, year = None, tz = "UTC", stateful = true))]
fn parse_ssh(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    year: Option<i32>,
    tz: &str,
    stateful: bool,
) -> PyResult<SshEvents> {
    let parser = SshParser::try_new(ssh_opts(year, tz, stateful)).map_err(to_py)?;
    let input = if source.is_instance_of::<PyString>() || source.hasattr("__fspath__")? {
        let path: PathBuf = source.extract()?;
        let reader = py
            .allow_threads(|| LineReader::open(&path))
            .map_err(to_py)?;
        SshInput::File { reader, parser }
    } else {
        let iter = source.try_iter().map_err(|_| {
            PyTypeError::new_err("parse_ssh: source must be a path or an iterable of str")
        })?;
        SshInput::Lines {
            iter: iter.into_any().unbind(),
            parser,
            line: 0,
        }
    };
    Ok(SshEvents {
        input: Some(input),
        buf: VecDeque::new(),
        stats: ParseStats::default(),
    })
}

/// Iterator of `Event`s from an EVE file (see `parse_eve`).
#[pyclass(module = "soc_core", unsendable)]
pub(crate) struct EveEvents {
    reader: Option<LineReader>,
    types: Option<Vec<String>>,
    buf: VecDeque<CoreEvent>,
    stats: ParseStats,
}

fn fill_eve(
    reader: &mut LineReader,
    types: &Option<Vec<String>>,
    buf: &mut VecDeque<CoreEvent>,
    stats: &mut ParseStats,
) -> bool {
    let name = reader.name().to_string();
    while buf.len() < BATCH {
        let Some((no, line)) = reader.next() else {
            return false;
        };
        stats.lines += 1;
        let line = match line {
            Ok(l) if l.trim().is_empty() => {
                stats.skipped += 1;
                continue;
            }
            Ok(l) => l,
            Err(e) => {
                stats.malformed(e);
                continue;
            }
        };
        let rec: EveRecord = match parse_eve_line(&line) {
            Ok(r) => r,
            Err(e) => {
                let reason = match e {
                    soc_core::ParseError::Malformed { reason, .. } => reason,
                    other => other.to_string(),
                };
                stats.malformed(soc_core::ParseError::Malformed {
                    source_name: name.clone(),
                    line: no,
                    reason,
                });
                continue;
            }
        };
        if types.as_ref().is_some_and(|t| !t.contains(&rec.event_type)) {
            stats.skipped += 1;
            continue;
        }
        stats.events += 1;
        buf.push_back(rec.to_event(Origin {
            file: name.clone(),
            line: no,
        }));
    }
    true
}

#[pymethods]
impl EveEvents {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }
    fn __next__(&mut self, py: Python<'_>) -> Option<PyEvent> {
        loop {
            if let Some(e) = self.buf.pop_front() {
                return Some(PyEvent { inner: e });
            }
            let reader = self.reader.as_mut()?;
            let (types, buf, stats) = (&self.types, &mut self.buf, &mut self.stats);
            if !py.allow_threads(|| fill_eve(reader, types, buf, stats)) {
                self.reader = None;
            }
        }
    }
    /// Counts so far: lines, events, skipped, malformed, and the first errors.
    #[getter]
    fn stats(&self, py: Python<'_>) -> PyResult<PyObject> {
        let d = PyDict::new(py);
        d.set_item("lines", self.stats.lines)?;
        d.set_item("events", self.stats.events)?;
        d.set_item("skipped", self.stats.skipped)?;
        d.set_item("malformed", self.stats.malformed)?;
        d.set_item(
            "errors",
            self.stats
                .errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>(),
        )?;
        Ok(d.into_any().unbind())
    }
}

/// Parses a Suricata EVE file into `Event`s (`kind = "suricata.<type>"`),
/// optionally only some event types. Malformed lines are counted in `.stats`.
#[pyfunction]
#[pyo3(signature = (path, event_types = None))]
fn parse_eve(
    py: Python<'_>,
    path: PathBuf,
    event_types: Option<Vec<String>>,
) -> PyResult<EveEvents> {
    let reader = py
        .allow_threads(|| LineReader::open(&path))
        .map_err(to_py)?;
    Ok(EveEvents {
        reader: Some(reader),
        types: event_types,
        buf: VecDeque::new(),
        stats: ParseStats::default(),
    })
}

/// Reads alerts exported by other tools (`format` `json` or `csv`), with an
/// optional mapping `{"src_ip": "attacker", ...}`. Malformed records raise
/// `ParseError` only when `strict`; otherwise they are skipped.
#[pyfunction]
#[pyo3(signature = (path, format = "json", mapping = None, tool = None, strict = false))]
fn read_alerts(
    py: Python<'_>,
    path: PathBuf,
    format: &str,
    mapping: Option<std::collections::BTreeMap<String, String>>,
    tool: Option<String>,
    strict: bool,
) -> PyResult<Vec<PyAlert>> {
    let fmt = match format {
        "json" | "jsonl" => AlertFormat::Json,
        "csv" => AlertFormat::Csv,
        other => {
            return Err(PyValueError::new_err(format!(
                "format must be 'json' or 'csv', not '{other}'"
            )))
        }
    };
    let m = AlertMapping {
        tool,
        fields: mapping.unwrap_or_default(),
    };
    py.allow_threads(|| {
        let mut out = Vec::new();
        for item in json_csv::read_alerts(&path, fmt, &m)? {
            match item {
                Ok(a) => out.push(PyAlert { inner: a }),
                Err(e) if strict => return Err(e),
                Err(_) => {}
            }
        }
        Ok(out)
    })
    .map_err(to_py)
}

fn collect_events(events: &Bound<'_, PyAny>) -> PyResult<Vec<CoreEvent>> {
    let mut v = Vec::new();
    for item in events.try_iter()? {
        let item = item?;
        let e: PyRef<'_, PyEvent> = item
            .extract()
            .map_err(|_| PyTypeError::new_err("expected soc_core.Event objects"))?;
        v.push(e.inner.clone());
    }
    Ok(v)
}

/// Runs the SSH detectors over `events` (an iterable of `Event`, e.g. from
/// `parse_ssh`) and returns their `Alert`s. Keyword arguments override the
/// `DetectConfig` defaults (`brute_force_threshold=5`, ...).
#[pyfunction]
#[pyo3(signature = (events, **config))]
fn detect_bruteforce(
    py: Python<'_>,
    events: &Bound<'_, PyAny>,
    config: Option<&Bound<'_, PyDict>>,
) -> PyResult<Vec<PyAlert>> {
    let cfg: DetectConfig = match config {
        Some(c) => serde_json::from_value(crate::convert::from_py_data(c.as_any())?)
            .map_err(|e| PyValueError::new_err(format!("detect_bruteforce: {e}")))?,
        None => DetectConfig::default(),
    };
    let evs = collect_events(events)?;
    let alerts = py.allow_threads(move || {
        let mut d = DetectorSet::new(cfg);
        let mut out: Vec<CoreAlert> = evs.iter().flat_map(|e| d.observe(e)).collect();
        out.extend(d.finish());
        out
    });
    Ok(alerts.into_iter().map(|a| PyAlert { inner: a }).collect())
}

/// Summary statistics of SSH events: `source` is a path, an iterable of
/// lines, or an iterable of `Event`. Returns a dict.
#[pyfunction]
#[pyo3(signature = (source, top = 10, year = None, tz = "UTC"))]
fn ssh_summary(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    top: usize,
    year: Option<i32>,
    tz: &str,
) -> PyResult<PyObject> {
    let mut s = SshSummary::default();
    if source.is_instance_of::<PyString>() || source.hasattr("__fspath__")? {
        let path: PathBuf = source.extract()?;
        let mut parser = SshParser::try_new(ssh_opts(year, tz, true)).map_err(to_py)?;
        py.allow_threads(|| -> Result<(), soc_core::ParseError> {
            for (no, line) in LineReader::open(&path)? {
                if let Ok(l) = line {
                    if let Some(e) = parser.parse_line(
                        &l,
                        Origin {
                            file: String::new(),
                            line: no,
                        },
                    ) {
                        s.add(&e);
                    }
                }
            }
            Ok(())
        })
        .map_err(to_py)?;
    } else {
        let mut parser = SshParser::try_new(ssh_opts(year, tz, true)).map_err(to_py)?;
        for (i, item) in source.try_iter()?.enumerate() {
            let item = item?;
            if let Ok(e) = item.extract::<PyRef<'_, PyEvent>>() {
                s.add(&e.inner);
            } else {
                let l: String = item
                    .extract()
                    .map_err(|_| PyTypeError::new_err("ssh_summary: items must be str or Event"))?;
                if let Some(e) = parser.parse_line(
                    &l,
                    Origin {
                        file: String::new(),
                        line: i as u64 + 1,
                    },
                ) {
                    s.add(&e);
                }
            }
        }
    }
    let d = PyDict::new(py);
    d.set_item("events", s.events)?;
    d.set_item("failures", s.failures)?;
    d.set_item("accepted", s.accepted)?;
    d.set_item("distinct_sources", s.distinct_sources())?;
    d.set_item("top_sources", s.top_sources(top))?;
    d.set_item("top_users", s.top_users(top))?;
    d.set_item("by_kind", to_py_data(py, &s.by_kind)?)?;
    d.set_item("failures_per_hour", to_py_data(py, &s.failures_per_hour)?)?;
    Ok(d.into_any().unbind())
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
