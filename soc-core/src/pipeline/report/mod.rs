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

mod escape;
mod html;
mod markdown;
mod summary;
pub mod svg;

pub use escape::{csv_cell, markdown_text, visible};
pub use summary::triage_summary;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::net::IpAddr;

use chrono::{DateTime, Timelike, Utc};
use serde::Serialize;

use crate::error::StoreError;
use crate::model::{ActionRecord, Verdict};
use crate::store::{StateStore, StoredAlert};

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

/// One attacking source address and what is known about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attacker {
    /// The address.
    pub ip: IpAddr,
    /// Alerts it is the source of.
    pub alerts: u64,
    /// Events behind those alerts.
    pub events: u64,
    /// The worst risk level of its alerts (`unscored` when none was scored).
    pub worst_risk: String,
    /// Provider verdicts: `provider: verdict (score)`.
    pub verdicts: Vec<String>,
    /// The worst verdict of any provider.
    pub worst_verdict: Option<Verdict>,
}

/// Everything a report shows, computed once.
#[derive(Debug, Clone, Serialize)]
pub struct ReportData {
    /// When the report was made.
    pub generated_at: DateTime<Utc>,
    /// Start of the period covered.
    pub since: DateTime<Utc>,
    /// Alerts, worst risk first, then highest score, then id.
    pub alerts: Vec<StoredAlert>,
    /// Actions in the period, oldest first.
    pub actions: Vec<ActionRecord>,
    /// Top attacking sources, most alerts first (at most 10).
    pub attackers: Vec<Attacker>,
    /// Alert count by hour (`YYYY-MM-DD HH:00`, event time of first evidence,
    /// else when stored), oldest first.
    pub hourly: Vec<(String, u64)>,
    /// Alert count by risk level.
    pub by_risk: BTreeMap<String, u64>,
}

fn risk_rank(a: &StoredAlert) -> u8 {
    a.score.as_ref().map_or(0, |s| s.level as u8 + 1)
}

/// The risk level name of a stored alert (`unscored` when not scored).
pub fn risk_name(a: &StoredAlert) -> String {
    a.score
        .as_ref()
        .map_or_else(|| "unscored".to_string(), |s| s.level.as_str().to_string())
}

impl ReportData {
    /// Report data from alerts and actions (sorted and aggregated here).
    pub fn new(
        generated_at: DateTime<Utc>,
        since: DateTime<Utc>,
        mut alerts: Vec<StoredAlert>,
        actions: Vec<ActionRecord>,
    ) -> Self {
        alerts.sort_by(|a, b| {
            risk_rank(b)
                .cmp(&risk_rank(a))
                .then_with(|| {
                    let sa = a.score.as_ref().map_or(0.0, |s| s.value);
                    let sb = b.score.as_ref().map_or(0.0, |s| s.value);
                    sb.total_cmp(&sa)
                })
                .then_with(|| a.alert.id.cmp(&b.alert.id))
        });
        let mut by_risk = BTreeMap::new();
        let mut hourly: BTreeMap<String, u64> = BTreeMap::new();
        let mut attackers: BTreeMap<IpAddr, Attacker> = BTreeMap::new();
        for s in &alerts {
            *by_risk.entry(risk_name(s)).or_insert(0) += 1;
            let t = s.alert.first_seen.unwrap_or(s.created_at);
            let hour = t
                .with_minute(0)
                .and_then(|t| t.with_second(0))
                .unwrap_or(t)
                .format("%Y-%m-%d %H:00")
                .to_string();
            *hourly.entry(hour).or_insert(0) += 1;
            if let Some(ip) = s.alert.src_ip {
                let e = attackers.entry(ip).or_insert_with(|| Attacker {
                    ip,
                    alerts: 0,
                    events: 0,
                    worst_risk: "unscored".into(),
                    verdicts: Vec::new(),
                    worst_verdict: None,
                });
                e.alerts += 1;
                e.events += s.alert.count;
                if risk_rank(s) > level_rank(&e.worst_risk) {
                    e.worst_risk = risk_name(s);
                }
                let ip_text = ip.to_string();
                for en in s
                    .alert
                    .enrichments
                    .iter()
                    .filter(|en| en.indicator == ip_text)
                {
                    let v = format!("{}: {} ({})", en.provider, en.verdict, en.score);
                    if !e.verdicts.contains(&v) {
                        e.verdicts.push(v);
                    }
                    e.worst_verdict = e.worst_verdict.max(Some(en.verdict));
                }
            }
        }
        let mut attackers: Vec<Attacker> = attackers.into_values().collect();
        attackers.sort_by(|a, b| {
            b.alerts
                .cmp(&a.alerts)
                .then(b.events.cmp(&a.events))
                .then(a.ip.cmp(&b.ip))
        });
        attackers.truncate(10);
        ReportData {
            generated_at,
            since,
            alerts,
            actions,
            attackers,
            hourly: hourly.into_iter().collect(),
            by_risk,
        }
    }

    /// Report data for alerts stored and actions taken since `since`.
    pub fn from_store(
        store: &StateStore,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Self, StoreError> {
        let alerts = store.alerts_since(since)?;
        let actions = store.actions_since(since)?;
        Ok(ReportData::new(now, since, alerts, actions))
    }

    /// Actions of one alert.
    pub fn actions_of(&self, alert_id: &str) -> Vec<&ActionRecord> {
        self.actions
            .iter()
            .filter(|a| a.alert_id == alert_id)
            .collect()
    }
}

/// The period start for display: `beginning` for `--since all`.
pub(crate) fn since_text(d: &ReportData) -> String {
    if d.since <= DateTime::<Utc>::MIN_UTC + chrono::Duration::days(1) {
        "the beginning".to_string()
    } else {
        d.since.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// Alert counts by risk, worst first: `critical: 1, high: 2`.
pub(crate) fn risk_counts(d: &ReportData) -> String {
    let mut v: Vec<(&String, &u64)> = d.by_risk.iter().collect();
    v.sort_by_key(|(k, _)| std::cmp::Reverse(level_rank(k)));
    v.iter()
        .map(|(k, n)| format!("{k}: {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn level_rank(name: &str) -> u8 {
    match name {
        "low" => 1,
        "medium" => 2,
        "high" => 3,
        "critical" => 4,
        _ => 0,
    }
}

/// One line explaining a score: `factor +12.0 (detail); ...`.
pub fn explain(a: &StoredAlert) -> String {
    match &a.score {
        None => "not scored".to_string(),
        Some(s) => s
            .factors
            .iter()
            .map(|f| format!("{} {:+.1} ({})", f.name, f.contribution, f.detail))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// An action as one line: `responder action target: outcome [commands]`.
pub fn describe_action(r: &ActionRecord) -> String {
    let mut s = format!(
        "{} {} {}: {}",
        r.responder,
        r.action,
        r.target,
        r.outcome.status()
    );
    match &r.outcome {
        crate::model::ActionOutcome::Skipped(why) | crate::model::ActionOutcome::Failed(why) => {
            s.push_str(&format!(" ({why})"));
        }
        _ => {}
    }
    for c in &r.commands {
        s.push_str(&format!(" `{}`", c.join(" ")));
    }
    for q in &r.requests {
        s.push_str(&format!(" `{q}`"));
    }
    s
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
