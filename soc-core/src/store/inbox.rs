//! The inbox from the rollups: whole hours from `inbox_hour` (one row per
//! hour, group and risk level; see [`super::rollup`]), the partial hours at
//! the range's edges from the alert table, merged, sorted and paged.
//!
//! Counts are exact. With a status filter, a group's first/last seen and
//! highest score cover all its alerts of the hours it matched in (of all of
//! the range, for a group and risk level whose alerts all lie in it),
//! whatever their status.
//!
//! Groups are ordered by a key that is a maximum over the group's rows
//! (last seen, highest score, count, or the negated first seen) with the
//! group id as tie-break (see [`InboxCursor`]), so the order is the same
//! whether a group is read from rollup hours, raw alerts or both, and a
//! page starts right after the cursor it is given.

use std::collections::HashMap;

use rusqlite::{params_from_iter, types::Value, Connection};

use super::queries::{
    inbox_where, AlertGroup, InboxCursor, InboxPage, InboxQuery, InboxSort, RISK_RANK,
};
use super::rollup::HourSplit;
use super::{from_ts, ts, StateStore};
use crate::error::StoreError;

/// A group's id in `alert_group` (kind, signature, source, target).
pub(super) type GroupId = i64;

/// A group's aggregates before paging.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Agg {
    pub(super) n: i64,
    pub(super) open: i64,
    pub(super) first: i64,
    pub(super) last: i64,
    pub(super) max_score: Option<f64>,
    pub(super) rank: i64,
    pub(super) newest: i64,
}

impl Agg {
    pub(super) fn merge(&mut self, o: &Agg) {
        if self.n == 0 {
            *self = *o;
            return;
        }
        self.n += o.n;
        self.open += o.open;
        self.first = self.first.min(o.first);
        self.last = self.last.max(o.last);
        self.max_score = match (self.max_score, o.max_score) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.rank = self.rank.max(o.rank);
        self.newest = self.newest.max(o.newest);
    }
}

const LEVELS: [&str; 5] = ["", "low", "medium", "high", "critical"];

fn rank_sql(col: &str) -> String {
    RISK_RANK.replace("a.risk_level", col)
}

/// Reads `(group, agg)` rows: columns group id, n, open, first, last,
/// max_score, rank, newest.
fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<(GroupId, Agg)> {
    Ok((
        r.get(0)?,
        Agg {
            n: r.get(1)?,
            open: r.get(2)?,
            first: r.get(3)?,
            last: r.get(4)?,
            max_score: r.get(5)?,
            rank: r.get(6)?,
            newest: r.get(7)?,
        },
    ))
}

/// The filters of an inbox query on `inbox_hour h` joined with
/// `alert_group g` (no time bounds): the count and open-count expressions
/// for the status filter, conditions and their parameters. `None`: an
/// unknown status, which matches nothing.
pub(super) struct HourWhere {
    pub(super) count: &'static str,
    pub(super) open: &'static str,
    pub(super) cond: Vec<String>,
    pub(super) args: Vec<Value>,
}

pub(super) fn hour_where(q: &InboxQuery) -> Option<HourWhere> {
    let (count, open) = match q.status.as_deref() {
        None => ("h.n", "h.n_open"),
        Some("open") => ("h.n_open", "h.n_open"),
        Some("acknowledged") => ("h.n_ack", "0"),
        Some("closed") => ("h.n - h.n_open - h.n_ack", "0"),
        Some(_) => return None,
    };
    let mut cond = vec![format!("{count} > 0")];
    let mut args = Vec::new();
    let mut eq = |col: &str, v: &Option<String>| {
        if let Some(v) = v {
            cond.push(format!("{col} = ?"));
            args.push(Value::Text(v.clone()));
        }
    };
    eq("h.risk", &q.risk);
    eq("g.kind", &q.kind);
    eq("g.src", &q.src);
    eq("g.sig", &q.sig);
    eq("g.target", &q.target);
    if let Some(pattern) = super::queries::like_pattern(q.text.as_deref()) {
        cond.push(
            "(g.sig LIKE ? ESCAPE '\\' OR g.kind LIKE ? ESCAPE '\\' OR g.src LIKE ? ESCAPE '\\' OR g.target LIKE ? ESCAPE '\\')".into(),
        );
        args.extend(std::iter::repeat_n(Value::Text(pattern), 4));
    }
    Some(HourWhere {
        count,
        open,
        cond,
        args,
    })
}

