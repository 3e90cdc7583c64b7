//! `parse_ssh`, `detect_bruteforce` and `ssh_summary`.

use super::*;

/// Iterator of `Event`s from an auth log (see `parse_ssh`). The reading
/// and counting is soc-core's `parse::ssh::Reader`; this only converts.
#[pyclass(module = "soc_core", unsendable)]
pub(crate) struct SshEvents {
    reader: Reader,
    /// Lines handed in from Python (`None`: the reader reads its file).
    lines: Option<PyObject>,
    batches: EventBatches,
}

/// The next item of a Python iterable of lines as text, `None` at its end.
fn next_py_line(py: Python<'_>, iter: &PyObject, no: u64) -> PyResult<Option<String>> {
    match iter.bind(py).call_method0("__next__") {
        Ok(obj) => obj.extract().map(Some).map_err(|_| {
            type_error(format!(
                "parse_ssh: line {no} is {}, not str",
                obj.get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_default()
            ))
        }),
        Err(e) if e.is_instance_of::<pyo3::exceptions::PyStopIteration>(py) => Ok(None),
        Err(e) => Err(e),
    }
}

impl SshEvents {
    fn next_event(&mut self, py: Python<'_>) -> PyResult<Option<PyEvent>> {
        let (reader, lines) = (&mut self.reader, &self.lines);
        self.batches.next_event(|buf| match lines {
            None => Ok(fill_batch(py, reader, buf)),
            Some(iter) => {
                let no = reader.stats().lines + 1;
                let Some(line) = next_py_line(py, iter, no)? else {
                    return Ok(false);
                };
                buf.extend(reader.read_line(line.trim_end_matches(['\n', '\r'])));
                Ok(true)
            }
        })
    }
}

event_iterator_methods!(SshEvents, "an auth log");

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
pub(super) fn parse_ssh(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    year: Option<i32>,
    tz: &str,
    stateful: bool,
) -> PyResult<SshEvents> {
    let opts = ssh_opts(year, tz, stateful);
    if source.is_instance_of::<PyString>() || source.hasattr("__fspath__")? {
        let path: PathBuf = source.extract()?;
        let reader = py
            .allow_threads(|| Reader::open(&path, opts))
            .map_err(to_py)?;
        return Ok(SshEvents {
            reader,
            lines: None,
            batches: EventBatches::default(),
        });
    }
    let reader = Reader::for_lines("<lines>", opts).map_err(to_py)?;
    let iter = source
        .try_iter()
        .map_err(|_| type_error("parse_ssh: source must be a path or an iterable of str"))?;
    Ok(SshEvents {
        reader,
        lines: Some(iter.into_any().unbind()),
        batches: EventBatches::default(),
    })
}

fn collect_events(events: &Bound<'_, PyAny>) -> PyResult<Vec<CoreEvent>> {
    let mut v = Vec::new();
    for item in events.try_iter()? {
        let item = item?;
        let e: PyRef<'_, PyEvent> = item
            .extract()
            .map_err(|_| type_error("detect_bruteforce: events must be soc_core.Event objects"))?;
        v.push(e.inner.clone());
    }
    Ok(v)
}

/// Runs the SSH detectors over `events` (an iterable of `Event`, e.g. from
/// `parse_ssh`) and returns their `Alert`s: the same detectors and rules as `soc run` and
/// `soc ssh --alerts`. Rust: `soc_core::detect::DetectorSet`.
/// Keyword arguments override the `DetectConfig` defaults
/// (`brute_force_threshold=5`, `scan_threshold=10`, ...); an unknown keyword is a `ConfigError`
/// naming the valid ones.
#[pyfunction]
#[pyo3(signature = (events, **config))]
pub(super) fn detect_bruteforce(
    py: Python<'_>,
    events: &Bound<'_, PyAny>,
    config: Option<&Bound<'_, PyDict>>,
) -> PyResult<Vec<PyAlert>> {
    let cfg: DetectConfig = match config {
        Some(c) => serde_json::from_value(crate::convert::from_py_data(c.as_any())?)
            .map_err(|e| crate::errors::kwargs_error("detect_bruteforce()", &e))?,
        None => DetectConfig::default(),
    };
    let evs = collect_events(events)?;
    let alerts = py.allow_threads(move || alerts_of(cfg, evs));
    Ok(alerts.into_iter().map(|a| PyAlert { inner: a }).collect())
}

/// Summary statistics of SSH events: `source` is a path, an iterable of
/// lines, or an iterable of `Event`. Returns a dict.
#[pyfunction]
#[pyo3(signature = (source, top = 10, year = None, tz = "UTC"))]
pub(super) fn ssh_summary(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    top: usize,
    year: Option<i32>,
    tz: &str,
) -> PyResult<PyObject> {
    let mut s = SshSummary::default();
    let opts = ssh_opts(year, tz, true);
    if source.is_instance_of::<PyString>() || source.hasattr("__fspath__")? {
        let path: PathBuf = source.extract()?;
        py.allow_threads(|| -> Result<(), soc_core::ParseError> {
            s.read(&mut Reader::open(&path, opts)?);
            Ok(())
        })
        .map_err(to_py)?;
    } else {
        let mut reader = Reader::for_lines("", opts).map_err(to_py)?;
        for item in source.try_iter()? {
            let item = item?;
            if let Ok(e) = item.extract::<PyRef<'_, PyEvent>>() {
                s.add(&e.inner);
            } else {
                let l: String = item
                    .extract()
                    .map_err(|_| type_error("ssh_summary: items must be str or Event"))?;
                if let Some(e) = reader.read_line(&l) {
                    s.add(&e);
                }
            }
        }
    }
    let d = PyDict::new(py);
    d.set_item("events", s.events)?;
    d.set_item("failures", s.failures)?;
    d.set_item("probes", s.probes)?;
    d.set_item("successes", s.successes)?;
    d.set_item("accepted", s.accepted)?;
    d.set_item("distinct_probe_sources", s.distinct_probe_sources())?;
    d.set_item("distinct_sources", s.distinct_sources())?;
    d.set_item("top_sources", s.top_sources(top))?;
    d.set_item("top_users", s.top_users(top))?;
    d.set_item("by_kind", to_py_data(py, &s.by_kind())?)?;
    d.set_item("failures_per_hour", to_py_data(py, &s.failures_per_hour())?)?;
    Ok(d.into_any().unbind())
}
