//! Alerts ([`Alert`]: detector alerts, normalized Suricata alerts,
//! alerts read from other tools) as record batches of the `soc.alerts`
//! schema.

use arrow_array::builder::{
    Int32Builder, Int64Builder, ListBuilder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::RecordBatch;
use arrow_schema::{DataType, Field, SchemaRef};

use super::build::{
    append_json, dict_utf8, i64_of, ip_text, list_of, micros, object_text, schema, ts_utc,
    DictBuilder, StringStructList,
};
use super::build::{finish_all, BatchBuilder, BatchCounts};
use super::error::ColumnarError;
use crate::model::Alert;

const ATTACK_FIELDS: &[&str] = &["technique_id", "technique_name", "tactic_id", "tactic_name"];
const INDICATOR_FIELDS: &[&str] = &["kind", "value"];

/// The `soc.alerts` schema (see the [module docs](super) for the table).
pub fn alert_schema() -> SchemaRef {
    let f = |name: &str, t: DataType, nullable: bool| Field::new(name, t, nullable);
    schema(
        "soc.alerts",
        vec![
            f("id", DataType::Utf8, false),
            f("kind", dict_utf8(), false),
            f("title", DataType::Utf8, false),
            f("severity", dict_utf8(), false),
            f("source", dict_utf8(), false),
            f("src_ip", DataType::Utf8, true),
            f("dst_ip", DataType::Utf8, true),
            f("dst_port", DataType::Int32, true),
            f("user", DataType::Utf8, true),
            f("host", DataType::Utf8, true),
            f("first_seen", ts_utc(), true),
            f("last_seen", ts_utc(), true),
            f("count", DataType::Int64, false),
            f("attack", StringStructList::data_type(ATTACK_FIELDS), false),
            f(
                "indicators",
                StringStructList::data_type(INDICATOR_FIELDS),
                false,
            ),
            f("evidence_lines", list_of(DataType::Int64), false),
            f("enrichments", DataType::Utf8, true),
            f("fields", DataType::Utf8, true),
        ],
    )
}

/// Appends alerts row by row into column builders.
///
/// ```
/// use soc_core::columnar::{AlertBatchBuilder, BatchBuilder};
/// use soc_core::{Alert, Severity};
/// let a = Alert::new("ssh.brute_force", "203.0.113.45", "SSH brute force", Severity::High);
/// let mut b = AlertBatchBuilder::new();
/// b.append(&a);
/// assert_eq!(b.finish().unwrap().num_rows(), 1);
/// ```
pub struct AlertBatchBuilder {
    counts: BatchCounts,
    id: StringBuilder,
    kind: DictBuilder,
    title: StringBuilder,
    severity: DictBuilder,
    source: DictBuilder,
    src_ip: StringBuilder,
    dst_ip: StringBuilder,
    dst_port: Int32Builder,
    user: StringBuilder,
    host: StringBuilder,
    first_seen: TimestampMicrosecondBuilder,
    last_seen: TimestampMicrosecondBuilder,
    count: Int64Builder,
    attack: StringStructList,
    indicators: StringStructList,
    evidence_lines: ListBuilder<Int64Builder>,
    enrichments: StringBuilder,
    fields: StringBuilder,
}

impl Default for AlertBatchBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl AlertBatchBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        AlertBatchBuilder {
            counts: BatchCounts::new(alert_schema()),
            id: StringBuilder::new(),
            kind: DictBuilder::new(),
            title: StringBuilder::new(),
            severity: DictBuilder::new(),
            source: DictBuilder::new(),
            src_ip: StringBuilder::new(),
            dst_ip: StringBuilder::new(),
            dst_port: Int32Builder::new(),
            user: StringBuilder::new(),
            host: StringBuilder::new(),
            first_seen: TimestampMicrosecondBuilder::new().with_timezone("UTC"),
            last_seen: TimestampMicrosecondBuilder::new().with_timezone("UTC"),
            count: Int64Builder::new(),
            attack: StringStructList::new(ATTACK_FIELDS),
            indicators: StringStructList::new(INDICATOR_FIELDS),
            evidence_lines: ListBuilder::new(Int64Builder::new()),
            enrichments: StringBuilder::new(),
            fields: StringBuilder::new(),
        }
    }

    /// Appends one alert.
    pub fn append(&mut self, a: &Alert) {
        self.id.append_value(&a.id);
        self.kind.append_value(&a.kind);
        self.title.append_value(&a.title);
        self.severity.append_value(a.severity.as_str());
        self.source.append_value(&a.source);
        self.src_ip.append_option(ip_text(a.src_ip));
        self.dst_ip.append_option(ip_text(a.dst_ip));
        self.dst_port.append_option(a.dst_port.map(i32::from));
        self.user.append_option(a.user.as_deref());
        self.host.append_option(a.host.as_deref());
        self.first_seen.append_option(micros(a.first_seen));
        self.last_seen.append_option(micros(a.last_seen));
        self.count.append_value(i64_of(a.count).unwrap_or(i64::MAX));
        for r in &a.attack {
            self.attack.push_item([
                Some(r.technique_id.as_str()),
                r.technique_name.as_deref(),
                r.tactic_id.as_deref(),
                r.tactic_name.as_deref(),
            ]);
        }
        self.attack.end_row();
        for i in &a.indicators {
            self.indicators
                .push_item([Some(i.kind.as_str()), Some(i.value.as_str())]);
        }
        self.indicators.end_row();
        let lines = a
            .events
            .iter()
            .map(|e| e.origin.as_ref().and_then(|o| i64_of(o.line)));
        self.evidence_lines.append_value(lines);
        let enrichments = (!a.enrichments.is_empty())
            .then(|| serde_json::to_string(&a.enrichments).unwrap_or_default());
        append_json(&mut self.enrichments, enrichments, &mut self.counts);
        append_json(&mut self.fields, object_text(&a.fields), &mut self.counts);
        self.counts.add_row(a.title.len());
    }
}

impl BatchBuilder for AlertBatchBuilder {
    fn counts(&self) -> &BatchCounts {
        &self.counts
    }

    fn finish(&mut self) -> Result<RecordBatch, ColumnarError> {
        let mut columns = finish_all([
            &mut self.id,
            &mut self.kind,
            &mut self.title,
            &mut self.severity,
            &mut self.source,
            &mut self.src_ip,
            &mut self.dst_ip,
            &mut self.dst_port,
            &mut self.user,
            &mut self.host,
            &mut self.first_seen,
            &mut self.last_seen,
            &mut self.count,
        ]);
        columns.push(self.attack.finish()?);
        columns.push(self.indicators.finish()?);
        columns.extend(finish_all([
            &mut self.evidence_lines,
            &mut self.enrichments,
            &mut self.fields,
        ]));
        self.counts.batch(columns)
    }
}
