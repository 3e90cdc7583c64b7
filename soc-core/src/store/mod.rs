//! The embedded state store: one SQLite file holding checkpoints, alerts,
//! the enrichment cache, active blocks, the action audit log, the
//! watch-list and run metrics.
//!
//! It lives at the crate root (not under `pipeline/`) because enrichers and
//! responders use it on their own too. Every write is a transaction, and the
//! database runs in WAL mode, so a `kill -9` loses no committed state.
//!
//! ```
//! use soc_core::StateStore;
//! let store = StateStore::in_memory().unwrap();
//! store.set_checkpoint("auth.log", "dev:1/ino:2", 42).unwrap();
//! assert_eq!(store.checkpoint("auth.log").unwrap(), Some(("dev:1/ino:2".to_string(), 42)));
//! ```

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::error::StoreError;
use crate::model::{ActionRecord, Alert};

mod audit;
pub mod bulk;
mod claim;
mod detector;
mod inbox;
mod lock;

pub use detector::put_detector_state;
pub use lock::WriterLock;
pub mod health;
pub mod overview;
pub mod queries;
pub mod rollup;
mod rollup_batch;
mod rollup_count;
pub mod rollup_top;
mod rollup_walk;
pub mod triage;
pub mod usage;
pub mod wal;

/// The page size of a store created from now on: 16 KiB instead of
/// SQLite's 4 KiB. A run's commits write alerts of 2-10 KB (overflow
/// chains of 4 KiB pages) and indexes on random ids; larger pages mean a
/// quarter of the WAL frames, page reads and checkpoint writes for the
/// same rows (1M-line benchmark: 197k `pwrite` and 109k `pread` calls to
/// 48k and 27k, ~0.5 s less system time). Only a new, empty file takes it: an existing store keeps
/// its own (SQLite cannot change it in WAL mode), and reads the same.
const NEW_PAGE_SIZE: i64 = 16 * 1024;

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS checkpoints (
    source TEXT PRIMARY KEY, identity TEXT NOT NULL, offset INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS enrich_cache (
    provider TEXT NOT NULL, kind TEXT NOT NULL, indicator TEXT NOT NULL, value TEXT NOT NULL,
    fetched_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
    PRIMARY KEY (provider, kind, indicator));
CREATE TABLE IF NOT EXISTS alerts (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, src_ip TEXT, first_seen INTEGER, last_seen INTEGER,
    risk_level TEXT, score REAL, json TEXT NOT NULL, score_json TEXT,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS alerts_created ON alerts(created_at);
CREATE TABLE IF NOT EXISTS actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, responder TEXT NOT NULL,
    action TEXT NOT NULL, target TEXT NOT NULL, alert_id TEXT NOT NULL, mode TEXT NOT NULL,
    status TEXT NOT NULL, json TEXT NOT NULL, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS actions_key ON actions(key, at);
CREATE TABLE IF NOT EXISTS blocks (
    ip TEXT NOT NULL, backend TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER,
    reason TEXT NOT NULL, PRIMARY KEY (ip, backend));
CREATE TABLE IF NOT EXISTS watchlist (
    value TEXT PRIMARY KEY, kind TEXT NOT NULL, reason TEXT NOT NULL,
    added_at INTEGER NOT NULL, last_seen INTEGER NOT NULL, hits INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, started_at INTEGER NOT NULL, finished_at INTEGER NOT NULL,
    json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS action_claims (key TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS detector_state (
    detector TEXT NOT NULL, key TEXT NOT NULL, state TEXT NOT NULL,
    PRIMARY KEY (detector, key));
"#;

/// An active (or expired, not yet removed) firewall block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockEntry {
    /// The blocked address or network.
    pub ip: String,
    /// Firewall backend (`nftables`, `ipset`, `iptables`).
    pub backend: String,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// When it expires (`None`: permanent).
    pub expires_at: Option<DateTime<Utc>>,
    /// Why (alert id or operator note).
    pub reason: String,
}

/// A watch-list entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchEntry {
    /// The watched value (address, domain, user...).
    pub value: String,
    /// Its kind.
    pub kind: String,
    /// Why it is watched.
    pub reason: String,
    /// First added.
    pub added_at: DateTime<Utc>,
    /// Last time it was seen again.
    pub last_seen: DateTime<Utc>,
    /// How many times it was added/seen.
    pub hits: u64,
}

/// A stored alert with its triage result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredAlert {
    /// The alert.
    pub alert: Alert,
    /// Its score, if it was scored.
    pub score: Option<crate::model::Score>,
    /// When it was first stored.
    pub created_at: DateTime<Utc>,
}

/// The SQLite state store. Cheap to share behind an `Arc`; all methods take `&self`.
pub struct StateStore {
    conn: Mutex<Connection>,
    path: String,
    /// Dry-run action records waiting for the next batch commit (see
    /// [`StateStore::defer_dry_run_actions`]); `None`: write at once.
    deferred: Mutex<Option<Vec<DeferredAction>>>,
}

/// A dry-run action record waiting for its batch's commit.
struct DeferredAction {
    key: String,
    record: ActionRecord,
    json: String,
}

impl std::fmt::Debug for StateStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateStore")
            .field("path", &self.path)
            .finish()
    }
}

