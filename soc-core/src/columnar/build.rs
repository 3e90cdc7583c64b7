//! What the batch builders share: the [`BatchBuilder`] trait and
//! [`BatchCounts`], schema metadata, data types, timestamp and integer
//! conversions, the origin columns and a list-of-string-structs column.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use arrow_array::builder::{
    ArrayBuilder, Int64Builder, StringBuilder, StringDictionaryBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::types::Int32Type;
use arrow_array::{Array, ArrayRef, ListArray, RecordBatch, StructArray};
use arrow_buffer::{OffsetBuffer, ScalarBuffer};
use arrow_schema::{ArrowError, DataType, Field, Fields, Schema, SchemaRef, TimeUnit};
use chrono::{DateTime, Utc};

use super::error::ColumnarError;

/// Version of the schemas, in each schema's metadata.
pub const SCHEMA_VERSION: &str = "1";
/// Metadata key of the schema name (`soc.events`, `soc.alerts`, ...).
pub const SCHEMA_KEY: &str = "soc.schema";
/// Metadata key of [`SCHEMA_VERSION`].
pub const SCHEMA_VERSION_KEY: &str = "soc.schema_version";

/// What the batch builders share: the schema, the rows appended since the
/// last batch, and `finish`. An implementation keeps a [`BatchCounts`] and
/// finishes its columns; the rest is provided.
pub trait BatchBuilder {
    /// The schema and what was appended since the last batch.
    fn counts(&self) -> &BatchCounts;
    /// The batch of the rows appended so far; the builder starts empty again
    /// (an implementation finishes its columns in schema order and hands
    /// them to [`BatchCounts::batch`]).
    fn finish(&mut self) -> Result<RecordBatch, ColumnarError>;
    /// The schema of the batches.
    fn schema(&self) -> SchemaRef {
        self.counts().schema().clone()
    }
    /// Rows appended since the last [`finish`](Self::finish).
    fn len(&self) -> usize {
        self.counts().rows()
    }
    /// Whether no row was appended since the last batch.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Bytes of text appended since the last batch (raw lines, JSON), to
    /// end batches before string offsets overflow.
    fn text_bytes(&self) -> usize {
        self.counts().text_bytes()
    }
}

/// A dictionary-encoded string column builder (the enums: kinds,
/// severities, attempt classes, ...).
pub(crate) type DictBuilder = StringDictionaryBuilder<Int32Type>;

/// `dictionary<int32, utf8>`.
pub(crate) fn dict_utf8() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

/// `timestamp[us, UTC]`.
pub(crate) fn ts_utc() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// Microseconds since the epoch.
pub(crate) fn micros(t: Option<DateTime<Utc>>) -> Option<i64> {
    t.map(|t| t.timestamp_micros())
}

/// The time back from microseconds since the epoch.
pub(crate) fn from_micros(us: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_micros(us)
}

/// The columns a row of events starts with: where it was read (`file`,
/// `line`, both null for a batch of lines without a file) and its `time`.
pub(crate) struct OriginColumns {
    file: DictBuilder,
    line: Int64Builder,
    time: TimestampMicrosecondBuilder,
}

impl OriginColumns {
    /// The schema fields: the three columns (all nullable), then `rest`.
    pub(crate) fn fields_then(rest: Vec<Field>) -> Vec<Field> {
        let mut fields = vec![
            Field::new("file", dict_utf8(), true),
            Field::new("line", DataType::Int64, true),
            Field::new("time", ts_utc(), true),
        ];
        fields.extend(rest);
        fields
    }

    pub(crate) fn new() -> Self {
        OriginColumns {
            file: DictBuilder::new(),
            line: Int64Builder::new(),
            time: TimestampMicrosecondBuilder::new().with_timezone("UTC"),
        }
    }

    /// Appends one row's origin and time.
    pub(crate) fn append(
        &mut self,
        file: Option<&str>,
        line: Option<u64>,
        time: Option<DateTime<Utc>>,
    ) {
        self.file.append_option(file);
        self.line.append_option(line.and_then(i64_of));
        self.time.append_option(micros(time));
    }

    /// The three arrays, in schema order, ready for the rest of the row's
    /// columns to be appended.
    pub(crate) fn finish(&mut self) -> Vec<ArrayRef> {
        finish_all([&mut self.file, &mut self.line, &mut self.time])
    }
}

/// A `u64` as `int64`; values past `i64::MAX` (never written by the
/// sources soc reads) become null rather than wrapping.
pub(crate) fn i64_of(v: u64) -> Option<i64> {
    i64::try_from(v).ok()
}

/// An address as its canonical text.
pub(crate) fn ip_text(ip: Option<IpAddr>) -> Option<String> {
    ip.map(|i| i.to_string())
}

/// The schema with soc's metadata: `soc.schema` (its name) and
/// `soc.schema_version`.
pub(crate) fn schema(name: &str, fields: Vec<Field>) -> SchemaRef {
    let meta = HashMap::from([
        (SCHEMA_KEY.to_string(), name.to_string()),
        (SCHEMA_VERSION_KEY.to_string(), SCHEMA_VERSION.to_string()),
    ]);
    Arc::new(Schema::new(fields).with_metadata(meta))
}

