//! Pipeline additions to the [`StateStore`]: alerts waiting for their
//! actions (crash recovery), episode continuation look-ups, and the counts
//! `soc status` shows.
//!
//! An alert is marked *pending* in the same transaction that stores it and
//! its batch's checkpoints; the mark is cleared once its actions ran. A run
//! that was killed in between finds the mark on restart and runs the actions
//! then; the response engine's idempotency keys make that safe to repeat.
//!
//! ```
//! use soc_core::StateStore;
//! use soc_core::pipeline::state::put_pending;
//! let store = StateStore::in_memory().unwrap();
//! store.pipeline_init().unwrap();
//! store.with_tx(|tx| put_pending(tx, "abc")).unwrap();
//! assert_eq!(store.pending_alert_ids().unwrap(), vec!["abc".to_string()]);
//! store.clear_pending(&["abc".to_string()]).unwrap();
//! assert!(store.pending_alert_ids().unwrap().is_empty());
//! ```

use std::collections::BTreeMap;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use crate::error::StoreError;
use crate::store::{StateStore, StoredAlert};

const PIPELINE_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS pipeline_pending (
    alert_id TEXT PRIMARY KEY, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS alerts_kind_src ON alerts(kind, src_ip, last_seen);";

/// Marks an alert as waiting for its actions (inside a transaction).
pub fn put_pending(tx: &rusqlite::Transaction<'_>, alert_id: &str) -> rusqlite::Result<()> {
    tx.prepare_cached("INSERT OR REPLACE INTO pipeline_pending(alert_id, at) VALUES (?1, ?2)")?
        .execute(params![alert_id, Utc::now().timestamp_millis()])
        .map(|_| ())
}

/// A checkpoint as stored, for `soc status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckpointInfo {
    /// The source key.
    pub source: String,
    /// File identity (or window end for remote sources).
    pub identity: String,
    /// Byte offset.
    pub offset: u64,
    /// When it was written.
    pub updated_at: DateTime<Utc>,
}

/// The part of a stored alert that continuing its episode needs (see
/// [`StateStore::latest_episode`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredEpisode {
    pub id: String,
    pub count: u64,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
}

/// What the store holds, counted.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StoreCounts {
    /// Stored alerts.
    pub alerts: u64,
    /// Stored alerts by risk level (`unscored` when not scored).
    pub alerts_by_risk: BTreeMap<String, u64>,
    /// Audited actions by outcome.
    pub actions_by_status: BTreeMap<String, u64>,
    /// Blocks recorded and not expired.
    pub active_blocks: u64,
    /// Watch-list entries.
    pub watchlist: u64,
    /// Alerts whose actions are still pending.
    pub pending: u64,
    /// Checkpoints.
    pub checkpoints: Vec<CheckpointInfo>,
}

fn decode(
    store: &StateStore,
    json: &str,
    score: Option<String>,
    created: i64,
) -> Result<StoredAlert, StoreError> {
    let corrupt = |what: &str, e: serde_json::Error| StoreError::Corrupt {
        path: store.path().display().to_string(),
        what: what.to_string(),
        reason: e.to_string(),
    };
    Ok(StoredAlert {
        alert: serde_json::from_str(json).map_err(|e| corrupt("alert", e))?,
        score: score
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(|e| corrupt("score", e))?,
        created_at: crate::store::from_ts(created),
    })
}

impl StateStore {
    /// Creates the pipeline's own tables if needed.
    pub fn pipeline_init(&self) -> Result<(), StoreError> {
        self.with_tx(|tx| tx.execute_batch(PIPELINE_SCHEMA))
    }

    /// Ids of alerts whose actions have not run yet (oldest first).
    pub fn pending_alert_ids(&self) -> Result<Vec<String>, StoreError> {
        self.with_tx(|tx| {
            let mut stmt =
                tx.prepare("SELECT alert_id FROM pipeline_pending ORDER BY at, alert_id")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect()
        })
    }

    /// Clears the pending marks of `ids`, writing the deferred dry-run
    /// action records of their actions in the same transaction.
    pub fn clear_pending(&self, ids: &[String]) -> Result<(), StoreError> {
        self.with_tx(|tx| {
            self.write_deferred_actions(tx)?;
            for id in ids {
                tx.prepare_cached("DELETE FROM pipeline_pending WHERE alert_id = ?1")?
                    .execute(params![id])?;
            }
            Ok(())
        })
    }

