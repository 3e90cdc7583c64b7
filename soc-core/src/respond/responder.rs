//! The [`Responder`] trait every responder implements. A leaf: the
//! responders and the engine use it.

use async_trait::async_trait;

use crate::error::RespondError;
use crate::model::{ActionRecord, Alert, Mode};

/// Acts on an alert.
#[async_trait]
pub trait Responder: Send + Sync {
    /// Responder name as used in config (`nftables`, `email`, `thehive`, ...).
    fn name(&self) -> &str;
    /// Act (or, in dry-run, describe the action) for `alert`.
    async fn respond(&self, alert: &Alert, mode: Mode) -> Result<ActionRecord, RespondError>;
    /// The target this responder would act on for `alert` when the
    /// responder, not the playbook, decides it (host isolation resolves its
    /// inventory host); `None`: the playbook's target stands.
    fn target_of(&self, _alert: &Alert) -> Option<String> {
        None
    }
}
