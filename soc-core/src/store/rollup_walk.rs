//! The inbox over long ranges without grouping every row: when the range's
//! whole hours hold more than [`WALK_ABOVE`] alerts, the page is found by
//! walking an index of `inbox_hour` in sort order (last seen, highest score
//! or first seen) and stopping as soon as the page is certain.
//!
//! Rows come in sort order, so the first time a group shows up is its place
//! in the inbox. Once every row at or past a key `k` has been read and at
//! least `(page + 1) * per_page + 1` groups (counting the partial hours at
//! the range's edges) have a key at or past `k`, no other group can come
//! before them: those groups alone are aggregated exactly (through the
//! `(grp, hour)` index) and sorted. The page costs a read of the rows up to
//! it, whatever the range.
//!
//! The alert total stays exact (from `hour_risk`) unless the query filters
//! on the group (kind, source, signature, target, text); the group total is
//! then a lower bound, and [`InboxPage::groups_exact`] says so. Sorting by
//! count has no such order and groups every row.

use std::collections::{HashMap, HashSet};

use rusqlite::{params, params_from_iter, types::Value};

use super::inbox::{hour_where, sort_groups, Agg, GroupId, HourWhere};
use super::queries::{InboxPage, InboxQuery, InboxSort};
use super::rollup::HourSplit;
use super::StateStore;
use crate::error::StoreError;

/// Above this many alerts in a range's whole hours, the inbox walks an index.
pub const WALK_ABOVE: i64 = 20_000;

/// How a sort walks `inbox_hour`: the column, its index, and whether the
/// inbox shows the largest first.
fn walk_of(sort: InboxSort) -> Option<(&'static str, &'static str, bool)> {
    Some(match sort {
        InboxSort::LastSeen => ("last_seen", "inbox_hour_last", true),
        InboxSort::Score => ("max_score", "inbox_hour_score", true),
        InboxSort::FirstSeen => ("first_seen", "inbox_hour_first", false),
        InboxSort::Count => return None,
    })
}

/// A group's sort key, larger first in walk order.
fn key_of(a: &Agg, sort: InboxSort) -> f64 {
    match sort {
        InboxSort::Score => a.max_score.unwrap_or(f64::NEG_INFINITY),
        InboxSort::FirstSeen => -(a.first as f64),
        InboxSort::LastSeen | InboxSort::Count => a.last as f64,
    }
}

impl StateStore {
    /// Alerts stored in whole hours `[first, end)`.
    pub(super) fn hour_alerts(&self, (first, end): (i64, i64)) -> Result<i64, StoreError> {
        let conn = self.lock();
        conn.prepare_cached(
            "SELECT coalesce(sum(n), 0) FROM hour_risk WHERE hour >= ?1 AND hour < ?2",
        )
        .and_then(|mut s| s.query_row(params![first, end], |r| r.get(0)))
        .map_err(|e| self.err(e))
    }

    /// One inbox page by walking the sort's index (see the module docs).
    pub(super) fn inbox_walk(
        &self,
        q: &InboxQuery,
        split: &HourSplit,
    ) -> Result<InboxPage, StoreError> {
        let (Some((col, index, desc)), Some(w)) = (walk_of(q.sort), hour_where(q)) else {
            return self.inbox_bulk(q, split);
        };
        let mut edges: HashMap<GroupId, Agg> = HashMap::new();
        for edge in &split.edges {
            self.inbox_raw_range(q, *edge, &mut edges)?;
        }
        edges.retain(|_, a| a.n > 0);
        let mut edge_keys: Vec<(f64, GroupId)> =
            edges.iter().map(|(g, a)| (key_of(a, q.sort), *g)).collect();
        edge_keys.sort_by(|a, b| b.0.total_cmp(&a.0));
        let per_page = u64::from(q.per_page.clamp(1, 500));
        let need = ((u64::from(q.page) + 1) * per_page + 1) as usize;
        let (cand, complete) = self.walk(q, split, (col, index, desc), &w, &edge_keys, need)?;
        if complete {
            // Every row was read anyway (a page near the end): group them all.
            return self.inbox_bulk(q, split);
        }
        let mut groups: HashMap<GroupId, Agg> = HashMap::new();
        for g in cand {
            self.inbox_hours(q, split.hours, Some(g), &mut groups)?;
            if let Some(e) = edges.get(&g) {
                groups.entry(g).or_default().merge(e);
            }
        }
        let group_filter = q.kind.is_some()
            || q.src.is_some()
            || q.sig.is_some()
            || q.target.is_some()
            || q.text.is_some();
        let mut page = self.inbox_from_groups(q, groups, false)?;
        if !group_filter {
            let count = w.count;
            let mut args = vec![Value::Integer(split.hours.0), Value::Integer(split.hours.1)];
            let risk = match q.risk.as_deref() {
                Some(r) => {
                    args.push(Value::Text(
                        if r.is_empty() { "unscored" } else { r }.into(),
                    ));
                    " AND h.risk = ?"
                }
                None => "",
            };
            let hours: i64 = {
                let conn = self.lock();
                conn.prepare_cached(&format!(
                    "SELECT coalesce(sum({count}), 0) FROM hour_risk h WHERE h.hour >= ? AND h.hour < ?{risk}"
                ))
                .and_then(|mut s| s.query_row(params_from_iter(args.iter()), |r| r.get(0)))
                .map_err(|e| self.err(e))?
            };
            page.total_alerts = (hours + edges.values().map(|a| a.n).sum::<i64>()).max(0) as u64;
            page.alerts_exact = true;
        }
        Ok(page)
    }