    /// The stored alert with `id`.
    pub fn alert_by_id(&self, id: &str) -> Result<Option<StoredAlert>, StoreError> {
        let row: Option<(String, Option<String>, i64)> = self.with_tx(|tx| {
            tx.prepare_cached("SELECT json, score_json, created_at FROM alerts WHERE id = ?1")?
                .query_row(params![id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()
        })?;
        row.map(|(j, s, c)| decode(self, &j, s, c)).transpose()
    }

    /// The most recent stored alert of `kind` from `src_ip` (by last evidence).
    pub fn latest_alert(
        &self,
        kind: &str,
        src_ip: IpAddr,
    ) -> Result<Option<StoredAlert>, StoreError> {
        let row: Option<(String, Option<String>, i64)> = self.with_tx(|tx| {
            tx.prepare_cached(
                "SELECT json, score_json, created_at FROM alerts WHERE kind = ?1 AND src_ip = ?2
                 ORDER BY last_seen DESC LIMIT 1",
            )?
            .query_row(params![kind, src_ip.to_string()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()
        })?;
        row.map(|(j, s, c)| decode(self, &j, s, c)).transpose()
    }

    /// What continuing the most recent stored alert of `kind` from `src_ip`
    /// needs (its id, count, first and last evidence), read from the row
    /// without decoding the whole alert.
    pub(crate) fn latest_episode(
        &self,
        kind: &str,
        src_ip: IpAddr,
    ) -> Result<Option<StoredEpisode>, StoreError> {
        type Row = (String, Option<i64>, Option<String>, Option<String>);
        let row: Option<Row> = {
            let conn = self.lock();
            conn.prepare_cached(
                "SELECT id, json_extract(json, '$.count'), json_extract(json, '$.first_seen'),
                        json_extract(json, '$.last_seen')
                 FROM alerts WHERE kind = ?1 AND src_ip = ?2 ORDER BY last_seen DESC LIMIT 1",
            )
            .and_then(|mut s| {
                s.query_row(params![kind, src_ip.to_string()], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })
                .optional()
            })
            .map_err(|e| self.err(e))?
        };
        let time = |t: Option<String>| -> Result<Option<DateTime<Utc>>, StoreError> {
            t.map(|t| {
                t.parse::<DateTime<Utc>>().map_err(|e| StoreError::Corrupt {
                    path: self.path().display().to_string(),
                    what: "alert".into(),
                    reason: format!("time '{t}': {e}"),
                })
            })
            .transpose()
        };
        row.map(|(id, count, first, last)| {
            Ok(StoredEpisode {
                id,
                count: count.unwrap_or(0).max(0) as u64,
                first_seen: time(first)?,
                last_seen: time(last)?,
            })
        })
        .transpose()
    }

    /// Whether an action under idempotency `key` was recorded with an
    /// outcome other than `failed`.
    pub fn has_action(&self, key: &str) -> Result<bool, StoreError> {
        self.with_tx(|tx| {
            tx.prepare_cached(
                "SELECT 1 FROM actions WHERE key = ?1 AND status != 'failed' LIMIT 1",
            )?
            .query_row(params![key], |_| Ok(()))
            .optional()
            .map(|o| o.is_some())
        })
    }

    /// Counts for `soc status`.
    pub fn counts(&self, now: DateTime<Utc>) -> Result<StoreCounts, StoreError> {
        let mut c = self.with_tx(|tx| {
            let mut c = StoreCounts::default();
            let mut stmt = tx.prepare(
                "SELECT COALESCE(risk_level, 'unscored'), COUNT(*) FROM alerts GROUP BY 1",
            )?;
            for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
                let (k, n) = row?;
                c.alerts += n as u64;
                c.alerts_by_risk.insert(k, n as u64);
            }
            let mut stmt = tx.prepare("SELECT status, COUNT(*) FROM actions GROUP BY status")?;
            for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
                let (k, n) = row?;
                c.actions_by_status.insert(k, n as u64);
            }
            c.watchlist = tx
                .prepare_cached("SELECT COUNT(*) FROM watchlist")?
                .query_row([], |r| r.get::<_, i64>(0))? as u64;
            c.pending = tx
                .prepare_cached("SELECT COUNT(*) FROM pipeline_pending")?
                .query_row([], |r| r.get::<_, i64>(0))? as u64;
            let mut stmt = tx.prepare(
                "SELECT source, identity, offset, updated_at FROM checkpoints ORDER BY source",
            )?;
            for row in stmt.query_map([], |r| {
                Ok(CheckpointInfo {
                    source: r.get(0)?,
                    identity: r.get(1)?,
                    offset: r.get::<_, i64>(2)? as u64,
                    updated_at: crate::store::from_ts(r.get(3)?),
                })
            })? {
                c.checkpoints.push(row?);
            }
            Ok(c)
        })?;
        c.active_blocks = self.active_blocks(now)?.len() as u64;
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Alert, Severity};

    #[test]
    fn latest_alert_and_counts() {
        let s = StateStore::in_memory().unwrap();
        s.pipeline_init().unwrap();
        let ip: IpAddr = "203.0.113.9".parse().unwrap();
        let mut a = Alert::new("ssh.brute_force", "k1", "t", Severity::High);
        a.src_ip = Some(ip);
        a.last_seen = Some(Utc::now());
        s.save_alert(&a, None).unwrap();
        let got = s.latest_alert("ssh.brute_force", ip).unwrap().unwrap();
        assert_eq!(got.alert.id, a.id);
        let ep = s.latest_episode("ssh.brute_force", ip).unwrap().unwrap();
        assert_eq!((ep.id, ep.count), (a.id.clone(), a.count));
        assert_eq!((ep.first_seen, ep.last_seen), (a.first_seen, a.last_seen));
        assert!(s.latest_episode("ssh.other", ip).unwrap().is_none());
        assert!(s.latest_alert("ssh.other", ip).unwrap().is_none());
        assert_eq!(s.alert_by_id(&a.id).unwrap().unwrap().alert, a);
        let c = s.counts(Utc::now()).unwrap();
        assert_eq!(c.alerts, 1);
        assert_eq!(c.alerts_by_risk["unscored"], 1);
        assert!(!s.has_action("x").unwrap());
    }
}
