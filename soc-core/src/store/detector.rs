//! The detectors' saved windows (see `detect::persist`): one row per
//! detector key, written in the transaction that commits the batch's
//! checkpoints, so that the windows and the input position always agree.
//!
//! ```
//! use soc_core::StateStore;
//! use soc_core::detect::StateChange;
//! let store = StateStore::in_memory().unwrap();
//! let set = StateChange { detector: "ssh.source".into(), key: "203.0.113.5".into(),
//!                         state: Some("{}".into()) };
//! store.with_tx(|tx| soc_core::store::put_detector_state(tx, &[set])).unwrap();
//! assert_eq!(store.detector_state().unwrap().len(), 1);
//! let del = StateChange { detector: "ssh.source".into(), key: "203.0.113.5".into(), state: None };
//! store.with_tx(|tx| soc_core::store::put_detector_state(tx, &[del])).unwrap();
//! assert!(store.detector_state().unwrap().is_empty());
//! ```

use rusqlite::params;

use super::StateStore;
use crate::detect::StateChange;
use crate::error::StoreError;

/// Applies detector state changes inside a transaction.
pub fn put_detector_state(
    tx: &rusqlite::Transaction<'_>,
    changes: &[StateChange],
) -> rusqlite::Result<()> {
    let mut put = tx.prepare_cached(
        "INSERT OR REPLACE INTO detector_state(detector, key, state) VALUES (?1, ?2, ?3)",
    )?;
    let mut del =
        tx.prepare_cached("DELETE FROM detector_state WHERE detector = ?1 AND key = ?2")?;
    for c in changes {
        match &c.state {
            Some(s) => put.execute(params![c.detector, c.key, s])?,
            None => del.execute(params![c.detector, c.key])?,
        };
    }
    Ok(())
}

impl StateStore {
    /// Every saved detector row `(detector, key, state)`.
    pub fn detector_state(&self) -> Result<Vec<(String, String, String)>, StoreError> {
        self.with_tx(|tx| {
            let mut stmt = tx.prepare("SELECT detector, key, state FROM detector_state")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect()
        })
    }
}