    /// Sorts and pages `groups`; totals exact when `complete`, else lower bounds.
    pub(super) fn inbox_from_groups(
        &self,
        q: &InboxQuery,
        groups: HashMap<GroupId, Agg>,
        complete: bool,
    ) -> Result<InboxPage, StoreError> {
        let mut all: Vec<(GroupId, Agg)> = groups.into_iter().filter(|(_, a)| a.n > 0).collect();
        let total_groups = all.len() as u64;
        let total_alerts = all.iter().map(|(_, a)| a.n.max(0) as u64).sum();
        sort_groups(&mut all, q.sort);
        Ok(InboxPage {
            groups: self.page_of(all, q)?,
            total_groups,
            total_alerts,
            groups_exact: complete,
            alerts_exact: complete,
        })
    }

    /// Walks `inbox_hour` in sort order until `need` groups are certain to
    /// come first; returns them (possibly more, on ties) and whether the
    /// walk read every row (then every group is in).
    fn walk(
        &self,
        q: &InboxQuery,
        split: &HourSplit,
        (col, index, desc): (&str, &str, bool),
        w: &HourWhere,
        edge_keys: &[(f64, GroupId)],
        need: usize,
    ) -> Result<(HashSet<GroupId>, bool), StoreError> {
        let (first, end) = split.hours;
        let mut cond = w.cond.clone();
        let mut args = w.args.clone();
        cond.extend(["h.hour >= ?".to_string(), "h.hour < ?".into()]);
        args.extend([Value::Integer(first), Value::Integer(end)]);
        // Start the walk at the range's own newest (oldest) evidence.
        let bound = match q.sort {
            InboxSort::LastSeen => Some("h.last_seen <= (SELECT max(last_seen) FROM hour_risk WHERE hour >= ? AND hour < ?)"),
            InboxSort::FirstSeen => Some("h.first_seen >= (SELECT min(first_seen) FROM hour_risk WHERE hour >= ? AND hour < ?)"),
            _ => None,
        };
        if let Some(b) = bound {
            cond.push(b.to_string());
            args.extend([Value::Integer(first), Value::Integer(end)]);
        }
        let join = if w.cond.iter().any(|c| c.contains("g.")) {
            "CROSS JOIN alert_group g ON g.id = h.grp"
        } else {
            ""
        };
        let sql = format!(
            "SELECT h.grp, h.{col} FROM inbox_hour h INDEXED BY {index} {join}
             WHERE {} ORDER BY h.{col} {}",
            cond.join(" AND "),
            if desc { "DESC" } else { "ASC" }
        );
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let mut rows = stmt
            .query(params_from_iter(args.iter()))
            .map_err(|e| self.err(e))?;
        let mut cand: HashSet<GroupId> = HashSet::new();
        let mut next_edge = 0;
        let mut prev: Option<f64> = None;
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let g: GroupId = r.get(0).map_err(|e| self.err(e))?;
            let v: Option<f64> = r.get(1).map_err(|e| self.err(e))?;
            let k = match (v, desc) {
                (Some(v), true) => v,
                (Some(v), false) => -v,
                (None, _) => f64::NEG_INFINITY,
            };
            if let Some(p) = prev.filter(|p| k < *p) {
                // Every row keyed `p` or before is read: add the edge groups
                // that come before too, and stop if the page is certain.
                while let Some((ek, eg)) = edge_keys.get(next_edge).filter(|(ek, _)| *ek >= p) {
                    let _ = ek;
                    cand.insert(*eg);
                    next_edge += 1;
                }
                if cand.len() >= need {
                    return Ok((cand, false));
                }
            }
            cand.insert(g);
            prev = Some(k);
        }
        cand.extend(edge_keys.iter().map(|(_, g)| *g));
        Ok((cand, true))
    }
}
