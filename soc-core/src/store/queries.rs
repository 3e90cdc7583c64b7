//! Read queries for the dashboard: the grouped, filtered, paginated inbox,
//! one alert with its neighbours, and the overview's aggregates.
//!
//! Every query is bounded by a time range on `created_at` and reads the
//! indexes added by [`StateStore::ensure_triage_schema`]. Inbox pages are
//! keyset pages: each page hands back an [`InboxCursor`] (the sort key of its
//! last group) and the next page starts after it, so a deep page costs what
//! the first one does (no `OFFSET`). Call `ensure_triage_schema` once before
//! using these.
//!
//! ```
//! use soc_core::store::queries::InboxQuery;
//! use soc_core::{Alert, Severity, StateStore};
//! let store = StateStore::in_memory().unwrap();
//! store.ensure_triage_schema().unwrap();
//! for ip in ["198.51.100.7", "198.51.100.7", "203.0.113.9"] {
//!     let mut a = Alert::new("ssh.brute_force", &format!("{ip}{}", rand_suffix()), "SSH brute force", Severity::High);
//!     a.src_ip = ip.parse().ok();
//!     store.save_alert(&a, None).unwrap();
//! }
//! # fn rand_suffix() -> String { use std::sync::atomic::*; static N: AtomicU32 = AtomicU32::new(0); N.fetch_add(1, Ordering::SeqCst).to_string() }
//! let page = store.inbox(&InboxQuery::default()).unwrap();
//! assert_eq!(page.total_groups, 2);
//! assert_eq!(page.groups.iter().map(|g| g.count).max(), Some(2));
//! ```

use chrono::{DateTime, Utc};
use rusqlite::{params, params_from_iter, types::Value, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::{from_ts, ts, StateStore, StoredAlert};
use crate::error::StoreError;
use crate::model::ActionRecord;

/// How the inbox is sorted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InboxSort {
    /// Most recent evidence first.
    #[default]
    LastSeen,
    /// Highest score first.
    Score,
    /// Most alerts first.
    Count,
    /// Oldest first evidence first.
    FirstSeen,
}

impl InboxSort {
    /// Parses a sort name (`last_seen`, `score`, `count`, `first_seen`).
    pub fn parse(s: &str) -> Option<InboxSort> {
        Some(match s {
            "last_seen" => InboxSort::LastSeen,
            "score" => InboxSort::Score,
            "count" => InboxSort::Count,
            "first_seen" => InboxSort::FirstSeen,
            _ => return None,
        })
    }

    /// The name used in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            InboxSort::LastSeen => "last_seen",
            InboxSort::Score => "score",
            InboxSort::Count => "count",
            InboxSort::FirstSeen => "first_seen",
        }
    }
}

/// Filters, sort and page of the inbox. `None` matches everything; an
/// empty string matches alerts without that field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboxQuery {
    /// Alerts stored at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// ... and before this time.
    pub until: Option<DateTime<Utc>>,
    /// Risk level (`low`..`critical`).
    pub risk: Option<String>,
    /// Alert kind.
    pub kind: Option<String>,
    /// Source address (exact).
    pub src: Option<String>,
    /// User (exact).
    pub user: Option<String>,
    /// Signature (exact; the kind for alerts without one).
    pub sig: Option<String>,
    /// Target (exact: user, else host, else destination).
    pub target: Option<String>,
    /// Triage status: `open`, `acknowledged`, `closed`.
    pub status: Option<String>,
    /// Free text, matched in signature, kind, source and target.
    pub text: Option<String>,
    /// Sort.
    pub sort: InboxSort,
    /// Page number, from 0: without [`after`](Self::after), the pages
    /// before it are walked through (keyset), never skipped by `OFFSET`.
    pub page: u32,
    /// Start after this group (the [`InboxPage::next`] of the page before).
    #[serde(default)]
    pub after: Option<InboxCursor>,
    /// Groups per page (1..=500).
    pub per_page: u32,
}

impl Default for InboxQuery {
    fn default() -> Self {
        InboxQuery {
            since: None,
            until: None,
            risk: None,
            kind: None,
            src: None,
            user: None,
            sig: None,
            target: None,
            status: None,
            text: None,
            sort: InboxSort::default(),
            page: 0,
            after: None,
            per_page: 50,
        }
    }
}

/// One inbox row: the alerts sharing signature, source and target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertGroup {
    /// Alert kind.
    pub kind: String,
    /// Signature (Suricata rule message) or the kind.
    pub signature: String,
    /// Source address.
    pub src_ip: Option<String>,
    /// Target: user, else host, else destination address (may be empty).
    pub target: String,
    /// Alerts in the group (in range and matching the filters).
    pub count: u64,
    /// How many of them are still open.
    pub open: u64,
    /// Earliest evidence.
    pub first_seen: DateTime<Utc>,
    /// Latest evidence.
    pub last_seen: DateTime<Utc>,
    /// Highest score, if scored.
    pub max_score: Option<f64>,
    /// Highest risk level, if scored.
    pub risk_level: Option<String>,
    /// The most recently stored alert of the group.
    pub newest_id: String,
    /// Its title.
    pub newest_title: String,
}

