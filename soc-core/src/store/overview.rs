//! The dashboard overview's aggregates over a time range: alerts over time
//! by risk level, top sources, users and hosts, ATT&CK techniques, actions
//! by responder and outcome, time to detect and to resolve per day, and
//! enrichment cache contents per provider.
//!
//! Each is one `GROUP BY` over the range, answered from the covering index
//! `alerts_range` (see [`StateStore::ensure_triage_schema`]).

use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use serde::{Deserialize, Serialize};

use super::{ts, StateStore};
use crate::error::StoreError;

/// `(label, count)` rows, largest first.
pub type Counts = Vec<(String, i64)>;

/// The overview of one time range.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    /// Alerts stored in the range.
    pub alerts: i64,
    /// `(bucket start in ms, risk level or "unscored", count)`, by bucket.
    pub timeline: Vec<(i64, String, i64)>,
    /// Alerts by risk level.
    pub by_risk: Counts,
    /// Top source addresses.
    pub top_sources: Counts,
    /// Top targeted users.
    pub top_users: Counts,
    /// Top hosts the alerts are about.
    pub top_hosts: Counts,
    /// ATT&CK techniques (`T1110.001 Password Guessing`).
    pub techniques: Counts,
    /// Actions as `responder / outcome`.
    pub actions: Counts,
    /// Mean time to detect per day (`YYYY-MM-DD`, seconds): evidence start to stored.
    pub mttd_by_day: Counts,
    /// Mean time to resolve per day (seconds): stored to closed by an analyst.
    pub mttr_by_day: Counts,
    /// Triage status counts (`open`, `acknowledged`, `closed`).
    pub by_status: Counts,
    /// Fresh enrichment cache entries per provider.
    pub cache_by_provider: Counts,
}

/// A source's checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The source (its path for files).
    pub source: String,
    /// The file identity (device and inode).
    pub identity: String,
    /// Bytes read.
    pub offset: u64,
    /// When it last moved.
    pub updated_at: DateTime<Utc>,
}

const TOP: i64 = 10;

