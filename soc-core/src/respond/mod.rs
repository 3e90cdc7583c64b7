//! Response: responders act on alerts (block, notify, forward, ticket, isolate).
//!
//! Every responder is safe by default: in
//! [`Mode::DryRun`](crate::model::Mode::DryRun) it returns the exact
//! commands and requests it would make and changes nothing.
//!
//! * [`Playbook`] maps risk level and alert kind to actions.
//! * [`ResponseEngine`] runs them on named responders, idempotently, and
//!   writes every [`ActionRecord`](crate::model::ActionRecord) to the
//!   [`AuditLog`].
//! * Responders: [`notify`] (e-mail, Slack, webhooks), [`siem`] (Splunk HEC,
//!   Elasticsearch, JSON sink), [`ticket`] (TheHive, Jira, local file),
//!   [`watch`] (watch-list), [`firewall`], [`remote`] (the same block on
//!   remote hosts' firewalls over SSH) and [`isolate`].

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
mod pending;
mod playbook;
mod responder;
mod secret;
pub mod siem;
pub mod ticket;
pub mod watch;

pub use audit::{AuditEntry, AuditLog};
pub use config::ResponseConfig;
pub use engine::ResponseEngine;
pub use playbook::{LevelActions, PlannedAction, Playbook, PlaybookConfig, ACTIONS};
pub use responder::Responder;
pub use secret::Secret;
