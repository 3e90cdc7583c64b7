//! `soc ssh`: parse OpenSSH auth logs into events, a summary, or detector alerts.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use serde::Serialize;
use serde_json::Value;
use std::sync::{Mutex, MutexGuard, PoisonError};

use soc_core::detect::{alert_order, AlertCollector, DetectConfig, ShardedCollector, SshSummary};
use soc_core::model::{Alert, Attempt, Event};
use soc_core::parse::ssh::{default_threads, Reader, SshOptions, SshParser};
use soc_core::parse::ParseStats;

use crate::cmd::alert_rows::{write_alert, ALERT_COLUMNS};
use crate::cmd::encoded_alerts::EncodedAlerts;
use crate::cmd::UsageError;
use crate::output::{buffered_stdout, rfc3339, Format, RowWriter};
use crate::parquet_out::ParquetOut;
use soc_core::columnar::EventBatchBuilder;

/// The help texts of [`ModeArgs`], per command.
pub trait ModeHelp: std::fmt::Debug + Clone + Send + Sync + 'static {
    /// Of the input files.
    const FILES: &'static str;
    /// Of `--events`.
    const EVENTS: &'static str;
    /// Of `--summary`.
    const SUMMARY: &'static str;
    /// Of `--alerts`.
    const ALERTS: &'static str;
}

/// The input files and the output mode (`--events`, the default,
/// `--summary` or `--alerts`) of `soc ssh` and `soc eve`.
#[derive(Debug, clap::Args)]
pub struct ModeArgs<H: ModeHelp> {
    #[arg(help = H::FILES)]
    pub files: Vec<PathBuf>,
    #[arg(long, help = H::EVENTS, conflicts_with_all = ["summary", "alerts"])]
    pub events: bool,
    #[arg(long, help = H::SUMMARY, conflicts_with = "alerts")]
    pub summary: bool,
    #[arg(long, help = H::ALERTS)]
    pub alerts: bool,
    #[arg(skip)]
    help: std::marker::PhantomData<H>,
}

/// The help texts of `soc ssh`.
#[derive(Debug, Clone)]
pub struct SshHelp;

impl ModeHelp for SshHelp {
    const FILES: &'static str =
        "Log files (`.gz` read transparently); `-` or none reads standard input";
    const EVENTS: &'static str = "Print one row per sshd event (the default)";
    const SUMMARY: &'static str = "Print summary statistics (failures, probes, successes, top sources and users, failures per hour)";
    const ALERTS: &'static str = "Run the detectors and print their alerts";
}

/// Arguments of `soc ssh`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files and `--events`, `--summary`, `--alerts`.
    #[command(flatten)]
    pub mode: ModeArgs<SshHelp>,
    /// `--format` (table, json, jsonl, csv, parquet) and `-o FILE`.
    #[command(flatten)]
    pub out: crate::parquet_out::OutputArgs,
    /// Year of BSD-syslog timestamps (default: inferred from today).
    #[arg(long)]
    pub year: Option<i32>,
    /// Time zone of timestamps without offset (IANA name, default UTC).
    #[arg(long, default_value = "UTC")]
    pub tz: String,
    /// `--journal`, `--journal-directory`, `--journal-file`.
    #[command(flatten)]
    pub journal: crate::cmd::journal::JournalArgs,
    /// Threads parsing each input for `--summary` and `--alerts` (default:
    /// one per core, at most 4). The output is the same whatever the number.
    #[arg(long, value_name = "N", env = "SOC_THREADS")]
    pub threads: Option<std::num::NonZeroUsize>,
}

/// An event as an output row.
pub fn event_row(e: &Event) -> EventRow<'_> {
    EventRow {
        line: e.origin.as_ref().map(|o| o.line),
        time: e.time.map(rfc3339),
        kind: &e.kind,
        user: e.user.as_deref(),
        port: e.src_port,
        attempt: e.attempt.map(Attempt::as_str),
        failure: e.is_failure(),
        continues: e.continues.map(Attempt::as_str),
        src_ip: e.src_ip,
        src_host: e.src_host.as_deref().filter(|_| e.src_ip.is_none()),
        method: e.fields.get("method"),
        host: e.host.as_deref(),
    }
}

/// The table and CSV columns of `--events` rows.
const EVENT_COLUMNS: &[&str] = &[
    "line",
    "time",
    "kind",
    "user",
    "src_ip",
    "src_host",
    "port",
    "attempt",
    "failure",
    "continues",
];

/// One `--events` row; `src_ip` or else `src_host`, `method` and `host`
/// only when known.
#[derive(Serialize)]
pub struct EventRow<'a> {
    line: Option<u64>,
    time: Option<String>,
    kind: &'a str,
    user: Option<&'a str>,
    port: Option<u16>,
    /// `failure`, `probe`, `success`, or null.
    attempt: Option<&'static str>,
    /// `attempt == "failure"`.
    failure: bool,
    /// The class of an attempt an earlier line of the connection counted,
    /// which this line records again (`failure`, `probe`), or null.
    continues: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    src_ip: Option<IpAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    src_host: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    host: Option<&'a str>,
}

