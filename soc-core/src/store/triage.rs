//! Analyst triage on stored alerts: status (open, acknowledged, closed with
//! a reason), assignee, comments, and an audit trail of every change.
//!
//! The dashboard (`soc serve`) writes here while `soc run --follow` writes
//! alerts to the same file: both go through [`StateStore`] transactions on
//! a WAL database, so neither blocks the other for long. The tables and
//! indexes are added by [`StateStore::ensure_triage_schema`], an additive,
//! idempotent migration: a store that never saw the dashboard is unchanged.
//!
//! Alerts closed as true or false positives are the labelled examples
//! `soc triage train` learns from ([`StateStore::triage_labels`]).
//!
//! ```
//! use soc_core::store::triage::{CloseReason, TriageChange, TriageStatus};
//! use soc_core::{Alert, Severity, StateStore};
//! let store = StateStore::in_memory().unwrap();
//! store.ensure_triage_schema().unwrap();
//! let a = Alert::new("ssh.brute_force", "198.51.100.7", "SSH brute force", Severity::High);
//! store.save_alert(&a, None).unwrap();
//! let close = TriageChange { status: Some(TriageStatus::Closed(CloseReason::FalsePositive)), ..Default::default() };
//! assert_eq!(store.update_triage(&[a.id.clone()], "ana", &close).unwrap(), 1);
//! assert_eq!(store.triage_state(&a.id).unwrap().status, TriageStatus::Closed(CloseReason::FalsePositive));
//! assert_eq!(store.triage_audit(&a.id).unwrap()[0].actor, "ana");
//! assert_eq!(store.triage_labels().unwrap()[0].1, false);
//! ```

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::{from_ts, ts, StateStore};
use crate::error::StoreError;
use crate::model::Alert;

/// Additive schema of the dashboard: triage state, its audit trail, and
/// indexes (on generated columns read from the alert JSON) so that inbox,
/// pivot and overview queries never scan the whole alert table.
const TRIAGE_SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS triage (
    alert_id TEXT PRIMARY KEY, status TEXT NOT NULL, reason TEXT, assignee TEXT,
    updated_at INTEGER NOT NULL, updated_by TEXT NOT NULL, alert_created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS triage_status ON triage(status, updated_at);
CREATE TABLE IF NOT EXISTS triage_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, alert_id TEXT NOT NULL, at INTEGER NOT NULL,
    actor TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS triage_audit_alert ON triage_audit(alert_id, id);
CREATE INDEX IF NOT EXISTS triage_audit_at ON triage_audit(at);
CREATE INDEX IF NOT EXISTS actions_alert ON actions(alert_id, id);
CREATE INDEX IF NOT EXISTS actions_at ON actions(at);
"#;

/// Generated (virtual) columns on `alerts`: computed from the JSON, so the
/// pipeline's writes need no change, and indexable.
const ALERT_COLUMNS: [(&str, &str); 5] = [
    ("v_user", "json ->> '$.user'"),
    ("v_host", "json ->> '$.host'"),
    (
        "v_target",
        "coalesce(json ->> '$.user', json ->> '$.host', json ->> '$.dst_ip', '')",
    ),
    ("v_attack", "json -> '$.attack'"),
    (
        "v_sig",
        "CASE WHEN json ->> '$.fields.signature_id' IS NOT NULL THEN json ->> '$.title' ELSE kind END",
    ),
];

const ALERT_INDEXES: &str = r#"
DROP INDEX IF EXISTS alerts_time_cover;
DROP INDEX IF EXISTS alerts_range;
DROP INDEX IF EXISTS alerts_sig_time;
CREATE INDEX IF NOT EXISTS alerts_src_time ON alerts(src_ip, created_at);
DROP INDEX IF EXISTS alerts_user_time;
"#;

/// Why an alert was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// A real attack (label 1 for training).
    TruePositive,
    /// Not an attack (label 0 for training).
    FalsePositive,
    /// Real activity, but harmless (no label).
    Benign,
    /// Another alert covers it (no label).
    Duplicate,
}

/// Where an alert is in the triage workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriageStatus {
    /// Not looked at yet (every alert starts here).
    Open,
    /// Someone is on it.
    Acknowledged,
    /// Done, with the reason.
    Closed(CloseReason),
}

