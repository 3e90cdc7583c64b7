//! `soc ssh`: parse OpenSSH auth logs into events, a summary, or detector alerts.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use serde::Serialize;
use serde_json::{json, Value};
use soc_core::detect::{DetectConfig, DetectorSet, SshSummary};
use soc_core::model::{Attempt, Event, Origin};
use soc_core::parse::ssh::{SshOptions, SshParser};
use soc_core::parse::ParseStats;

use crate::cmd::alert_rows::{write_alert, ALERT_COLUMNS};
use crate::cmd::UsageError;
use crate::output::{buffered_stdout, rfc3339, Format, RowWriter};

/// Arguments of `soc ssh`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Log files (`.gz` read transparently); `-` or none reads standard input.
    pub files: Vec<PathBuf>,
    /// Print one row per sshd event (the default).
    #[arg(long, conflicts_with_all = ["summary", "alerts"])]
    pub events: bool,
    /// Print summary statistics (failures, probes, successes, top sources
    /// and users, failures per hour).
    #[arg(long, conflicts_with = "alerts")]
    pub summary: bool,
    /// Run the detectors and print their alerts.
    #[arg(long)]
    pub alerts: bool,
    /// Output format (default: table on a terminal, jsonl otherwise).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Year of BSD-syslog timestamps (default: inferred from today).
    #[arg(long)]
    pub year: Option<i32>,
    /// Time zone of timestamps without offset (IANA name, default UTC).
    #[arg(long, default_value = "UTC")]
    pub tz: String,
    /// `--journal`, `--journal-directory`, `--journal-file`.
    #[command(flatten)]
    pub journal: crate::cmd::journal::JournalArgs,
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
    for e in &stats.errors {
        crate::esay!("soc: warning: {e}");
    }
    if stats.malformed as usize > stats.errors.len() {
        crate::esay!(
            "soc: warning: {} more malformed lines not shown",
            stats.malformed as usize - stats.errors.len()
        );
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
    let format = Format::resolve(args.format);
    let out = buffered_stdout();
    let mut stats = ParseStats::default();
    let mut summary = SshSummary::default();
    let mut detectors = DetectorSet::new(DetectConfig::default());
    let mut alerts = Vec::new();
    let mut writer =
        (!args.summary && !args.alerts).then(|| RowWriter::new(out, format, EVENT_COLUMNS));
    for reader in crate::cmd::journal::line_readers(&args.journal, &args.files)? {
        let mut reader = reader?;
        let name = reader.name().to_string();
        let mut parser = SshParser::new(opts.clone());
        while let Some((no, line)) = reader.next_str() {
            stats.lines += 1;
            let line = match line {
                Ok(l) => l,
                Err(e) => {
                    stats.malformed(e);
                    continue;
                }
            };
            if args.summary {
                // The summary needs no Event: count on the borrowed fast path.
                match parser.parse_ref(line) {
                    Some(r) => {
                        stats.events += 1;
                        summary.add_record(&r);
                    }
                    None => stats.skipped += 1,
                }
                continue;
            }
            let Some(ev) = parser.parse_line(
                line,
                Origin {
                    file: name.clone(),
                    line: no,
                },
            ) else {
                stats.skipped += 1;
                continue;
            };
            stats.events += 1;
            if let Some(w) = writer.as_mut() {
                w.write_ser(&event_row(&ev))?;
            } else {
                alerts.extend(detectors.observe_owned(ev));
            }
        }
    }
    if let Some(w) = writer {
        drop(w.finish()?);
    } else if args.summary {
        let out = buffered_stdout();
        let mut w = RowWriter::new(out, format, &["metric", "key", "value"]);
        let mut row =
            |m: &str, k: &str, v: u64| w.write(&json!({"metric": m, "key": k, "value": v}));
        row("events", "", summary.events)?;
        row("failures", "", summary.failures)?;
        row("probes", "", summary.probes)?;
        row("successes", "", summary.successes)?;
        row("accepted", "", summary.accepted)?;
        row("distinct_sources", "", summary.distinct_sources() as u64)?;
        row(
            "distinct_probe_sources",
            "",
            summary.distinct_probe_sources() as u64,
        )?;
        for (k, v) in summary.top_sources(10) {
            row("top_source", &k, v)?;
        }
        for (k, v) in summary.top_users(10) {
            row("top_user", &k, v)?;
        }
        for (k, v) in &summary.failures_per_hour {
            row("failures_per_hour", k, *v)?;
        }
        drop(w.finish()?);
    } else {
        alerts.extend(detectors.finish());
        alerts.sort_by(|a, b| a.first_seen.cmp(&b.first_seen).then(a.kind.cmp(&b.kind)));
        let out = buffered_stdout();
        let mut w = RowWriter::new(out, format, ALERT_COLUMNS);
        for a in &alerts {
            write_alert(&mut w, format, a)?;
        }
        drop(w.finish()?);
    }
    report_stats(&stats);
    Ok(ExitCode::SUCCESS)
}
