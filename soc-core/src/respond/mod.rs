//! Response: responders act on alerts (block, notify, forward, ticket, isolate).
//!
//! Every responder is safe by default: in [`Mode::DryRun`] it returns the
//! exact commands and requests it would make and changes nothing.

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
}

pub mod firewall;
pub mod isolate;
