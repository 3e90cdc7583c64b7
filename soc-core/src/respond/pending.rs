//! Pending firewall actions: blocks a `--cloud` backend or a `--host`
//! firewall could not apply yet, kept in the state store to be retried.

use chrono::{DateTime, Utc};

use crate::error::RespondError;
use crate::model::{ActionOutcome, ActionRecord, Mode};
use crate::store::{BlockEntry, StateStore};

/// For a pending block `entry` that expired (at or before `now`) before
/// `who` could apply it: the skipped record of `responder` saying so; in
/// a live run the entry also leaves `store`. `None` while it still holds.
pub(crate) fn expired_retry(
    store: &StateStore,
    entry: &BlockEntry,
    (responder, who): (&str, &str),
    mode: Mode,
    now: DateTime<Utc>,
) -> Result<Option<ActionRecord>, RespondError> {
    let Some(expired) = entry.expires_at.filter(|at| *at <= now) else {
        return Ok(None);
    };
    let mut rec = ActionRecord::new(responder, "retry", &entry.ip, "", mode);
    rec.outcome = ActionOutcome::Skipped(format!(
        "pending block expired at {} before {who} could apply it",
        expired.to_rfc3339()
    ));
    if mode == Mode::Live {
        store.remove_block(&entry.ip, &entry.backend)?;
    }
    Ok(Some(rec))
}
