//! Action suppression as one atomic step: before a live action runs, its
//! idempotency key is *claimed* with a single conditional upsert, which
//! succeeds only when neither a claim nor a `done` record of that key is
//! younger than the suppression window. Two processes (or tasks) racing on
//! the same key cannot both win, unlike a check followed by an act. A claim
//! whose action failed is released, so a later run may retry it.
//!
//! ```
//! use chrono::{Duration, Utc};
//! use soc_core::StateStore;
//! let store = StateStore::in_memory().unwrap();
//! let now = Utc::now();
//! let day = Duration::days(1);
//! assert_eq!(store.claim_action("webhook|203.0.113.5|ssh.brute_force", now, day).unwrap(), None);
//! // The second claim within the day loses and learns when the first was made.
//! assert_eq!(store.claim_action("webhook|203.0.113.5|ssh.brute_force", now, day).unwrap(), Some(now.trunc_subsecs(3)));
//! store.release_action_claim("webhook|203.0.113.5|ssh.brute_force").unwrap();
//! assert_eq!(store.claim_action("webhook|203.0.113.5|ssh.brute_force", now, day).unwrap(), None);
//! # use chrono::SubsecRound;
//! ```

use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, OptionalExtension};

use super::{from_ts, ts, StateStore};
use crate::error::StoreError;

const CLAIM: &str = "INSERT INTO action_claims(key, at)
    SELECT ?1, ?2 WHERE NOT EXISTS (
        SELECT 1 FROM actions WHERE key = ?1 AND status = 'done' AND at > ?3)
    ON CONFLICT(key) DO UPDATE SET at = excluded.at WHERE action_claims.at <= ?3";

impl StateStore {
    /// Claims the action `key` at `now` unless it was claimed or done
    /// within `window` before `now`. `None`: claimed, run it; `Some(t)`:
    /// suppressed, it was claimed or done at `t`.
    pub fn claim_action(
        &self,
        key: &str,
        now: DateTime<Utc>,
        window: Duration,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let since = now.checked_sub_signed(window).map_or(i64::MIN, ts);
        self.with_tx(|tx| {
            let won = tx
                .prepare_cached(CLAIM)?
                .execute(params![key, ts(now), since])?
                == 1;
            if won {
                return Ok(None);
            }
            let claimed: Option<i64> = tx
                .prepare_cached("SELECT at FROM action_claims WHERE key = ?1")?
                .query_row(params![key], |r| r.get(0))
                .optional()?;
            let done: Option<i64> = tx
                .prepare_cached("SELECT MAX(at) FROM actions WHERE key = ?1 AND status = 'done'")?
                .query_row(params![key], |r| r.get(0))?;
            Ok(Some(from_ts(claimed.max(done).unwrap_or(since))))
        })
    }

    /// Releases the claim of `key` (its action failed and may be retried).
    pub fn release_action_claim(&self, key: &str) -> Result<(), StoreError> {
        self.with_tx(|tx| {
            tx.prepare_cached("DELETE FROM action_claims WHERE key = ?1")?
                .execute(params![key])
                .map(|_| ())
        })
    }
}
