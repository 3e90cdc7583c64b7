//! `soc report`: alerts by risk with explanations, top attackers with
//! verdicts, actions taken and charts, as Markdown, HTML, JSON or CSV.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use soc_core::pipeline::report::{render, render_csv, ReportData, ReportFormat};

/// Arguments of `soc report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Period covered: `24h`, `7d`, `30m`, `90s`, an RFC 3339 time, or `all`.
    #[arg(long, default_value = "24h")]
    since: String,
    /// Output format: md, html, json or csv (cells starting `= + - @`, tab
    /// or CR get a leading `'`; `--raw-csv` writes them as they are).
    #[arg(long, short = 'f', default_value = "md")]
    format: String,
    /// State store to read (overrides the config's `store.path`).
    #[arg(long)]
    state: Option<PathBuf>,
    /// Config file naming the state store (default: $SOC_CONFIG, else ./soc.toml).
    #[arg(long, short = 'c')]
    config: Option<PathBuf>,
    /// Write the report to this file instead of standard output.
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
}

/// Parses `--since` relative to `now`: the core rule, shared with Python.
pub(crate) fn parse_since(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    soc_core::pipeline::since::parse_since(text, now).map_err(|e| format!("--{e}"))
}

/// Runs `soc report`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let format: ReportFormat = args.format.parse().map_err(crate::cmd::UsageError)?;
    let now = Utc::now();
    let since = parse_since(&args.since, now).map_err(crate::cmd::UsageError)?;
    let store = crate::cmd::status::open_store(args.state.as_deref(), args.config.as_deref())?;
    let data = ReportData::from_store(&store, since, now)?;
    let text = match format {
        ReportFormat::Csv => render_csv(&data, crate::output::raw_csv()),
        other => render(&data, other),
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, text.as_bytes())
                .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
            crate::esay!("report written to {}", path.display());
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn since_forms() {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
        assert_eq!(
            parse_since("24h", now).unwrap(),
            now - chrono::Duration::hours(24)
        );
        assert_eq!(
            parse_since("2d", now).unwrap(),
            now - chrono::Duration::days(2)
        );
        assert_eq!(parse_since("all", now).unwrap(), DateTime::<Utc>::MIN_UTC);
        assert_eq!(
            parse_since("2026-11-22T00:00:00Z", now).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 22, 0, 0, 0).unwrap()
        );
        assert!(parse_since("soon", now).is_err());
        assert!(parse_since("5y", now).is_err());
        assert_eq!(
            parse_since("99999999999999d", now).unwrap(),
            DateTime::<Utc>::MIN_UTC
        );
    }
}
