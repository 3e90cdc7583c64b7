//! New alerts reach the rollups in batches ([`catch_up`]): the alerts
//! stored since the high-water mark (`meta.rollup_hwm`, the largest rowid
//! rolled up) are read once into a temporary table, with the fields their
//! JSON and triage row give (user, host, techniques, signature, target,
//! status), and every rollup table gets one `INSERT ... SELECT ... GROUP BY`
//! upsert from it: the JSON of each alert is parsed once, not once per table.
//!
//! Also here: creating the rollups ([`ensure`], once per schema version)
//! and [`StateStore::catch_up_rollups`], which every rollup read calls.

use rusqlite::{params, Connection, Transaction};

use super::rollup::{
    triggers, DROP, HOUR_MS, HOUR_UPSERT, HWM, INBOX_COLUMNS, INBOX_UPSERT, RISK_COLUMNS,
    RISK_UPSERT, ROLLUP_VERSION, TABLES, TOTAL_COLUMNS, TOTAL_UPSERT,
};
use super::StateStore;
use crate::error::StoreError;

/// The per-alert fields of a batch, then its aggregates per `(hour, grp,
/// risk)`: temporary tables, emptied after each catch-up.
const TEMP: &str = "
CREATE TEMP TABLE IF NOT EXISTS rollup_new(rid INTEGER PRIMARY KEY, hour, kind, sig, src, target,
    src_ip, usr, host, attack, risk, score, first, last, created, status);
CREATE TEMP TABLE IF NOT EXISTS rollup_batch(hour, grp, risk, n, n_open, n_ack,
    first_seen, last_seen, max_score, newest);
DELETE FROM temp.rollup_new;
DELETE FROM temp.rollup_batch;";

/// Adds the alerts stored since the high-water mark to the rollups and
/// moves the mark; `false` when there were none (or the store has no
/// rollups). Run inside a write transaction, so no alert written meanwhile
/// is missed or counted twice.
pub(crate) fn catch_up(tx: &Connection) -> rusqlite::Result<bool> {
    use rusqlite::OptionalExtension;
    let Some(hwm) = tx
        .query_row(&format!("SELECT {HWM}"), [], |r| r.get::<_, Option<i64>>(0))
        .optional()?
        .flatten()
    else {
        return Ok(false);
    };
    let max: i64 = tx.query_row("SELECT coalesce(max(rowid), 0) FROM alerts", [], |r| {
        r.get(0)
    })?;
    if max <= hwm {
        return Ok(false);
    }
    tx.execute_batch(TEMP)?;
    tx.execute(
        &format!(
            "INSERT INTO temp.rollup_new
             SELECT a.rowid, a.created_at / {HOUR_MS}, a.kind, a.v_sig, coalesce(a.src_ip, ''),
                    a.v_target, a.src_ip, a.v_user, a.v_host, a.v_attack, a.risk_level, a.score,
                    coalesce(a.first_seen, a.created_at), coalesce(a.last_seen, a.created_at),
                    a.created_at, coalesce(t.status, 'open')
             FROM alerts a LEFT JOIN triage t ON t.alert_id = a.id
             WHERE a.rowid > ?1 AND a.rowid <= ?2"
        ),
        [hwm, max],
    )?;
    tx.execute_batch(&format!(
        "INSERT INTO rollup_hour(dim, hour, value, n) SELECT * FROM (
             SELECT 'src', hour, src_ip, count(*) FROM temp.rollup_new WHERE src_ip IS NOT NULL GROUP BY 2, 3
             UNION ALL SELECT 'user', hour, usr, count(*) FROM temp.rollup_new WHERE usr IS NOT NULL GROUP BY 2, 3
             UNION ALL SELECT 'host', hour, host, count(*) FROM temp.rollup_new WHERE host IS NOT NULL GROUP BY 2, 3
             UNION ALL SELECT 'technique', hour,
                 (j.value ->> '$.technique_id') || coalesce(' ' || (j.value ->> '$.technique_name'), ''), count(*)
                 FROM temp.rollup_new n, json_each(n.attack) j GROUP BY 2, 3)
             WHERE true {HOUR_UPSERT};
         INSERT INTO {RISK_COLUMNS} SELECT * FROM (
             SELECT hour, coalesce(risk, 'unscored'), count(*), sum(status = 'open'),
                    sum(status = 'acknowledged'), sum(max(created - first, 0)), max(last), min(first)
             FROM temp.rollup_new GROUP BY 1, 2) WHERE true {RISK_UPSERT};
         INSERT OR IGNORE INTO alert_group(kind, sig, src, target)
             SELECT kind, sig, src, target FROM temp.rollup_new;
         INSERT OR IGNORE INTO alert_user(usr, created_at, rid)
             SELECT usr, created, rid FROM temp.rollup_new WHERE usr IS NOT NULL;
         INSERT INTO temp.rollup_batch
             SELECT n.hour, g.id, coalesce(n.risk, ''), count(*), sum(n.status = 'open'),
                    sum(n.status = 'acknowledged'), min(n.first), max(n.last), max(n.score), max(n.rid)
             FROM temp.rollup_new n JOIN alert_group g
                 ON g.kind = n.kind AND g.sig = n.sig AND g.src = n.src AND g.target = n.target
             GROUP BY 1, 2, 3;
         INSERT INTO {INBOX_COLUMNS} SELECT * FROM temp.rollup_batch WHERE true {INBOX_UPSERT};
         INSERT INTO {TOTAL_COLUMNS} SELECT * FROM (
             SELECT grp, risk, sum(n), sum(n_open), sum(n_ack), min(first_seen), max(last_seen),
                    max(max_score), max(newest), min(hour), max(hour)
             FROM temp.rollup_batch GROUP BY 1, 2) WHERE true {TOTAL_UPSERT};
         DELETE FROM temp.rollup_new;
         DELETE FROM temp.rollup_batch;
         INSERT OR REPLACE INTO meta(key, value) VALUES ('rollup_hwm', '{max}');"
    ))?;
    Ok(true)
}

