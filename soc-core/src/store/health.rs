//! Pipeline health per source, summed over every run: records read,
//! parsed, skipped (no parser wanted them) and malformed, source errors,
//! the checkpoint position the run ended at, and the last run's time and
//! status. The runner records it once per run (next to the run's metrics);
//! the dashboard's health page reads it.
//!
//! A run that stops on a fatal error is recorded too, with the counters it
//! reached, status `failed` and the error ([`StateStore::record_failed_run`]).
//!
//! A run's counters are kept per run, not per source: a run over one
//! source adds them to that source; a run over several adds its totals to
//! each of them and says so in [`SourceHealth::shared_runs`].
//!
//! ```
//! use soc_core::store::health::{RunCounters, SourceRun};
//! use soc_core::StateStore;
//! let store = StateStore::in_memory().unwrap();
//! let run = RunCounters { records: 10, malformed: 1, skipped: 4, source_errors: 0 };
//! let src = SourceRun { name: "/var/log/auth.log".into(), position: Some(2048) };
//! store.record_source_health(&[src.clone()], &run, "ok").unwrap();
//! store.record_source_health(&[src], &run, "ok").unwrap();
//! let h = &store.source_health().unwrap()[0];
//! assert_eq!((h.runs, h.records, h.parsed, h.position), (2, 20, 10, Some(2048)));
//! store.record_failed_run(&[h.source.clone().into()], &run, "database is locked").unwrap();
//! let h = &store.source_health().unwrap()[0];
//! assert_eq!((h.runs, h.failed_runs, h.last_status.as_str()), (3, 1, "failed"));
//! assert_eq!(h.last_error.as_deref(), Some("database is locked"));
//! ```

use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::{from_ts, ts, StateStore};
use crate::error::StoreError;

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS source_health (
    source TEXT PRIMARY KEY, runs INTEGER NOT NULL, shared_runs INTEGER NOT NULL,
    records INTEGER NOT NULL, malformed INTEGER NOT NULL, skipped INTEGER NOT NULL,
    source_errors INTEGER NOT NULL, position INTEGER, last_run_at INTEGER NOT NULL,
    last_status TEXT NOT NULL, failed_runs INTEGER NOT NULL DEFAULT 0, last_error TEXT)";

/// Columns added after the table's first release (`ALTER TABLE` on older stores).
const ADDED: [(&str, &str); 2] = [
    ("failed_runs", "INTEGER NOT NULL DEFAULT 0"),
    ("last_error", "TEXT"),
];

/// One run's record counters (the run's totals over its sources).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunCounters {
    /// Records read.
    pub records: u64,
    /// Records that could not be read as their format (counted, not fatal).
    pub malformed: u64,
    /// Records no parser wanted (non-sshd syslog lines, ...).
    pub skipped: u64,
    /// Source errors (I/O, remote) that did not stop the run.
    pub source_errors: u64,
}

/// A source as a run left it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRun {
    /// Its name (a path for files).
    pub name: String,
    /// Its checkpoint position at the end of the run (bytes for files).
    pub position: Option<u64>,
}

/// A source's health over every run recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceHealth {
    /// The source (its path for files).
    pub source: String,
    /// Runs that read it.
    pub runs: u64,
    /// Of those, runs over several sources (their counters are run totals).
    pub shared_runs: u64,
    /// Records read, all runs.
    pub records: u64,
    /// Records parsed (read, not malformed, not skipped).
    pub parsed: u64,
    /// Records skipped.
    pub skipped: u64,
    /// Malformed records.
    pub malformed: u64,
    /// Source errors.
    pub source_errors: u64,
    /// Checkpoint position after the last run.
    pub position: Option<u64>,
    /// When the last run finished.
    pub last_run_at: DateTime<Utc>,
    /// Its status (`ok`, `with errors`, `failed`: stopped by a fatal error).
    pub last_status: String,
    /// Runs that stopped on a fatal error.
    pub failed_runs: u64,
    /// The fatal error that stopped the last run, if it did.
    pub last_error: Option<String>,
}

impl From<String> for SourceRun {
    /// A source without a checkpoint position.
    fn from(name: String) -> SourceRun {
        SourceRun {
            name,
            position: None,
        }
    }
}

