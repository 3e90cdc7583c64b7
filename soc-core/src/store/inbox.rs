//! The inbox from the rollups: whole hours from `inbox_hour` (one row per
//! hour, group and risk level; see [`super::rollup`]), the partial hours at
//! the range's edges from the alert table, merged, sorted and paged.
//!
//! Counts are exact. With a status filter, a group's first/last seen and
//! highest score cover all its alerts of the hours it matched in, whatever
//! their status.

use std::collections::HashMap;

use rusqlite::{params_from_iter, types::Value};

use super::queries::{inbox_where, AlertGroup, InboxPage, InboxQuery, InboxSort, RISK_RANK};
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

impl StateStore {
    fn collect(
        &self,
        sql: &str,
        args: &[Value],
        into: &mut HashMap<GroupId, Agg>,
    ) -> Result<(), StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params_from_iter(args.iter()), read)
            .map_err(|e| self.err(e))?;
        for row in rows {
            let (k, a) = row.map_err(|e| self.err(e))?;
            into.entry(k).or_default().merge(&a);
        }
        Ok(())
    }

    /// Groups of whole hours `[first, end)` from `inbox_hour` (only group
    /// `only` when given).
    pub(super) fn inbox_hours(
        &self,
        q: &InboxQuery,
        (first, end): (i64, i64),
        only: Option<GroupId>,
        into: &mut HashMap<GroupId, Agg>,
    ) -> Result<(), StoreError> {
        let Some(HourWhere {
            count,
            open,
            mut cond,
            mut args,
        }) = hour_where(q)
        else {
            return Ok(());
        };
        cond.extend(["h.hour >= ?".to_string(), "h.hour < ?".into()]);
        args.extend([Value::Integer(first), Value::Integer(end)]);
        if let Some(g) = only {
            cond.push("h.grp = ?".into());
            args.push(Value::Integer(g));
        }
        let cond = cond.join(" AND ");
        let sql = format!(
            "SELECT h.grp, sum({count}), sum({open}), min(h.first_seen),
                    max(h.last_seen), max(h.max_score), max({}), max(h.newest)
             FROM inbox_hour h {} JOIN alert_group g ON g.id = h.grp
             WHERE {cond} GROUP BY h.grp",
            rank_sql("h.risk"),
            // One group: its own rows, not every row of the range.
            if only.is_some() {
                "INDEXED BY inbox_hour_grp"
            } else {
                ""
            },
        );
        self.collect(&sql, &args, into)
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
        let (cond, args) = inbox_where(&edge);
        let sql = format!(
            "SELECT g.id, count(*), sum(coalesce(t.status, 'open') = 'open'),
                    min(coalesce(a.first_seen, a.created_at)), max(coalesce(a.last_seen, a.created_at)),
                    max(a.score), max({RISK_RANK}), max(a.rowid)
             FROM alerts a JOIN alert_group g ON {}
             LEFT JOIN triage t ON t.alert_id = a.id WHERE {cond}
             GROUP BY g.id",
            super::rollup::group_match("a")
        );
        self.collect(&sql, &args, into)
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
            && q.sort != InboxSort::Count
            && self.hour_alerts(split.hours)? > super::rollup_walk::WALK_ABOVE
        {
            return self.inbox_walk(q, &split);
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
            self.inbox_hours(q, split.hours, None, &mut groups)?;
        }
        for edge in &split.edges {
            self.inbox_raw_range(q, *edge, &mut groups)?;
        }
        self.inbox_from_groups(q, groups, true)
    }

    /// The groups of page `q.page` of `all` (sorted), with their keys and newest alert.
    pub(super) fn page_of(
        &self,
        all: Vec<(GroupId, Agg)>,
        q: &InboxQuery,
    ) -> Result<Vec<AlertGroup>, StoreError> {
        let per_page = q.per_page.clamp(1, 500) as usize;
        let skip = (q.page as usize).saturating_mul(per_page);
        let page: Vec<(GroupId, Agg)> = all.into_iter().skip(skip).take(per_page).collect();
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
        self.with_newest(groups)
    }
}

/// Sorts groups the way `sort` orders the inbox (ties: newest alert first).
pub(super) fn sort_groups(all: &mut [(GroupId, Agg)], sort: InboxSort) {
    let cmp_score = |a: &Agg, b: &Agg| {
        b.max_score
            .unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&a.max_score.unwrap_or(f64::NEG_INFINITY))
    };
    all.sort_by(|(_, a), (_, b)| match sort {
        InboxSort::LastSeen => b.last.cmp(&a.last).then(b.newest.cmp(&a.newest)),
        InboxSort::Score => cmp_score(a, b)
            .then(b.last.cmp(&a.last))
            .then(b.newest.cmp(&a.newest)),
        InboxSort::Count => {
            b.n.cmp(&a.n)
                .then(b.last.cmp(&a.last))
                .then(b.newest.cmp(&a.newest))
        }
        InboxSort::FirstSeen => a.first.cmp(&b.first).then(a.newest.cmp(&b.newest)),
    });
}
