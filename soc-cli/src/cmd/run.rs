//! `soc run`: the configured pipeline, once (`--once`, for cron: process
//! what is new since the last checkpoint, act, exit) or continuously
//! (`--follow`, until SIGINT/SIGTERM, which drain in-flight work and persist
//! state before exiting).
//!
//! Exit status: 0 when the run completed (malformed input is counted and
//! reported, not fatal); 5 when it completed but a source was unreadable or
//! an action failed (a summary line on stderr says how many); otherwise the
//! error class's code (1 runtime, 2 usage, 4 configuration; see `cmd`).

use std::path::PathBuf;
use std::process::ExitCode;

use soc_core::pipeline::report::triage_summary;
use soc_core::pipeline::runner::shutdown_on_signals;
use soc_core::pipeline::{BuildOptions, PipelineConfig, RunMetrics, RunOptions};

/// Arguments of `soc run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Config file (default: $SOC_CONFIG, else ./soc.toml).
    #[arg(long, short = 'c')]
    config: Option<PathBuf>,
    /// Process what is new since the last checkpoint, act, and exit (cron).
    #[arg(long, conflicts_with = "follow")]
    once: bool,
    /// Keep following the sources until SIGINT/SIGTERM.
    #[arg(long)]
    follow: bool,
    /// Force dry-run: show every action with its exact commands, change nothing.
    #[arg(long)]
    dry_run: bool,
    /// No network enrichment (local threat-intel lists and ATT&CK only).
    #[arg(long)]
    offline: bool,
    /// Use this state store instead of the config's `store.path`.
    #[arg(long)]
    state: Option<PathBuf>,
    /// Write the run's metrics as JSON to this file.
    #[arg(long, value_name = "FILE")]
    metrics_json: Option<PathBuf>,
    /// Print the triage summary (alerts, scores, explanations, actions) on stdout.
    #[arg(long)]
    summary: bool,
    /// Print nothing on stderr except errors.
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Reader threads (default: the config's `run.threads`, 2): SSH sources
    /// share one, EVE and alert files are spread over the others, and SSH
    /// log files are parsed on this many threads; 1 reads and parses
    /// everything on one thread. Results are the same for any value.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
}

/// Runs `soc run`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if !args.once && !args.follow {
        return Err(crate::cmd::UsageError(
            "say how to run: --once (process what is new and exit, for cron) or --follow (continuous)".into(),
        )
        .into());
    }
    let path = PipelineConfig::resolve_path(args.config.as_deref());
    let mut cfg = PipelineConfig::load(&path).map_err(soc_core::Error::from)?;
    if let Some(state) = &args.state {
        cfg.store.path = state.clone();
    }
    if let Some(n) = args.threads {
        cfg.run.threads = usize::from(n);
    }
    let metrics_path = args
        .metrics_json
        .clone()
        .or_else(|| cfg.run.metrics_json.clone());
    let opts = BuildOptions {
        follow: args.follow,
        force_dry_run: args.dry_run,
        offline: args.offline,
        store: None,
    };
    let rt = crate::cmd::runtime()?;
    let (metrics, summary) = rt.block_on(async {
        let mut pipeline = crate::cmd::config::build_pipeline(&cfg, &opts, &path)?;
        let shutdown = shutdown_on_signals();
        let metrics = pipeline
            .run(RunOptions {
                follow: args.follow,
                shutdown: Some(shutdown),
            })
            .await?;
        let summary = if args.summary {
            let store = pipeline.store();
            let mut alerts = Vec::new();
            for id in pipeline.last_alert_ids() {
                if let Some(a) = store.alert_by_id(id)? {
                    alerts.push(a);
                }
            }
            let since = metrics.started_at.unwrap_or_default();
            let actions = store.actions_since(since)?;
            Some(triage_summary(&alerts, &actions))
        } else {
            None
        };
        Ok::<_, anyhow::Error>((metrics, summary))
    })?;
    if let Some(p) = &metrics_path {
        let text = serde_json::to_string_pretty(&metrics.to_json())?;
        std::fs::write(p, text + "\n")
            .map_err(|e| anyhow::anyhow!("writing metrics to {}: {e}", p.display()))?;
    }
    if let Some(s) = summary {
        print!("{s}");
    }
    if !args.quiet {
        crate::esay!("{}", one_line(&metrics));
        for s in metrics.malformed_samples.iter().take(5) {
            crate::esay!("  malformed: {s}");
        }
    }
    let failed = failed_actions(&metrics);
    if metrics.source_errors > 0 || failed > 0 {
        crate::esay!(
            "soc run: incomplete: {} source errors, {} failed actions (see the messages above and the audit log)",
            metrics.source_errors,
            failed
        );
        return Ok(ExitCode::from(crate::cmd::EXIT_INCOMPLETE));
    }
    Ok(ExitCode::SUCCESS)
}

/// Actions of every responder whose outcome was `failed`.
fn failed_actions(m: &RunMetrics) -> u64 {
    m.actions.values().filter_map(|by| by.get("failed")).sum()
}

/// The end-of-run line on stderr.
fn one_line(m: &RunMetrics) -> String {
    let actions: Vec<String> = m
        .actions
        .iter()
        .map(|(r, by)| {
            let parts: Vec<String> = by.iter().map(|(s, n)| format!("{n} {s}")).collect();
            format!("{r} {}", parts.join("/"))
        })
        .collect();
    format!(
        "soc run ({}{}): {} records, {} events, {} malformed, {} alerts ({} new, {} updated), actions: {}; enrichment: {} requests, {} cache hits",
        m.mode,
        if m.dry_run { ", dry-run" } else { "" },
        m.records,
        m.events(),
        m.malformed,
        m.alerts(),
        m.alerts_new,
        m.alerts_updated,
        if actions.is_empty() { "none".to_string() } else { actions.join(", ") },
        m.enrich.requests,
        m.enrich.cache_hits
    )
}
