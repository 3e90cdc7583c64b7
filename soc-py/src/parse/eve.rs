//! `parse_eve` and `read_alerts`.

use super::*;

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
        let Some((no, line)) = reader.next_str() else {
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
        let rec: EveRecord = match parse_eve_line(line) {
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
        stats_dict(py, &self.stats)
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