impl CloseReason {
    /// Every reason, in display order.
    pub const ALL: [CloseReason; 4] = [
        CloseReason::TruePositive,
        CloseReason::FalsePositive,
        CloseReason::Benign,
        CloseReason::Duplicate,
    ];

    /// The stored name (`true_positive`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::TruePositive => "true_positive",
            CloseReason::FalsePositive => "false_positive",
            CloseReason::Benign => "benign",
            CloseReason::Duplicate => "duplicate",
        }
    }

    /// The training label: 1 for true positives, 0 for false positives.
    pub fn label(self) -> Option<bool> {
        match self {
            CloseReason::TruePositive => Some(true),
            CloseReason::FalsePositive => Some(false),
            CloseReason::Benign | CloseReason::Duplicate => None,
        }
    }
}

impl FromStr for CloseReason {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CloseReason::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!("unknown close reason '{s}'; use true_positive, false_positive, benign or duplicate")
            })
    }
}

impl TriageStatus {
    /// The stored status name (`open`, `acknowledged`, `closed`).
    pub fn name(self) -> &'static str {
        match self {
            TriageStatus::Open => "open",
            TriageStatus::Acknowledged => "acknowledged",
            TriageStatus::Closed(_) => "closed",
        }
    }

    fn from_row(status: &str, reason: Option<&str>) -> TriageStatus {
        match status {
            "acknowledged" => TriageStatus::Acknowledged,
            "closed" => TriageStatus::Closed(
                reason
                    .and_then(|r| r.parse().ok())
                    .unwrap_or(CloseReason::Benign),
            ),
            _ => TriageStatus::Open,
        }
    }

    fn reason(self) -> Option<CloseReason> {
        match self {
            TriageStatus::Closed(r) => Some(r),
            _ => None,
        }
    }
}

impl fmt::Display for TriageStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TriageStatus::Closed(r) => write!(f, "closed ({})", r.as_str()),
            s => f.write_str(s.name()),
        }
    }
}

/// The triage state of one alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriageState {
    /// Status (with the close reason).
    pub status: TriageStatus,
    /// Who owns it.
    pub assignee: Option<String>,
    /// Last change.
    pub updated_at: Option<DateTime<Utc>>,
    /// Who made the last change.
    pub updated_by: Option<String>,
}

impl Default for TriageState {
    fn default() -> Self {
        TriageState {
            status: TriageStatus::Open,
            assignee: None,
            updated_at: None,
            updated_by: None,
        }
    }
}

/// One requested change; `None` fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TriageChange {
    /// New status.
    pub status: Option<TriageStatus>,
    /// New assignee (`Some(None)` unassigns).
    pub assignee: Option<Option<String>>,
    /// A comment to add.
    pub comment: Option<String>,
}

/// One line of an alert's triage audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriageAuditEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// Who (the signed-in analyst).
    pub actor: String,
    /// What: `status`, `assign` or `comment`.
    pub action: String,
    /// The new value or the comment text.
    pub detail: String,
}

impl StateStore {
    /// Adds the dashboard's tables, generated columns and indexes if missing
    /// (idempotent; safe while another process writes alerts).
    pub fn ensure_triage_schema(&self) -> Result<(), StoreError> {
        self.with_tx(|tx| {
            tx.execute_batch(TRIAGE_SCHEMA)?;
            let have: Vec<String> = tx
                .prepare("SELECT name FROM pragma_table_xinfo('alerts')")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            for (name, expr) in ALERT_COLUMNS {
                if !have.iter().any(|h| h == name) {
                    tx.execute_batch(&format!(
                        "ALTER TABLE alerts ADD COLUMN {name} TEXT GENERATED ALWAYS AS ({expr}) VIRTUAL"
                    ))?;
                }
            }
            tx.execute_batch(ALERT_INDEXES)?;
            super::rollup_batch::ensure(tx)
        })
    }

