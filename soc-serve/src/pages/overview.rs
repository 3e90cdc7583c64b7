//! `GET /`: the overview of the selected time range.

use std::collections::BTreeMap;
use std::fmt::Write;

use axum::extract::State;
use chrono::{DateTime, Utc};
use maud::{html, Markup, PreEscaped};

use soc_core::pipeline::report::svg::{esc, horizontal_bars};
use soc_core::pipeline::RunMetrics;
use soc_core::store::overview::Counts;

use super::layout::{page, pivot_href, span, Nav};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::HttpError;
use crate::range::TimeRange;

const LEVELS: [(&str, &str); 5] = [
    ("critical", "#7b241c"),
    ("high", "#c0392b"),
    ("medium", "#e67e22"),
    ("low", "#2e86c1"),
    ("unscored", "#95a5a6"),
];

/// Stacked bars of alerts per bucket by risk level (escaped labels, like
/// the report's charts in `soc_core::pipeline::report::svg`).
fn stacked_timeline(rows: &[(i64, String, i64)], bucket_secs: i64) -> String {
    let mut buckets: BTreeMap<i64, BTreeMap<&str, i64>> = BTreeMap::new();
    for (b, level, n) in rows {
        *buckets
            .entry(*b)
            .or_default()
            .entry(level.as_str())
            .or_default() += n;
    }
    let (bar_w, gap, h, left) = (14i64, 4i64, 160i64, 40i64);
    let width = left + (bar_w + gap) * buckets.len().max(1) as i64 + 20;
    let max = buckets
        .values()
        .map(|m| m.values().sum::<i64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut o = String::new();
    let _ = write!(
        o,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{}" role="img" aria-label="alerts over time"><title>alerts over time by risk level</title><text x="2" y="12" font-size="10">{max}</text><text x="2" y="{}" font-size="10">0</text>"##,
        h + 40,
        h + 10
    );
    let fmt = if bucket_secs >= 86400 {
        "%m-%d"
    } else {
        "%d %H:%M"
    };
    for (i, (start, levels)) in buckets.iter().enumerate() {
        let x = left + i as i64 * (bar_w + gap);
        let mut y = h + 10;
        let label = DateTime::<Utc>::from_timestamp_millis(*start)
            .map(|t| t.format(fmt).to_string())
            .unwrap_or_default();
        for (level, color) in LEVELS {
            let n = levels.get(level).copied().unwrap_or(0);
            if n == 0 {
                continue;
            }
            let bh = (n * h / max).max(1);
            y -= bh;
            let _ = write!(
                o,
                r#"<rect x="{x}" y="{y}" width="{bar_w}" height="{bh}" fill="{color}"><title>{} {}: {n}</title></rect>"#,
                esc(&label),
                esc(level)
            );
        }
        if i % 4 == 0 {
            let _ = write!(
                o,
                r#"<text x="{x}" y="{}" font-size="9">{}</text>"#,
                h + 24,
                esc(&label)
            );
        }
    }
    o.push_str("</svg>");
    o
}

fn counts_chart(title: &str, rows: &Counts) -> Markup {
    let data: Vec<(String, u64)> = rows
        .iter()
        .map(|(l, n)| (l.clone(), (*n).max(0) as u64))
        .collect();
    html! {
        @if data.is_empty() { p.muted { "none in this range" } }
        @else { figure.chart { (PreEscaped(horizontal_bars(title, &data))) } }
    }
}

fn pivots(field: &str, rows: &Counts, range: &TimeRange) -> Markup {
    html! {
        ul.pivots {
            @for (value, n) in rows {
                li { a href=(pivot_href(field, value, range)) { (value) } " " span.muted { (n) } }
            }
        }
    }
}

fn table(head: [&str; 2], rows: &Counts, fmt: impl Fn(i64) -> String) -> Markup {
    html! {
        @if rows.is_empty() { p.muted { "none in this range" } }
        @else {
            table { thead { tr { th { (head[0]) } th { (head[1]) } } }
                tbody { @for (k, v) in rows { tr { td { (k) } td.num { (fmt(*v)) } } } } }
        }
    }
}

/// `GET /`.
pub(crate) async fn overview(
    State(app): State<AppState>,
    who: Principal,
    range: TimeRange,
) -> Result<Markup, HttpError> {
    let (since, until, bucket) = (range.since, range.until, range.bucket_secs());
    let (o, runs, usage) = app
        .db(move |s| {
            Ok((
                s.overview(since, until, bucket)?,
                s.runs_between(since, until)?,
                s.provider_usage(Utc::now().date_naive())?,
            ))
        })
        .await?;
    let enrich = RunMetrics::cumulative(&runs).enrich;
    let open = o
        .by_status
        .iter()
        .find(|(s, _)| s == "open")
        .map_or(0, |(_, n)| *n);
    let body = html! {
        h1 { "Overview" }
        section.cards {
            div.card { div.big #alert-total { (o.alerts) } div { "alerts" } }
            div.card { div.big { (open) } div { "open" } }
            @for (level, n) in &o.by_risk {
                div.card { div.big { (n) } div { (super::layout::risk(Some(level))) } }
            }
        }
        section {
            h2 { "Alerts over time, by risk level" }
            @if o.timeline.is_empty() { p.muted { "no alerts in this range" } }
            @else { figure.chart { (PreEscaped(stacked_timeline(&o.timeline, bucket))) } }
            p.legend { @for (level, _) in LEVELS { span class={ "swatch " (level) } {} (level) " " } }
        }
        div.grid {
            section { h2 { "Top sources" } (counts_chart("top sources", &o.top_sources)) (pivots("src", &o.top_sources, &range)) }
            section { h2 { "Top targeted users" } (counts_chart("top users", &o.top_users)) (pivots("user", &o.top_users, &range)) }
            section { h2 { "Top hosts" } (counts_chart("top hosts", &o.top_hosts)) }
            section { h2 { "ATT&CK techniques" } (table(["technique", "alerts"], &o.techniques, |v| v.to_string())) }
            @if !o.top_bounds.is_empty() {
                p.muted #top-bounds {
                    "Approximate top lists (counts shown are exact, but a value not listed may have up to: "
                    @for (i, (dim, n)) in o.top_bounds.iter().enumerate() { @if i > 0 { ", " } (dim) " " (n) } " alerts)."
                }
            }
            section { h2 { "Actions by responder / outcome" } (table(["responder / outcome", "actions"], &o.actions, |v| v.to_string())) }
            section { h2 { "Triage status" } (table(["status", "alerts"], &o.by_status, |v| v.to_string())) }
            section { h2 { "Mean time to detect, per day" } p.muted { "evidence start to alert stored" } (table(["day", "MTTD"], &o.mttd_by_day, span)) }
            section { h2 { "Mean time to resolve, per day" } p.muted { "alert stored to closed by an analyst" } (table(["day", "MTTR"], &o.mttr_by_day, span)) }
            section {
                h2 { "Enrichment" }
                p { "Lookups in this range: " (enrich.requests) " to providers, " (enrich.cache_hits) " from cache, " (enrich.errors) " failed; cache hit rate "
                    @match enrich.cache_hit_rate() { Some(r) => { (format!("{:.0}%", r * 100.0)) } None => { "n/a" } } "." }
                (table(["provider", "fresh cache entries"], &o.cache_by_provider, |v| v.to_string()))
                h3 { "Providers today (UTC)" }
                (super::usage::providers(&usage))
            }
        }
    };
    Ok(page("Overview", Nav::Overview, &who, &range, body))
}
