//! Suricata EVE records ([`EveRecord`]) as record batches of the
//! `soc.eve_events` schema: the envelope, the alert object's columns, the
//! main detail of the event type, and the line itself.

use arrow_array::builder::{Int32Builder, Int64Builder, ListBuilder, StringBuilder};
use arrow_array::RecordBatch;
use arrow_schema::{DataType, Field, SchemaRef};

use super::build::{dict_utf8, i64_of, ip_text, list_of, schema, DictBuilder, OriginColumns};
use super::build::{finish_all, BatchBuilder, BatchCounts};
use super::error::ColumnarError;
use crate::parse::suricata::EveRecord;

/// The `soc.eve_events` schema (see the [module docs](super) for the table).
pub fn eve_schema() -> SchemaRef {
    let f = |name: &str, t: DataType, nullable: bool| Field::new(name, t, nullable);
    schema(
        "soc.eve_events",
        OriginColumns::fields_then(vec![
            f("event_type", dict_utf8(), false),
            f("flow_id", DataType::Int64, true),
            f("in_iface", dict_utf8(), true),
            f("src_ip", DataType::Utf8, true),
            f("src_port", DataType::Int32, true),
            f("dest_ip", DataType::Utf8, true),
            f("dest_port", DataType::Int32, true),
            f("proto", dict_utf8(), true),
            f("app_proto", dict_utf8(), true),
            f("community_id", DataType::Utf8, true),
            f("vlan", list_of(DataType::Int64), true),
            f("tx_id", DataType::Int64, true),
            f("direction", dict_utf8(), true),
            f("host", DataType::Utf8, true),
            f("alert_action", dict_utf8(), true),
            f("alert_gid", DataType::Int64, true),
            f("alert_signature_id", DataType::Int64, true),
            f("alert_rev", DataType::Int64, true),
            f("alert_signature", DataType::Utf8, true),
            f("alert_category", dict_utf8(), true),
            f("alert_severity", DataType::Int64, true),
            f("detail", DataType::Utf8, true),
            f("raw", DataType::Utf8, false),
        ]),
    )
}

/// The main detail of a record, as `soc eve --events` prints it: the
/// signature, DNS query name, HTTP URL, TLS SNI or file name.
fn detail(rec: &EveRecord) -> Option<String> {
    if let Some(s) = rec.alert_ref().and_then(|a| a.signature.clone()) {
        return Some(s);
    }
    if let Some(q) = rec.dns().and_then(|d| d.queries.into_iter().next()) {
        return Some(q.rrname);
    }
    rec.http()
        .and_then(|h| h.url)
        .or_else(|| rec.tls().and_then(|t| t.sni))
        .or_else(|| rec.fileinfo().and_then(|f| f.filename))
}

/// Appends EVE records row by row into column builders.
///
/// ```
/// use soc_core::columnar::{BatchBuilder, EveBatchBuilder};
/// use soc_core::parse::suricata::parse_eve_line;
/// let rec = parse_eve_line(r#"{"timestamp":"2026-11-21T02:14:40.000000+0000","event_type":"alert","src_ip":"203.0.113.45","alert":{"signature_id":2001219,"signature":"ET SCAN"}}"#).unwrap();
/// let mut b = EveBatchBuilder::new();
/// b.append(&rec, Some("eve.json"), Some(1));
/// let batch = b.finish().unwrap();
/// assert_eq!(batch.num_rows(), 1);
/// ```
pub struct EveBatchBuilder {
    counts: BatchCounts,
    origin: OriginColumns,
    event_type: DictBuilder,
    flow_id: Int64Builder,
    in_iface: DictBuilder,
    src_ip: StringBuilder,
    src_port: Int32Builder,
    dest_ip: StringBuilder,
    dest_port: Int32Builder,
    proto: DictBuilder,
    app_proto: DictBuilder,
    community_id: StringBuilder,
    vlan: ListBuilder<Int64Builder>,
    tx_id: Int64Builder,
    direction: DictBuilder,
    host: StringBuilder,
    alert_action: DictBuilder,
    alert_gid: Int64Builder,
    alert_signature_id: Int64Builder,
    alert_rev: Int64Builder,
    alert_signature: StringBuilder,
    alert_category: DictBuilder,
    alert_severity: Int64Builder,
    detail: StringBuilder,
    raw: StringBuilder,
}

