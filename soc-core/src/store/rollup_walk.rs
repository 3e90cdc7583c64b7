//! The inbox over long ranges without grouping every row: when the range's
//! whole hours hold more than [`WALK_ABOVE`] alerts, the page is found by
//! walking an index of `inbox_hour` in sort order (last seen, highest score
//! or first seen, each with the group id as tie-break) from the page's
//! cursor ([`InboxCursor`]) on, and stopping as soon as the page is certain.
//!
//! A group's sort key is the largest key of its rows, so the first row of a
//! group met in the walk carries its key, unless the group has a row at or
//! before the cursor (it was on an earlier page) or evidence in the partial
//! hours at the range's edges (merged into the walk in key order). Each new
//! group is aggregated exactly through the `(grp, hour)` index as it is met;
//! the walk stops once `per_page + 1` groups after the cursor are known. A
//! page costs a read of the rows between its cursor and its end, however
//! deep it is and however long the range.
//!
//! The alert total stays exact (from `hour_risk`) unless the query filters
//! on the group (kind, source, signature, target, text); the group total is
//! then a lower bound, and [`InboxPage::groups_exact`] says so. Sorting by
//! count has no such order and groups every row.

use std::collections::{HashMap, HashSet};

use rusqlite::{params, params_from_iter, types::Value, Connection};

use super::inbox::{after_cursor, group_hours, hour_where, key_desc, sort_key, Agg, GroupId};
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

/// The groups found by a walk, in inbox order, and whether it read every row.
struct Walked {
    groups: Vec<((f64, i64), GroupId, Agg)>,
    exhausted: bool,
}

/// Decides group `g` the first time the walk meets it: aggregated over the
/// range, kept when it comes after the cursor.
struct Decider<'a> {
    q: &'a InboxQuery,
    hours: (i64, i64),
    edges: &'a HashMap<GroupId, Agg>,
    seen: HashSet<GroupId>,
    found: Vec<((f64, i64), GroupId, Agg)>,
}

