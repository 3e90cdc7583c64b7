//! `soc alerts`: read alerts exported by other tools (JSON, JSONL, CSV).

use std::path::PathBuf;
use std::process::ExitCode;

use soc_core::parse::alerts::AlertReader;
use soc_core::parse::json_csv::{AlertFormat, AlertMapping};

use crate::cmd::alert_rows::{write_alert, ALERT_COLUMNS};
use crate::cmd::ssh::report_stats;
use crate::cmd::UsageError;
use crate::output::{buffered_stdout, Format, RowWriter};
use crate::parquet_out::ParquetOut;
use soc_core::columnar::AlertBatchBuilder;

/// Input format of `soc alerts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum From {
    /// JSON array, object, or JSON lines.
    Json,
    /// CSV with a header row.
    Csv,
}

/// Arguments of `soc alerts`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The alert file (`.gz` read transparently).
    pub file: PathBuf,
    /// Input format.
    #[arg(long = "from", value_enum, default_value = "json")]
    pub from: From,
    /// Field mapping, e.g. `src_ip=attacker,title=rule` (targets: src_ip,
    /// dst_ip, dst_port, severity, title, time, user, host, id).
    #[arg(long)]
    pub map: Option<String>,
    /// Tool name for the alert kind `alerts.<tool>` (default `generic`).
    #[arg(long)]
    pub tool: Option<String>,
    /// `--format` (table, json, jsonl, csv, parquet) and `-o FILE`.
    #[command(flatten)]
    pub out: crate::parquet_out::OutputArgs,
}

/// Runs `soc alerts`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut mapping = match &args.map {
        Some(m) => AlertMapping::parse_pairs(m).map_err(|e| UsageError(e.to_string()))?,
        None => AlertMapping::default(),
    };
    mapping.tool = args.tool.clone();
    let fmt = match args.from {
        From::Json => AlertFormat::Json,
        From::Csv => AlertFormat::Csv,
    };
    let mut reader =
        AlertReader::open(&args.file, fmt, &mapping).map_err(|e| UsageError(e.to_string()))?;
    if let Some(p) = args.out.parquet()? {
        let mut out = ParquetOut::create(p, AlertBatchBuilder::new())?;
        for a in reader.by_ref() {
            out.append(|b| b.append(&a))?;
        }
        out.finish()?;
        report_stats(reader.stats());
        return Ok(ExitCode::SUCCESS);
    }
    let format = Format::resolve(args.out.rows());
    let mut w = RowWriter::new(buffered_stdout(), format, ALERT_COLUMNS);
    for a in reader.by_ref() {
        write_alert(&mut w, format, &a)?;
    }
    drop(w.finish()?);
    report_stats(reader.stats());
    Ok(ExitCode::SUCCESS)
}