/// A group's place in the inbox order, larger first: `(key, group)` as
/// in [`InboxCursor`] (the first-seen order is ascending, so negated).
pub(super) fn sort_key(g: GroupId, a: &Agg, sort: InboxSort) -> (f64, i64) {
    match sort {
        InboxSort::LastSeen => (a.last as f64, g),
        InboxSort::Score => (a.max_score.unwrap_or(f64::NEG_INFINITY), g),
        InboxSort::Count => (a.n as f64, g),
        InboxSort::FirstSeen => (-(a.first as f64), -g),
    }
}

/// Whether the group keyed `k` belongs after `q`'s cursor (always without one).
pub(super) fn after_cursor(q: &InboxQuery, k: (f64, i64)) -> bool {
    q.after.is_none_or(|c| c.before(k.0, k.1))
}

/// Descending order of sort keys.
pub(super) fn key_desc(a: &(f64, i64), b: &(f64, i64)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then(b.1.cmp(&a.1))
}

/// Adds `(group, agg)` rows of `sql` to `into`.
pub(super) fn collect(
    conn: &Connection,
    sql: &str,
    args: &[Value],
    into: &mut HashMap<GroupId, Agg>,
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params_from_iter(args.iter()), read)?;
    for row in rows {
        let (k, a) = row?;
        into.entry(k).or_default().merge(&a);
    }
    Ok(())
}

/// The queries of the groups of whole hours `[first, end)` (only group
/// `only` when given); empty when nothing can match.
///
/// One group, or a source, signature or target (few groups, found through
/// `alert_group`'s indexes): a group and risk level whose alerts all lie
/// in the range is one `inbox_total` row; the others read their own hour
/// rows through the `(grp, hour)` index (all of them without `totals`).
/// Otherwise every `inbox_hour` row of the range.
fn hours_sql(
    q: &InboxQuery,
    (first, end): (i64, i64),
    only: Option<GroupId>,
    totals: bool,
) -> Vec<(String, Vec<Value>)> {
    let Some(HourWhere {
        count,
        open,
        mut cond,
        mut args,
    }) = hour_where(q)
    else {
        return Vec::new();
    };
    if let Some(g) = only {
        cond.push("h.grp = ?".into());
        args.push(Value::Integer(g));
    }
    let select = format!(
        "SELECT h.grp, sum({count}), sum({open}), min(h.first_seen),
                max(h.last_seen), max(h.max_score), max({}), max(h.newest)",
        rank_sql("h.risk"),
    );
    let cond = cond.join(" AND ");
    let span = [Value::Integer(first), Value::Integer(end)];
    let few = only.is_some() || q.src.is_some() || q.sig.is_some() || q.target.is_some();
    if !few {
        let sql = format!(
            "{select} FROM inbox_hour h JOIN alert_group g ON g.id = h.grp
             WHERE {cond} AND h.hour >= ? AND h.hour < ? GROUP BY h.grp"
        );
        return vec![(sql, args.into_iter().chain(span).collect())];
    }
    if !totals {
        let sql = format!(
            "{select} FROM alert_group g CROSS JOIN inbox_hour h INDEXED BY inbox_hour_grp ON h.grp = g.id
             WHERE {cond} AND h.hour >= ? AND h.hour < ? GROUP BY h.grp"
        );
        return vec![(sql, args.into_iter().chain(span).collect())];
    }
    let inside = format!(
        "{select} FROM alert_group g CROSS JOIN inbox_total h ON h.grp = g.id
         WHERE {cond} AND h.hour_min >= ? AND h.hour_max < ? GROUP BY h.grp"
    );
    let partly = format!(
        "{select} FROM alert_group g CROSS JOIN inbox_total t ON t.grp = g.id
             CROSS JOIN inbox_hour h INDEXED BY inbox_hour_grp ON h.grp = t.grp AND h.risk = t.risk
         WHERE (t.hour_min < ? OR t.hour_max >= ?) AND {cond} AND h.hour >= ? AND h.hour < ?
         GROUP BY h.grp"
    );
    let partly_args = span
        .iter()
        .cloned()
        .chain(args.iter().cloned())
        .chain(span.clone());
    vec![
        (inside, args.iter().cloned().chain(span.clone()).collect()),
        (partly, partly_args.collect()),
    ]
}

