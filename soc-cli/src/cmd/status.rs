//! `soc status`: the last run, cumulative metrics over all runs, and what
//! the state store holds (alerts by risk, actions by outcome, active blocks,
//! checkpoints).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use soc_core::pipeline::{PipelineConfig, RunMetrics};
use soc_core::StateStore;

/// Arguments of `soc status`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Config file naming the state store (default: $SOC_CONFIG, else ./soc.toml).
    #[arg(long, short = 'c')]
    config: Option<PathBuf>,
    /// State store to read (overrides the config's `store.path`).
    #[arg(long)]
    state: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// The state store named by `--state`, else by the config file's `store.path`.
/// A store that does not exist yet is an error (nothing has run).
pub(crate) fn open_store(
    state: Option<&Path>,
    config: Option<&Path>,
) -> anyhow::Result<StateStore> {
    let path = match state {
        Some(p) => p.to_path_buf(),
        None => {
            let cfg_path = PipelineConfig::resolve_path(config);
            let cfg = PipelineConfig::load(&cfg_path).map_err(soc_core::Error::from)?;
            cfg.store.path
        }
    };
    if !path.exists() {
        return Err(crate::cmd::UsageError(format!(
            "state store {} does not exist yet; run `soc run --once` first or pass --state",
            path.display()
        ))
        .into());
    }
    // Read-write when we may (creating the pipeline tables of a store made
    // by `soc block` alone); read-only when the file or folder is not ours.
    match StateStore::open(&path).and_then(|s| s.pipeline_init().map(|()| s)) {
        Ok(store) => Ok(store),
        Err(rw) => StateStore::open_read_only(&path)
            .map_err(|_| rw)
            .with_context(|| format!("opening {}", path.display())),
    }
}

fn secs(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |s| format!("{s:.1}s"))
}

/// Runs `soc status`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let store = open_store(args.state.as_deref(), args.config.as_deref())?;
    let runs = store.runs()?;
    let last: Option<RunMetrics> = runs
        .last()
        .and_then(|r| serde_json::from_value(r.clone()).ok());
    let total = RunMetrics::cumulative(&runs);
    let counts = store.counts(chrono::Utc::now())?;
    if args.json {
        let doc = serde_json::json!({
            "store": store.path(),
            "last_run": last.as_ref().map(|m| m.to_json()),
            "cumulative": total.to_json(),
            "state": counts,
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(ExitCode::SUCCESS);
    }
    crate::say!("state store: {}", store.path().display());
    match &last {
        None => crate::say!("no runs recorded yet"),
        Some(m) => {
            crate::say!(
                "last run: {} ({}{}), {} records, {} events, {} alerts ({} new), {} actions, {} malformed",
                m.finished_at.map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string()).unwrap_or_default(),
                m.mode,
                if m.dry_run { ", dry-run" } else { "" },
                m.records,
                m.events(),
                m.alerts(),
                m.alerts_new,
                m.actions_total(),
                m.malformed
            );
        }
    }
    crate::say!(
        "all runs ({}): {} records, {} events, {} alerts ({} new, {} updated), {} malformed, {} source errors",
        total.runs, total.records, total.events(), total.alerts(), total.alerts_new, total.alerts_updated,
        total.malformed, total.source_errors
    );
    crate::say!(
        "  MTTD mean {} (max {}), MTTR mean {} (max {})",
        secs(total.mttd.mean()),
        secs((total.mttd.count > 0).then_some(total.mttd.max_secs)),
        secs(total.mttr.mean()),
        secs((total.mttr.count > 0).then_some(total.mttr.max_secs))
    );
    crate::say!(
        "  enrichment: {} indicators, {} requests, {} cache hits{}, {} errors",
        total.enrich.indicators,
        total.enrich.requests,
        total.enrich.cache_hits,
        total
            .enrich
            .cache_hit_rate()
            .map(|r| format!(" ({:.0}%)", r * 100.0))
            .unwrap_or_default(),
        total.enrich.errors
    );
    for (kind, n) in &total.events_by_kind {
        crate::say!("  events {kind}: {n}");
    }
    for (kind, n) in &total.alerts_by_kind {
        crate::say!("  alerts {kind}: {n}");
    }
    for (r, m) in &total.actions {
        let by: Vec<String> = m.iter().map(|(s, n)| format!("{s} {n}")).collect();
        crate::say!("  actions {r}: {}", by.join(", "));
    }
    let risks: Vec<String> = counts
        .alerts_by_risk
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    crate::say!(
        "stored alerts: {} ({})",
        counts.alerts,
        if risks.is_empty() {
            "none".into()
        } else {
            risks.join(", ")
        }
    );
    let acts: Vec<String> = counts
        .actions_by_status
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    crate::say!(
        "audited actions: {}",
        if acts.is_empty() {
            "none".into()
        } else {
            acts.join(", ")
        }
    );
    crate::say!(
        "active blocks: {}, watch-list: {}, pending: {}",
        counts.active_blocks,
        counts.watchlist,
        counts.pending
    );
    for cp in &counts.checkpoints {
        crate::say!(
            "checkpoint {}: offset {} ({})",
            cp.source,
            cp.offset,
            cp.updated_at.format("%Y-%m-%d %H:%M:%S UTC")
        );
    }
    Ok(ExitCode::SUCCESS)
}
