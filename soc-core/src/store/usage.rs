//! Enrichment provider usage shared by every run and process on one state
//! file: lookups per UTC day against the provider's daily quota, lookups
//! per minute (so a per-minute limit survives a restart within the minute),
//! lookups refused for want of quota, and provider errors by kind and day.
//!
//! Cron may start `soc` every minute: each run takes its slots here, in one
//! SQLite statement each, so two processes sharing a state file never
//! exceed the quota between them.
//!
//! ```
//! use chrono::Utc;
//! use soc_core::StateStore;
//! let store = StateStore::in_memory().unwrap();
//! let today = Utc::now().date_naive();
//! assert!(store.take_daily_slot("virustotal", today, Some(2)).unwrap());
//! assert!(store.take_daily_slot("virustotal", today, Some(2)).unwrap());
//! assert!(!store.take_daily_slot("virustotal", today, Some(2)).unwrap());
//! let usage = store.provider_usage(today).unwrap();
//! assert_eq!((usage[0].used, usage[0].left(), usage[0].refused), (2, Some(0), 1));
//! ```

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

use super::StateStore;
use crate::error::{EnrichError, StoreError};

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS provider_usage (
    provider TEXT NOT NULL, day TEXT NOT NULL, used INTEGER NOT NULL, refused INTEGER NOT NULL,
    quota INTEGER, PRIMARY KEY (provider, day)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS provider_minute (
    provider TEXT NOT NULL, minute INTEGER NOT NULL, used INTEGER NOT NULL,
    PRIMARY KEY (provider, minute)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS provider_errors (
    provider TEXT NOT NULL, day TEXT NOT NULL, kind TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (provider, day, kind)) WITHOUT ROWID;
"#;

/// One provider's usage on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderUsage {
    /// Provider name.
    pub provider: String,
    /// Lookups sent that day (by every run on this state file).
    pub used: u64,
    /// Lookups refused because the quota was spent.
    pub refused: u64,
    /// The daily quota in force at the last lookup (`None`: unlimited).
    pub quota: Option<u64>,
    /// Errors by kind (`auth`, `rate_limited`, `server`, `timeout`, ...).
    pub errors: BTreeMap<String, u64>,
}

impl ProviderUsage {
    /// Lookups left today, when there is a quota.
    pub fn left(&self) -> Option<u64> {
        self.quota.map(|q| q.saturating_sub(self.used))
    }
}

/// The kind under which a provider error is counted: `auth` (401/403),
/// `rate_limited` (429), `server` (5xx), `http` (other statuses),
/// `timeout`, `transport` or `other`.
pub fn error_kind(e: &EnrichError) -> &'static str {
    match e {
        EnrichError::Auth { .. } => "auth",
        EnrichError::RateLimited { .. } => "rate_limited",
        EnrichError::Api { status, .. } if *status >= 500 => "server",
        EnrichError::Api { .. } => "http",
        EnrichError::Timeout { .. } => "timeout",
        EnrichError::Transport { .. } => "transport",
        _ => "other",
    }
}

fn ensure(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(SCHEMA)
}

impl StateStore {
    /// Takes one lookup of `provider` on `day` if its daily `quota` allows
    /// (`None`: unlimited, only counted). `false` (counted as refused) when
    /// the quota is spent. Atomic across processes.
    pub fn take_daily_slot(
        &self,
        provider: &str,
        day: NaiveDate,
        quota: Option<u32>,
    ) -> Result<bool, StoreError> {
        let conn = self.lock();
        ensure(&conn).map_err(|e| self.err(e))?;
        let day = day.to_string();
        let taken = conn
            .prepare_cached(
                "INSERT INTO provider_usage(provider, day, used, refused, quota) VALUES (?1, ?2, 1, 0, ?3)
                 ON CONFLICT(provider, day) DO UPDATE SET used = used + 1, quota = excluded.quota
                 WHERE excluded.quota IS NULL OR used < excluded.quota",
            )
            .and_then(|mut s| s.execute(params![provider, day, quota.filter(|q| *q > 0)]))
            .map_err(|e| self.err(e))?
            > 0;
        if !taken {
            conn.prepare_cached(
                "UPDATE provider_usage SET refused = refused + 1 WHERE provider = ?1 AND day = ?2",
            )
            .and_then(|mut s| s.execute(params![provider, day]))
            .map_err(|e| self.err(e))?;
        }
        Ok(taken)
    }

    /// Takes one lookup of `provider` in `minute` (minutes since the epoch)
    /// if fewer than `per_min` were taken in it; atomic across processes.
    pub fn take_minute_slot(
        &self,
        provider: &str,
        minute: i64,
        per_min: u32,
    ) -> Result<bool, StoreError> {
        let conn = self.lock();
        ensure(&conn).map_err(|e| self.err(e))?;
        let taken = conn
            .prepare_cached(
                "INSERT INTO provider_minute(provider, minute, used) VALUES (?1, ?2, 1)
                 ON CONFLICT(provider, minute) DO UPDATE SET used = used + 1 WHERE used < ?3",
            )
            .and_then(|mut s| s.execute(params![provider, minute, per_min]))
            .map_err(|e| self.err(e))?
            > 0;
        // Old minutes are of no use: keep the table to the last hour.
        conn.prepare_cached("DELETE FROM provider_minute WHERE provider = ?1 AND minute < ?2")
            .and_then(|mut s| s.execute(params![provider, minute - 60]))
            .map_err(|e| self.err(e))?;
        Ok(taken)
    }

