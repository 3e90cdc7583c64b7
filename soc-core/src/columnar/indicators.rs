//! Indicators ([`Indicator`]) as record batches of the `soc.indicators`
//! schema, each row saying where it was found: the input row (in a batch
//! of texts) or the file.

use arrow_array::builder::{BooleanBuilder, Int64Builder, ListBuilder, StringBuilder};
use arrow_array::RecordBatch;
use arrow_schema::{DataType, Field, SchemaRef};

use super::build::{dict_utf8, i64_of, list_of, schema, DictBuilder};
use super::build::{finish_all, BatchBuilder, BatchCounts};
use super::error::ColumnarError;
use crate::model::Indicator;

/// The `soc.indicators` schema (see the [module docs](super) for the table).
pub fn indicator_schema() -> SchemaRef {
    let f = |name: &str, t: DataType, nullable: bool| Field::new(name, t, nullable);
    schema(
        "soc.indicators",
        vec![
            f("row", DataType::Int64, true),
            f("file", dict_utf8(), true),
            f("kind", dict_utf8(), false),
            f("value", DataType::Utf8, false),
            f("raw", DataType::Utf8, false),
            f("start", DataType::Int64, false),
            f("end", DataType::Int64, false),
            f("defanged", DataType::Boolean, false),
            f("count", DataType::Int64, false),
            f("tags", list_of(DataType::Utf8), false),
        ],
    )
}

/// Appends indicators row by row into column builders; the input row or
/// file they came from is set once per input with
/// [`set_input`](Self::set_input).
///
/// ```
/// use soc_core::columnar::{BatchBuilder, IndicatorBatchBuilder};
/// let mut b = IndicatorBatchBuilder::new();
/// for (row, text) in ["beacon to 203.0.113.45", "nothing here"].iter().enumerate() {
///     b.set_input(Some(row as u64), None);
///     for ind in soc_core::ioc::extract(text) {
///         b.append(&ind);
///     }
/// }
/// assert_eq!(b.finish().unwrap().num_rows(), 1);
/// ```
pub struct IndicatorBatchBuilder {
    counts: BatchCounts,
    input_row: Option<i64>,
    input_file: Option<String>,
    row: Int64Builder,
    file: DictBuilder,
    kind: DictBuilder,
    value: StringBuilder,
    raw: StringBuilder,
    start: Int64Builder,
    end: Int64Builder,
    defanged: BooleanBuilder,
    count: Int64Builder,
    tags: ListBuilder<StringBuilder>,
}

impl Default for IndicatorBatchBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl IndicatorBatchBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        IndicatorBatchBuilder {
            counts: BatchCounts::new(indicator_schema()),
            input_row: None,
            input_file: None,
            row: Int64Builder::new(),
            file: DictBuilder::new(),
            kind: DictBuilder::new(),
            value: StringBuilder::new(),
            raw: StringBuilder::new(),
            start: Int64Builder::new(),
            end: Int64Builder::new(),
            defanged: BooleanBuilder::new(),
            count: Int64Builder::new(),
            tags: ListBuilder::new(StringBuilder::new()),
        }
    }

    /// The input row (0-based, in a batch of texts) and file the next
    /// indicators came from.
    pub fn set_input(&mut self, row: Option<u64>, file: Option<&str>) {
        self.input_row = row.and_then(i64_of);
        if self.input_file.as_deref() != file {
            self.input_file = file.map(str::to_string);
        }
    }

    /// Appends one indicator.
    pub fn append(&mut self, ind: &Indicator) {
        self.row.append_option(self.input_row);
        self.file.append_option(self.input_file.as_deref());
        self.kind.append_value(ind.kind.as_str());
        self.value.append_value(&ind.value);
        self.raw.append_value(&ind.raw);
        let pos = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
        self.start.append_value(pos(ind.start));
        self.end.append_value(pos(ind.end));
        self.defanged.append_value(ind.defanged);
        self.count
            .append_value(i64_of(ind.count).unwrap_or(i64::MAX));
        self.tags
            .append_value(ind.tags.iter().map(|t| Some(t.as_str())));
        self.counts.add_row(ind.value.len() + ind.raw.len());
    }
}

impl BatchBuilder for IndicatorBatchBuilder {
    fn counts(&self) -> &BatchCounts {
        &self.counts
    }

    fn finish(&mut self) -> Result<RecordBatch, ColumnarError> {
        let columns = finish_all([
            &mut self.row,
            &mut self.file,
            &mut self.kind,
            &mut self.value,
            &mut self.raw,
            &mut self.start,
            &mut self.end,
            &mut self.defanged,
            &mut self.count,
            &mut self.tags,
        ]);
        self.counts.batch(columns)
    }
}
