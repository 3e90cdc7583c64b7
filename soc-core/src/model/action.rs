//! Records of what responders did.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Whether responders act or only say what they would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Show the exact commands and requests; change nothing. The default.
    #[default]
    DryRun,
    /// Act for real.
    Live,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::DryRun => "dry_run",
            Mode::Live => "live",
        })
    }
}

/// How an action ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "reason")]
pub enum ActionOutcome {
    /// Done for real.
    Done,
    /// Dry-run: would have been done.
    DryRun,
    /// Not done, on purpose (already done within the suppression window,
    /// protected target, ...).
    Skipped(String),
    /// Tried and failed.
    Failed(String),
}

impl ActionOutcome {
    /// Short status name: `done`, `dry_run`, `skipped`, `failed`.
    pub fn status(&self) -> &'static str {
        match self {
            ActionOutcome::Done => "done",
            ActionOutcome::DryRun => "dry_run",
            ActionOutcome::Skipped(_) => "skipped",
            ActionOutcome::Failed(_) => "failed",
        }
    }
}

/// What a responder did (or would do) for an alert: the audit-log record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionRecord {
    /// Responder name (`nftables`, `email`, `thehive`, ...).
    pub responder: String,
    /// Action verb (`block`, `unblock`, `notify`, `ticket`, `forward`, `isolate`, `watch`).
    pub action: String,
    /// Target (an address, a host, a recipient, a URL).
    pub target: String,
    /// The alert it was for (empty for operator actions).
    pub alert_id: String,
    /// Dry-run or live.
    pub mode: Mode,
    /// Outcome.
    pub outcome: ActionOutcome,
    /// Exact argv of every command run (or that would run).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<Vec<String>>,
    /// Requests made (or that would be made), e.g. `POST https://.../api/v1/alert` (no secrets).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requests: Vec<String>,
    /// Free-form detail (ticket key, message id, ...).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// When.
    pub at: DateTime<Utc>,
    /// When the effect expires (blocks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
}

impl ActionRecord {
    /// A record for `responder` doing `action` on `target`, outcome to be set.
    pub fn new(responder: &str, action: &str, target: &str, alert_id: &str, mode: Mode) -> Self {
        ActionRecord {
            responder: responder.to_string(),
            action: action.to_string(),
            target: target.to_string(),
            alert_id: alert_id.to_string(),
            mode,
            outcome: match mode {
                Mode::DryRun => ActionOutcome::DryRun,
                Mode::Live => ActionOutcome::Done,
            },
            commands: Vec::new(),
            requests: Vec::new(),
            detail: String::new(),
            at: Utc::now(),
            expires_at: None,
        }
    }
}
