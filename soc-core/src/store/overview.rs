//! The dashboard overview's aggregates over a time range: alerts over time
//! by risk level, top sources, users and hosts, ATT&CK techniques, actions
//! by responder and outcome, time to detect and to resolve per day, and
//! enrichment cache contents per provider.
//!
//! Whole hours are read from the hourly rollups ([`super::rollup`]), the
//! partial hours at the range's edges from the alert table.

use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use serde::{Deserialize, Serialize};

use std::collections::{BTreeMap, HashMap};

use super::rollup::{HourSplit, HOUR_MS};
use super::rollup_top::DIMS;
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
    /// Top lists that may be approximate (see [`super::rollup_top`]):
    /// `(dimension, most alerts a value not listed can have)`. Empty when
    /// every top list is exact.
    #[serde(default)]
    pub top_bounds: Counts,
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

const TOP: usize = 10;

/// Counts gathered from rollup hours and raw edges before ranking.
#[derive(Default)]
struct Tally {
    timeline: BTreeMap<(i64, String), i64>,
    dims: HashMap<String, HashMap<String, i64>>,
    /// Per UTC day number: (summed detection delay in ms, alerts).
    detect: BTreeMap<i64, (i64, i64)>,
}

impl Tally {
    fn add(&mut self, dim: &str, value: String, n: i64) {
        *self
            .dims
            .entry(dim.to_string())
            .or_default()
            .entry(value)
            .or_default() += n;
    }

    /// The `limit` largest non-zero counts of `dim`, largest first.
    fn top(&mut self, dim: &str, limit: usize) -> Counts {
        let mut v: Counts = self
            .dims
            .remove(dim)
            .unwrap_or_default()
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v.truncate(limit);
        v
    }
}