/// A batch builder's schema and what it appended since its last batch:
/// rows, and bytes of text (to end batches before string offsets overflow).
///
/// ```
/// use soc_core::columnar::{event_schema, BatchCounts};
/// let mut counts = BatchCounts::new(event_schema());
/// counts.add_row(12);
/// assert_eq!((counts.rows(), counts.text_bytes()), (1, 12));
/// ```
#[derive(Debug, Clone)]
pub struct BatchCounts {
    schema: SchemaRef,
    rows: usize,
    bytes: usize,
}

impl BatchCounts {
    /// Nothing appended yet, under `schema`.
    pub fn new(schema: SchemaRef) -> Self {
        BatchCounts {
            schema,
            rows: 0,
            bytes: 0,
        }
    }

    /// The schema of the batches.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// Rows appended since the last batch.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Bytes of text appended since the last batch.
    pub fn text_bytes(&self) -> usize {
        self.bytes
    }

    /// Counts `text_bytes` more bytes of text in the current row.
    pub fn add_text(&mut self, text_bytes: usize) {
        self.bytes = self.bytes.saturating_add(text_bytes);
    }

    /// Counts one row, with `text_bytes` bytes of text not yet counted.
    pub fn add_row(&mut self, text_bytes: usize) {
        self.add_text(text_bytes);
        self.rows += 1;
    }

    /// The record batch of `columns` (in schema order); the counts start
    /// again from zero.
    pub fn batch(&mut self, columns: Vec<ArrayRef>) -> Result<RecordBatch, ColumnarError> {
        self.rows = 0;
        self.bytes = 0;
        RecordBatch::try_new(self.schema.clone(), columns).map_err(ColumnarError::from)
    }
}

/// Finishes each column builder into its array, in order.
///
/// ```
/// use arrow_array::builder::{Int64Builder, StringBuilder};
/// let (mut n, mut s) = (Int64Builder::new(), StringBuilder::new());
/// n.append_value(7);
/// s.append_value("seven");
/// let columns = soc_core::columnar::finish_all([&mut n, &mut s]);
/// assert_eq!(columns.len(), 2);
/// assert_eq!(columns[1].len(), 1);
/// ```
pub fn finish_all<const N: usize>(builders: [&mut dyn ArrayBuilder; N]) -> Vec<ArrayRef> {
    builders.into_iter().map(|b| b.finish()).collect()
}

/// Appends a JSON text, or null for `None`, counting its bytes.
pub(crate) fn append_json(b: &mut StringBuilder, text: Option<String>, counts: &mut BatchCounts) {
    match text {
        Some(text) => {
            counts.add_text(text.len());
            b.append_value(text);
        }
        None => b.append_null(),
    }
}

/// A JSON object as text, or `None` when it is empty.
pub(crate) fn object_text(fields: &serde_json::Map<String, serde_json::Value>) -> Option<String> {
    (!fields.is_empty()).then(|| serde_json::Value::Object(fields.clone()).to_string())
}

/// The nullable `item` field of a list column of `inner`.
pub(crate) fn list_of(inner: DataType) -> DataType {
    DataType::List(Arc::new(Field::new("item", inner, true)))
}

/// A struct of nullable string fields `names`.
pub(crate) fn string_struct(names: &[&str]) -> DataType {
    DataType::Struct(string_fields(names))
}

fn string_fields(names: &[&str]) -> Fields {
    names
        .iter()
        .map(|n| Field::new(*n, DataType::Utf8, true))
        .collect()
}

/// A `list<struct<name: utf8, ...>>` column (an alert's ATT&CK references,
/// its indicators), built item by item without per-row objects.
pub(crate) struct StringStructList {
    names: &'static [&'static str],
    children: Vec<StringBuilder>,
    offsets: Vec<i32>,
    items: i32,
}

impl StringStructList {
    pub(crate) fn new(names: &'static [&'static str]) -> Self {
        StringStructList {
            names,
            children: names.iter().map(|_| StringBuilder::new()).collect(),
            offsets: vec![0],
            items: 0,
        }
    }

    /// Appends one struct to the current row's list (`values` in field order).
    pub(crate) fn push_item<const N: usize>(&mut self, values: [Option<&str>; N]) {
        for (b, v) in self.children.iter_mut().zip(values) {
            b.append_option(v);
        }
        self.items = self.items.saturating_add(1);
    }

    /// Ends the current row.
    pub(crate) fn end_row(&mut self) {
        self.offsets.push(self.items);
    }

    pub(crate) fn data_type(names: &[&str]) -> DataType {
        list_of(string_struct(names))
    }

    pub(crate) fn finish(&mut self) -> Result<ArrayRef, ArrowError> {
        let columns: Vec<ArrayRef> = self
            .children
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef)
            .collect();
        let values = StructArray::try_new(string_fields(self.names), columns, None)?;
        let offsets = std::mem::replace(&mut self.offsets, vec![0]);
        self.items = 0;
        let field = Arc::new(Field::new("item", values.data_type().clone(), true));
        let list = ListArray::try_new(
            field,
            OffsetBuffer::new(ScalarBuffer::from(offsets)),
            Arc::new(values),
            None,
        )?;
        Ok(Arc::new(list))
    }
}
