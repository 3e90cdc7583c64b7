//! `GET /health`: the pipeline's health: per source the records read,
//! parsed, skipped and malformed summed over every run, the checkpoint
//! position and lag behind the file, the last run and its status (a run
//! stopped by a fatal error shows `failed` and the error); the
//! enrichment providers' quota left and errors by kind, recent runs with
//! their counters, and the last run's malformed-input samples
//! (`file:line: reason`).

use axum::extract::State;
use chrono::{DateTime, Utc};
use maud::{html, Markup};

use soc_core::pipeline::RunMetrics;

use super::layout::{page, span, time, Nav};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::HttpError;
use crate::range::TimeRange;

/// Recent runs shown.
const RUNS: u32 = 20;

/// How far a checkpoint is behind its file (`None`: not a readable local file).
fn lag(source: &str, offset: u64) -> Option<u64> {
    std::fs::metadata(source)
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len().saturating_sub(offset))
}

fn run_status(m: &RunMetrics) -> &'static str {
    if m.source_errors > 0
        || m.enrich.errors > 0
        || m.actions.values().any(|o| o.contains_key("failed"))
    {
        "with errors"
    } else {
        "ok"
    }
}

/// `GET /health`.
pub(crate) async fn health(
    State(app): State<AppState>,
    who: Principal,
    range: TimeRange,
) -> Result<Markup, HttpError> {
    let (sources, checkpoints, runs, usage) = app
        .db(|s| {
            Ok((
                s.source_health()?,
                s.checkpoints()?,
                s.recent_runs(RUNS)?,
                s.provider_usage(Utc::now().date_naive())?,
            ))
        })
        .await?;
    let runs: Vec<RunMetrics> = runs
        .into_iter()
        .filter_map(|v| serde_json::from_value(v).ok())
        .collect();
    let now = Utc::now();
    let ago = |t: Option<DateTime<Utc>>| {
        t.map(|t| format!("{} ago", span((now - t).num_seconds())))
            .unwrap_or_default()
    };
    let body = html! {
        h1 { "Pipeline health" }
        section {
            h2 { "Sources, all runs" }
            @if sources.is_empty() { p.muted { "No run recorded per source yet." } }
            table #source-health {
                thead { tr { th { "source" } th { "runs" } th { "read" } th { "parsed" } th { "skipped" } th { "malformed" } th { "source errors" } th { "position (bytes)" } th { "lag (bytes)" } th { "last run" } th { "status" } } }
                tbody { @for h in &sources { tr {
                    td { (h.source) @if h.shared_runs > 0 { br; span.muted title="a run over several sources counts its totals for each" { (h.shared_runs) " runs shared with other sources" } } }
                    td.num { (h.runs) } td.num { (h.records) } td.num { (h.parsed) } td.num { (h.skipped) }
                    td.num { (h.malformed) } td.num { (h.source_errors) }
                    td.num { @match h.position { Some(p) => { (p) } None => { span.muted { "n/a" } } } }
                    td.num { @match h.position.and_then(|p| lag(&h.source, p)) { Some(l) => { (l) } None => { span.muted { "n/a" } } } }
                    td { (time(h.last_run_at)) " (" (ago(Some(h.last_run_at))) ")" }
                    td.status {
                        (h.last_status)
                        @if let Some(e) = &h.last_error { br; code.error { (e) } }
                        @if h.failed_runs > 0 { br; span.muted { (h.failed_runs) " failed runs in all" } }
                    }
                } } }
            }
        }
        section {
            h2 { "Checkpoints" }
            @if checkpoints.is_empty() { p.muted { "No checkpoints yet: `soc run` has not read any file source." } }
            table #sources {
                thead { tr { th { "source" } th { "file identity" } th { "checkpoint (bytes)" } th { "lag (bytes)" } th { "updated" } } }
                tbody { @for cp in &checkpoints { tr {
                    td { (cp.source) } td.muted { (cp.identity) } td.num { (cp.offset) }
                    td.num { @match lag(&cp.source, cp.offset) { Some(l) => { (l) } None => { span.muted { "n/a" } } } }
                    td { (time(cp.updated_at)) " (" (ago(Some(cp.updated_at))) ")" }
                } } }
            }
        }
        section {
            h2 { "Enrichment providers today (UTC): quota and errors" }
            (super::usage::providers(&usage))
        }
        section {
            h2 { "Recent runs" }
            @if runs.is_empty() { p.muted { "No runs recorded." } }
            table #runs {
                thead { tr { th { "finished" } th { "mode" } th { "status" } th { "records" } th { "malformed" } th { "skipped" } th { "source errors" } th { "events" } th { "alerts new / updated" } th { "actions" } th { "enrich requests / cache hits / errors" } } }
                tbody { @for m in &runs { tr {
                    td { (m.finished_at.map(time).unwrap_or_default()) " (" (ago(m.finished_at)) ")" }
                    td { (m.mode) @if m.dry_run { " (dry-run)" } }
                    td { (run_status(m)) }
                    td.num { (m.records) } td.num { (m.malformed) } td.num { (m.skipped) } td.num { (m.source_errors) }
                    td.num { (m.events()) } td.num { (m.alerts_new) " / " (m.alerts_updated) } td.num { (m.actions_total()) }
                    td.num { (m.enrich.requests) " / " (m.enrich.cache_hits) " / " (m.enrich.errors) }
                } } }
            }
        }
        @if let Some(last) = runs.first() {
            section {
                h2 { "Last run: actions by responder and outcome" }
                ul { @for (responder, outcomes) in &last.actions {
                    li { (responder) ": " @for (o, n) in outcomes { (o) " " (n) " " } }
                } }
                h2 { "Last run: malformed input" }
                @if last.malformed_samples.is_empty() { p.muted { "none" } }
                ul #malformed { @for s in &last.malformed_samples { li { code { (s) } } } }
            }
        }
    };
    Ok(page("Pipeline health", Nav::Health, &who, &range, body))
}