/// One group's aggregate over whole hours (`n` 0 when it has none there);
/// with `totals`, a risk level whose alerts all lie in the range is read
/// from `inbox_total` (see [`hours_sql`]).
pub(super) fn group_hours(
    conn: &Connection,
    q: &InboxQuery,
    hours: (i64, i64),
    g: GroupId,
    totals: bool,
) -> rusqlite::Result<Agg> {
    let mut one = HashMap::new();
    for (sql, args) in hours_sql(q, hours, Some(g), totals) {
        collect(conn, &sql, &args, &mut one)?;
    }
    Ok(one.remove(&g).unwrap_or_default())
}

impl StateStore {
    /// Groups of whole hours `[first, end)` from `inbox_hour`.
    pub(super) fn inbox_hours(
        &self,
        q: &InboxQuery,
        hours: (i64, i64),
        into: &mut HashMap<GroupId, Agg>,
    ) -> Result<(), StoreError> {
        let conn = self.lock();
        for (sql, args) in hours_sql(q, hours, None, true) {
            collect(&conn, &sql, &args, into).map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// Groups of the alerts stored in `[since, until)` (ms), from the alert table.
    pub(super) fn inbox_raw_range(
        &self,
        q: &InboxQuery,
        (since, until): (i64, i64),
        into: &mut HashMap<GroupId, Agg>,
    ) -> Result<(), StoreError> {
        let edge = InboxQuery {
            since: Some(from_ts(since)),
            until: Some(from_ts(until)),
            ..q.clone()
        };
        self.inbox_raw_groups(&edge, into)
    }

    /// Groups of the alerts matching `q` (its own time bounds), from the alert table.
    pub(super) fn inbox_raw_groups(
        &self,
        q: &InboxQuery,
        into: &mut HashMap<GroupId, Agg>,
    ) -> Result<(), StoreError> {
        let (cond, args) = inbox_where(q);
        let sql = format!(
            "SELECT g.id, count(*), sum(coalesce(t.status, 'open') = 'open'),
                    min(coalesce(a.first_seen, a.created_at)), max(coalesce(a.last_seen, a.created_at)),
                    max(a.score), max({RISK_RANK}), max(a.rowid)
             FROM alerts a JOIN alert_group g ON {}
             LEFT JOIN triage t ON t.alert_id = a.id WHERE {cond}
             GROUP BY g.id",
            super::rollup::group_match("a")
        );
        collect(&self.lock(), &sql, &args, into).map_err(|e| self.err(e))
    }

    /// One inbox page from the rollups (see the module docs).
    pub(crate) fn inbox_from_rollups(&self, q: &InboxQuery) -> Result<InboxPage, StoreError> {
        let since = q.since.map(ts).unwrap_or(0).max(0);
        let until = q.until.map(ts).unwrap_or(i64::MAX / 2);
        let split = HourSplit::from_ms(since, until);
        // A source, signature or target names few groups: group them all.
        let few_groups = q.src.is_some() || q.sig.is_some() || q.target.is_some();
        if split.has_hours()
            && !few_groups
            && self.hour_alerts(split.hours)? > super::rollup_walk::WALK_ABOVE
        {
            if q.sort != InboxSort::Count {
                return self.inbox_walk(q, &split);
            }
            if let Some(page) = self.inbox_by_count(q, &split)? {
                return Ok(page);
            }
        }
        self.inbox_bulk(q, &split)
    }

    /// The inbox from every rollup row of the range (exact totals).
    pub(super) fn inbox_bulk(
        &self,
        q: &InboxQuery,
        split: &HourSplit,
    ) -> Result<InboxPage, StoreError> {
        let mut groups: HashMap<GroupId, Agg> = HashMap::new();
        if split.has_hours() {
            self.inbox_hours(q, split.hours, &mut groups)?;
        }
        for edge in &split.edges {
            self.inbox_raw_range(q, *edge, &mut groups)?;
        }
        self.inbox_from_groups(q, groups, true)
    }

    /// Sorts every group of a query and pages them: after the cursor, or
    /// page `q.page` without one; totals exact when `complete`.
    pub(super) fn inbox_from_groups(
        &self,
        q: &InboxQuery,
        groups: HashMap<GroupId, Agg>,
        complete: bool,
    ) -> Result<InboxPage, StoreError> {
        let mut all: Vec<((f64, i64), GroupId, Agg)> = groups
            .into_iter()
            .filter(|(_, a)| a.n > 0)
            .map(|(g, a)| (sort_key(g, &a, q.sort), g, a))
            .collect();
        let total_groups = all.len() as u64;
        let total_alerts = all.iter().map(|(_, _, a)| a.n.max(0) as u64).sum();
        all.retain(|(k, _, _)| after_cursor(q, *k));
        all.sort_by(|a, b| key_desc(&a.0, &b.0));
        let ordered = all.into_iter().map(|(_, g, a)| (g, a)).collect();
        let (groups, next) = self.page_of(ordered, q)?;
        Ok(InboxPage {
            groups,
            total_groups,
            total_alerts,
            groups_exact: complete,
            alerts_exact: complete,
            next,
        })
    }

    /// The page of `ordered` (every group after the cursor, in order): the
    /// groups with their keys and newest alert, and the next page's cursor.
    pub(super) fn page_of(
        &self,
        ordered: Vec<(GroupId, Agg)>,
        q: &InboxQuery,
    ) -> Result<(Vec<AlertGroup>, Option<InboxCursor>), StoreError> {
        let per_page = q.per_page.clamp(1, 500) as usize;
        let skip = if q.after.is_some() {
            0
        } else {
            (q.page as usize).saturating_mul(per_page)
        };
        let more = ordered.len() > skip.saturating_add(per_page);
        let page: Vec<(GroupId, Agg)> = ordered.into_iter().skip(skip).take(per_page).collect();
        let next = page.last().filter(|_| more).map(|(g, a)| {
            let (key, group) = sort_key(*g, a, q.sort);
            InboxCursor { key, group }
        });
        let conn = self.lock();
        let mut key = conn
            .prepare_cached("SELECT kind, sig, src, target FROM alert_group WHERE id = ?1")
            .map_err(|e| self.err(e))?;
        let mut groups = Vec::with_capacity(page.len());
        for (id, a) in page {
            let (kind, signature, src, target): (String, String, String, String) = key
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .map_err(|e| self.err(e))?;
            groups.push(AlertGroup {
                kind,
                signature,
                src_ip: (!src.is_empty()).then_some(src),
                target,
                count: a.n.max(0) as u64,
                open: a.open.max(0) as u64,
                first_seen: from_ts(a.first),
                last_seen: from_ts(a.last),
                max_score: a.max_score,
                risk_level: LEVELS
                    .get(a.rank.clamp(0, 4) as usize)
                    .filter(|l| !l.is_empty())
                    .map(|l| l.to_string()),
                newest_id: a.newest.to_string(),
                newest_title: String::new(),
            });
        }
        drop(key);
        drop(conn);
        Ok((self.with_newest(groups)?, next))
    }
}
