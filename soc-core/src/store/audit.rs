//! The response side of the store: the action audit log (with idempotency
//! keys), active firewall blocks, the watch-list and run metrics.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{from_ts, put_action, ts, BlockEntry, DeferredAction, StateStore, WatchEntry};
use crate::error::StoreError;
use crate::model::{ActionRecord, Mode};

impl StateStore {
    // ---- actions (audit log and idempotency) --------------------------------

    /// Appends an action to the audit log under an idempotency `key`
    /// (typically `responder|target|alert kind`).
    pub fn record_action(&self, key: &str, record: &ActionRecord) -> Result<(), StoreError> {
        let json = serde_json::to_string(record).map_err(|e| self.corrupt("action", e))?;
        if record.mode == Mode::DryRun {
            let mut d = self.deferred.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(buf) = d.as_mut() {
                buf.push(DeferredAction {
                    key: key.to_string(),
                    record: record.clone(),
                    json,
                });
                return Ok(());
            }
        }
        self.with_tx(|tx| put_action(tx, key, record, &json))
    }

    /// While on, dry-run action records are kept in memory and written by
    /// the next [`write_deferred_actions`](Self::write_deferred_actions)
    /// (the pipeline does it in the transaction that clears the batch's
    /// pending marks, so a crash before it re-runs the dry-run actions of
    /// those alerts: nothing is lost or recorded twice). One commit per
    /// batch instead of one per record. Live records are always written at
    /// once. Turning it off drops what is still buffered: records of alerts
    /// whose pending marks were not cleared, whose actions the next run
    /// re-runs (and records then).
    pub fn defer_dry_run_actions(&self, on: bool) {
        let mut d = self.deferred.lock().unwrap_or_else(|p| p.into_inner());
        match (on, d.is_some()) {
            (true, false) => *d = Some(Vec::new()),
            (false, _) => *d = None,
            _ => {}
        }
    }

    /// Writes the deferred dry-run records inside `tx`.
    pub fn write_deferred_actions(&self, tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
        let buf = {
            let mut d = self.deferred.lock().unwrap_or_else(|p| p.into_inner());
            d.as_mut().map(std::mem::take).unwrap_or_default()
        };
        for a in &buf {
            put_action(tx, &a.key, &a.record, &a.json)?;
        }
        Ok(())
    }

    /// When an action with `key` last succeeded for real (status `done`), if ever.
    pub fn last_done(&self, key: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        let conn = self.lock();
        conn.prepare_cached("SELECT MAX(at) FROM actions WHERE key = ?1 AND status = 'done'")
            .and_then(|mut s| s.query_row(params![key], |r| r.get::<_, Option<i64>>(0)))
            .map(|v| v.map(from_ts))
            .map_err(|e| self.err(e))
    }

    /// Actions recorded at or after `since`, oldest first.
    pub fn actions_since(&self, since: DateTime<Utc>) -> Result<Vec<ActionRecord>, StoreError> {
        let rows: Vec<String> = {
            let conn = self.lock();
            let mut stmt = conn
                .prepare("SELECT json FROM actions WHERE at >= ?1 ORDER BY id")
                .map_err(|e| self.err(e))?;
            let it = stmt
                .query_map(params![ts(since)], |r| r.get(0))
                .map_err(|e| self.err(e))?;
            it.collect::<Result<_, _>>().map_err(|e| self.err(e))?
        };
        rows.iter()
            .map(|j| serde_json::from_str(j).map_err(|e| self.corrupt("action", e)))
            .collect()
    }

    // ---- blocks ------------------------------------------------------------

    /// Records (or refreshes) an active block.
    pub fn add_block(&self, entry: &BlockEntry) -> Result<(), StoreError> {
        self.with_tx(|tx| {
            tx.prepare_cached("INSERT OR REPLACE INTO blocks(ip, backend, created_at, expires_at, reason) VALUES (?1, ?2, ?3, ?4, ?5)")?.execute(params![entry.ip, entry.backend, ts(entry.created_at), entry.expires_at.map(ts), entry.reason],
            )
            .map(|_| ())
        })
    }

