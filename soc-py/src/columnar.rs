//! Arrow results for Python: `parse_ssh_batch`, `parse_eve_batch`,
//! `extract_iocs_batch`, `detect_batch`, `to_arrow`, and the `ArrowBatch`
//! they return.
//!
//! Input arrays and output batches cross the boundary through the Arrow
//! PyCapsule interface (pyo3-arrow), so pyarrow, polars, pandas, DuckDB
//! and Spark's `mapInArrow` batches come in and go out without a copy.
//! The work runs with the GIL released.

use std::sync::Arc;

use arrow_array::{Array, ArrayRef, RecordBatch, StructArray};
use arrow_schema::{DataType, Field};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict};
use pyo3_arrow::input::{AnyArray, AnyRecordBatch};
use pyo3_arrow::{PyArray, PyRecordBatch, PyTable};

use soc_core::columnar::{
    events_from_batch, string_at, times_of, AlertBatchBuilder, BatchBuilder, ColumnarError,
    EveBatchBuilder, EventBatchBuilder, IndicatorBatchBuilder,
};
use soc_core::detect::{DetectConfig, DetectorSet};
use soc_core::model::{Event, Origin};
use soc_core::parse::ssh::{SshOptions, SshParser};
use soc_core::parse::suricata::{alert_from_line, is_alert_line, parse_eve_line};

use crate::errors::{config_error, to_py, type_error};
use crate::iocs::PyIndicator;
use crate::parse::{PyAlert, PyEvent};

/// One Arrow record batch of a soc schema (`soc.events`, `soc.eve_events`,
/// `soc.alerts`, `soc.indicators`). It implements the Arrow PyCapsule
/// interface: `pyarrow.record_batch(b)`, `pyarrow.table(b)`,
/// `polars.from_arrow(b)` and `duckdb` take it without a copy.
#[pyclass(module = "soc_core", name = "ArrowBatch", frozen)]
pub(crate) struct ArrowBatch {
    batch: RecordBatch,
}

impl ArrowBatch {
    pub(crate) fn new(batch: RecordBatch) -> Self {
        ArrowBatch { batch }
    }
}

#[pymethods]
impl ArrowBatch {
    /// The schema as an `ArrowSchema` PyCapsule.
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let b = Bound::new(py, PyRecordBatch::new(self.batch.clone()))?;
        b.call_method0("__arrow_c_schema__")
    }

    /// The batch as an (`ArrowSchema`, `ArrowArray`) pair of PyCapsules.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_array__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyCapsule>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        // As a struct array whose field carries the schema metadata (the
        // record batch export of pyo3-arrow drops it).
        let schema = self.batch.schema();
        let field = Field::new_struct("", schema.fields().clone(), false)
            .with_metadata(schema.metadata().clone());
        let array: ArrayRef = Arc::new(StructArray::from(self.batch.clone()));
        let array =
            PyArray::try_new(array, Arc::new(field)).map_err(|e| config_error(e.to_string()))?;
        Bound::new(py, array)?.call_method1("__arrow_c_array__", (requested_schema,))
    }

    /// The batch as an `ArrowArrayStream` PyCapsule (a stream of one batch).
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyCapsule>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let table = PyTable::try_new(vec![self.batch.clone()], self.batch.schema())?;
        Bound::new(py, table)?.call_method1("__arrow_c_stream__", (requested_schema,))
    }

    /// Rows in the batch.
    fn __len__(&self) -> usize {
        self.batch.num_rows()
    }

    /// Rows in the batch.
    #[getter]
    fn num_rows(&self) -> usize {
        self.batch.num_rows()
    }

    /// The schema's name: `soc.events`, `soc.eve_events`, `soc.alerts` or
    /// `soc.indicators`.
    #[getter]
    fn schema_name(&self) -> String {
        let meta = self.batch.schema_ref().metadata();
        meta.get(soc_core::columnar::SCHEMA_KEY)
            .cloned()
            .unwrap_or_default()
    }

    /// The column names.
    #[getter]
    fn column_names(&self) -> Vec<String> {
        let schema = self.batch.schema();
        schema.fields().iter().map(|f| f.name().clone()).collect()
    }

    fn __repr__(&self) -> String {
        format!(
            "ArrowBatch(schema={:?}, rows={})",
            self.schema_name(),
            self.batch.num_rows()
        )
    }
}