/// Reports malformed lines (bounded) and the summary line on stderr.
pub fn report_stats(stats: &ParseStats) {
    for w in stats.warnings() {
        crate::esay!("soc: warning: {w}");
    }
    crate::esay!("soc: {}", stats.summary());
}

/// The input files, `-` when none are given.
pub fn inputs(files: &[PathBuf]) -> Vec<PathBuf> {
    if files.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        files.to_vec()
    }
}

/// Runs `soc ssh`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let opts = SshOptions {
        year: args.year,
        tz: args.tz.clone(),
        ..SshOptions::default()
    };
    SshParser::try_new(opts.clone()).map_err(|e| UsageError(e.to_string()))?;
    let format = Format::resolve(args.out.rows());
    let parquet = args.out.parquet()?;
    if parquet.is_some() && args.mode.summary {
        return Err(
            UsageError("--format parquet writes events or alerts, not --summary".into()).into(),
        );
    }
    let mut parquet_events = match parquet {
        Some(p) if !args.mode.alerts => Some(ParquetOut::create(p, EventBatchBuilder::new())?),
        _ => None,
    };
    let threads = args.threads.map_or_else(default_threads, |n| n.get());
    let mut stats = ParseStats::default();
    let mut summary = SshSummary::default();
    let mut alerts = AlertCollector::new(DetectConfig::default());
    // With several threads, the detectors are split by key over as many.
    let mut sharded = (args.mode.alerts && threads > 1)
        .then(|| ShardedCollector::new(DetectConfig::default(), threads));
    // Alerts of the shards (other than JSON), sorted at the end.
    let kept = Mutex::new(Vec::new());
    // JSON alerts are encoded beside the detectors, as they become final.
    let encoder =
        (args.mode.alerts && parquet.is_none() && matches!(format, Format::Json | Format::Jsonl))
            .then(EncodedAlerts::spawn)
            .transpose()?
            .map(Mutex::new);
    let to_encoder = |a| {
        if let Some(enc) = &encoder {
            locked(enc).push(a);
        }
    };
    let keep = |a| locked(&kept).push(a);
    let mut events = (parquet.is_none() && !args.mode.summary && !args.mode.alerts)
        .then(|| RowWriter::new(buffered_stdout(), format, EVENT_COLUMNS));
    for lines in crate::cmd::journal::line_readers(&args.journal, &args.mode.files)? {
        let mut reader = Reader::new(lines?, opts.clone())?.with_threads(threads);
        if let Some(w) = events.as_mut() {
            for ev in reader.by_ref() {
                w.write_ser(&event_row(&ev))?;
            }
        } else if let Some(p) = parquet_events.as_mut() {
            for ev in reader.by_ref() {
                p.append(|b| b.append(&ev))?;
            }
        } else if args.mode.summary {
            summary.read(&mut reader);
        } else if let Some(sh) = sharded.as_mut() {
            let each: &(dyn Fn(Alert) + Sync) = match encoder {
                Some(_) => &to_encoder,
                None => &keep,
            };
            sh.read_each(&mut reader, each);
        } else if encoder.is_some() {
            alerts.read_each(&mut reader, to_encoder);
        } else {
            alerts.read(&mut reader);
        }
        stats.merge(reader.take_stats());
    }
    if let Some(w) = events {
        drop(w.finish()?);
    } else if let Some(p) = parquet_events {
        p.finish()?;
    } else if args.mode.summary {
        let mut w = RowWriter::new(buffered_stdout(), format, &["metric", "key", "value"]);
        for row in summary.rows(10) {
            w.write_ser(&row)?;
        }
        drop(w.finish()?);
    } else if encoder.is_some() {
        match sharded {
            Some(sh) => sh.finish_each(&to_encoder),
            None => alerts.finish_each(to_encoder),
        }
        let rows = match encoder {
            Some(enc) => enc
                .into_inner()
                .unwrap_or_else(PoisonError::into_inner)
                .finish()?,
            None => Vec::new(),
        };
        let mut w = RowWriter::new(buffered_stdout(), format, ALERT_COLUMNS);
        for json in rows {
            w.write_encoded(&json)?;
        }
        drop(w.finish()?);
    } else {
        let alerts = match sharded {
            Some(sh) => {
                sh.finish_each(&keep);
                let mut all = kept.into_inner().unwrap_or_else(PoisonError::into_inner);
                all.sort_by(alert_order);
                all
            }
            None => alerts.finish(),
        };
        if let Some(p) = parquet {
            crate::parquet_out::write_alerts(p, &alerts)?;
            report_stats(&stats);
            return Ok(ExitCode::SUCCESS);
        }
        let mut w = RowWriter::new(buffered_stdout(), format, ALERT_COLUMNS);
        for a in &alerts {
            write_alert(&mut w, format, a)?;
        }
        drop(w.finish()?);
    }
    report_stats(&stats);
    Ok(ExitCode::SUCCESS)
}

/// `m`, locked (a panic elsewhere while it was held is reported by that thread).
fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
