//! `soc eve`: read Suricata EVE JSON as events, counts by type, or alerts.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use serde::Serialize;
use serde_json::{json, Value};
use soc_core::model::Origin;
use soc_core::parse::lines::LineReader;
use soc_core::parse::suricata::{alert_from_line, is_alert_line, parse_eve_line};
use soc_core::parse::ParseStats;
use soc_core::ParseError;

use crate::cmd::alert_rows::{write_alert, ALERT_COLUMNS};
use crate::cmd::ssh::{inputs, report_stats};
use crate::cmd::UsageError;
use crate::output::{buffered_stdout, rfc3339, Format, RowWriter};
use crate::parquet_out::ParquetOut;
use soc_core::columnar::{AlertBatchBuilder, EveBatchBuilder};

/// Arguments of `soc eve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// EVE files (`.gz` read transparently); `-` or none reads standard input.
    pub files: Vec<PathBuf>,
    /// Print one row per event (the default).
    #[arg(long, conflicts_with_all = ["summary", "alerts"])]
    pub events: bool,
    /// Parse every line fully and print counts by event type.
    #[arg(long, conflicts_with = "alerts")]
    pub summary: bool,
    /// Print normalized alerts only (fast path: other lines are not parsed).
    #[arg(long)]
    pub alerts: bool,
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
    if parquet.is_some() && args.summary {
        return Err(
            UsageError("--format parquet writes events or alerts, not --summary".into()).into(),
        );
    }
    let mut parquet_alerts = match parquet {
        Some(p) if args.alerts => Some(ParquetOut::create(p, AlertBatchBuilder::new())?),
        _ => None,
    };
    let mut parquet_events = match parquet {
        Some(p) if !args.alerts => Some(ParquetOut::create(p, EveBatchBuilder::new())?),
        _ => None,
    };
    let mut stats = ParseStats::default();
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let out = buffered_stdout();
    let cols: &[&str] = if args.alerts {
        ALERT_COLUMNS
    } else if args.summary {
        &["event_type", "count"]
    } else {
        &[
            "line", "time", "kind", "src_ip", "src_port", "dst_ip", "dst_port", "proto", "detail",
        ]
    };
    let mut w = RowWriter::new(out, format, cols);
    for path in inputs(&args.files) {
        let mut reader = LineReader::open(&path).map_err(|e| UsageError(e.to_string()))?;
        let name = reader.name().to_string();
        while let Some((no, bytes)) = reader.next_bytes() {
            stats.lines += 1;
            let bytes = match bytes {
                Ok(b) => b,
                Err(e) => {
                    stats.malformed(e);
                    continue;
                }
            };
            if bytes.iter().all(u8::is_ascii_whitespace) {
                stats.skipped += 1;
                continue;
            }
            if args.alerts && !is_alert_line(bytes) {
                stats.skipped += 1;
                continue;
            }
            let bad = |reason: String| ParseError::Malformed {
                source_name: name.clone(),
                line: no,
                reason,
            };
            let text = match std::str::from_utf8(bytes) {
                Ok(t) => t,
                Err(e) => {
                    stats.malformed(bad(format!("invalid UTF-8 at byte {}", e.valid_up_to())));
                    continue;
                }
            };
            if args.alerts {
                // Fast path: only the envelope and the alert object are read.
                match alert_from_line(text) {
                    Ok(Some(a)) => {
                        stats.events += 1;
                        if let Some(p) = parquet_alerts.as_mut() {
                            p.append(|b| b.append(&a))?;
                            continue;
                        }
                        write_alert(&mut w, format, &a)?;
                    }
                    Ok(None) => stats.skipped += 1,
                    Err(ParseError::Malformed { reason, .. }) => stats.malformed(bad(reason)),
                    Err(e) => return Err(e.into()),
                }
                continue;
            }
            let rec = match parse_eve_line(text) {
                Ok(r) => r,
                Err(ParseError::Malformed { reason, .. }) => {
                    stats.malformed(bad(reason));
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            if args.summary {
                stats.events += 1;
                let et = if rec.event_type.is_empty() {
                    "(none)"
                } else {
                    &rec.event_type
                };
                match counts.get_mut(et) {
                    Some(n) => *n += 1,
                    None => {
                        counts.insert(et.to_string(), 1);
                    }
                }
                continue;
            }
            if !args.event_types.is_empty() && !args.event_types.contains(&rec.event_type) {
                stats.skipped += 1;
                continue;
            }
            stats.events += 1;
            if let Some(p) = parquet_events.as_mut() {
                p.append(|b| b.append(&rec, Some(&name), Some(no)))?;
                continue;
            }
            let ev = rec.to_event(Origin {
                file: name.clone(),
                line: no,
            });
            let detail = ["signature", "rrname", "url", "sni", "filename"]
                .iter()
                .find_map(|k| ev.fields.get(*k).cloned());
            w.write_ser(&EventRow {
                line: no,
                time: ev.time.map(rfc3339),
                kind: &ev.kind,
                src_ip: ev.src_ip,
                src_port: ev.src_port,
                dst_ip: ev.dst_ip,
                dst_port: ev.dst_port,
                proto: ev.fields.get("proto"),
                detail,
            })?;
        }
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