/// The names of `source_health`'s columns (empty: no table yet).
fn columns(conn: &rusqlite::Connection) -> rusqlite::Result<Vec<String>> {
    conn.prepare("SELECT name FROM pragma_table_info('source_health')")?
        .query_map([], |r| r.get(0))?
        .collect()
}

impl StateStore {
    /// Adds one finished run to the health of each of its `sources`.
    pub fn record_source_health(
        &self,
        sources: &[SourceRun],
        run: &RunCounters,
        status: &str,
    ) -> Result<(), StoreError> {
        self.record_health(sources, run, status, None)
    }

    /// Adds a run that stopped on the fatal `error` (status `failed`), with
    /// the counters and positions it reached, to each of its `sources`.
    pub fn record_failed_run(
        &self,
        sources: &[SourceRun],
        run: &RunCounters,
        error: &str,
    ) -> Result<(), StoreError> {
        self.record_health(sources, run, "failed", Some(error))
    }

    fn record_health(
        &self,
        sources: &[SourceRun],
        run: &RunCounters,
        status: &str,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let shared = i64::from(sources.len() > 1);
        let now = ts(Utc::now());
        self.with_tx(|tx| {
            tx.execute_batch(SCHEMA)?;
            let have = columns(tx)?;
            for (name, decl) in ADDED {
                if !have.iter().any(|c| c == name) {
                    tx.execute_batch(&format!("ALTER TABLE source_health ADD COLUMN {name} {decl}"))?;
                }
            }
            let mut put = tx.prepare_cached(
                "INSERT INTO source_health(source, runs, shared_runs, records, malformed, skipped,
                     source_errors, position, last_run_at, last_status, failed_runs, last_error)
                 VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT(source) DO UPDATE SET runs = runs + 1,
                     shared_runs = shared_runs + excluded.shared_runs,
                     records = records + excluded.records, malformed = malformed + excluded.malformed,
                     skipped = skipped + excluded.skipped,
                     source_errors = source_errors + excluded.source_errors,
                     position = coalesce(excluded.position, position),
                     last_run_at = excluded.last_run_at, last_status = excluded.last_status,
                     failed_runs = failed_runs + excluded.failed_runs, last_error = excluded.last_error",
            )?;
            for s in sources {
                put.execute(params![
                    s.name,
                    shared,
                    run.records as i64,
                    run.malformed as i64,
                    run.skipped as i64,
                    run.source_errors as i64,
                    s.position.map(|p| p as i64),
                    now,
                    status,
                    i64::from(error.is_some()),
                    error,
                ])?;
            }
            Ok(())
        })
    }

    /// Every source's health, by name (empty before the first run).
    pub fn source_health(&self) -> Result<Vec<SourceHealth>, StoreError> {
        let conn = self.lock();
        let have = columns(&conn).map_err(|e| self.err(e))?;
        if have.is_empty() {
            return Ok(Vec::new());
        }
        // A store written before the failure columns reads them as none.
        let added = if have.iter().any(|c| c == "last_error") {
            "failed_runs, last_error"
        } else {
            "0, NULL"
        };
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT source, runs, shared_runs, records, malformed, skipped, source_errors,
                        position, last_run_at, last_status, {added} FROM source_health ORDER BY source"
            ))
            .map_err(|e| self.err(e))?;
        let n = |v: i64| v.max(0) as u64;
        let rows = stmt
            .query_map([], |r| {
                let (records, malformed, skipped) = (n(r.get(3)?), n(r.get(4)?), n(r.get(5)?));
                Ok(SourceHealth {
                    source: r.get(0)?,
                    runs: n(r.get(1)?),
                    shared_runs: n(r.get(2)?),
                    records,
                    parsed: records.saturating_sub(malformed + skipped),
                    skipped,
                    malformed,
                    source_errors: n(r.get(6)?),
                    position: r.get::<_, Option<i64>>(7)?.map(n),
                    last_run_at: from_ts(r.get(8)?),
                    last_status: r.get(9)?,
                    failed_runs: n(r.get(10)?),
                    last_error: r.get(11)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }
}