/// Creates the rollup tables and triggers and fills them from the alerts
/// already stored (once per [`ROLLUP_VERSION`]); inside the caller's
/// transaction, so no alert written meanwhile is missed or counted twice.
/// Needs the triage table and the alert's generated columns.
pub(crate) fn ensure(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    let have: Option<String> = tx
        .query_row(
            "SELECT value FROM meta WHERE key = 'rollup_version'",
            [],
            |r| r.get(0),
        )
        .ok();
    if have.as_deref() == Some(ROLLUP_VERSION) {
        return Ok(());
    }
    tx.execute_batch(DROP)?;
    tx.execute_batch(TABLES)?;
    tx.execute_batch(&triggers())?;
    tx.execute(
        "INSERT OR REPLACE INTO meta(key, value) VALUES ('rollup_hwm', '0')",
        [],
    )?;
    catch_up(tx)?;
    tx.execute(
        "INSERT OR REPLACE INTO meta(key, value) VALUES ('rollup_version', ?1)",
        params![ROLLUP_VERSION],
    )?;
    super::rollup_top::refresh_all(tx)
}

impl StateStore {
    /// Brings the rollups up to date with the alerts stored since the last
    /// catch-up (see the module docs). Every rollup read calls it first; a
    /// no-op costing two lookups when nothing is new, or on a read-only store.
    pub fn catch_up_rollups(&self) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let pending = conn
            .query_row(
                &format!("SELECT coalesce(max(rowid), 0) > coalesce({HWM}, 1 << 62) FROM alerts"),
                [],
                |r| r.get::<_, bool>(0),
            )
            .map_err(|e| self.err(e))?;
        if !pending || conn.is_readonly("main").unwrap_or(true) {
            return Ok(());
        }
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| self.err(e))?;
        catch_up(&tx).map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))
    }
}