/// One page of the inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboxPage {
    /// The groups on this page.
    pub groups: Vec<AlertGroup>,
    /// Groups matching in all pages.
    pub total_groups: u64,
    /// Alerts matching in all pages.
    pub total_alerts: u64,
    /// Whether `total_groups` is exact; when not, it is a lower bound (an
    /// inbox over a long range reads only as far as the page it shows).
    #[serde(default = "exact")]
    pub groups_exact: bool,
    /// Whether `total_alerts` is exact (else a lower bound).
    #[serde(default = "exact")]
    pub alerts_exact: bool,
    /// Where the next page starts (`None`: this is the last page).
    #[serde(default)]
    pub next: Option<InboxCursor>,
}

/// A keyset position in the inbox: the sort key of a group and its id.
///
/// Groups are ordered by `key` (larger first), ties by `group` (larger
/// first). The key is the group's last seen time (ms), highest score
/// (`-inf` when unscored), alert count, or the negated first seen time,
/// by [`InboxSort`]; the group id is its row in `alert_group`, so ties go
/// to the newest group. In URLs it reads `key:group`.
///
/// ```
/// use soc_core::store::queries::InboxCursor;
/// let c: InboxCursor = "97.5:1234".parse().unwrap();
/// assert_eq!((c.key, c.group), (97.5, 1234));
/// assert_eq!(c.to_string().parse::<InboxCursor>().unwrap(), c);
/// assert!("97.5".parse::<InboxCursor>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct InboxCursor {
    /// The sort key (larger first).
    pub key: f64,
    /// The group id (ties: larger first).
    pub group: i64,
}

impl InboxCursor {
    /// Whether a group keyed `(key, group)` comes after this cursor.
    pub fn before(&self, key: f64, group: i64) -> bool {
        key.total_cmp(&self.key).then(group.cmp(&self.group)) == std::cmp::Ordering::Less
    }
}

impl std::fmt::Display for InboxCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.key, self.group)
    }
}

impl std::str::FromStr for InboxCursor {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("bad inbox position '{s}': expected key:group");
        let (key, group) = s.rsplit_once(':').ok_or_else(bad)?;
        let key: f64 = key.parse().map_err(|_| bad())?;
        if key.is_nan() {
            return Err(bad());
        }
        Ok(InboxCursor {
            key,
            group: group.parse().map_err(|_| bad())?,
        })
    }
}

fn exact() -> bool {
    true
}

/// A neighbouring alert (same source).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimilarAlert {
    /// Its id.
    pub id: String,
    /// Its kind.
    pub kind: String,
    /// Its title.
    pub title: String,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
}

pub(super) const RISK_RANK: &str = "CASE a.risk_level WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END";

/// The `LIKE` pattern (escape `\\`) matching `text` literally anywhere,
/// `None` for no or blank text.
pub(super) fn like_pattern(text: Option<&str>) -> Option<String> {
    let text = text.map(str::trim).filter(|t| !t.is_empty())?;
    Some(format!(
        "%{}%",
        text.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    ))
}

/// `WHERE` clause and parameters of an inbox query (without sort and page).
pub(super) fn inbox_where(q: &InboxQuery) -> (String, Vec<Value>) {
    let mut clauses = vec![
        "a.created_at >= ?".to_string(),
        "a.created_at < ?".to_string(),
    ];
    let mut args: Vec<Value> = vec![
        Value::Integer(q.since.map(ts).unwrap_or(i64::MIN)),
        Value::Integer(q.until.map(ts).unwrap_or(i64::MAX)),
    ];
    let mut eq = |col: &str, v: &Option<String>| match v.as_deref() {
        None => {}
        Some("") => clauses.push(format!("coalesce({col}, '') = ''")),
        Some(v) => {
            clauses.push(format!("{col} = ?"));
            args.push(Value::Text(v.to_string()));
        }
    };
    eq("a.risk_level", &q.risk);
    eq("a.kind", &q.kind);
    eq("a.src_ip", &q.src);
    eq("a.v_sig", &q.sig);
    eq("a.v_target", &q.target);
    eq("coalesce(t.status, 'open')", &q.status);
    // A user's alerts through `alert_user` (filled with the rollups), not
    // an index on the alert table that every insert would pay for.
    match q.user.as_deref() {
        None => {}
        Some("") => clauses.push("coalesce(a.v_user, '') = ''".into()),
        Some(u) => {
            clauses.push("a.rowid IN (SELECT rid FROM alert_user WHERE usr = ?)".into());
            args.push(Value::Text(u.to_string()));
        }
    }
    if let Some(pattern) = like_pattern(q.text.as_deref()) {
        clauses.push(
            "(a.v_sig LIKE ?1x ESCAPE '\\' OR a.kind LIKE ?1x ESCAPE '\\' OR a.src_ip LIKE ?1x ESCAPE '\\' OR a.v_target LIKE ?1x ESCAPE '\\')"
                .replace("?1x", "?"),
        );
        for _ in 0..4 {
            args.push(Value::Text(pattern.clone()));
        }
    }
    (clauses.join(" AND "), args)
}