impl StateStore {
    /// The overview of alerts stored in `[since, until)`, the timeline in
    /// buckets of `bucket_secs` seconds.
    pub fn overview(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        bucket_secs: i64,
    ) -> Result<Overview, StoreError> {
        let range = [Value::Integer(ts(since)), Value::Integer(ts(until))];
        let top = |col: &str| {
            self.pairs(
                &format!(
                    "SELECT {col}, count(*) FROM alerts INDEXED BY alerts_range WHERE created_at >= ?1 AND created_at < ?2
                     AND {col} IS NOT NULL GROUP BY {col} ORDER BY 2 DESC, 1 LIMIT {TOP}"
                ),
                &range,
            )
        };
        let bucket_ms = bucket_secs.max(60) * 1000;
        let timeline = {
            let conn = self.lock();
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT (created_at / {bucket_ms}) * {bucket_ms}, coalesce(risk_level, 'unscored'), count(*)
                     FROM alerts INDEXED BY alerts_range WHERE created_at >= ?1 AND created_at < ?2 GROUP BY 1, 2 ORDER BY 1, 2"
                ))
                .map_err(|e| self.err(e))?;
            let rows = stmt
                .query_map(rusqlite::params_from_iter(range.iter()), |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                })
                .map_err(|e| self.err(e))?;
            rows.collect::<Result<Vec<_>, _>>()
                .map_err(|e| self.err(e))?
        };
        // Alerts by risk level: the timeline's buckets added up (one scan less).
        let mut risk: std::collections::BTreeMap<&str, i64> = Default::default();
        for (_, level, n) in &timeline {
            *risk.entry(level.as_str()).or_default() += n;
        }
        let mut by_risk: Counts = risk.into_iter().map(|(l, n)| (l.to_string(), n)).collect();
        by_risk.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let day = |col: &str| format!("strftime('%Y-%m-%d', {col} / 1000, 'unixepoch')");
        Ok(Overview {
            alerts: by_risk.iter().map(|(_, n)| n).sum(),
            timeline,
            by_risk,
            top_sources: top("src_ip")?,
            top_users: top("v_user")?,
            top_hosts: top("v_host")?,
            techniques: self.pairs(
                &format!(
                    "SELECT (j.value ->> '$.technique_id') || coalesce(' ' || (j.value ->> '$.technique_name'), ''), count(*)
                     FROM alerts a INDEXED BY alerts_range, json_each(a.v_attack) j
                     WHERE a.created_at >= ?1 AND a.created_at < ?2 GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {TOP}"
                ),
                &range,
            )?,
            actions: self.pairs(
                "SELECT responder || ' / ' || status, count(*) FROM actions
                 WHERE at >= ?1 AND at < ?2 GROUP BY 1 ORDER BY 2 DESC, 1",
                &range,
            )?,
            mttd_by_day: self.pairs(
                &format!(
                    "SELECT {}, CAST(avg(max(created_at - coalesce(first_seen, created_at), 0)) / 1000 AS INTEGER)
                     FROM alerts INDEXED BY alerts_range WHERE created_at >= ?1 AND created_at < ?2 GROUP BY 1 ORDER BY 1",
                    day("created_at")
                ),
                &range,
            )?,
            mttr_by_day: self.pairs(
                &format!(
                    "SELECT {}, CAST(avg(max(t.updated_at - t.alert_created_at, 0)) / 1000 AS INTEGER)
                     FROM triage t
                     WHERE t.status = 'closed' AND t.updated_at >= ?1 AND t.updated_at < ?2
                     GROUP BY 1 ORDER BY 1",
                    day("t.updated_at")
                ),
                &range,
            )?,
            by_status: self.pairs(
                "SELECT coalesce(t.status, 'open'), count(*) FROM alerts a INDEXED BY alerts_range
                 LEFT JOIN triage t ON t.alert_id = a.id
                 WHERE a.created_at >= ?1 AND a.created_at < ?2 GROUP BY 1 ORDER BY 2 DESC",
                &range,
            )?,
            cache_by_provider: self.pairs(
                "SELECT provider, count(*) FROM enrich_cache WHERE expires_at > ?1 GROUP BY 1 ORDER BY 2 DESC",
                &[Value::Integer(ts(Utc::now()))],
            )?,
        })
    }

    /// Every source's checkpoint.
    pub fn checkpoints(&self) -> Result<Vec<Checkpoint>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare_cached(
                "SELECT source, identity, offset, updated_at FROM checkpoints ORDER BY source",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Checkpoint {
                    source: r.get(0)?,
                    identity: r.get(1)?,
                    offset: r.get::<_, i64>(2)?.max(0) as u64,
                    updated_at: super::from_ts(r.get(3)?),
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The metrics of runs that overlap `[since, until)`, oldest first.
    pub fn runs_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<serde_json::Value>, StoreError> {
        let rows: Vec<String> = {
            let conn = self.lock();
            let mut stmt = conn
                .prepare_cached(
                    "SELECT json FROM runs WHERE finished_at >= ?1 AND started_at < ?2 ORDER BY id",
                )
                .map_err(|e| self.err(e))?;
            let it = stmt
                .query_map([ts(since), ts(until)], |r| r.get(0))
                .map_err(|e| self.err(e))?;
            it.collect::<Result<_, _>>().map_err(|e| self.err(e))?
        };
        rows.iter()
            .map(|j| serde_json::from_str(j).map_err(|e| self.corrupt("run", e)))
            .collect()
    }

    /// The metrics of the last `limit` runs, newest first.
    pub fn recent_runs(&self, limit: u32) -> Result<Vec<serde_json::Value>, StoreError> {
        let rows: Vec<String> = {
            let conn = self.lock();
            let mut stmt = conn
                .prepare_cached("SELECT json FROM runs ORDER BY id DESC LIMIT ?1")
                .map_err(|e| self.err(e))?;
            let it = stmt
                .query_map([limit], |r| r.get(0))
                .map_err(|e| self.err(e))?;
            it.collect::<Result<_, _>>().map_err(|e| self.err(e))?
        };
        rows.iter()
            .map(|j| serde_json::from_str(j).map_err(|e| self.corrupt("run", e)))
            .collect()
    }
}
