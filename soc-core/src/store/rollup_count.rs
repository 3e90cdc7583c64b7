//! The inbox sorted by count over long ranges, exact, without grouping
//! every row of the range in SQL.
//!
//! A group's count in a range is known for every group from one of two
//! narrow scans, whichever reads fewer rows:
//!
//! * **inside**: the `(grp, count)` of every `inbox_hour` row of the
//!   range's whole hours, summed per group in a dense vector;
//! * **complement**: every group's all-time count from `inbox_total`, less
//!   the `inbox_hour` rows before and after the range's whole hours (a range
//!   that covers nearly all alerts reads a few hours and one row per group).
//!
//! The partial hours at the range's edges come from the alert table. Then
//! only the groups of the page (after its cursor, `(count, group)` larger
//! first) are aggregated in full, through the `(grp, hour)` index or one
//! `inbox_total` row. Group and alert totals stay exact.

use std::collections::HashMap;

use rusqlite::{params_from_iter, types::Value, Connection};

use super::inbox::{after_cursor, group_hours, hour_where, key_desc, Agg, GroupId, HourWhere};
use super::queries::{InboxPage, InboxQuery};
use super::rollup::HourSplit;
use super::StateStore;
use crate::error::StoreError;

/// Above this many group ids the counts do not fit a dense vector: the
/// caller groups in SQL instead.
const DENSE_GROUPS: i64 = 50_000_000;

/// Adds (`sign` 1) or subtracts (-1) the `(group, count)` rows of `sql`.
fn add_counts(
    conn: &Connection,
    sql: &str,
    args: &[Value],
    sign: i64,
    counts: &mut [i64],
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params_from_iter(args.iter()))?;
    while let Some(r) = rows.next()? {
        let g: i64 = r.get(0)?;
        let n: i64 = r.get(1)?;
        if let Some(c) = usize::try_from(g).ok().and_then(|g| counts.get_mut(g)) {
            *c += sign * n;
        }
    }
    Ok(())
}

/// Every group's count over the whole hours `[first, end)` of `q`.
fn hour_counts(
    conn: &Connection,
    w: &HourWhere,
    (first, end): (i64, i64),
    complement: bool,
    counts: &mut [i64],
) -> rusqlite::Result<()> {
    let join = if w.cond.iter().any(|c| c.contains("g.")) {
        "CROSS JOIN alert_group g ON g.id = h.grp"
    } else {
        ""
    };
    let cond = w.cond.join(" AND ");
    let rows = |table: &str, span: &str| {
        format!(
            "SELECT h.grp, {} FROM {table} h {join} WHERE {cond}{span}",
            w.count
        )
    };
    let with = |extra: &[i64]| -> Vec<Value> {
        (w.args.iter().cloned())
            .chain(extra.iter().map(|v| Value::Integer(*v)))
            .collect()
    };
    if !complement {
        let sql = rows("inbox_hour", " AND h.hour >= ? AND h.hour < ?");
        return add_counts(conn, &sql, &with(&[first, end]), 1, counts);
    }
    add_counts(conn, &rows("inbox_total", ""), &with(&[]), 1, counts)?;
    let before = rows("inbox_hour", " AND h.hour < ?");
    add_counts(conn, &before, &with(&[first]), -1, counts)?;
    let after = rows("inbox_hour", " AND h.hour >= ?");
    add_counts(conn, &after, &with(&[end]), -1, counts)
}

impl StateStore {
    /// One inbox page sorted by count (see the module docs); `None` when
    /// the ids do not fit a dense vector or the query matches nothing.
    pub(super) fn inbox_by_count(
        &self,
        q: &InboxQuery,
        split: &HourSplit,
    ) -> Result<Option<InboxPage>, StoreError> {
        let inside = self.hour_alerts(split.hours)?;
        let all = self.hour_alerts((i64::MIN / 4, i64::MAX / 4))?;
        let groups: i64 = (self.lock())
            .query_row("SELECT count(*) FROM alert_group", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        self.inbox_by_count_from(q, split, all - inside + groups < inside)
    }

    /// [`inbox_by_count`](Self::inbox_by_count) from the range's rows or
    /// from the totals less the rows outside it (`complement`).
    pub(super) fn inbox_by_count_from(
        &self,
        q: &InboxQuery,
        split: &HourSplit,
        complement: bool,
    ) -> Result<Option<InboxPage>, StoreError> {
        let Some(w) = hour_where(q) else {
            return Ok(None);
        };
        let mut edges: HashMap<GroupId, Agg> = HashMap::new();
        for edge in &split.edges {
            self.inbox_raw_range(q, *edge, &mut edges)?;
        }
        let conn = self.lock();
        let max_id: i64 = conn
            .query_row("SELECT coalesce(max(id), 0) FROM alert_group", [], |r| {
                r.get(0)
            })
            .map_err(|e| self.err(e))?;
        if max_id > DENSE_GROUPS {
            return Ok(None);
        }
        let mut counts = vec![0i64; max_id as usize + 1];
        hour_counts(&conn, &w, split.hours, complement, &mut counts).map_err(|e| self.err(e))?;
        for (g, a) in &edges {
            if let Some(c) = usize::try_from(*g).ok().and_then(|g| counts.get_mut(g)) {
                *c += a.n;
            }
        }
        let per_page = q.per_page.clamp(1, 500) as usize;
        let skip = if q.after.is_some() {
            0
        } else {
            (q.page as usize).saturating_mul(per_page)
        };
        let (mut total_groups, mut total_alerts) = (0u64, 0u64);
        let mut keyed: Vec<((f64, i64), GroupId)> = Vec::new();
        for (g, &n) in counts.iter().enumerate().filter(|(_, n)| **n > 0) {
            total_groups += 1;
            total_alerts += n as u64;
            let k = (n as f64, g as i64);
            if after_cursor(q, k) {
                keyed.push((k, g as i64));
            }
        }
        let need = skip.saturating_add(per_page).saturating_add(1);
        if keyed.len() > need {
            keyed.select_nth_unstable_by(need - 1, |a, b| key_desc(&a.0, &b.0));
            keyed.truncate(need);
        }
        keyed.sort_by(|a, b| key_desc(&a.0, &b.0));
        let mut ordered = Vec::with_capacity(keyed.len());
        for (i, ((n, _), g)) in keyed.into_iter().enumerate() {
            // Only the groups shown (and the last one's key) need their aggregate.
            let mut a = if i >= skip {
                group_hours(&conn, q, split.hours, g, true).map_err(|e| self.err(e))?
            } else {
                Agg::default()
            };
            if let Some(e) = edges.get(&g).filter(|_| i >= skip) {
                a.merge(e);
            }
            a.n = n as i64;
            ordered.push((g, a));
        }
        drop(conn);
        let (groups, next) = self.page_of(ordered, q)?;
        Ok(Some(InboxPage {
            groups,
            total_groups,
            total_alerts,
            groups_exact: true,
            alerts_exact: true,
            next,
        }))
    }
}

#[cfg(test)]
#[path = "rollup_count_tests.rs"]
mod tests;
