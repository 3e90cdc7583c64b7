//! `soc eve`: read Suricata EVE JSON as events, counts by type, or alerts.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::process::ExitCode;

use serde::Serialize;
use serde_json::{json, Value};
use soc_core::model::Event;
use soc_core::parse::suricata::Reader;
use soc_core::parse::ParseStats;

use crate::cmd::alert_rows::{write_alert, ALERT_COLUMNS};
use crate::cmd::ssh::{inputs, report_stats, ModeArgs, ModeHelp};
use crate::cmd::UsageError;
use crate::output::{buffered_stdout, rfc3339, Format, RowWriter};
use crate::parquet_out::ParquetOut;
use soc_core::columnar::{AlertBatchBuilder, EveBatchBuilder};

/// The help texts of `soc eve`.
#[derive(Debug, Clone)]
pub struct EveHelp;

impl ModeHelp for EveHelp {
    const FILES: &'static str =
        "EVE files (`.gz` read transparently); `-` or none reads standard input";
    const EVENTS: &'static str = "Print one row per event (the default)";
    const SUMMARY: &'static str = "Parse every line fully and print counts by event type";
    const ALERTS: &'static str =
        "Print normalized alerts only (fast path: other lines are not parsed)";
}

/// Arguments of `soc eve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files and `--events`, `--summary`, `--alerts`.
    #[command(flatten)]
    pub mode: ModeArgs<EveHelp>,
    /// Only these event types (repeatable), for `--events`.
    #[arg(long = "event-type")]
    pub event_types: Vec<String>,
    /// `--format` (table, json, jsonl, csv, parquet) and `-o FILE`.
    #[command(flatten)]
    pub out: crate::parquet_out::OutputArgs,
}

/// One `--events` row.
#[derive(Serialize)]
struct EventRow<'a> {
    line: u64,
    time: Option<String>,
    kind: &'a str,
    src_ip: Option<IpAddr>,
    src_port: Option<u16>,
    dst_ip: Option<IpAddr>,
    dst_port: Option<u16>,
    proto: Option<&'a Value>,
    detail: Option<Value>,
}

/// Runs `soc eve`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let format = Format::resolve(args.out.rows());
    let parquet = args.out.parquet()?;
    if parquet.is_some() && args.mode.summary {
        return Err(
            UsageError("--format parquet writes events or alerts, not --summary".into()).into(),
        );
    }
    let mut parquet_alerts = match parquet {
        Some(p) if args.mode.alerts => Some(ParquetOut::create(p, AlertBatchBuilder::new())?),
        _ => None,
    };
    let mut parquet_events = match parquet {
        Some(p) if !args.mode.alerts => Some(ParquetOut::create(p, EveBatchBuilder::new())?),
        _ => None,
    };
    let mut stats = ParseStats::default();
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let cols: &[&str] = if args.mode.alerts {
        ALERT_COLUMNS
    } else if args.mode.summary {
        &["event_type", "count"]
    } else {
        &[
            "line", "time", "kind", "src_ip", "src_port", "dst_ip", "dst_port", "proto", "detail",
        ]
    };
    let mut w = RowWriter::new(buffered_stdout(), format, cols);
    for path in inputs(&args.mode.files) {
        let reader = Reader::open(&path).map_err(|e| UsageError(e.to_string()))?;
        let mut reader = reader.event_types(args.event_types.clone());
        if args.mode.alerts {
            while let Some(a) = reader.next_alert() {
                match parquet_alerts.as_mut() {
                    Some(p) => p.append(|b| b.append(&a))?,
                    None => write_alert(&mut w, format, &a)?,
                }
            }
        } else if args.mode.summary {
            for (k, v) in reader.count_event_types() {
                *counts.entry(k).or_default() += v;
            }
        } else if let Some(p) = parquet_events.as_mut() {
            let name = reader.name().to_string();
            while let Some((no, rec)) = reader.next_wanted_record() {
                p.append(|b| b.append(&rec, Some(&name), Some(no)))?;
            }
        } else {
            for ev in reader.by_ref() {
                w.write_ser(&event_row(&ev))?;
            }
        }
        stats.merge(reader.take_stats());
    }
    for (k, v) in &counts {
        w.write(&json!({"event_type": k, "count": v}))?;
    }
    drop(w.finish()?);
    if let Some(p) = parquet_alerts {
        p.finish()?;
    }
    if let Some(p) = parquet_events {
        p.finish()?;
    }
    report_stats(&stats);
    Ok(ExitCode::SUCCESS)
}

/// An event as an `--events` row: the tuple and the main detail of its type.
fn event_row(ev: &Event) -> EventRow<'_> {
    let detail = ["signature", "rrname", "url", "sni", "filename"]
        .iter()
        .find_map(|k| ev.fields.get(*k).cloned());
    EventRow {
        line: ev.origin.as_ref().map_or(0, |o| o.line),
        time: ev.time.map(rfc3339),
        kind: &ev.kind,
        src_ip: ev.src_ip,
        src_port: ev.src_port,
        dst_ip: ev.dst_ip,
        dst_port: ev.dst_port,
        proto: ev.fields.get("proto"),
        detail,
    }
}