impl Decider<'_> {
    fn consider(&mut self, conn: &Connection, g: GroupId) -> rusqlite::Result<()> {
        if !self.seen.insert(g) {
            return Ok(());
        }
        // A group's key must be the largest key of the rows the walk meets:
        // with a status filter, `inbox_total`'s envelope covers every status.
        let totals = self.q.status.is_none();
        let mut a = group_hours(conn, self.q, self.hours, g, totals)?;
        if let Some(e) = self.edges.get(&g) {
            a.merge(e);
        }
        let k = sort_key(g, &a, self.q.sort);
        if a.n > 0 && after_cursor(self.q, k) {
            self.found.push((k, g, a));
        }
        Ok(())
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
        if walk_of(q.sort).is_none() || hour_where(q).is_none() {
            return self.inbox_bulk(q, split);
        }
        let mut edges: HashMap<GroupId, Agg> = HashMap::new();
        for edge in &split.edges {
            self.inbox_raw_range(q, *edge, &mut edges)?;
        }
        edges.retain(|_, a| a.n > 0);
        let per_page = q.per_page.clamp(1, 500) as usize;
        let skip = if q.after.is_some() {
            0
        } else {
            (q.page as usize).saturating_mul(per_page)
        };
        let walked = self
            .walk(q, split, &edges, skip + per_page + 1)
            .map_err(|e| self.err(e))?;
        if walked.exhausted && q.after.is_none() {
            // Every row was read anyway (few groups): exact totals.
            return self.inbox_bulk(q, split);
        }
        let known = walked.groups.len() as u64;
        let ordered = walked.groups.into_iter().map(|(_, g, a)| (g, a)).collect();
        let (groups, next) = self.page_of(ordered, q)?;
        let group_filter = q.kind.is_some()
            || q.src.is_some()
            || q.sig.is_some()
            || q.target.is_some()
            || q.text.is_some();
        let mut page = InboxPage {
            groups,
            total_groups: known,
            total_alerts: 0,
            groups_exact: false,
            alerts_exact: false,
            next,
        };
        if !group_filter {
            page.total_alerts = self.range_alerts(q, split, &edges)?;
            page.alerts_exact = true;
        }
        Ok(page)
    }

    /// The exact alert count of a query without group filters: whole hours
    /// from `hour_risk`, edges from their groups.
    fn range_alerts(
        &self,
        q: &InboxQuery,
        split: &HourSplit,
        edges: &HashMap<GroupId, Agg>,
    ) -> Result<u64, StoreError> {
        let Some(w) = hour_where(q) else {
            return Ok(0);
        };
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
                "SELECT coalesce(sum({}), 0) FROM hour_risk h WHERE h.hour >= ? AND h.hour < ?{risk}",
                w.count
            ))
            .and_then(|mut s| s.query_row(params_from_iter(args.iter()), |r| r.get(0)))
            .map_err(|e| self.err(e))?
        };
        Ok((hours + edges.values().map(|a| a.n).sum::<i64>()).max(0) as u64)
    }

    /// Walks `inbox_hour` in sort order from the cursor until `need` groups
    /// after it are known (see the module docs).
    fn walk(
        &self,
        q: &InboxQuery,
        split: &HourSplit,
        edges: &HashMap<GroupId, Agg>,
        need: usize,
    ) -> rusqlite::Result<Walked> {
        let (Some((col, index, desc)), Some(w)) = (walk_of(q.sort), hour_where(q)) else {
            return Ok(Walked {
                groups: Vec::new(),
                exhausted: true,
            });
        };
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
        // Unscored rows (a NULL score) come last, in their own segment.
        let mut segments: Vec<(Vec<String>, Vec<Value>)> = Vec::new();
        let cursor = q.after;
        let (op, sign) = if desc { ("<", 1.0) } else { (">", -1.0) };
        if col == "max_score" {
            if cursor.is_none_or(|c| c.key > f64::NEG_INFINITY) {
                let mut c = vec!["h.max_score IS NOT NULL".to_string()];
                let mut a = Vec::new();
                if let Some(cur) = cursor {
                    c.push("(h.max_score, h.grp) < (?, ?)".into());
                    a.extend([Value::Real(cur.key), Value::Integer(cur.group)]);
                }
                segments.push((c, a));
            }
            let mut c = vec!["h.max_score IS NULL".to_string()];
            let mut a = Vec::new();
            if let Some(cur) = cursor.filter(|c| c.key == f64::NEG_INFINITY) {
                c.push("h.grp < ?".into());
                a.push(Value::Integer(cur.group));
            }
            segments.push((c, a));
        } else {
            let mut c = Vec::new();
            let mut a = Vec::new();
            if let Some(cur) = cursor {
                c.push(format!("(h.{col}, h.grp) {op} (?, ?)"));
                a.extend([
                    Value::Integer((cur.key * sign) as i64),
                    Value::Integer(cur.group * sign as i64),
                ]);
            }
            segments.push((c, a));
        }
        let join = if w.cond.iter().any(|c| c.contains("g.")) {
            "CROSS JOIN alert_group g ON g.id = h.grp"
        } else {
            ""
        };
        let dir = if desc { "DESC" } else { "ASC" };
        // Edge groups in inbox order; those at or before the cursor were shown.
        let mut edge_keys: Vec<((f64, i64), GroupId)> = edges
            .iter()
            .map(|(g, a)| (sort_key(*g, a, q.sort), *g))
            .collect();
        edge_keys.sort_by(|a, b| key_desc(&a.0, &b.0));
        let mut d = Decider {
            q,
            hours: split.hours,
            edges,
            seen: HashSet::new(),
            found: Vec::new(),
        };
        let conn = self.lock();
        let mut next_edge = 0;
        for (seg_cond, seg_args) in segments {
            let all_cond: Vec<String> = cond.iter().cloned().chain(seg_cond).collect();
            let all_args: Vec<Value> = args.iter().cloned().chain(seg_args).collect();
            let sql = format!(
                "SELECT h.grp, h.{col} FROM inbox_hour h INDEXED BY {index} {join}
                 WHERE {} ORDER BY h.{col} {dir}, h.grp {dir}",
                all_cond.join(" AND "),
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let mut rows = stmt.query(params_from_iter(all_args.iter()))?;
            while let Some(r) = rows.next()? {
                let g: GroupId = r.get(0)?;
                let v: Option<f64> = r.get(1)?;
                let k = (v.map_or(f64::NEG_INFINITY, |v| v * sign), g * sign as i64);
                // Edge groups that come before this row are met first.
                while let Some((ek, eg)) = edge_keys.get(next_edge) {
                    if key_desc(ek, &k) == std::cmp::Ordering::Greater {
                        break;
                    }
                    d.consider(&conn, *eg)?;
                    next_edge += 1;
                    if d.found.len() >= need {
                        return Ok(finish(d, false));
                    }
                }
                d.consider(&conn, g)?;
                if d.found.len() >= need {
                    return Ok(finish(d, false));
                }
            }
        }
        for (i, (_, eg)) in edge_keys.iter().enumerate().skip(next_edge) {
            d.consider(&conn, *eg)?;
            if d.found.len() >= need && i + 1 < edge_keys.len() {
                return Ok(finish(d, false));
            }
        }
        Ok(finish(d, true))
    }
}

/// The walk's groups in inbox order.
fn finish(mut d: Decider<'_>, exhausted: bool) -> Walked {
    d.found.sort_by(|a, b| key_desc(&a.0, &b.0));
    Walked {
        groups: d.found,
        exhausted,
    }
}