    /// Counts one error of `kind` (see [`error_kind`]) for `provider` on `day`.
    pub fn record_provider_error(
        &self,
        provider: &str,
        day: NaiveDate,
        kind: &str,
    ) -> Result<(), StoreError> {
        let conn = self.lock();
        ensure(&conn).map_err(|e| self.err(e))?;
        conn.prepare_cached(
            "INSERT INTO provider_errors(provider, day, kind, n) VALUES (?1, ?2, ?3, 1)
             ON CONFLICT(provider, day, kind) DO UPDATE SET n = n + 1",
        )
        .and_then(|mut s| s.execute(params![provider, day.to_string(), kind]))
        .map(|_| ())
        .map_err(|e| self.err(e))
    }

    /// Every provider's usage and errors on `day`, by provider name. Empty
    /// on a store no enrichment ever used (nothing is created).
    pub fn provider_usage(&self, day: NaiveDate) -> Result<Vec<ProviderUsage>, StoreError> {
        let conn = self.lock();
        let exists: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name IN ('provider_usage', 'provider_errors')",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        if exists < 2 {
            return Ok(Vec::new());
        }
        let day = day.to_string();
        let mut out: BTreeMap<String, ProviderUsage> = BTreeMap::new();
        let blank = |provider: &str| ProviderUsage {
            provider: provider.to_string(),
            used: 0,
            refused: 0,
            quota: None,
            errors: BTreeMap::new(),
        };
        let mut stmt = conn
            .prepare_cached(
                "SELECT provider, used, refused, quota FROM provider_usage WHERE day = ?1",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query(params![day]).map_err(|e| self.err(e))?;
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let p: String = r.get(0).map_err(|e| self.err(e))?;
            let u = out.entry(p.clone()).or_insert_with(|| blank(&p));
            u.used = r.get::<_, i64>(1).map_err(|e| self.err(e))?.max(0) as u64;
            u.refused = r.get::<_, i64>(2).map_err(|e| self.err(e))?.max(0) as u64;
            u.quota = r
                .get::<_, Option<i64>>(3)
                .map_err(|e| self.err(e))?
                .map(|q| q.max(0) as u64);
        }
        let mut stmt = conn
            .prepare_cached("SELECT provider, kind, n FROM provider_errors WHERE day = ?1")
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query(params![day]).map_err(|e| self.err(e))?;
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let p: String = r.get(0).map_err(|e| self.err(e))?;
            let kind: String = r.get(1).map_err(|e| self.err(e))?;
            let n = r.get::<_, i64>(2).map_err(|e| self.err(e))?.max(0) as u64;
            out.entry(p.clone())
                .or_insert_with(|| blank(&p))
                .errors
                .insert(kind, n);
        }
        Ok(out.into_values().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn two_stores_on_one_file_share_the_quota_and_the_minute() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let (a, b) = (
            StateStore::open(&path).unwrap(),
            StateStore::open(&path).unwrap(),
        );
        let today = Utc::now().date_naive();
        let mut granted = 0;
        for i in 0..10 {
            let s = if i % 2 == 0 { &a } else { &b };
            granted += usize::from(s.take_daily_slot("abuseipdb", today, Some(7)).unwrap());
        }
        assert_eq!(granted, 7);
        let u = &b.provider_usage(today).unwrap()[0];
        assert_eq!((u.used, u.refused, u.left()), (7, 3, Some(0)));
        // A new day starts afresh.
        let tomorrow = today.succ_opt().unwrap();
        assert!(a.take_daily_slot("abuseipdb", tomorrow, Some(7)).unwrap());
        // The minute window is shared too.
        assert!(a.take_minute_slot("abuseipdb", 100, 2).unwrap());
        assert!(b.take_minute_slot("abuseipdb", 100, 2).unwrap());
        assert!(!a.take_minute_slot("abuseipdb", 100, 2).unwrap());
        assert!(a.take_minute_slot("abuseipdb", 101, 2).unwrap());
    }

    #[test]
    fn errors_are_counted_by_provider_kind_and_day() {
        let s = StateStore::in_memory().unwrap();
        let today = Utc::now().date_naive();
        assert!(s.provider_usage(today).unwrap().is_empty());
        let e = EnrichError::Api {
            provider: "virustotal".into(),
            status: 503,
            body: String::new(),
        };
        s.record_provider_error("virustotal", today, error_kind(&e))
            .unwrap();
        s.record_provider_error("virustotal", today, error_kind(&e))
            .unwrap();
        s.record_provider_error("virustotal", today, "auth")
            .unwrap();
        let u = &s.provider_usage(today).unwrap()[0];
        assert_eq!(u.errors.get("server"), Some(&2));
        assert_eq!(u.errors.get("auth"), Some(&1));
        assert_eq!((u.used, u.quota), (0, None));
    }
}
