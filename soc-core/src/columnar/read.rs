//! Reading columns back: `soc.events` batches into [`Event`]s (for the
//! detectors over a batch, and on Spark executors), accepting what other
//! engines hand back after a round trip (plain, large, view or
//! dictionary strings; any integer width; any timestamp unit).

use std::net::IpAddr;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Int16Type, Int32Type, Int64Type, Int8Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use chrono::{DateTime, Utc};

use super::build::from_micros;
use super::error::ColumnarError;
use crate::model::{Attempt, Event, EventOutcome, Origin};

/// One column read as optional strings: plain, large or view strings, or
/// a dictionary of them with any integer keys (polars' categoricals are
/// `dictionary<uint32, large_utf8>`).
pub(crate) struct StrColumn<'a> {
    array: &'a ArrayRef,
    /// For a dictionary: each row's index into `values`.
    dict: Option<(Vec<usize>, ArrayRef)>,
}

fn is_string(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

/// The string at row `i` of a plain, large or view string array; `None`
/// for a null, a row past the end, or an array of another type.
///
/// ```
/// use std::sync::Arc;
/// use arrow_array::{ArrayRef, LargeStringArray};
/// let a: ArrayRef = Arc::new(LargeStringArray::from(vec![Some("sshd"), None]));
/// assert_eq!(soc_core::columnar::string_at(&a, 0), Some("sshd"));
/// assert_eq!(soc_core::columnar::string_at(&a, 1), None);
/// assert_eq!(soc_core::columnar::string_at(&a, 9), None);
/// ```
pub fn string_at(a: &ArrayRef, i: usize) -> Option<&str> {
    if i >= a.len() || a.is_null(i) {
        return None;
    }
    match a.data_type() {
        DataType::Utf8 => Some(a.as_string::<i32>().value(i)),
        DataType::LargeUtf8 => Some(a.as_string::<i64>().value(i)),
        DataType::Utf8View => Some(a.as_string_view().value(i)),
        _ => None,
    }
}

impl<'a> StrColumn<'a> {
    /// The column `name` of `batch`, if present and of a string type.
    pub(crate) fn get(batch: &'a RecordBatch, name: &str) -> Result<Option<Self>, ColumnarError> {
        let Some(array) = batch.column_by_name(name) else {
            return Ok(None);
        };
        let dict = match array.data_type() {
            t if is_string(t) || t == &DataType::Null => None,
            DataType::Dictionary(k, v) if k.is_integer() && is_string(v) => {
                let d = array
                    .as_any_dictionary_opt()
                    .ok_or_else(|| wrong_type(name, array.data_type(), "a string"))?;
                // `normalized_keys` asserts a non-empty dictionary; an
                // empty one can only back null rows.
                let keys = if d.values().is_empty() {
                    Vec::new()
                } else {
                    d.normalized_keys()
                };
                Some((keys, d.values().clone()))
            }
            other => return Err(wrong_type(name, other, "a string")),
        };
        Ok(Some(StrColumn { array, dict }))
    }

    /// The value at `row` (null: `None`).
    pub(crate) fn value(&self, row: usize) -> Option<&str> {
        if self.array.is_null(row) {
            return None;
        }
        match &self.dict {
            None => string_at(self.array, row),
            Some((keys, values)) => string_at(values, *keys.get(row)?),
        }
    }
}

/// One column read as optional `i64` (any integer width).
pub(crate) struct IntColumn<'a> {
    array: &'a ArrayRef,
}

impl<'a> IntColumn<'a> {
    pub(crate) fn get(batch: &'a RecordBatch, name: &str) -> Result<Option<Self>, ColumnarError> {
        let Some(array) = batch.column_by_name(name) else {
            return Ok(None);
        };
        if !array.data_type().is_integer() && array.data_type() != &DataType::Null {
            return Err(wrong_type(name, array.data_type(), "an integer"));
        }
        Ok(Some(IntColumn { array }))
    }

