//! Normalized events ([`Event`], the SSH parser's output and every other
//! parser's) as record batches of the `soc.events` schema.

use arrow_array::builder::{BooleanBuilder, Int32Builder, StringBuilder};
use arrow_array::RecordBatch;
use arrow_schema::{DataType, Field, SchemaRef};

use super::build::{
    append_json, dict_utf8, ip_text, object_text, schema, DictBuilder, OriginColumns,
};
use super::build::{finish_all, BatchBuilder, BatchCounts};
use super::error::ColumnarError;
use crate::model::{Attempt, Event, EventOutcome};

/// The `soc.events` schema (see the [module docs](super) for the table).
pub fn event_schema() -> SchemaRef {
    let f = |name: &str, t: DataType, nullable: bool| Field::new(name, t, nullable);
    schema(
        "soc.events",
        OriginColumns::fields_then(vec![
            f("source", dict_utf8(), false),
            f("host", DataType::Utf8, true),
            f("kind", dict_utf8(), false),
            f("user", DataType::Utf8, true),
            f("src_ip", DataType::Utf8, true),
            f("src_host", DataType::Utf8, true),
            f("src_port", DataType::Int32, true),
            f("dst_ip", DataType::Utf8, true),
            f("dst_port", DataType::Int32, true),
            f("outcome", dict_utf8(), false),
            f("attempt", dict_utf8(), true),
            f("continues", dict_utf8(), true),
            f("failure", DataType::Boolean, false),
            f("method", dict_utf8(), true),
            f("fields", DataType::Utf8, true),
            f("raw", DataType::Utf8, false),
        ]),
    )
}

/// The name of an outcome in the `outcome` column.
pub(crate) fn outcome_str(o: EventOutcome) -> &'static str {
    match o {
        EventOutcome::Failure => "failure",
        EventOutcome::Success => "success",
        EventOutcome::Unknown => "unknown",
    }
}

/// Appends events row by row into column builders; [`finish`](BatchBuilder::finish)
/// returns the batch and starts the next one.
///
/// ```
/// use soc_core::columnar::{BatchBuilder, EventBatchBuilder};
/// use soc_core::model::Origin;
/// use soc_core::parse::ssh::{SshOptions, SshParser};
///
/// let mut parser = SshParser::new(SshOptions { year: Some(2026), ..SshOptions::default() });
/// let line = "Nov 21 02:14:40 web1 sshd[811]: Failed password for root from 203.0.113.45 port 4242 ssh2";
/// let ev = parser.parse_line(line, Origin { file: "auth.log".into(), line: 1 }).unwrap();
/// let mut b = EventBatchBuilder::new();
/// b.append(&ev);
/// let batch = b.finish().unwrap();
/// assert_eq!(batch.num_rows(), 1);
/// assert_eq!(batch.schema().metadata()["soc.schema"], "soc.events");
/// ```
pub struct EventBatchBuilder {
    counts: BatchCounts,
    origin: OriginColumns,
    source: DictBuilder,
    host: StringBuilder,
    kind: DictBuilder,
    user: StringBuilder,
    src_ip: StringBuilder,
    src_host: StringBuilder,
    src_port: Int32Builder,
    dst_ip: StringBuilder,
    dst_port: Int32Builder,
    outcome: DictBuilder,
    attempt: DictBuilder,
    continues: DictBuilder,
    failure: BooleanBuilder,
    method: DictBuilder,
    fields: StringBuilder,
    raw: StringBuilder,
}

impl Default for EventBatchBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl EventBatchBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        EventBatchBuilder {
            counts: BatchCounts::new(event_schema()),
            origin: OriginColumns::new(),
            source: DictBuilder::new(),
            host: StringBuilder::new(),
            kind: DictBuilder::new(),
            user: StringBuilder::new(),
            src_ip: StringBuilder::new(),
            src_host: StringBuilder::new(),
            src_port: Int32Builder::new(),
            dst_ip: StringBuilder::new(),
            dst_port: Int32Builder::new(),
            outcome: DictBuilder::new(),
            attempt: DictBuilder::new(),
            continues: DictBuilder::new(),
            failure: BooleanBuilder::new(),
            method: DictBuilder::new(),
            fields: StringBuilder::new(),
            raw: StringBuilder::new(),
        }
    }

    /// Appends one event.
    pub fn append(&mut self, e: &Event) {
        let origin = e.origin.as_ref();
        self.origin.append(
            origin.map(|o| o.file.as_str()).filter(|f| !f.is_empty()),
            origin.map(|o| o.line),
            e.time,
        );
        self.source.append_value(&e.source);
        self.host.append_option(e.host.as_deref());
        self.kind.append_value(&e.kind);
        self.user.append_option(e.user.as_deref());
        self.src_ip.append_option(ip_text(e.src_ip));
        self.src_host.append_option(e.src_host.as_deref());
        self.src_port.append_option(e.src_port.map(i32::from));
        self.dst_ip.append_option(ip_text(e.dst_ip));
        self.dst_port.append_option(e.dst_port.map(i32::from));
        self.outcome.append_value(outcome_str(e.outcome));
        self.attempt.append_option(e.attempt.map(Attempt::as_str));
        self.continues
            .append_option(e.continues.map(Attempt::as_str));
        self.failure.append_value(e.is_failure());
        self.method
            .append_option(e.fields.get("method").and_then(|v| v.as_str()));
        append_json(&mut self.fields, object_text(&e.fields), &mut self.counts);
        self.raw.append_value(&e.raw);
        self.counts.add_row(e.raw.len());
    }
}

impl BatchBuilder for EventBatchBuilder {
    fn counts(&self) -> &BatchCounts {
        &self.counts
    }

    fn finish(&mut self) -> Result<RecordBatch, ColumnarError> {
        let mut columns = self.origin.finish();
        columns.extend(finish_all([
            &mut self.source,
            &mut self.host,
            &mut self.kind,
            &mut self.user,
            &mut self.src_ip,
            &mut self.src_host,
            &mut self.src_port,
            &mut self.dst_ip,
            &mut self.dst_port,
            &mut self.outcome,
            &mut self.attempt,
            &mut self.continues,
            &mut self.failure,
            &mut self.method,
            &mut self.fields,
            &mut self.raw,
        ]));
        self.counts.batch(columns)
    }
}
