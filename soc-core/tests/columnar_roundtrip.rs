//! Every columnar schema through Parquet and back (feature `parquet`):
//! events, EVE records, alerts and indicators from the bundled sample
//! data, written in several row groups, read back with the Parquet reader.
#![cfg(feature = "parquet")]

mod support;

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use soc_core::columnar::{
    events_from_batch, AlertBatchBuilder, BatchBuilder, ColumnarError, EveBatchBuilder,
    EventBatchBuilder, IndicatorBatchBuilder, ParquetSink,
};
use soc_core::detect::{DetectConfig, DetectorSet};
use soc_core::model::Event;
use soc_core::parse::ssh::{SshOptions, SshParser};
use soc_core::parse::suricata::{alert_from_line, parse_eve_line};

fn sample(name: &str) -> String {
    let path = format!("{}/../examples/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn ssh_events() -> Vec<Event> {
    let mut p = SshParser::new(SshOptions {
        year: Some(2026),
        ..SshOptions::default()
    });
    let text = sample("auth.log");
    let events: Vec<Event> = support::parse_each_line(&mut p, "auth.log", &text)
        .into_iter()
        .flatten()
        .collect();
    assert!(events.len() > 100, "{} events", events.len());
    events
}

/// Writes through a sink with `group` rows per row group, reads back:
/// the batches, and how many row groups the file has.
fn roundtrip<B: BatchBuilder>(
    builder: B,
    group: usize,
    fill: impl FnOnce(&mut ParquetSink<B, Vec<u8>>),
) -> (Vec<RecordBatch>, usize, u64) {
    let schema = builder.schema();
    let mut sink = ParquetSink::new(Vec::new(), builder, group).unwrap();
    fill(&mut sink);
    let (bytes, rows) = sink.close().unwrap();
    let mut file = tempfile::tempfile().unwrap();
    std::io::Write::write_all(&mut file, &bytes).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let groups = reader.metadata().num_row_groups();
    let file_schema = reader.schema().clone();
    assert_eq!(
        file_schema.metadata(),
        schema.metadata(),
        "name and version stored"
    );
    assert_eq!(file_schema.metadata()["soc.schema_version"], "1");
    let batches: Vec<RecordBatch> = reader.build().unwrap().map(|b| b.unwrap()).collect();
    for b in &batches {
        assert_eq!(
            b.schema().fields(),
            schema.fields(),
            "types survive Parquet"
        );
    }
    (batches, groups, rows)
}

#[test]
fn schema_names_are_in_the_metadata() {
    for (b, name) in [
        (EventBatchBuilder::new().schema(), "soc.events"),
        (EveBatchBuilder::new().schema(), "soc.eve_events"),
        (AlertBatchBuilder::new().schema(), "soc.alerts"),
        (IndicatorBatchBuilder::new().schema(), "soc.indicators"),
    ] {
        assert_eq!(b.metadata()["soc.schema"], name);
    }
}

#[test]
fn ssh_events_roundtrip_to_equal_events() {
    let events = ssh_events();
    let (batches, groups, rows) = roundtrip(EventBatchBuilder::new(), 100, |sink| {
        for e in &events {
            sink.append_with(|b| b.append(e)).unwrap();
        }
    });
    assert_eq!(rows as usize, events.len());
    assert_eq!(groups, events.len().div_ceil(100));
    let back: Vec<Event> = batches
        .iter()
        .flat_map(|b| events_from_batch(b).unwrap())
        .collect();
    assert_eq!(back, events, "every field, raw line and origin comes back");
    let schema = batches[0].schema();
    assert!(matches!(
        schema.field_with_name("attempt").unwrap().data_type(),
        DataType::Dictionary(..)
    ));
}

#[test]
fn eve_records_roundtrip() {
    let text = sample("eve.json");
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let (batches, groups, _) = roundtrip(EveBatchBuilder::new(), 40, |sink| {
        for (i, l) in lines.iter().enumerate() {
            let rec = parse_eve_line(l).unwrap();
            sink.append_with(|b| b.append(&rec, Some("eve.json"), Some(i as u64 + 1)))
                .unwrap();
        }
    });
    assert!(groups >= 3);
    let mut raw = Vec::new();
    let mut sids = 0;
    let mut types = std::collections::BTreeSet::new();
    for b in &batches {
        let r = b.column_by_name("raw").unwrap().as_string::<i32>();
        raw.extend(r.iter().map(|s| s.unwrap().to_string()));
        let sid = b.column_by_name("alert_signature_id").unwrap();
        sids += sid.len() - sid.null_count();
        let et = b
            .column_by_name("event_type")
            .unwrap()
            .as_dictionary::<Int32Type>();
        let values = et.values().as_string::<i32>();
        for k in et.keys().iter().flatten() {
            types.insert(values.value(k as usize).to_string());
        }
    }
    assert_eq!(raw, lines, "the raw line of every record");
    let alerts = lines
        .iter()
        .filter(|l| alert_from_line(l).unwrap().is_some())
        .count();
    assert!(alerts > 0);
    assert_eq!(sids, alerts, "one signature id per alert record");
    assert!(
        types.contains("alert") && types.contains("flow"),
        "{types:?}"
    );
}

#[test]
fn alerts_roundtrip_with_ids_counts_and_times() {
    let mut d = DetectorSet::new(DetectConfig::default());
    let mut alerts = Vec::new();
    for e in ssh_events() {
        alerts.extend(d.observe_owned(e));
    }
    alerts.extend(d.finish());
    assert!(alerts.len() >= 3, "{} alerts", alerts.len());
    let (batches, _, _) = roundtrip(AlertBatchBuilder::new(), 2, |sink| {
        for a in &alerts {
            sink.append_with(|b| b.append(a)).unwrap();
        }
    });
    let mut i = 0;
    for b in &batches {
        let id = b.column_by_name("id").unwrap().as_string::<i32>();
        let count = b
            .column_by_name("count")
            .unwrap()
            .as_primitive::<Int64Type>();
        let first = b.column_by_name("first_seen").unwrap();
        let first = first.as_primitive::<arrow_array::types::TimestampMicrosecondType>();
        let attack = b.column_by_name("attack").unwrap().as_list::<i32>();
        let evidence = b.column_by_name("evidence_lines").unwrap().as_list::<i32>();
        for row in 0..b.num_rows() {
            let a = &alerts[i];
            assert_eq!(id.value(row), a.id);
            assert_eq!(count.value(row) as u64, a.count);
            assert_eq!(
                Some(first.value(row)),
                a.first_seen.map(|t| t.timestamp_micros())
            );
            let techniques = attack.value(row);
            let techniques = techniques.as_struct().column(0).as_string::<i32>();
            let ids: Vec<&str> = techniques.iter().flatten().collect();
            let want: Vec<&str> = a.attack.iter().map(|r| r.technique_id.as_str()).collect();
            assert_eq!(ids, want);
            assert_eq!(evidence.value(row).len(), a.events.len());
            i += 1;
        }
    }
    assert_eq!(i, alerts.len());
}

#[test]
fn indicators_roundtrip_with_input_rows() {
    let report = sample("threat-report.txt");
    let texts: Vec<&str> = report.lines().collect();
    let mut want = Vec::new();
    let (batches, _, _) = roundtrip(IndicatorBatchBuilder::new(), 16, |sink| {
        for (row, t) in texts.iter().enumerate() {
            for ind in soc_core::ioc::extract(t) {
                want.push((row as i64, ind.kind.as_str().to_string(), ind.value.clone()));
                sink.append_with(|b| {
                    b.set_input(Some(row as u64), None);
                    b.append(&ind)
                })
                .unwrap();
            }
        }
    });
    assert!(want.len() > 10);
    let mut got = Vec::new();
    for b in &batches {
        let row = b.column_by_name("row").unwrap().as_primitive::<Int64Type>();
        let kind = b
            .column_by_name("kind")
            .unwrap()
            .as_dictionary::<Int32Type>();
        let kinds = kind.values().as_string::<i32>();
        let value = b.column_by_name("value").unwrap().as_string::<i32>();
        for r in 0..b.num_rows() {
            let k = kinds.value(kind.keys().value(r) as usize).to_string();
            got.push((row.value(r), k, value.value(r).to_string()));
        }
    }
    assert_eq!(got, want);
}

#[test]
fn event_batches_from_other_engines_are_read_or_refused_clearly() {
    // What Spark hands back: plain strings, int64 ports, no dictionary.
    let schema = Arc::new(Schema::new(vec![
        Field::new("kind", DataType::Utf8, false),
        Field::new("raw", DataType::LargeUtf8, false),
        Field::new("src_ip", DataType::Utf8, true),
        Field::new("src_port", DataType::Int64, true),
    ]));
    let ok = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(arrow_array::StringArray::from(vec!["ssh.failed_password"])),
            Arc::new(arrow_array::LargeStringArray::from(vec!["line"])),
            Arc::new(arrow_array::StringArray::from(vec![Some("2001:db8::1")])),
            Arc::new(arrow_array::Int64Array::from(vec![Some(22)])),
        ],
    )
    .unwrap();
    let e = &events_from_batch(&ok).unwrap()[0];
    assert_eq!(e.src_ip, Some("2001:db8::1".parse().unwrap()));
    assert_eq!(e.src_port, Some(22));
    assert_eq!(e.raw, "line");

    let bad_ip = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(arrow_array::StringArray::from(vec!["k"])),
            Arc::new(arrow_array::LargeStringArray::from(vec!["l"])),
            Arc::new(arrow_array::StringArray::from(vec![Some("not-an-ip")])),
            Arc::new(arrow_array::Int64Array::from(vec![Some(70000)])),
        ],
    )
    .unwrap();
    let err = events_from_batch(&bad_ip).unwrap_err();
    assert!(matches!(&err, ColumnarError::BadValue { column, row: 0, .. } if column == "src_ip"));

    let no_kind = RecordBatch::try_new(
        Arc::new(Schema::new(vec![Field::new("raw", DataType::Utf8, false)])),
        vec![Arc::new(arrow_array::StringArray::from(vec!["l"]))],
    )
    .unwrap();
    let err = events_from_batch(&no_kind).unwrap_err();
    assert_eq!(err.to_string(), "the batch has no column \"kind\"");
}