pub(crate) fn columnar_err(e: ColumnarError) -> PyErr {
    match e {
        ColumnarError::MissingColumn { .. } | ColumnarError::ColumnType { .. } => {
            type_error(e.to_string())
        }
        other => config_error(other.to_string()),
    }
}

/// Texts from Python: an Arrow string array (anything with
/// `__arrow_c_array__` / `__arrow_c_stream__`), or an iterable of `str`
/// (`None` allowed: a null row).
enum Texts {
    Arrow(Vec<ArrayRef>),
    Python(Vec<Option<String>>),
}

impl Texts {
    fn extract(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Texts> {
        if obj.hasattr("__arrow_c_array__")? || obj.hasattr("__arrow_c_stream__")? {
            let any: AnyArray = obj.extract()?;
            let (chunks, field) = any.into_chunked_array()?.into_inner();
            return match field.data_type() {
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null => {
                    Ok(Texts::Arrow(chunks))
                }
                other => Err(type_error(format!(
                    "{what}: an Arrow array of strings is needed, not {other}"
                ))),
            };
        }
        if obj.is_instance_of::<pyo3::types::PyString>() {
            return Err(type_error(format!(
                "{what}: a list or Arrow array of str is needed, not one str"
            )));
        }
        let mut v = Vec::new();
        for (i, item) in obj.try_iter()?.enumerate() {
            let item = item?;
            if item.is_none() {
                v.push(None);
                continue;
            }
            let s: String = item
                .extract()
                .map_err(|_| type_error(format!("{what}: item {i} is not str")))?;
            v.push(Some(s));
        }
        Ok(Texts::Python(v))
    }

    /// Calls `f(row, text)` for every row in order (null rows: `None`).
    fn for_each(&self, mut f: impl FnMut(usize, Option<&str>)) {
        match self {
            Texts::Python(v) => {
                for (i, t) in v.iter().enumerate() {
                    f(i, t.as_deref());
                }
            }
            Texts::Arrow(chunks) => {
                let mut row = 0;
                for c in chunks {
                    for i in 0..c.len() {
                        f(row, string_at(c, i));
                        row += 1;
                    }
                }
            }
        }
    }
}

fn finish(mut b: impl BatchBuilder) -> PyResult<ArrowBatch> {
    Ok(ArrowBatch::new(b.finish().map_err(columnar_err)?))
}

/// Parses an array of OpenSSH log lines into one `soc.events` batch (see
/// `soc_core.columnar`); the options are those of `parse_ssh`. `line` is
/// the 1-based position in the input; lines that are no sshd event are
/// left out.
#[pyfunction]
#[pyo3(signature = (lines, year = None, tz = "UTC", stateful = true))]
pub(crate) fn parse_ssh_batch(
    py: Python<'_>,
    lines: &Bound<'_, PyAny>,
    year: Option<i32>,
    tz: &str,
    stateful: bool,
) -> PyResult<ArrowBatch> {
    let mut parser = SshParser::try_new(SshOptions {
        year,
        tz: tz.to_string(),
        stateful,
        ..SshOptions::default()
    })
    .map_err(to_py)?;
    let texts = Texts::extract(lines, "parse_ssh_batch")?;
    py.allow_threads(|| {
        let mut b = EventBatchBuilder::new();
        texts.for_each(|row, line| {
            let Some(line) = line else { return };
            let origin = Origin {
                file: String::new(),
                line: row as u64 + 1,
            };
            if let Some(e) = parser.parse_line(line.trim_end_matches(['\n', '\r']), origin) {
                b.append(&e);
            }
        });
        finish(b)
    })
}

/// Parses an array of Suricata EVE lines into one `soc.eve_events` batch.
/// `line` is the 1-based position in the input; blank and malformed lines
/// are left out.
#[pyfunction]
pub(crate) fn parse_eve_batch(py: Python<'_>, lines: &Bound<'_, PyAny>) -> PyResult<ArrowBatch> {
    let texts = Texts::extract(lines, "parse_eve_batch")?;
    py.allow_threads(|| {
        let mut b = EveBatchBuilder::new();
        texts.for_each(|row, line| {
            let Some(line) = line.map(str::trim).filter(|l| !l.is_empty()) else {
                return;
            };
            if let Ok(rec) = parse_eve_line(line) {
                b.append(&rec, None, Some(row as u64 + 1));
            }
        });
        finish(b)
    })
}

/// The normalized alerts of an array of EVE lines (`soc.alerts`), as
/// `soc eve --alerts` gives them: one per alert (or drop-with-alert)
/// record; other, blank and malformed lines are left out.
#[pyfunction]
pub(crate) fn eve_alerts_batch(py: Python<'_>, lines: &Bound<'_, PyAny>) -> PyResult<ArrowBatch> {
    let texts = Texts::extract(lines, "eve_alerts_batch")?;
    py.allow_threads(|| {
        let mut b = AlertBatchBuilder::new();
        texts.for_each(|_, line| {
            let Some(line) = line.filter(|l| is_alert_line(l.as_bytes())) else {
                return;
            };
            if let Ok(Some(a)) = alert_from_line(line) {
                b.append(&a);
            }
        });
        finish(b)
    })
}

/// Extracts indicators from an array of texts into one `soc.indicators`
/// batch; `row` is the 0-based index of the text each came from. Options
/// as in `extract_iocs`.
#[pyfunction]
#[pyo3(signature = (texts, kinds = None, allow = None, no_private = false))]
pub(crate) fn extract_iocs_batch(
    py: Python<'_>,
    texts: &Bound<'_, PyAny>,
    kinds: Option<&Bound<'_, PyAny>>,
    allow: Option<&Bound<'_, PyAny>>,
    no_private: bool,
) -> PyResult<ArrowBatch> {
    let ex = crate::iocs::extractor(kinds, allow, no_private)?;
    let texts = Texts::extract(texts, "extract_iocs_batch")?;
    py.allow_threads(|| {
        let mut b = IndicatorBatchBuilder::new();
        texts.for_each(|row, text| {
            let Some(text) = text else { return };
            b.set_input(Some(row as u64), None);
            for ind in ex.extract(text) {
                b.append(&ind);
            }
        });
        finish(b)
    })
}

/// Runs the SSH detectors over a `soc.events` batch or table (anything
/// with `__arrow_c_array__` / `__arrow_c_stream__`, e.g. from
/// `parse_ssh_batch`, pyarrow or polars), in row order, and returns one
/// `soc.alerts` batch sorted by first seen then kind (as `soc ssh
/// --alerts`). Keyword arguments override the `DetectConfig` defaults, as
/// in `detect_bruteforce`.
///
/// An optional `clock` timestamp column (as `soc_core.spark.ssh_events`
/// gives: the running max of event times over every line up to the event's,
/// files in path order) advances the detectors' clock to it before each
/// event, so the rows of some keys alone give those keys' alerts of the
/// whole input (the detectors' clock rule).
#[pyfunction]
#[pyo3(signature = (events, **config))]
pub(crate) fn detect_batch(
    py: Python<'_>,
    events: &Bound<'_, PyAny>,
    config: Option<&Bound<'_, PyDict>>,
) -> PyResult<ArrowBatch> {
    let cfg: DetectConfig = match config {
        Some(c) => serde_json::from_value(crate::convert::from_py_data(c.as_any())?)
            .map_err(|e| crate::errors::kwargs_error("detect_batch()", &e))?,
        None => DetectConfig::default(),
    };
    let input: AnyRecordBatch = events.extract().map_err(|_| {
        type_error("detect_batch: events must be an Arrow record batch or table (soc.events)")
    })?;
    let reader = input.into_reader()?;
    py.allow_threads(|| {
        let mut d = DetectorSet::new(cfg);
        let mut alerts = Vec::new();
        for batch in reader {
            let batch = batch.map_err(|e| config_error(e.to_string()))?;
            let clock = times_of(&batch, "clock").map_err(columnar_err)?;
            for (row, e) in events_from_batch(&batch)
                .map_err(columnar_err)?
                .into_iter()
                .enumerate()
            {
                if let Some(now) = clock.as_ref().and_then(|c| c[row]) {
                    alerts.extend(d.observe_time(Some(now)));
                }
                alerts.extend(d.observe_owned(e));
            }
        }
        alerts.extend(d.finish());
        alerts.sort_by(|a, b| a.first_seen.cmp(&b.first_seen).then(a.kind.cmp(&b.kind)));
        let mut b = AlertBatchBuilder::new();
        for a in &alerts {
            b.append(a);
        }
        finish(b)
    })
}

/// `Event`s, `Alert`s or `Indicator`s (a list, or any iterable of one
/// kind) as one Arrow batch: `soc.events`, `soc.alerts` or
/// `soc.indicators`. An empty input gives an empty `soc.events` batch.
#[pyfunction]
pub(crate) fn to_arrow(items: &Bound<'_, PyAny>) -> PyResult<ArrowBatch> {
    let mut events = EventBatchBuilder::new();
    let mut alerts = AlertBatchBuilder::new();
    let mut indicators = IndicatorBatchBuilder::new();
    let mut kind: Option<&'static str> = None;
    for (i, item) in items.try_iter()?.enumerate() {
        let item = item?;
        let this = if let Ok(e) = item.downcast::<PyEvent>() {
            events.append(&e.borrow().inner);
            "Event"
        } else if let Ok(a) = item.downcast::<PyAlert>() {
            alerts.append(&a.borrow().inner);
            "Alert"
        } else if let Ok(ind) = item.downcast::<PyIndicator>() {
            indicators.append(&ind.get().inner);
            "Indicator"
        } else {
            return Err(type_error(format!(
                "to_arrow: item {i} is not an Event, Alert or Indicator"
            )));
        };
        if kind.is_some_and(|k| k != this) {
            return Err(type_error(format!(
                "to_arrow: item {i} is an {this} after {}s; one kind per batch",
                kind.unwrap_or_default()
            )));
        }
        kind = Some(this);
    }
    match kind {
        Some("Alert") => finish(alerts),
        Some("Indicator") => finish(indicators),
        _ => finish(events),
    }
}

/// The events an iterator still has, as one `soc.events` batch (the
/// `to_arrow()` of `SshEvents` and `EveEvents`).
pub(crate) fn drain_events(
    mut next: impl FnMut() -> PyResult<Option<Event>>,
) -> PyResult<ArrowBatch> {
    let mut b = EventBatchBuilder::new();
    while let Some(e) = next()? {
        b.append(&e);
    }
    finish(b)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ArrowBatch>()?;
    m.add_function(wrap_pyfunction!(parse_ssh_batch, m)?)?;
    m.add_function(wrap_pyfunction!(parse_eve_batch, m)?)?;
    m.add_function(wrap_pyfunction!(eve_alerts_batch, m)?)?;
    m.add_function(wrap_pyfunction!(extract_iocs_batch, m)?)?;
    m.add_function(wrap_pyfunction!(detect_batch, m)?)?;
    m.add_function(wrap_pyfunction!(to_arrow, m)?)?;
    Ok(())
}
