//! `parse_eve` and `read_alerts`.

use super::*;

/// Iterator of `Event`s from an EVE file (see `parse_eve`). The reading
/// and counting is soc-core's `parse::suricata::Reader`; this only converts.
#[pyclass(module = "soc_core", unsendable)]
pub(crate) struct EveEvents {
    reader: EveReader,
    buf: VecDeque<CoreEvent>,
    done: bool,
}

/// Up to `BATCH` events into `buf`; false at the end.
fn fill_eve(reader: &mut EveReader, buf: &mut VecDeque<CoreEvent>) -> bool {
    while buf.len() < BATCH {
        let Some(e) = reader.next() else {
            return false;
        };
        buf.push_back(e);
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
            if self.done {
                return None;
            }
            let (reader, buf) = (&mut self.reader, &mut self.buf);
            self.done = !py.allow_threads(|| fill_eve(reader, buf));
        }
    }
    /// Counts so far: lines, events, skipped, malformed, and the first errors.
    #[getter]
    fn stats(&self, py: Python<'_>) -> PyResult<PyObject> {
        stats_dict(py, self.reader.stats())
    }
    /// The events not yet read, as one Arrow batch (`soc.events`).
    #[pyo3(name = "to_arrow")]
    fn drain_to_arrow(&mut self, py: Python<'_>) -> PyResult<crate::columnar::ArrowBatch> {
        crate::columnar::drain_events(|| Ok(self.__next__(py).map(|e| e.inner)))
    }
    /// Always raises `TypeError`: a live parse cannot be pickled.
    fn __reduce__(&self) -> PyResult<PyObject> {
        Err(not_picklable("EveEvents", "an EVE file"))
    }
}

/// Parses a Suricata EVE file into `Event`s (`kind = "suricata.<type>"`),
/// optionally only some event types. Malformed lines are counted in `.stats`.
#[pyfunction]
#[pyo3(signature = (path, event_types = None))]
pub(super) fn parse_eve(
    py: Python<'_>,
    path: PathBuf,
    event_types: Option<Vec<String>>,
) -> PyResult<EveEvents> {
    let reader = py.allow_threads(|| EveReader::open(&path)).map_err(to_py)?;
    Ok(EveEvents {
        reader: reader.event_types(event_types.unwrap_or_default()),
        buf: VecDeque::new(),
        done: false,
    })
}

/// Reads alerts exported by other tools (`format` `json` or `csv`), with an
/// optional mapping `{"src_ip": "attacker", ...}`. Malformed records raise
/// `ParseError` only when `strict`; otherwise they are skipped.
#[pyfunction]
#[pyo3(signature = (path, format = "json", mapping = None, tool = None, strict = false))]
pub(super) fn read_alerts(
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
            return Err(config_error(format!(
                "read_alerts: format must be 'json' or 'csv', not '{other}'"
            )))
        }
    };
    let m = AlertMapping {
        tool,
        fields: mapping.unwrap_or_default(),
    };
    py.allow_threads(|| {
        let mut reader = AlertReader::open(&path, fmt, &m)?;
        let out: Vec<PyAlert> = reader.by_ref().map(|a| PyAlert { inner: a }).collect();
        match reader.take_stats().errors.into_iter().next() {
            Some(e) if strict => Err(e),
            _ => Ok(out),
        }
    })
    .map_err(to_py)
}
