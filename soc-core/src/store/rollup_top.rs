//! Per-hour top lists of the overview's pivot dimensions (source, user,
//! host, ATT&CK technique), so that its top tables over any range read at
//! most [`PER_HOUR`] rows per hour and dimension, however many distinct
//! values the hours hold (a million alerts from a million sources too).
//!
//! A cache derived from the exact counts in `rollup_hour`: `rollup_top`
//! holds each hour's [`PER_HOUR`] largest values, `rollup_top_hour` the
//! hour's alert count when the lists were made and, per dimension, the
//! *floor*: the largest count of a value left out (0 when the list is
//! complete). An hour whose alert count in `hour_risk` has changed since is
//! recomputed when read; closed hours never change, so in practice only the
//! newest hour is.
//!
//! Merging the hours of a range gives each listed value a lower bound; a
//! value can have at most the sum of the hours' floors more. The best
//! candidates are then counted exactly (point lookups in `rollup_hour`),
//! and [`TopValues::bound`] says when a value not listed could still have
//! more alerts than the last one listed: the list is then approximate, with
//! that bound on its error.

use std::collections::HashMap;

use rusqlite::{params, Connection, Transaction};

use super::rollup::HOUR_MS;
use super::StateStore;
use crate::error::StoreError;

/// Values kept per hour and dimension.
pub const PER_HOUR: usize = 20;

/// The dimensions with top lists (a column `f_<dim>` each in `rollup_top_hour`).
pub const DIMS: [&str; 4] = ["src", "user", "host", "technique"];

/// A dimension's top values over a range.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopValues {
    /// `(value, exact count)`, largest first.
    pub values: Vec<(String, i64)>,
    /// `None`: these are exactly the largest values. `Some(n)`: a value not
    /// listed may have up to `n` alerts (more than the last one listed).
    pub bound: Option<i64>,
}

/// Recomputes the lists of `hour` from `rollup_hour`.
fn refresh_hour(tx: &Connection, hour: i64) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM rollup_top WHERE dim = ?1 AND hour = ?2")
        .and_then(|mut del| {
            for dim in DIMS {
                del.execute(params![dim, hour])?;
            }
            Ok(())
        })?;
    let mut floors = [0i64; 4];
    let mut read = tx.prepare_cached(
        "SELECT value, n FROM rollup_hour WHERE dim = ?1 AND hour = ?2 AND n > 0",
    )?;
    let mut put =
        tx.prepare_cached("INSERT INTO rollup_top(dim, hour, value, n) VALUES (?1, ?2, ?3, ?4)")?;
    for (dim, floor) in DIMS.iter().zip(floors.iter_mut()) {
        let mut rows: Vec<(String, i64)> = read
            .query_map(params![dim, hour], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        *floor = rows.get(PER_HOUR).map_or(0, |r| r.1);
        for (value, n) in rows.iter().take(PER_HOUR) {
            put.execute(params![dim, hour, value, n])?;
        }
    }
    tx.prepare_cached(
        "INSERT OR REPLACE INTO rollup_top_hour(hour, alerts, f_src, f_user, f_host, f_technique)
         VALUES (?1, (SELECT coalesce(sum(n), 0) FROM hour_risk WHERE hour = ?1), ?2, ?3, ?4, ?5)",
    )?
    .execute(params![hour, floors[0], floors[1], floors[2], floors[3]])?;
    Ok(())
}

/// Hours in `[first, end)` whose lists are missing or older than the hour's alerts.
fn stale_hours(conn: &Connection, (first, end): (i64, i64)) -> rusqlite::Result<Vec<i64>> {
    conn.prepare_cached(
        "SELECT r.hour FROM (SELECT hour, sum(n) AS n FROM hour_risk
             WHERE hour >= ?1 AND hour < ?2 GROUP BY hour) r
         LEFT JOIN rollup_top_hour t ON t.hour = r.hour WHERE t.alerts IS NOT r.n",
    )?
    .query_map(params![first, end], |r| r.get(0))?
    .collect()
}

/// Builds the lists of every hour (the rollup migration).
pub(crate) fn refresh_all(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    for hour in stale_hours(tx, (i64::MIN, i64::MAX))? {
        refresh_hour(tx, hour)?;
    }
    Ok(())
}