    pub(crate) fn value(&self, row: usize) -> Option<i64> {
        if self.array.is_null(row) {
            return None;
        }
        let a = self.array;
        match a.data_type() {
            DataType::Int8 => Some(a.as_primitive::<Int8Type>().value(row).into()),
            DataType::Int16 => Some(a.as_primitive::<Int16Type>().value(row).into()),
            DataType::Int32 => Some(a.as_primitive::<Int32Type>().value(row).into()),
            DataType::Int64 => Some(a.as_primitive::<Int64Type>().value(row)),
            DataType::UInt8 => Some(a.as_primitive::<UInt8Type>().value(row).into()),
            DataType::UInt16 => Some(a.as_primitive::<UInt16Type>().value(row).into()),
            DataType::UInt32 => Some(a.as_primitive::<UInt32Type>().value(row).into()),
            DataType::UInt64 => i64::try_from(a.as_primitive::<UInt64Type>().value(row)).ok(),
            _ => None,
        }
    }
}

/// One timestamp column (any unit; the values are UTC instants whatever
/// time zone the column is labelled with).
struct TimeColumn<'a> {
    array: &'a ArrayRef,
}

impl<'a> TimeColumn<'a> {
    fn get(batch: &'a RecordBatch, name: &str) -> Result<Option<Self>, ColumnarError> {
        let Some(array) = batch.column_by_name(name) else {
            return Ok(None);
        };
        match array.data_type() {
            DataType::Timestamp(..) | DataType::Null => Ok(Some(TimeColumn { array })),
            other => Err(wrong_type(name, other, "a timestamp")),
        }
    }

    fn value(&self, row: usize) -> Option<DateTime<Utc>> {
        if self.array.is_null(row) {
            return None;
        }
        let a = self.array;
        let us = match a.data_type() {
            DataType::Timestamp(TimeUnit::Second, _) => a
                .as_primitive::<TimestampSecondType>()
                .value(row)
                .checked_mul(1_000_000)?,
            DataType::Timestamp(TimeUnit::Millisecond, _) => a
                .as_primitive::<TimestampMillisecondType>()
                .value(row)
                .checked_mul(1_000)?,
            DataType::Timestamp(TimeUnit::Microsecond, _) => {
                a.as_primitive::<TimestampMicrosecondType>().value(row)
            }
            DataType::Timestamp(TimeUnit::Nanosecond, _) => {
                a.as_primitive::<TimestampNanosecondType>().value(row) / 1_000
            }
            _ => return None,
        };
        from_micros(us)
    }
}

fn wrong_type(column: &str, found: &DataType, wanted: &str) -> ColumnarError {
    ColumnarError::ColumnType {
        column: column.to_string(),
        found: found.to_string(),
        expected: wanted.to_string(),
    }
}

fn s<'c>(c: &'c Option<StrColumn<'_>>, row: usize) -> Option<&'c str> {
    c.as_ref().and_then(|c| c.value(row))
}

fn required<T>(c: Option<T>, column: &str) -> Result<T, ColumnarError> {
    c.ok_or_else(|| ColumnarError::MissingColumn {
        column: column.to_string(),
    })
}

fn bad_value(column: &str, row: usize, reason: String) -> ColumnarError {
    ColumnarError::BadValue {
        column: column.to_string(),
        row,
        reason,
    }
}

/// The values of the timestamp column `name` (any unit) as UTC instants,
/// `None` when the batch has no such column (e.g. the `clock` column that
/// `soc_core.spark.ssh_events` adds).
///
/// ```
/// use soc_core::columnar::{times_of, BatchBuilder, EventBatchBuilder};
/// let b = EventBatchBuilder::new().finish().unwrap();
/// assert_eq!(times_of(&b, "time").unwrap(), Some(vec![]));
/// assert_eq!(times_of(&b, "clock").unwrap(), None);
/// ```
pub fn times_of(
    batch: &RecordBatch,
    name: &str,
) -> Result<Option<Vec<Option<DateTime<Utc>>>>, ColumnarError> {
    Ok(TimeColumn::get(batch, name)?.map(|c| (0..batch.num_rows()).map(|r| c.value(r)).collect()))
}

