//! `parse_eve` and `read_alerts`.

use super::*;

/// Iterator of `Event`s from an EVE file (see `parse_eve`). The reading
/// and counting is soc-core's `parse::suricata::Reader`; this only converts.
#[pyclass(module = "soc_core", unsendable)]
pub(crate) struct EveEvents {
    reader: EveReader,
    batches: EventBatches,
}

impl EveEvents {
    fn next_event(&mut self, py: Python<'_>) -> PyResult<Option<PyEvent>> {
        let reader = &mut self.reader;
        self.batches
            .next_event(|buf| Ok(fill_batch(py, reader, buf)))
    }
}

event_iterator_methods!(EveEvents, "an EVE file");

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
        batches: EventBatches::default(),
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
