//! Reports: alerts by risk with their explanations, top attackers with
//! their enrichment verdicts, actions taken, and charts, as Markdown, HTML
//! (inline SVG charts, everything from input escaped), JSON or CSV.
//!
//! [`ReportData`] is computed once (from the store or given directly, which
//! keeps tests deterministic) and each format renders it.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use soc_core::pipeline::report::{render, ReportData, ReportFormat};
//! let t = Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap();
//! let data = ReportData::new(t, t - chrono::Duration::hours(24), vec![], vec![]);
//! let md = render(&data, ReportFormat::Markdown);
//! assert!(md.contains("No alerts"));
//! ```

mod data;
mod escape;
mod html;
mod markdown;
mod summary;
pub mod svg;

pub use data::{describe_action, explain, risk_name, Attacker, ReportData};
pub use escape::{csv_cell, markdown_text, visible};
pub use summary::triage_summary;

use std::borrow::Cow;

/// Output format of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// Markdown.
    Markdown,
    /// A self-contained HTML page with inline SVG charts.
    Html,
    /// One JSON document.
    Json,
    /// CSV, one row per alert.
    Csv,
}

impl std::str::FromStr for ReportFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "md" | "markdown" => Ok(ReportFormat::Markdown),
            "html" => Ok(ReportFormat::Html),
            "json" => Ok(ReportFormat::Json),
            "csv" => Ok(ReportFormat::Csv),
            other => Err(format!(
                "unknown report format '{other}'; use md, html, json or csv"
            )),
        }
    }
}

/// Renders `data` in `format`.
pub fn render(data: &ReportData, format: ReportFormat) -> String {
    match format {
        ReportFormat::Markdown => markdown::render(data),
        ReportFormat::Html => html::render(data),
        ReportFormat::Json => render_json(data),
        ReportFormat::Csv => render_csv(data, false),
    }
}

fn render_json(data: &ReportData) -> String {
    let alerts: Vec<serde_json::Value> = data
        .alerts
        .iter()
        .map(|s| {
            serde_json::json!({
                "id": s.alert.id, "kind": s.alert.kind, "title": s.alert.title,
                "severity": s.alert.severity, "risk": risk_name(s),
                "score": s.score.as_ref().map(|x| x.value),
                "explanation": s.score.as_ref().map(|x| &x.factors),
                "src_ip": s.alert.src_ip, "dst_ip": s.alert.dst_ip, "user": s.alert.user,
                "count": s.alert.count, "first_seen": s.alert.first_seen, "last_seen": s.alert.last_seen,
                "attack": s.alert.attack, "enrichments": s.alert.enrichments.iter().map(|e| serde_json::json!({
                    "provider": e.provider, "indicator": e.indicator, "verdict": e.verdict, "score": e.score, "summary": e.summary
                })).collect::<Vec<_>>(),
                "actions": data.actions_of(&s.alert.id).iter().map(|r| describe_action(r)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let doc = serde_json::json!({
        "generated_at": data.generated_at, "since": data.since,
        "summary": {"alerts": data.alerts.len(), "by_risk": data.by_risk, "actions": data.actions.len()},
        "alerts": alerts, "attackers": data.attackers, "actions": data.actions,
        "hourly": data.hourly.iter().map(|(h, n)| serde_json::json!({"hour": h, "alerts": n})).collect::<Vec<_>>(),
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// The CSV report, one row per alert. Cells from log text that start a
/// spreadsheet formula are neutralised with a leading `'` (see
/// [`csv_cell`]) unless `raw` is set (for programs that read the CSV, not
/// spreadsheets).
pub fn render_csv(data: &ReportData, raw: bool) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "id",
        "risk",
        "score",
        "kind",
        "title",
        "src_ip",
        "user",
        "count",
        "first_seen",
        "last_seen",
        "verdicts",
        "explanation",
        "actions",
    ];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    for s in &data.alerts {
        let a = &s.alert;
        rows.push(vec![
            a.id.clone(),
            risk_name(s),
            s.score
                .as_ref()
                .map(|x| format!("{:.1}", x.value))
                .unwrap_or_default(),
            a.kind.clone(),
            a.title.clone(),
            a.src_ip.map(|i| i.to_string()).unwrap_or_default(),
            a.user.clone().unwrap_or_default(),
            a.count.to_string(),
            a.first_seen.map(|t| t.to_rfc3339()).unwrap_or_default(),
            a.last_seen.map(|t| t.to_rfc3339()).unwrap_or_default(),
            a.enrichments
                .iter()
                .map(|e| format!("{} {}: {}", e.provider, e.indicator, e.verdict))
                .collect::<Vec<_>>()
                .join("; "),
            explain(s),
            data.actions_of(&a.id)
                .iter()
                .map(|r| describe_action(r))
                .collect::<Vec<_>>()
                .join("; "),
        ]);
    }
    for mut r in rows {
        if !raw {
            for c in &mut r {
                if let Cow::Owned(safe) = csv_cell(c) {
                    *c = safe;
                }
            }
        }
        // Writing to a Vec cannot fail for I/O reasons; a row error would be a bug.
        if w.write_record(&r).is_err() {
            break;
        }
    }
    w.into_inner()
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default()
}