pub(crate) fn ts(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn from_ts(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// Begins a transaction on `conn`: `IMMEDIATE` (the write lock taken at
/// once, waiting for it in the busy handler) on a writable store, so a
/// transaction that reads before it writes cannot fail with "database is
/// locked" (`SQLITE_BUSY_SNAPSHOT`) when another connection commits or
/// restarts the WAL in between; `DEFERRED` on a read-only one.
pub(crate) fn begin(conn: &mut Connection) -> rusqlite::Result<rusqlite::Transaction<'_>> {
    let behavior = if conn.is_readonly(rusqlite::MAIN_DB)? {
        rusqlite::TransactionBehavior::Deferred
    } else {
        rusqlite::TransactionBehavior::Immediate
    };
    conn.transaction_with_behavior(behavior)
}

impl StateStore {
    /// Opens (creating if needed) the store at `path`, creating parent folders.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        if let Some(parent) = path.parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(|e| StoreError::Sqlite {
                    path: name.clone(),
                    source: rusqlite::Error::ToSqlConversionFailure(Box::new(e)),
                })?;
            }
        }
        let conn = Connection::open(path).map_err(|source| StoreError::Sqlite {
            path: name.clone(),
            source,
        })?;
        Self::init(conn, name)
    }

    /// Opens an existing store for reading only (`soc status`, `soc report`
    /// on a state file the user may only read): nothing is created or
    /// written, not even the schema or pragmas. A WAL store whose folder is
    /// not writable (no `-shm` file can be made) is read as immutable.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        use rusqlite::OpenFlags;
        let path = path.as_ref();
        let name = path.display().to_string();
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let open = |target: &str| {
            let conn = Connection::open_with_flags(target, flags)?;
            conn.busy_timeout(std::time::Duration::from_secs(10))?;
            // Reading the schema proves the file can be read here.
            conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                r.get::<_, i64>(0)
            })?;
            Ok(conn)
        };
        let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let base = url::Url::from_file_path(&abs)
            .map(String::from)
            .unwrap_or_else(|()| format!("file:{}", abs.display()));
        let uri = |extra: &str| format!("{base}?mode=ro{extra}");
        let conn = open(&uri(""))
            .or_else(|_: rusqlite::Error| open(&uri("&immutable=1")))
            .map_err(|source| StoreError::Sqlite {
                path: name.clone(),
                source,
            })?;
        Ok(StateStore {
            conn: Mutex::new(conn),
            path: name,
            deferred: Mutex::new(None),
        })
    }

    /// An in-memory store (tests, `--no-cache` runs).
    pub fn in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Sqlite {
            path: ":memory:".into(),
            source,
        })?;
        Self::init(conn, ":memory:".into())
    }

    fn init(conn: Connection, path: String) -> Result<Self, StoreError> {
        let wrap = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(wrap)?;
        if path != ":memory:" {
            // Only a new, empty file takes it (see `NEW_PAGE_SIZE`).
            conn.pragma_update(None, "page_size", NEW_PAGE_SIZE)
                .map_err(wrap)?;
            conn.pragma_update(None, "journal_mode", "WAL")
                .map_err(wrap)?;
            conn.pragma_update(None, "synchronous", "NORMAL")
                .map_err(wrap)?;
            conn.pragma_update(
                None,
                "wal_autocheckpoint",
                wal::auto_checkpoint_pages(&conn),
            )
            .map_err(wrap)?;
        }
        conn.execute_batch(SCHEMA).map_err(wrap)?;
        conn.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', '1')",
            [],
        )
        .map_err(wrap)?;
        Ok(StateStore {
            conn: Mutex::new(conn),
            path,
            deferred: Mutex::new(None),
        })
    }

    /// The database path (`:memory:` for in-memory stores).
    pub fn path(&self) -> PathBuf {
        PathBuf::from(&self.path)
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent
        // (transactions roll back), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn corrupt(&self, what: &str, e: impl std::fmt::Display) -> StoreError {
        StoreError::Corrupt {
            path: self.path.clone(),
            what: what.to_string(),
            reason: e.to_string(),
        }
    }

    /// Runs `f` inside one transaction: all its writes commit together or not at all.
    pub fn with_tx<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let mut conn = self.lock();
        let tx = begin(&mut conn).map_err(|e| self.err(e))?;
        let out = f(&tx).map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(out)
    }

    // ---- checkpoints -------------------------------------------------------

    /// The checkpoint `(file identity, offset)` of `source`.
    pub fn checkpoint(&self, source: &str) -> Result<Option<(String, u64)>, StoreError> {
        let conn = self.lock();
        conn.query_row(
            "SELECT identity, offset FROM checkpoints WHERE source = ?1",
            params![source],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)),
        )
        .optional()
        .map_err(|e| self.err(e))
    }

    /// Sets the checkpoint of `source`.
    pub fn set_checkpoint(
        &self,
        source: &str,
        identity: &str,
        offset: u64,
    ) -> Result<(), StoreError> {
        self.with_tx(|tx| put_checkpoint(tx, source, identity, offset))
    }

    // ---- enrichment cache --------------------------------------------------

    /// A cached JSON value for `(provider, kind, indicator)` that has not expired at `now`.
    pub fn cache_get(
        &self,
        provider: &str,
        kind: &str,
        indicator: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError> {
        let conn = self.lock();
        conn.query_row(
            "SELECT value FROM enrich_cache WHERE provider=?1 AND kind=?2 AND indicator=?3 AND expires_at > ?4",
            params![provider, kind, indicator, ts(now)],
            |r| r.get::<_, String>(0),
        )
        .optional()
        .map_err(|e| self.err(e))
    }

    /// Stores a JSON value in the cache until `expires_at`.
    pub fn cache_put(
        &self,
        provider: &str,
        kind: &str,
        indicator: &str,
        value: &str,
        fetched_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.with_tx(|tx| {
            tx.prepare_cached("INSERT OR REPLACE INTO enrich_cache(provider, kind, indicator, value, fetched_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?.execute(params![provider, kind, indicator, value, ts(fetched_at), ts(expires_at)],
            )
            .map(|_| ())
        })
    }

    /// Removes expired cache entries; returns how many.
    pub fn cache_purge(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        self.with_tx(|tx| {
            tx.prepare_cached("DELETE FROM enrich_cache WHERE expires_at <= ?1")?
                .execute(params![ts(now)])
        })
    }

    // ---- alerts ------------------------------------------------------------

    /// Inserts or updates an alert (keyed by its stable id) with its score.
    /// Returns `true` when the alert is new.
    pub fn save_alert(
        &self,
        alert: &Alert,
        score: Option<&crate::model::Score>,
    ) -> Result<bool, StoreError> {
        let json = serde_json::to_string(alert).map_err(|e| self.corrupt("alert", e))?;
        let score_json = score
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| self.corrupt("score", e))?;
        self.with_tx(|tx| put_alert(tx, alert, &json, score, score_json.as_deref()))
    }

    /// Alerts first stored at or after `since`, oldest first.
    pub fn alerts_since(&self, since: DateTime<Utc>) -> Result<Vec<StoredAlert>, StoreError> {
        let rows: Vec<(String, Option<String>, i64)> = {
            let conn = self.lock();
            let mut stmt = conn
                .prepare("SELECT json, score_json, created_at FROM alerts WHERE created_at >= ?1 ORDER BY created_at, id")
                .map_err(|e| self.err(e))?;
            let it = stmt
                .query_map(params![ts(since)], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .map_err(|e| self.err(e))?;
            it.collect::<Result<_, _>>().map_err(|e| self.err(e))?
        };
        rows.into_iter()
            .map(|(json, score, created)| self.stored_alert(&json, score.as_deref(), created))
            .collect()
    }

    /// A stored alert from its row: the alert JSON, the score JSON and the
    /// creation time in milliseconds.
    pub(crate) fn stored_alert(
        &self,
        json: &str,
        score: Option<&str>,
        created_ms: i64,
    ) -> Result<StoredAlert, StoreError> {
        Ok(StoredAlert {
            alert: serde_json::from_str(json).map_err(|e| self.corrupt("alert", e))?,
            score: score
                .map(serde_json::from_str)
                .transpose()
                .map_err(|e| self.corrupt("score", e))?,
            created_at: from_ts(created_ms),
        })
    }
}

