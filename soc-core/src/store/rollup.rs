//! Hourly rollups of the alert table, so that dashboard pages over long
//! ranges read a few rows per hour instead of every alert.
//!
//! New alerts reach the rollups in batches: the pipeline's inserts pay
//! for no trigger; every rollup read first adds the alerts stored since a
//! high-water mark (`meta.rollup_hwm`, the largest rowid rolled up) with
//! one `INSERT ... SELECT ... GROUP BY` per table (`super::rollup_batch`). Changes to
//! alerts already rolled up (rescoring, moves, deletes) and triage changes
//! are kept by SQLite triggers in the writer's own transaction, so any
//! writer (the pipeline, `soc serve`, a script) keeps them exact. The tables:
//!
//! * `hour_risk(hour, risk, ...)`: per UTC hour (`created_at` in hours
//!   since the epoch) and risk level, the alert count, how many are open
//!   or acknowledged, the summed detection delay (for the mean time to
//!   detect), and the newest evidence and oldest first evidence: a few
//!   rows per hour whatever the alerts look like (timeline, totals, MTTD).
//! * `rollup_hour(dim, hour, value, n)`: per hour, alert counts by source,
//!   user, host and ATT&CK technique (exact; as many rows per hour as
//!   distinct values, so ranges read the per-hour top lists of
//!   [`super::rollup_top`] instead of summing these).
//! * `inbox_hour(hour, grp, risk, ...)`: per hour, inbox group
//!   ([`alert_group`](#) = kind, signature, source, target) and risk level,
//!   the alert count, how many are open or acknowledged, first and last
//!   evidence, highest score and newest alert (its rowid).
//! * `inbox_total(grp, risk, ...)`: the same per group and risk level over
//!   all time, with the first and last hour it has alerts in: a group whose
//!   alerts all lie inside a range is read in one row (pivots over long
//!   ranges, the count order of `super::rollup_count`).
//! * `alert_user(usr, created_at, rid)`: each alert's user, for the user
//!   pivot and the overview's exact user counts (an index on the alert
//!   table's JSON-derived user cost every insert more than all the rest of
//!   the dashboard's schema).
//!
//! Counts are exact: an update removes the old row's contribution and adds
//! the new one. First/last seen and the highest score only ever widen (an
//! alert whose score drops keeps its group's old maximum for that hour).
//!
//! Queries read whole hours here and the raw table only for the partial
//! hours at the edges of a range (see [`HourSplit`]).
//!
//! ```
//! use soc_core::{Alert, Severity, StateStore};
//! let store = StateStore::in_memory().unwrap();
//! store.ensure_triage_schema().unwrap();
//! let mut a = Alert::new("ssh.brute_force", "198.51.100.7", "SSH brute force", Severity::High);
//! a.src_ip = "198.51.100.7".parse().ok();
//! store.save_alert(&a, None).unwrap();
//! assert_eq!(store.rollup_total("src", "198.51.100.7").unwrap(), 1);
//! ```

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{ts, StateStore};
use crate::error::StoreError;

/// Milliseconds in an hour (rollup bucket).
pub const HOUR_MS: i64 = 3_600_000;

/// Bumped when the rollup definitions change: the tables are rebuilt.
pub(super) const ROLLUP_VERSION: &str = "6";

