//! What the state store knows of a block, as every blocking responder
//! (this host's firewall, the cloud and appliance block lists) reads and
//! writes it, and the note of a block that already stands.

use super::target::BlockTarget;
use crate::error::RespondError;
use crate::model::{ActionOutcome, ActionRecord, Alert, Mode};
use crate::store::{BlockEntry, StateStore};

/// The block of `target` by `backend` in `store` (none without a store).
pub(crate) fn find_block(
    store: Option<&StateStore>,
    target: &BlockTarget,
    backend: &str,
) -> Result<Option<BlockEntry>, RespondError> {
    let Some(store) = store else {
        return Ok(None);
    };
    let ip = target.to_string();
    Ok(store
        .blocks()?
        .into_iter()
        .find(|b| b.ip == ip && b.backend == backend))
}

/// Records `entry` in `store`, if there is one.
pub(crate) fn record_block(
    store: Option<&StateStore>,
    entry: &BlockEntry,
) -> Result<(), RespondError> {
    if let Some(store) = store {
        store.add_block(entry)?;
    }
    Ok(())
}

/// Why a block is skipped: `t` is already blocked (`on` a named remote
/// list, if given), until when or permanently when the store knows.
pub(crate) fn already_blocked(t: &BlockTarget, on: Option<&str>, e: Option<&BlockEntry>) -> String {
    let place = on.map(|n| format!(" on {n}")).unwrap_or_default();
    match e.map(|e| e.expires_at) {
        Some(Some(x)) => format!(
            "{t} is already blocked{place} (until {})",
            x.format("%Y-%m-%dT%H:%M:%SZ")
        ),
        Some(None) => format!("{t} is already blocked{place} (permanently)"),
        None => format!("{t} is already blocked{place}"),
    }
}

/// The record of `responder` skipping an alert that names no source
/// address to block.
pub(crate) fn no_source_to_block(responder: &str, alert: &Alert, mode: Mode) -> ActionRecord {
    let mut rec = ActionRecord::new(responder, "block", "", &alert.id, mode);
    rec.outcome = ActionOutcome::Skipped("the alert has no source address".into());
    rec
}