/// Writes a checkpoint inside a transaction (for use in [`StateStore::with_tx`]).
pub fn put_checkpoint(
    tx: &rusqlite::Transaction<'_>,
    source: &str,
    identity: &str,
    offset: u64,
) -> rusqlite::Result<()> {
    tx.prepare_cached("INSERT OR REPLACE INTO checkpoints(source, identity, offset, updated_at) VALUES (?1, ?2, ?3, ?4)")?.execute(params![source, identity, offset as i64, ts(Utc::now())],
    )
    .map(|_| ())
}

/// Writes an alert inside a transaction; `true` when new.
pub fn put_alert(
    tx: &rusqlite::Transaction<'_>,
    alert: &Alert,
    json: &str,
    score: Option<&crate::model::Score>,
    score_json: Option<&str>,
) -> rusqlite::Result<bool> {
    let now = ts(Utc::now());
    let existed: bool = tx
        .prepare_cached("SELECT 1 FROM alerts WHERE id = ?1")?
        .query_row(params![alert.id], |_| Ok(()))
        .optional()?
        .is_some();
    tx.prepare_cached("INSERT INTO alerts(id, kind, src_ip, first_seen, last_seen, risk_level, score, json, score_json, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)
         ON CONFLICT(id) DO UPDATE SET last_seen = ?5, risk_level = ?6, score = ?7, json = ?8, score_json = ?9, updated_at = ?10")?.execute(params![
            alert.id,
            alert.kind,
            alert.src_ip.map(|i| i.to_string()),
            alert.first_seen.map(ts),
            alert.last_seen.map(ts),
            score.map(|s| s.level.as_str()),
            score.map(|s| s.value),
            json,
            score_json,
            now
        ],
    )?;
    Ok(!existed)
}

/// Appends an action inside a transaction.
pub fn put_action(
    tx: &rusqlite::Transaction<'_>,
    key: &str,
    record: &ActionRecord,
    json: &str,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO actions(key, responder, action, target, alert_id, mode, status, json, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        key,
        record.responder,
        record.action,
        record.target,
        record.alert_id,
        record.mode.to_string(),
        record.outcome.status(),
        json,
        ts(record.at)
    ])
    .map(|_| ())
}

#[cfg(test)]
mod tests;