impl StateStore {
    /// One page of alert groups (see [`InboxQuery`]). Read from the
    /// hourly rollups (see [`super::rollup`]) with the raw table for the
    /// partial hours at the edges; a user pivot reads its own index.
    pub fn inbox(&self, q: &InboxQuery) -> Result<InboxPage, StoreError> {
        self.catch_up_rollups()?;
        if q.user.is_some() {
            self.inbox_raw(q)
        } else {
            self.inbox_from_rollups(q)
        }
    }

    /// [`inbox`](Self::inbox) from the alert table alone (a user pivot
    /// reads `alert_user`; tests compare the rollups to it).
    pub(super) fn inbox_raw(&self, q: &InboxQuery) -> Result<InboxPage, StoreError> {
        let mut groups = std::collections::HashMap::new();
        self.inbox_raw_groups(q, &mut groups)?;
        self.inbox_from_groups(q, groups, true)
    }

    /// Fills in each group's newest alert id and title from the rowid that
    /// `newest_id` holds (alerts are inserted when first stored, so the
    /// largest rowid is the newest).
    pub(super) fn with_newest(
        &self,
        mut groups: Vec<AlertGroup>,
    ) -> Result<Vec<AlertGroup>, StoreError> {
        let conn = self.lock();
        let mut newest = conn
            .prepare_cached("SELECT id, json ->> '$.title' FROM alerts WHERE rowid = ?1")
            .map_err(|e| self.err(e))?;
        for g in &mut groups {
            let rowid: i64 = g.newest_id.parse().unwrap_or(-1);
            let (id, title) = newest
                .query_row(params![rowid], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
                })
                .optional()
                .map_err(|e| self.err(e))?
                .unwrap_or_default();
            g.newest_id = id;
            g.newest_title = title.unwrap_or_default();
        }
        Ok(groups)
    }

    /// Ids of the alerts of one inbox group (same filters), newest first, at most `limit`.
    pub fn group_alert_ids(&self, q: &InboxQuery, limit: u32) -> Result<Vec<String>, StoreError> {
        let (cond, args) = inbox_where(q);
        let sql = format!(
            "SELECT a.id FROM alerts a LEFT JOIN triage t ON t.alert_id = a.id WHERE {cond}
             ORDER BY a.created_at DESC, a.id LIMIT {limit}"
        );
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params_from_iter(args.iter()), |r| r.get(0))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// One stored alert by id.
    pub fn alert(&self, id: &str) -> Result<Option<StoredAlert>, StoreError> {
        let row: Option<(String, Option<String>, i64)> = {
            let conn = self.lock();
            conn.query_row(
                "SELECT json, score_json, created_at FROM alerts WHERE id = ?1",
                params![id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?
        };
        row.map(|(json, score, created): (String, Option<String>, i64)| {
            self.stored_alert(&json, score.as_deref(), created)
        })
        .transpose()
    }

    /// Other alerts from the same source address, newest first.
    pub fn similar_alerts(
        &self,
        src_ip: &str,
        except_id: &str,
        limit: u32,
    ) -> Result<Vec<SimilarAlert>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare_cached(
                "SELECT id, kind, json ->> '$.title', created_at FROM alerts
                 WHERE src_ip = ?1 AND id <> ?2 ORDER BY created_at DESC LIMIT ?3",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![src_ip, except_id, limit], |r| {
                Ok(SimilarAlert {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    title: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    created_at: from_ts(r.get(3)?),
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The actions recorded for `alert_id`, oldest first.
    pub fn actions_for_alert(&self, alert_id: &str) -> Result<Vec<ActionRecord>, StoreError> {
        let rows: Vec<String> = {
            let conn = self.lock();
            let mut stmt = conn
                .prepare_cached(
                    "SELECT json FROM actions WHERE alert_id = ?1 ORDER BY id LIMIT 200",
                )
                .map_err(|e| self.err(e))?;
            let it = stmt
                .query_map(params![alert_id], |r| r.get(0))
                .map_err(|e| self.err(e))?;
            it.collect::<Result<_, _>>().map_err(|e| self.err(e))?
        };
        rows.iter()
            .map(|j| serde_json::from_str(j).map_err(|e| self.corrupt("action", e)))
            .collect()
    }

    /// The newest `created_at` and the number of alerts (the live feed's cursor).
    pub fn alerts_cursor(&self) -> Result<(i64, u64), StoreError> {
        let conn = self.lock();
        conn.query_row(
            "SELECT coalesce(max(created_at), 0), (SELECT coalesce(max(rowid), 0) FROM alerts) FROM alerts",
            [],
            |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)),
        )
        .map_err(|e| self.err(e))
    }

    /// Runs `sql` (an aggregate over the dashboard's tables) with `args` and
    /// returns `(label, value)` rows. For the overview; `sql` is ours, never user text.
    pub(crate) fn pairs(
        &self,
        sql: &str,
        args: &[Value],
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params_from_iter(args.iter()), |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                    r.get::<_, Option<i64>>(1)?.unwrap_or(0),
                ))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }
}

#[cfg(test)]
#[path = "queries_tests.rs"]
mod tests;