/// The events of a `soc.events` batch. `kind` and `raw` are required;
/// every other column may be missing (its field stays empty). Addresses
/// that do not parse, unknown `outcome`/`attempt` names and `fields` that
/// are not a JSON object are errors naming the column and row.
///
/// ```
/// use soc_core::columnar::{events_from_batch, BatchBuilder, EventBatchBuilder};
/// use soc_core::model::Event;
/// let mut e = Event::new("ssh", "ssh.failed_password");
/// e.src_ip = Some("203.0.113.45".parse().unwrap());
/// let mut b = EventBatchBuilder::new();
/// b.append(&e);
/// let back = events_from_batch(&b.finish().unwrap()).unwrap();
/// assert_eq!(back, vec![e]);
/// ```
pub fn events_from_batch(batch: &RecordBatch) -> Result<Vec<Event>, ColumnarError> {
    let kind = required(StrColumn::get(batch, "kind")?, "kind")?;
    let raw = required(StrColumn::get(batch, "raw")?, "raw")?;
    let source = StrColumn::get(batch, "source")?;
    let file = StrColumn::get(batch, "file")?;
    let line = IntColumn::get(batch, "line")?;
    let time = TimeColumn::get(batch, "time")?;
    let host = StrColumn::get(batch, "host")?;
    let user = StrColumn::get(batch, "user")?;
    let src_ip = StrColumn::get(batch, "src_ip")?;
    let src_host = StrColumn::get(batch, "src_host")?;
    let src_port = IntColumn::get(batch, "src_port")?;
    let dst_ip = StrColumn::get(batch, "dst_ip")?;
    let dst_port = IntColumn::get(batch, "dst_port")?;
    let outcome = StrColumn::get(batch, "outcome")?;
    let attempt = StrColumn::get(batch, "attempt")?;
    let continues = StrColumn::get(batch, "continues")?;
    let fields = StrColumn::get(batch, "fields")?;
    let ip =
        |c: &Option<StrColumn<'_>>, name: &str, row| -> Result<Option<IpAddr>, ColumnarError> {
            s(c, row)
                .map(|t| {
                    t.parse()
                        .map_err(|e| bad_value(name, row, format!("{e}: {t:?}")))
                })
                .transpose()
        };
    let port = |c: &Option<IntColumn<'_>>, name: &str, row| -> Result<Option<u16>, ColumnarError> {
        c.as_ref()
            .and_then(|c| c.value(row))
            .map(|p| u16::try_from(p).map_err(|_| bad_value(name, row, format!("port {p}"))))
            .transpose()
    };
    let mut out = Vec::with_capacity(batch.num_rows());
    for row in 0..batch.num_rows() {
        let mut e = Event::new(
            s(&source, row).unwrap_or("ssh"),
            required(kind.value(row), "kind")?,
        );
        e.raw = raw.value(row).unwrap_or_default().to_string();
        e.time = time.as_ref().and_then(|c| c.value(row));
        e.host = s(&host, row).map(str::to_string);
        e.user = s(&user, row).map(str::to_string);
        e.src_ip = ip(&src_ip, "src_ip", row)?;
        e.src_host = s(&src_host, row).map(str::to_string);
        e.src_port = port(&src_port, "src_port", row)?;
        e.dst_ip = ip(&dst_ip, "dst_ip", row)?;
        e.dst_port = port(&dst_port, "dst_port", row)?;
        e.outcome = match s(&outcome, row) {
            None | Some("unknown") => EventOutcome::Unknown,
            Some("failure") => EventOutcome::Failure,
            Some("success") => EventOutcome::Success,
            Some(o) => return Err(bad_value("outcome", row, format!("unknown outcome {o:?}"))),
        };
        e.attempt = attempt_at(&attempt, "attempt", row)?;
        e.continues = attempt_at(&continues, "continues", row)?;
        if let Some(text) = s(&fields, row) {
            e.fields = serde_json::from_str(text)
                .map_err(|err| bad_value("fields", row, format!("not a JSON object: {err}")))?;
        }
        let line_no = line.as_ref().and_then(|c| c.value(row));
        if let Some(l) = line_no {
            e.origin = Some(Origin {
                file: s(&file, row).unwrap_or_default().to_string(),
                line: u64::try_from(l).unwrap_or(0),
            });
        }
        out.push(e);
    }
    Ok(out)
}

/// The attempt class in column `name` at `row` (`None` when the column is
/// missing or null).
fn attempt_at(
    col: &Option<StrColumn<'_>>,
    name: &str,
    row: usize,
) -> Result<Option<Attempt>, ColumnarError> {
    Ok(match s(col, row) {
        None => None,
        Some("failure") => Some(Attempt::Failure),
        Some("probe") => Some(Attempt::Probe),
        Some("success") => Some(Attempt::Success),
        Some(a) => return Err(bad_value(name, row, format!("unknown {name} {a:?}"))),
    })
}
