//! `--format parquet -o FILE` of `soc ssh`, `soc eve`, `soc alerts`,
//! `soc iocs` and `soc enrich`: the file holds the same rows as the JSONL
//! output, in soc's columnar schemas.

mod common;

use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef, RecordBatch};
use common::soc;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use predicates::prelude::*;
use serde_json::Value;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/data")
        .join(name)
}

fn jsonl(args: &[&str]) -> Vec<Value> {
    let out = soc()
        .args(args)
        .args(["--format", "jsonl"])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Runs `soc <args> --format parquet -o FILE` and reads FILE back: the
/// schema name and one batch of all rows.
fn parquet(args: &[&str]) -> (String, RecordBatch) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.parquet");
    soc()
        .args(args)
        .args(["--format", "parquet", "-o"])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("rows to"));
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "no .partial file left behind");
    let reader =
        ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&out).unwrap()).unwrap();
    let name = reader.schema().metadata()["soc.schema"].clone();
    let schema = reader.schema().clone();
    let batches: Vec<RecordBatch> = reader.build().unwrap().map(|b| b.unwrap()).collect();
    (name, arrow_select_concat(&schema, &batches))
}

fn arrow_select_concat(schema: &arrow_schema::SchemaRef, batches: &[RecordBatch]) -> RecordBatch {
    // One small file: a single row group, or none when empty.
    assert!(batches.len() <= 1, "{} batches", batches.len());
    batches
        .first()
        .cloned()
        .unwrap_or_else(|| RecordBatch::new_empty(schema.clone()))
}

/// The column as strings (dictionary or plain), nulls as `None`.
fn strings(b: &RecordBatch, name: &str) -> Vec<Option<String>> {
    let col: &ArrayRef = b
        .column_by_name(name)
        .unwrap_or_else(|| panic!("no {name}"));
    (0..col.len())
        .map(|i| {
            if col.is_null(i) {
                return None;
            }
            Some(match col.as_dictionary_opt::<Int32Type>() {
                Some(d) => d
                    .values()
                    .as_string::<i32>()
                    .value(d.keys().value(i) as usize)
                    .to_string(),
                None => col.as_string::<i32>().value(i).to_string(),
            })
        })
        .collect()
}

fn json_strings(rows: &[Value], key: &str) -> Vec<Option<String>> {
    rows.iter()
        .map(|r| r.get(key).and_then(Value::as_str).map(str::to_string))
        .collect()
}

#[test]
fn ssh_events_parquet_matches_jsonl() {
    let log = data("auth.log");
    let args = ["ssh", log.to_str().unwrap(), "--year", "2026"];
    let rows = jsonl(&args);
    let (name, b) = parquet(&args);
    assert_eq!(name, "soc.events");
    assert_eq!(b.num_rows(), rows.len());
    for key in ["kind", "user", "attempt", "src_ip", "src_host", "host"] {
        assert_eq!(strings(&b, key), json_strings(&rows, key), "column {key}");
    }
    let lines = b
        .column_by_name("line")
        .unwrap()
        .as_primitive::<Int64Type>();
    let want: Vec<i64> = rows.iter().map(|r| r["line"].as_i64().unwrap()).collect();
    assert_eq!(lines.values().to_vec(), want);
}

#[test]
fn ssh_alerts_parquet_matches_jsonl() {
    let log = data("auth.log");
    let args = ["ssh", "--alerts", log.to_str().unwrap(), "--year", "2026"];
    let rows = jsonl(&args);
    assert!(rows.len() >= 3);
    let (name, b) = parquet(&args);
    assert_eq!(name, "soc.alerts");
    assert_eq!(strings(&b, "id"), json_strings(&rows, "id"));
    assert_eq!(strings(&b, "kind"), json_strings(&rows, "kind"));
    let counts = b
        .column_by_name("count")
        .unwrap()
        .as_primitive::<Int64Type>();
    let want: Vec<i64> = rows.iter().map(|r| r["count"].as_i64().unwrap()).collect();
    assert_eq!(counts.values().to_vec(), want);
    let last = b.column_by_name("last_seen").unwrap();
    let last = last.as_primitive::<TimestampMicrosecondType>();
    for (i, r) in rows.iter().enumerate() {
        let t = chrono::DateTime::parse_from_rfc3339(r["last_seen"].as_str().unwrap()).unwrap();
        assert_eq!(last.value(i), t.timestamp_micros());
    }
}