pub(super) const TABLES: &str = r#"
CREATE TABLE IF NOT EXISTS rollup_hour (
    dim TEXT NOT NULL, hour INTEGER NOT NULL, value TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (dim, hour, value)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alert_group (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, sig TEXT NOT NULL, src TEXT NOT NULL,
    target TEXT NOT NULL, UNIQUE (kind, sig, src, target));
CREATE INDEX IF NOT EXISTS alert_group_src ON alert_group(src);
CREATE INDEX IF NOT EXISTS alert_group_sig ON alert_group(sig);
CREATE INDEX IF NOT EXISTS alert_group_target ON alert_group(target);
CREATE TABLE IF NOT EXISTS inbox_hour (
    hour INTEGER NOT NULL, grp INTEGER NOT NULL, risk TEXT NOT NULL, n INTEGER NOT NULL,
    n_open INTEGER NOT NULL, n_ack INTEGER NOT NULL, first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL, max_score REAL, newest INTEGER NOT NULL,
    PRIMARY KEY (hour, grp, risk)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS inbox_hour_grp ON inbox_hour(grp, hour);
CREATE INDEX IF NOT EXISTS inbox_hour_last ON inbox_hour(last_seen, grp);
CREATE INDEX IF NOT EXISTS inbox_hour_score ON inbox_hour(max_score, grp);
CREATE INDEX IF NOT EXISTS inbox_hour_first ON inbox_hour(first_seen, grp);
CREATE TABLE IF NOT EXISTS inbox_total (
    grp INTEGER NOT NULL, risk TEXT NOT NULL, n INTEGER NOT NULL, n_open INTEGER NOT NULL,
    n_ack INTEGER NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
    max_score REAL, newest INTEGER NOT NULL, hour_min INTEGER NOT NULL, hour_max INTEGER NOT NULL,
    PRIMARY KEY (grp, risk)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alert_user (
    usr TEXT NOT NULL, created_at INTEGER NOT NULL, rid INTEGER NOT NULL,
    PRIMARY KEY (usr, created_at, rid)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hour_risk (
    hour INTEGER NOT NULL, risk TEXT NOT NULL, n INTEGER NOT NULL, n_open INTEGER NOT NULL,
    n_ack INTEGER NOT NULL, detect_ms INTEGER NOT NULL, last_seen INTEGER NOT NULL,
    first_seen INTEGER NOT NULL, PRIMARY KEY (hour, risk)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rollup_top (
    dim TEXT NOT NULL, hour INTEGER NOT NULL, value TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (dim, hour, value)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rollup_top_hour (
    hour INTEGER PRIMARY KEY, alerts INTEGER NOT NULL, f_src INTEGER NOT NULL,
    f_user INTEGER NOT NULL, f_host INTEGER NOT NULL, f_technique INTEGER NOT NULL);
"#;

pub(super) const DROP: &str = r#"
DROP TRIGGER IF EXISTS rollup_alert_insert;
DROP TRIGGER IF EXISTS rollup_alert_update;
DROP TRIGGER IF EXISTS rollup_alert_delete;
DROP TRIGGER IF EXISTS rollup_triage_insert;
DROP TRIGGER IF EXISTS rollup_triage_update;
DROP TABLE IF EXISTS rollup_hour;
DROP TABLE IF EXISTS inbox_hour;
DROP TABLE IF EXISTS inbox_total;
DROP TABLE IF EXISTS alert_user;
DROP TABLE IF EXISTS alert_group;
DROP TABLE IF EXISTS hour_risk;
DROP TABLE IF EXISTS rollup_top;
DROP TABLE IF EXISTS rollup_top_hour;
"#;

/// The triage status of the alert in row `r`.
fn status_of(r: &str) -> String {
    format!("coalesce((SELECT status FROM triage WHERE alert_id = {r}.id), 'open')")
}

/// `" FROM alerts r"` of a backfill's `"alerts r,"`, nothing in a trigger.
fn from_clause(from: &str) -> String {
    let from = from.trim_end_matches(',');
    if from.is_empty() {
        String::new()
    } else {
        format!(" FROM {from}")
    }
}

/// `SELECT`s of the `rollup_hour` rows that alert row `r` adds (`sign` 1)
/// or removes (-1); `from` is `""` in a trigger or `"alerts r,"`-style
/// source for a catch-up, `only` its condition on those rows (`"true"`).
fn hour_rows(r: &str, sign: i64, from: &str, only: &str) -> String {
    let from_one = from_clause(from);
    format!(
        "SELECT 'src' AS dim, {r}.created_at / {HOUR_MS} AS hour, {r}.src_ip AS value, {sign} AS n{from_one} WHERE {r}.src_ip IS NOT NULL AND {only}
         UNION ALL SELECT 'user', {r}.created_at / {HOUR_MS}, {r}.v_user, {sign}{from_one} WHERE {r}.v_user IS NOT NULL AND {only}
         UNION ALL SELECT 'host', {r}.created_at / {HOUR_MS}, {r}.v_host, {sign}{from_one} WHERE {r}.v_host IS NOT NULL AND {only}
         UNION ALL SELECT 'technique', {r}.created_at / {HOUR_MS},
             (j.value ->> '$.technique_id') || coalesce(' ' || (j.value ->> '$.technique_name'), ''), {sign}
             FROM {from} json_each({r}.v_attack) j WHERE {only}"
    )
}

/// `SELECT` of the `hour_risk` row that alert row `r` adds or removes.
fn risk_row(r: &str, sign: i64, from: &str, only: &str) -> String {
    let status = status_of(r);
    let from = from_clause(from);
    format!(
        "SELECT {r}.created_at / {HOUR_MS} AS c0, coalesce({r}.risk_level, 'unscored') AS c1, {sign} AS c2,
                {sign} * ({status} = 'open') AS c3, {sign} * ({status} = 'acknowledged') AS c4,
                {sign} * max({r}.created_at - coalesce({r}.first_seen, {r}.created_at), 0) AS c5,
                coalesce({r}.last_seen, {r}.created_at) AS c6, coalesce({r}.first_seen, {r}.created_at) AS c7{from} WHERE {only}"
    )
}

/// The group of alert row `r` (join condition on `alert_group g`).
pub(super) fn group_match(r: &str) -> String {
    format!(
        "g.kind = {r}.kind AND g.sig = {r}.v_sig AND g.src = coalesce({r}.src_ip, '') AND g.target = {r}.v_target"
    )
}

/// `SELECT` of the `inbox_hour` row that alert row `r` adds or removes.
fn inbox_row(r: &str, sign: i64, from: &str, only: &str) -> String {
    let status = status_of(r);
    format!(
        "SELECT {r}.created_at / {HOUR_MS} AS c0, g.id AS c1, coalesce({r}.risk_level, '') AS c2,
                {sign} AS c3, {sign} * ({status} = 'open') AS c4, {sign} * ({status} = 'acknowledged') AS c5,
                coalesce({r}.first_seen, {r}.created_at) AS c6, coalesce({r}.last_seen, {r}.created_at) AS c7,
                {r}.score AS c8, {r}.rowid AS c9
         FROM {from} alert_group g WHERE {} AND {only}",
        group_match(r)
    )
}

pub(super) const HOUR_UPSERT: &str =
    "ON CONFLICT(dim, hour, value) DO UPDATE SET n = n + excluded.n";
pub(super) const INBOX_UPSERT: &str = "ON CONFLICT(hour, grp, risk) DO UPDATE SET n = n + excluded.n,
    n_open = n_open + excluded.n_open, n_ack = n_ack + excluded.n_ack,
    first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen),
    max_score = coalesce(max(max_score, excluded.max_score), max_score, excluded.max_score),
    newest = max(newest, excluded.newest)";
pub(super) const RISK_UPSERT: &str = "ON CONFLICT(hour, risk) DO UPDATE SET n = n + excluded.n,
    n_open = n_open + excluded.n_open, n_ack = n_ack + excluded.n_ack,
    detect_ms = detect_ms + excluded.detect_ms, last_seen = max(last_seen, excluded.last_seen),
    first_seen = min(first_seen, excluded.first_seen)";
pub(super) const TOTAL_UPSERT: &str = "ON CONFLICT(grp, risk) DO UPDATE SET n = n + excluded.n,
    n_open = n_open + excluded.n_open, n_ack = n_ack + excluded.n_ack,
    first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen),
    max_score = coalesce(max(max_score, excluded.max_score), max_score, excluded.max_score),
    newest = max(newest, excluded.newest), hour_min = min(hour_min, excluded.hour_min),
    hour_max = max(hour_max, excluded.hour_max)";
pub(super) const TOTAL_COLUMNS: &str =
    "inbox_total(grp, risk, n, n_open, n_ack, first_seen, last_seen,
    max_score, newest, hour_min, hour_max)";
pub(super) const RISK_COLUMNS: &str =
    "hour_risk(hour, risk, n, n_open, n_ack, detect_ms, last_seen, first_seen)";
pub(super) const INBOX_COLUMNS: &str =
    "inbox_hour(hour, grp, risk, n, n_open, n_ack, first_seen, last_seen, max_score, newest)";

/// The statements that add (`sign` 1) or remove (-1) alert row `r`.
fn contribution(r: &str, sign: i64) -> String {
    let mut sql = format!(
        "INSERT INTO rollup_hour(dim, hour, value, n) SELECT * FROM ({}) WHERE true {HOUR_UPSERT};\n",
        hour_rows(r, sign, "", "true")
    );
    sql.push_str(&format!(
        "INSERT INTO {RISK_COLUMNS} SELECT * FROM ({}) WHERE true {RISK_UPSERT};\n",
        risk_row(r, sign, "", "true")
    ));
    let user = format!("usr = {r}.v_user AND created_at = {r}.created_at AND rid = {r}.rowid");
    sql.push_str(&if sign > 0 {
        format!(
            "INSERT INTO alert_user(usr, created_at, rid)
             SELECT {r}.v_user, {r}.created_at, {r}.rowid WHERE {r}.v_user IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM alert_user WHERE {user});\n"
        )
    } else {
        format!("DELETE FROM alert_user WHERE {user};\n")
    });
    if sign > 0 {
        sql.push_str(&format!(
            // Not `OR IGNORE`: an outer `INSERT OR REPLACE` or upsert would override it.
            "INSERT INTO alert_group(kind, sig, src, target) SELECT {r}.kind, {r}.v_sig, coalesce({r}.src_ip, ''), {r}.v_target
             WHERE NOT EXISTS (SELECT 1 FROM alert_group g WHERE {});\n",
            group_match(r)
        ));
    }
    sql.push_str(&format!(
        "INSERT INTO {INBOX_COLUMNS} {} {INBOX_UPSERT};\n",
        inbox_row(r, sign, "", "true")
    ));
    sql.push_str(&format!(
        "INSERT INTO {TOTAL_COLUMNS} SELECT c1, c2, c3, c4, c5, c6, c7, c8, c9, c0, c0 FROM ({})
         WHERE true {TOTAL_UPSERT};\n",
        inbox_row(r, sign, "", "true")
    ));
    sql
}

/// Statements moving the alert of triage row `NEW` from status `from` (an
/// SQL expression) to `NEW.status`.
fn status_move(from: &str) -> String {
    let alert = format!(
        "SELECT a.created_at / {HOUR_MS} AS h, g.id AS gid, coalesce(a.risk_level, '') AS r, a.risk_level AS rl
         FROM alerts a JOIN alert_group g ON {} WHERE a.id = NEW.alert_id",
        group_match("a")
    );
    format!(
        "UPDATE hour_risk SET
             n_open = n_open - ({from} = 'open') + (NEW.status = 'open'),
             n_ack = n_ack - ({from} = 'acknowledged') + (NEW.status = 'acknowledged')
         FROM ({alert}) x WHERE hour = x.h AND risk = coalesce(x.rl, 'unscored');
         UPDATE inbox_hour SET
             n_open = n_open - ({from} = 'open') + (NEW.status = 'open'),
             n_ack = n_ack - ({from} = 'acknowledged') + (NEW.status = 'acknowledged')
         FROM ({alert}) x WHERE hour = x.h AND grp = x.gid AND risk = x.r;
         UPDATE inbox_total SET
             n_open = n_open - ({from} = 'open') + (NEW.status = 'open'),
             n_ack = n_ack - ({from} = 'acknowledged') + (NEW.status = 'acknowledged')
         FROM ({alert}) x WHERE grp = x.gid AND risk = x.r;"
    )
}

/// The rollups' high-water mark: alerts with a larger rowid are not in them yet.
pub(super) const HWM: &str = "(SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'rollup_hwm')";

/// Triggers for changes to alerts already in the rollups (at or below the
/// high-water mark) and for triage changes of those alerts. New alerts
/// have no trigger: [`super::rollup_batch`] adds them in one statement per table.
pub(super) fn triggers() -> String {
    let rolled = format!("(SELECT rowid FROM alerts WHERE id = NEW.alert_id) <= {HWM}");
    format!(
        "CREATE TRIGGER rollup_alert_update AFTER UPDATE OF risk_level, score, json, last_seen, first_seen, created_at, src_ip, kind ON alerts
             WHEN OLD.rowid <= {HWM} BEGIN\n{}{}END;
         CREATE TRIGGER rollup_alert_delete AFTER DELETE ON alerts WHEN OLD.rowid <= {HWM} BEGIN\n{}END;
         CREATE TRIGGER rollup_triage_insert AFTER INSERT ON triage WHEN NEW.status <> 'open' AND {rolled} BEGIN\n{}\nEND;
         CREATE TRIGGER rollup_triage_update AFTER UPDATE OF status ON triage WHEN OLD.status <> NEW.status AND {rolled} BEGIN\n{}\nEND;",
        contribution("OLD", -1),
        contribution("NEW", 1),
        contribution("OLD", -1),
        status_move("'open'"),
        status_move("OLD.status"),
    )
}

/// A time range cut at whole hours: `hours` is the (possibly empty) span
/// of whole hours answered from the rollups, `edges` the millisecond
/// ranges before and after it answered from the raw table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HourSplit {
    /// Whole hours `[first, end)`, in hours since the epoch.
    pub hours: (i64, i64),
    /// Raw `[since, until)` ranges in milliseconds (at most two).
    pub edges: Vec<(i64, i64)>,
}

impl HourSplit {
    /// Splits `[since, until)`.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use soc_core::store::rollup::HourSplit;
    /// let s = HourSplit::new(Utc.with_ymd_and_hms(2026, 1, 1, 10, 30, 0).unwrap(),
    ///                        Utc.with_ymd_and_hms(2026, 1, 1, 13, 15, 0).unwrap());
    /// assert_eq!(s.hours.1 - s.hours.0, 2);      // 11:00-13:00 from the rollups
    /// assert_eq!(s.edges.len(), 2);              // 10:30-11:00 and 13:00-13:15 raw
    /// ```
    pub fn new(since: DateTime<Utc>, until: DateTime<Utc>) -> HourSplit {
        Self::from_ms(ts(since), ts(until))
    }

    /// [`new`](Self::new) on milliseconds since the epoch.
    pub fn from_ms(since: i64, until: i64) -> HourSplit {
        let first = since.div_euclid(HOUR_MS) + i64::from(since.rem_euclid(HOUR_MS) != 0);
        let end = until.div_euclid(HOUR_MS);
        if until <= since || end <= first {
            return HourSplit {
                hours: (0, 0),
                edges: if until > since {
                    vec![(since, until)]
                } else {
                    vec![]
                },
            };
        }
        let mut edges = Vec::new();
        if since < first * HOUR_MS {
            edges.push((since, first * HOUR_MS));
        }
        if end * HOUR_MS < until {
            edges.push((end * HOUR_MS, until));
        }
        HourSplit {
            hours: (first, end),
            edges,
        }
    }

    /// Whether any whole hour is answered from the rollups.
    pub fn has_hours(&self) -> bool {
        self.hours.1 > self.hours.0
    }
}

impl StateStore {
    /// All-time count of `value` in rollup dimension `dim` (`src`, `user`,
    /// `host`, `technique`): for checks and tests.
    pub fn rollup_total(&self, dim: &str, value: &str) -> Result<i64, StoreError> {
        self.catch_up_rollups()?;
        let conn = self.lock();
        conn.query_row(
            "SELECT coalesce(sum(n), 0) FROM rollup_hour WHERE dim = ?1 AND value = ?2",
            params![dim, value],
            |r| r.get(0),
        )
        .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
#[path = "rollup_tests.rs"]
pub(super) mod tests;