    /// The triage state of `alert_id` (open when never triaged).
    pub fn triage_state(&self, alert_id: &str) -> Result<TriageState, StoreError> {
        let conn = self.lock();
        let row = conn
            .query_row(
                "SELECT status, reason, assignee, updated_at, updated_by FROM triage WHERE alert_id = ?1",
                params![alert_id],
                |r| {
                    Ok(TriageState {
                        status: TriageStatus::from_row(
                            &r.get::<_, String>(0)?,
                            r.get::<_, Option<String>>(1)?.as_deref(),
                        ),
                        assignee: r.get(2)?,
                        updated_at: Some(from_ts(r.get(3)?)),
                        updated_by: Some(r.get(4)?),
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(row.unwrap_or_default())
    }

    /// Applies `change` to every stored alert in `alert_ids` as `actor`, in
    /// one transaction, with an audit entry per alert and field changed.
    /// Ids that are not stored alerts are ignored; returns how many alerts
    /// were changed (a change to the same value is not recorded).
    pub fn update_triage(
        &self,
        alert_ids: &[String],
        actor: &str,
        change: &TriageChange,
    ) -> Result<usize, StoreError> {
        let now = ts(Utc::now());
        self.with_tx(|tx| {
            let mut changed = 0;
            for id in alert_ids {
                let created: Option<i64> = tx
                    .prepare_cached("SELECT created_at FROM alerts WHERE id = ?1")?
                    .query_row(params![id], |r| r.get(0))
                    .optional()?;
                let Some(created) = created else {
                    continue;
                };
                let old: Option<(String, Option<String>, Option<String>)> = tx
                    .prepare_cached("SELECT status, reason, assignee FROM triage WHERE alert_id = ?1")?
                    .query_row(params![id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .optional()?;
                let (old_status, old_assignee) = match &old {
                    Some((s, r, a)) => (TriageStatus::from_row(s, r.as_deref()), a.clone()),
                    None => (TriageStatus::Open, None),
                };
                let status = change.status.unwrap_or(old_status);
                let assignee = change.assignee.clone().unwrap_or(old_assignee.clone());
                let mut audit = Vec::new();
                if status != old_status {
                    audit.push(("status", status.to_string()));
                }
                if assignee != old_assignee {
                    audit.push(("assign", assignee.clone().unwrap_or_else(|| "(nobody)".into())));
                }
                if let Some(c) = change.comment.as_deref().filter(|c| !c.trim().is_empty()) {
                    audit.push(("comment", c.to_string()));
                }
                if audit.is_empty() {
                    continue;
                }
                tx.prepare_cached(
                    "INSERT INTO triage(alert_id, status, reason, assignee, updated_at, updated_by, alert_created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT(alert_id) DO UPDATE SET status = ?2, reason = ?3, assignee = ?4,
                     updated_at = ?5, updated_by = ?6",
                )?
                .execute(params![
                    id,
                    status.name(),
                    status.reason().map(CloseReason::as_str),
                    assignee,
                    now,
                    actor,
                    created
                ])?;
                for (action, detail) in audit {
                    tx.prepare_cached(
                        "INSERT INTO triage_audit(alert_id, at, actor, action, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
                    )?
                    .execute(params![id, now, actor, action, detail])?;
                }
                changed += 1;
            }
            Ok(changed)
        })
    }

    /// The audit trail of `alert_id`, oldest first.
    pub fn triage_audit(&self, alert_id: &str) -> Result<Vec<TriageAuditEntry>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare_cached(
                "SELECT at, actor, action, detail FROM triage_audit WHERE alert_id = ?1 ORDER BY id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![alert_id], |r| {
                Ok(TriageAuditEntry {
                    at: from_ts(r.get(0)?),
                    actor: r.get(1)?,
                    action: r.get(2)?,
                    detail: r.get(3)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Alerts closed as true (`true`) or false (`false`) positives: the
    /// labelled examples for `soc triage train`, oldest change first.
    pub fn triage_labels(&self) -> Result<Vec<(Alert, bool)>, StoreError> {
        let rows: Vec<(String, String)> = {
            let conn = self.lock();
            let mut stmt = conn
                .prepare(
                    "SELECT a.json, t.reason FROM triage t JOIN alerts a ON a.id = t.alert_id
                     WHERE t.status = 'closed' AND t.reason IN ('true_positive', 'false_positive')
                     ORDER BY t.updated_at, t.alert_id",
                )
                .map_err(|e| self.err(e))?;
            let it = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(|e| self.err(e))?;
            it.collect::<Result<_, _>>().map_err(|e| self.err(e))?
        };
        rows.into_iter()
            .map(|(json, reason)| {
                let alert = serde_json::from_str(&json).map_err(|e| self.corrupt("alert", e))?;
                Ok((alert, reason == "true_positive"))
            })
            .collect()
    }
}

#[cfg(test)]
#[path = "triage_tests.rs"]
mod tests;