#[test]
fn eve_events_and_alerts_parquet_match_jsonl() {
    let eve = data("eve.json");
    let args = ["eve", eve.to_str().unwrap()];
    let rows = jsonl(&args);
    let (name, b) = parquet(&args);
    assert_eq!(name, "soc.eve_events");
    assert_eq!(b.num_rows(), rows.len());
    assert_eq!(strings(&b, "src_ip"), json_strings(&rows, "src_ip"));
    assert_eq!(strings(&b, "detail"), json_strings(&rows, "detail"));
    let kinds: Vec<Option<String>> = strings(&b, "event_type")
        .into_iter()
        .map(|t| t.map(|t| format!("suricata.{t}")))
        .collect();
    assert_eq!(kinds, json_strings(&rows, "kind"));

    let args = ["eve", "--alerts", eve.to_str().unwrap()];
    let rows = jsonl(&args);
    let (name, b) = parquet(&args);
    assert_eq!(name, "soc.alerts");
    assert!(!rows.is_empty());
    assert_eq!(strings(&b, "id"), json_strings(&rows, "id"));
    assert_eq!(strings(&b, "title"), json_strings(&rows, "title"));
}

#[test]
fn alerts_iocs_and_enrich_parquet_match_jsonl() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("a.csv");
    std::fs::write(
        &csv,
        "attacker,what,lvl\n203.0.113.9,port scan,high\n198.51.100.7,x,low\n",
    )
    .unwrap();
    let args = [
        "alerts",
        csv.to_str().unwrap(),
        "--from",
        "csv",
        "--map",
        "src_ip=attacker,title=what,severity=lvl",
    ];
    let rows = jsonl(&args);
    let (_, b) = parquet(&args);
    assert_eq!(strings(&b, "src_ip"), json_strings(&rows, "src_ip"));
    assert_eq!(strings(&b, "severity"), json_strings(&rows, "severity"));

    let report = data("threat-report.txt");
    let args = ["iocs", report.to_str().unwrap()];
    let rows = jsonl(&args);
    let (name, b) = parquet(&args);
    assert_eq!(name, "soc.indicators");
    assert!(rows.len() > 10);
    assert_eq!(strings(&b, "value"), json_strings(&rows, "value"));
    assert_eq!(strings(&b, "kind"), json_strings(&rows, "kind"));
    let file = strings(&b, "file");
    assert!(file.iter().all(|f| f.as_deref() == report.to_str()));

    let list = data("threat-intel.txt");
    let text = dir.path().join("r.txt");
    std::fs::write(&text, "seen 203.0.113.45 and 198.51.100.99\n").unwrap();
    let args = [
        "enrich",
        text.to_str().unwrap(),
        "--offline",
        "--no-cache",
        "--lists",
        list.to_str().unwrap(),
    ];
    let rows = jsonl(&args);
    let (name, b) = parquet(&args);
    assert_eq!(name, "soc.enrichments");
    assert_eq!(rows.len(), 2);
    assert_eq!(strings(&b, "indicator"), json_strings(&rows, "indicator"));
    assert_eq!(strings(&b, "verdict"), json_strings(&rows, "verdict"));
}

#[test]
fn parquet_needs_an_output_file_and_o_needs_parquet() {
    let log = data("auth.log");
    soc()
        .args(["ssh", log.to_str().unwrap(), "--format", "parquet"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--format parquet needs -o FILE"));
    soc()
        .args(["iocs", log.to_str().unwrap(), "-o", "x.parquet"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("-o is for --format parquet"));
    soc()
        .args([
            "ssh",
            "--summary",
            log.to_str().unwrap(),
            "--format",
            "parquet",
            "-o",
            "x.parquet",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not --summary"));
}