impl StateStore {
    /// The `limit` largest values of `dim` (one of [`DIMS`]) in whole hours
    /// `hours` plus the exact counts `edge` of the partial hours around them.
    pub(crate) fn top_values(
        &self,
        dim: &str,
        hours: (i64, i64),
        edge: HashMap<String, i64>,
        limit: usize,
    ) -> Result<TopValues, StoreError> {
        let rank = |v: &mut Vec<(String, i64)>| {
            v.retain(|(_, n)| *n > 0);
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        };
        let Some(col) = DIMS.iter().find(|d| **d == dim) else {
            return Ok(TopValues::default());
        };
        let mut conn = self.lock();
        let stale = stale_hours(&conn, hours).map_err(|e| self.err(e))?;
        if !stale.is_empty() {
            let tx = super::begin(&mut conn).map_err(|e| self.err(e))?;
            for h in stale {
                refresh_hour(&tx, h).map_err(|e| self.err(e))?;
            }
            tx.commit().map_err(|e| self.err(e))?;
        }
        let mut lower = edge.clone();
        let mut stmt = conn
            .prepare_cached(
                "SELECT value, sum(n) FROM rollup_top WHERE dim = ?1 AND hour >= ?2 AND hour < ?3 GROUP BY value",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![dim, hours.0, hours.1], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })
            .map_err(|e| self.err(e))?;
        for row in rows {
            let (v, n) = row.map_err(|e| self.err(e))?;
            *lower.entry(v).or_default() += n;
        }
        drop(stmt);
        let floor: i64 = conn
            .query_row(
                &format!("SELECT coalesce(sum(f_{col}), 0) FROM rollup_top_hour WHERE hour >= ?1 AND hour < ?2"),
                params![hours.0, hours.1],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        let mut ranked: Vec<(String, i64)> = lower.into_iter().collect();
        rank(&mut ranked);
        if floor == 0 {
            // Every hour's list is complete: the sums are exact.
            ranked.truncate(limit);
            return Ok(TopValues {
                values: ranked,
                bound: None,
            });
        }
        let rest = ranked.split_off(limit.min(ranked.len()));
        let unlisted = floor + rest.first().map_or(0, |r| r.1);
        let mut exact = conn
            .prepare_cached(
                "WITH RECURSIVE hs(h) AS (
                     SELECT max(?2, (SELECT min(hour) FROM hour_risk))
                     UNION ALL SELECT h + 1 FROM hs WHERE h + 1 < min(?3, (SELECT max(hour) + 1 FROM hour_risk)))
                 SELECT coalesce(sum(r.n), 0) FROM hs JOIN rollup_hour r
                     ON r.dim = ?1 AND r.hour = hs.h AND r.value = ?4 WHERE hs.h < ?3",
            )
            .map_err(|e| self.err(e))?;
        // Sources have a (src_ip, created_at) index on the alerts, users
        // their (usr, created_at) rows in `alert_user`.
        let indexed = match *col {
            "src" => Some("SELECT count(*) FROM alerts WHERE src_ip = ?1 AND created_at >= ?2 AND created_at < ?3"),
            "user" => Some("SELECT count(*) FROM alert_user WHERE usr = ?1 AND created_at >= ?2 AND created_at < ?3"),
            _ => None,
        };
        let mut by_index = match indexed {
            Some(sql) => Some(conn.prepare_cached(sql).map_err(|e| self.err(e))?),
            None => None,
        };
        let (from_ms, to_ms) = (
            hours.0.saturating_mul(HOUR_MS),
            hours.1.saturating_mul(HOUR_MS),
        );
        for (value, n) in &mut ranked {
            let whole: i64 = match &mut by_index {
                Some(s) => s.query_row(params![&*value, from_ms, to_ms], |r| r.get(0)),
                None => exact.query_row(params![dim, hours.0, hours.1, &*value], |r| r.get(0)),
            }
            .map_err(|e| self.err(e))?;
            *n = whole + edge.get(value.as_str()).copied().unwrap_or(0);
        }
        rank(&mut ranked);
        let last = if ranked.len() == limit {
            ranked.last().map_or(0, |r| r.1)
        } else {
            0
        };
        Ok(TopValues {
            values: ranked,
            bound: (unlisted > last).then_some(unlisted),
        })
    }
}