impl Default for EveBatchBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl EveBatchBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        EveBatchBuilder {
            counts: BatchCounts::new(eve_schema()),
            origin: OriginColumns::new(),
            event_type: DictBuilder::new(),
            flow_id: Int64Builder::new(),
            in_iface: DictBuilder::new(),
            src_ip: StringBuilder::new(),
            src_port: Int32Builder::new(),
            dest_ip: StringBuilder::new(),
            dest_port: Int32Builder::new(),
            proto: DictBuilder::new(),
            app_proto: DictBuilder::new(),
            community_id: StringBuilder::new(),
            vlan: ListBuilder::new(Int64Builder::new()),
            tx_id: Int64Builder::new(),
            direction: DictBuilder::new(),
            host: StringBuilder::new(),
            alert_action: DictBuilder::new(),
            alert_gid: Int64Builder::new(),
            alert_signature_id: Int64Builder::new(),
            alert_rev: Int64Builder::new(),
            alert_signature: StringBuilder::new(),
            alert_category: DictBuilder::new(),
            alert_severity: Int64Builder::new(),
            detail: StringBuilder::new(),
            raw: StringBuilder::new(),
        }
    }

    /// Appends one record read from line `line` of `file` (both optional:
    /// a batch of lines has no file).
    pub fn append(&mut self, rec: &EveRecord, file: Option<&str>, line: Option<u64>) {
        self.origin.append(file, line, rec.timestamp);
        self.event_type.append_value(&rec.event_type);
        self.flow_id.append_option(rec.flow_id.and_then(i64_of));
        self.in_iface.append_option(rec.in_iface.as_deref());
        self.src_ip.append_option(ip_text(rec.src_ip));
        self.src_port.append_option(rec.src_port.map(i32::from));
        self.dest_ip.append_option(ip_text(rec.dest_ip));
        self.dest_port.append_option(rec.dest_port.map(i32::from));
        self.proto.append_option(rec.proto.as_deref());
        self.app_proto.append_option(rec.app_proto.as_deref());
        self.community_id.append_option(rec.community_id.as_deref());
        if rec.vlan.is_empty() {
            self.vlan.append_null();
        } else {
            self.vlan
                .append_value(rec.vlan.iter().map(|v| i64_of(*v)).collect::<Vec<_>>());
        }
        self.tx_id.append_option(rec.tx_id.and_then(i64_of));
        self.direction.append_option(rec.direction.as_deref());
        self.host.append_option(rec.host.as_deref());
        let a = rec.alert_ref();
        self.alert_action
            .append_option(a.and_then(|a| a.action.as_deref()));
        self.alert_gid
            .append_option(a.and_then(|a| a.gid).and_then(i64_of));
        self.alert_signature_id
            .append_option(a.and_then(|a| a.signature_id).and_then(i64_of));
        self.alert_rev
            .append_option(a.and_then(|a| a.rev).and_then(i64_of));
        self.alert_signature
            .append_option(a.and_then(|a| a.signature.as_deref()));
        self.alert_category
            .append_option(a.and_then(|a| a.category.as_deref()));
        self.alert_severity
            .append_option(a.and_then(|a| a.severity).and_then(i64_of));
        self.detail.append_option(detail(rec));
        self.raw.append_value(rec.line());
        self.counts.add_row(rec.line().len());
    }
}

impl BatchBuilder for EveBatchBuilder {
    fn counts(&self) -> &BatchCounts {
        &self.counts
    }

    fn finish(&mut self) -> Result<RecordBatch, ColumnarError> {
        let mut columns = self.origin.finish();
        columns.extend(finish_all([
            &mut self.event_type,
            &mut self.flow_id,
            &mut self.in_iface,
            &mut self.src_ip,
            &mut self.src_port,
            &mut self.dest_ip,
            &mut self.dest_port,
            &mut self.proto,
            &mut self.app_proto,
            &mut self.community_id,
            &mut self.vlan,
            &mut self.tx_id,
            &mut self.direction,
            &mut self.host,
            &mut self.alert_action,
            &mut self.alert_gid,
            &mut self.alert_signature_id,
            &mut self.alert_rev,
            &mut self.alert_signature,
            &mut self.alert_category,
            &mut self.alert_severity,
            &mut self.detail,
            &mut self.raw,
        ]));
        self.counts.batch(columns)
    }
}