    /// Forgets a block; returns whether there was one.
    pub fn remove_block(&self, ip: &str, backend: &str) -> Result<bool, StoreError> {
        self.with_tx(|tx| {
            tx.prepare_cached("DELETE FROM blocks WHERE ip = ?1 AND backend = ?2")?
                .execute(params![ip, backend])
        })
        .map(|n| n > 0)
    }

    /// All recorded blocks (active and expired), oldest first.
    pub fn blocks(&self) -> Result<Vec<BlockEntry>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare("SELECT ip, backend, created_at, expires_at, reason FROM blocks ORDER BY created_at, ip")
            .map_err(|e| self.err(e))?;
        let it = stmt
            .query_map([], |r| {
                Ok(BlockEntry {
                    ip: r.get(0)?,
                    backend: r.get(1)?,
                    created_at: from_ts(r.get(2)?),
                    expires_at: r.get::<_, Option<i64>>(3)?.map(from_ts),
                    reason: r.get(4)?,
                })
            })
            .map_err(|e| self.err(e))?;
        it.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Blocks still active at `now`.
    pub fn active_blocks(&self, now: DateTime<Utc>) -> Result<Vec<BlockEntry>, StoreError> {
        Ok(self
            .blocks()?
            .into_iter()
            .filter(|b| b.expires_at.is_none_or(|e| e > now))
            .collect())
    }

    /// Blocks expired at `now` (to be removed from the firewall).
    pub fn expired_blocks(&self, now: DateTime<Utc>) -> Result<Vec<BlockEntry>, StoreError> {
        Ok(self
            .blocks()?
            .into_iter()
            .filter(|b| b.expires_at.is_some_and(|e| e <= now))
            .collect())
    }

    // ---- watch-list ----------------------------------------------------------

    /// Adds `value` to the watch-list, or counts another hit if it is there.
    pub fn watch(&self, value: &str, kind: &str, reason: &str) -> Result<(), StoreError> {
        let now = ts(Utc::now());
        self.with_tx(|tx| {
            tx.prepare_cached("INSERT INTO watchlist(value, kind, reason, added_at, last_seen, hits) VALUES (?1, ?2, ?3, ?4, ?4, 1)
                 ON CONFLICT(value) DO UPDATE SET last_seen = ?4, hits = hits + 1, reason = ?3")?.execute(params![value, kind, reason, now],
            )
            .map(|_| ())
        })
    }

    /// The watch-list, most recently seen first.
    pub fn watchlist(&self) -> Result<Vec<WatchEntry>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare("SELECT value, kind, reason, added_at, last_seen, hits FROM watchlist ORDER BY last_seen DESC, value")
            .map_err(|e| self.err(e))?;
        let it = stmt
            .query_map([], |r| {
                Ok(WatchEntry {
                    value: r.get(0)?,
                    kind: r.get(1)?,
                    reason: r.get(2)?,
                    added_at: from_ts(r.get(3)?),
                    last_seen: from_ts(r.get(4)?),
                    hits: r.get::<_, i64>(5)? as u64,
                })
            })
            .map_err(|e| self.err(e))?;
        it.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    // ---- run metrics ---------------------------------------------------------

    /// Records one run's metrics (any JSON value).
    pub fn record_run(
        &self,
        started_at: DateTime<Utc>,
        finished_at: DateTime<Utc>,
        metrics: &serde_json::Value,
    ) -> Result<(), StoreError> {
        let json = metrics.to_string();
        self.with_tx(|tx| {
            tx.prepare_cached(
                "INSERT INTO runs(started_at, finished_at, json) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![ts(started_at), ts(finished_at), json])
            .map(|_| ())
        })
    }

    /// All recorded runs' metrics, oldest first.
    pub fn runs(&self) -> Result<Vec<serde_json::Value>, StoreError> {
        let rows: Vec<String> = {
            let conn = self.lock();
            let mut stmt = conn
                .prepare("SELECT json FROM runs ORDER BY id")
                .map_err(|e| self.err(e))?;
            let it = stmt.query_map([], |r| r.get(0)).map_err(|e| self.err(e))?;
            it.collect::<Result<_, _>>().map_err(|e| self.err(e))?
        };
        rows.iter()
            .map(|j| serde_json::from_str(j).map_err(|e| self.corrupt("run", e)))
            .collect()
    }
}
