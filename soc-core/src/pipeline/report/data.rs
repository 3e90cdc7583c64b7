//! What a report shows, computed once from alerts and actions, and the
//! small text helpers every format shares (risk names and order, score
//! explanations, one-line actions). A leaf: it uses no other report file.

use std::collections::BTreeMap;
use std::net::IpAddr;

use chrono::{DateTime, Timelike, Utc};
use serde::Serialize;

use crate::error::StoreError;
use crate::model::{ActionRecord, Verdict};
use crate::store::{StateStore, StoredAlert};

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

/// Alert counts by risk level, worst level first.
pub(crate) fn risks_worst_first(d: &ReportData) -> Vec<(&str, u64)> {
    let mut v: Vec<(&str, u64)> = d.by_risk.iter().map(|(k, n)| (k.as_str(), *n)).collect();
    v.sort_by_key(|(k, _)| std::cmp::Reverse(level_rank(k)));
    v
}

/// Alert counts by risk, worst first: `critical: 1, high: 2`.
pub(crate) fn risk_counts(d: &ReportData) -> String {
    risks_worst_first(d)
        .iter()
        .map(|(k, n)| format!("{k}: {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn level_rank(name: &str) -> u8 {
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