/// `YYYY-MM-DD` of a day number since the epoch.
fn day_label(day: i64) -> String {
    DateTime::<Utc>::from_timestamp(day * 86_400, 0)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

impl StateStore {
    /// Runs `sql` (ours, never user text) with `args`, handing each row to `each`.
    fn each_row(
        &self,
        sql: &str,
        args: &[Value],
        mut each: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<()>,
    ) -> Result<(), StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(sql).map_err(|e| self.err(e))?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(args.iter()))
            .map_err(|e| self.err(e))?;
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            each(r).map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// Adds the rollups of whole hours `[first, end)` to `t`.
    fn tally_hours(
        &self,
        (first, end): (i64, i64),
        bucket_ms: i64,
        t: &mut Tally,
    ) -> Result<(), StoreError> {
        let hours = [
            Value::Integer(first),
            Value::Integer(end),
            Value::Integer(bucket_ms),
        ];
        self.each_row(
            "SELECT (hour * 3600000 / ?3) * ?3, risk, sum(n) FROM hour_risk
             WHERE hour >= ?1 AND hour < ?2 GROUP BY 1, 2",
            &hours,
            |r| {
                *t.timeline.entry((r.get(0)?, r.get(1)?)).or_default() += r.get::<_, i64>(2)?;
                Ok(())
            },
        )?;
        self.each_row(
            "SELECT coalesce(sum(n_open), 0), coalesce(sum(n_ack), 0), coalesce(sum(n - n_open - n_ack), 0)
             FROM hour_risk WHERE hour >= ?1 AND hour < ?2",
            &hours[..2],
            |r| {
                for (i, status) in ["open", "acknowledged", "closed"].into_iter().enumerate() {
                    t.add("status", status.to_string(), r.get(i)?);
                }
                Ok(())
            },
        )?;
        self.each_row(
            "SELECT hour / 24, sum(detect_ms), sum(n) FROM hour_risk
             WHERE hour >= ?1 AND hour < ?2 GROUP BY 1",
            &hours[..2],
            |r| {
                let e = t.detect.entry(r.get(0)?).or_default();
                e.0 += r.get::<_, i64>(1)?;
                e.1 += r.get::<_, i64>(2)?;
                Ok(())
            },
        )
    }

    /// Adds the raw alerts stored in `[since, until)` (ms) to `t`.
    fn tally_raw(
        &self,
        (since, until): (i64, i64),
        bucket_ms: i64,
        t: &mut Tally,
    ) -> Result<(), StoreError> {
        let range = [
            Value::Integer(since),
            Value::Integer(until),
            Value::Integer(bucket_ms),
        ];
        let within = "FROM alerts a WHERE a.created_at >= ?1 AND a.created_at < ?2";
        self.each_row(
            &format!("SELECT (a.created_at / ?3) * ?3, coalesce(a.risk_level, 'unscored'), count(*) {within} GROUP BY 1, 2"),
            &range,
            |r| {
                *t.timeline.entry((r.get(0)?, r.get(1)?)).or_default() += r.get::<_, i64>(2)?;
                Ok(())
            },
        )?;
        let by = |dim: &str, expr: &str| {
            format!("SELECT '{dim}', {expr}, count(*) {within} AND {expr} IS NOT NULL GROUP BY 2")
        };
        let sql = [
            by("src", "a.src_ip"),
            by("user", "a.v_user"),
            by("host", "a.v_host"),
            "SELECT 'technique', (j.value ->> '$.technique_id') || coalesce(' ' || (j.value ->> '$.technique_name'), ''), count(*)
             FROM alerts a, json_each(a.v_attack) j WHERE a.created_at >= ?1 AND a.created_at < ?2 GROUP BY 2"
                .to_string(),
            "SELECT 'status', coalesce(t.status, 'open'), count(*) FROM alerts a LEFT JOIN triage t ON t.alert_id = a.id
             WHERE a.created_at >= ?1 AND a.created_at < ?2 GROUP BY 2"
                .to_string(),
        ]
        .join(" UNION ALL ");
        self.each_row(&sql, &range[..2], |r| {
            t.add(&r.get::<_, String>(0)?, r.get(1)?, r.get(2)?);
            Ok(())
        })?;
        self.each_row(
            &format!("SELECT a.created_at / 86400000, sum(max(a.created_at - coalesce(a.first_seen, a.created_at), 0)), count(*) {within} GROUP BY 1"),
            &range[..2],
            |r| {
                let e = t.detect.entry(r.get(0)?).or_default();
                e.0 += r.get::<_, i64>(1)?;
                e.1 += r.get::<_, i64>(2)?;
                Ok(())
            },
        )
    }

    /// The overview of alerts stored in `[since, until)`, the timeline in
    /// buckets of `bucket_secs` seconds. Whole hours come from the rollups
    /// (see [`super::rollup`]), the partial hours at the edges from the
    /// alert table; timelines finer than an hour read only the alert table.
    pub fn overview(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        bucket_secs: i64,
    ) -> Result<Overview, StoreError> {
        self.catch_up_rollups()?;
        self.overview_from(since, until, bucket_secs, true)
    }

    /// [`overview`](Self::overview), from the alert table alone unless `rollups`.
    pub(super) fn overview_from(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        bucket_secs: i64,
        rollups: bool,
    ) -> Result<Overview, StoreError> {
        let range = [Value::Integer(ts(since)), Value::Integer(ts(until))];
        let bucket_ms = bucket_secs.max(60) * 1000;
        let split = if rollups && bucket_ms % HOUR_MS == 0 {
            HourSplit::new(since, until)
        } else {
            HourSplit {
                hours: (0, 0),
                edges: vec![(ts(since), ts(until))],
            }
        };
        let mut t = Tally::default();
        if split.has_hours() {
            self.tally_hours(split.hours, bucket_ms, &mut t)?;
        }
        for edge in &split.edges {
            self.tally_raw(*edge, bucket_ms, &mut t)?;
        }
        let timeline: Vec<(i64, String, i64)> = t
            .timeline
            .iter()
            .filter(|(_, n)| **n != 0)
            .map(|((b, l), n)| (*b, l.clone(), *n))
            .collect();
        // Alerts by risk level: the timeline's buckets added up.
        let mut risk: BTreeMap<&str, i64> = Default::default();
        for (_, level, n) in &timeline {
            *risk.entry(level.as_str()).or_default() += n;
        }
        let mut by_risk: Counts = risk.into_iter().map(|(l, n)| (l.to_string(), n)).collect();
        by_risk.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let mttd_by_day = t
            .detect
            .iter()
            .filter(|(_, (_, n))| *n > 0)
            .map(|(day, (ms, n))| (day_label(*day), ms / n / 1000))
            .collect();
        let day = |col: &str| format!("strftime('%Y-%m-%d', {col} / 1000, 'unixepoch')");
        let mut top_bounds = Counts::new();
        let mut tops = Vec::with_capacity(DIMS.len());
        for dim in DIMS {
            if split.has_hours() {
                let edge = t.dims.remove(dim).unwrap_or_default();
                let top = self.top_values(dim, split.hours, edge, TOP)?;
                if let Some(b) = top.bound {
                    top_bounds.push((dim.to_string(), b));
                }
                tops.push(top.values);
            } else {
                tops.push(t.top(dim, TOP));
            }
        }
        let [top_sources, top_users, top_hosts, techniques]: [Counts; 4] =
            tops.try_into().unwrap_or_default();
        Ok(Overview {
            alerts: by_risk.iter().map(|(_, n)| n).sum(),
            timeline,
            by_risk,
            top_sources,
            top_users,
            top_hosts,
            techniques,
            top_bounds,
            by_status: t.top("status", usize::MAX),
            actions: self.pairs(
                "SELECT responder || ' / ' || status, count(*) FROM actions
                 WHERE at >= ?1 AND at < ?2 GROUP BY 1 ORDER BY 2 DESC, 1",
                &range,
            )?,
            mttd_by_day,
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
