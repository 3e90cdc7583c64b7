//! Response: responders act on alerts (block, notify, forward, ticket, isolate).
//!
//! Every responder is safe by default: in [`Mode::DryRun`] it returns the
//! exact commands and requests it would make and changes nothing.
//!
//! * [`Playbook`] maps risk level and alert kind to actions.
//! * [`ResponseEngine`] runs them on named responders, idempotently, and
//!   writes every [`ActionRecord`] to the [`AuditLog`].
//! * Responders: [`notify`] (e-mail, Slack, webhooks), [`siem`] (Splunk HEC,
//!   Elasticsearch, JSON sink), [`ticket`] (TheHive, Jira, local file),
//!   [`watch`] (watch-list), [`firewall`], [`remote`] (the same block on
//!   remote hosts' firewalls over SSH) and [`isolate`].

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

pub mod cloud;
pub mod firewall;
pub mod isolate;
pub mod remote;

mod audit;
mod config;
mod engine;
mod http;
mod json_post;
pub mod notify;
mod playbook;
mod secret;
pub mod siem;
pub mod ticket;
pub mod watch;

pub use audit::{AuditEntry, AuditLog};
pub use config::ResponseConfig;
pub use engine::ResponseEngine;
pub use playbook::{LevelActions, PlannedAction, Playbook, PlaybookConfig, ACTIONS};
pub use secret::Secret;
