//! Notifications: e-mail over SMTP (STARTTLS by default), Slack-compatible
//! incoming webhooks and generic JSON webhooks.
//!
//! ```
//! use soc_core::respond::notify::{SlackConfig, SlackNotifier};
//! use soc_core::respond::Secret;
//! use soc_core::{Alert, Mode, Responder, Severity};
//!
//! let slack = SlackNotifier::new(&SlackConfig {
//!     url: Secret::new("https://hooks.slack.com/services/T000/B000/XXXX"),
//!     ..Default::default()
//! }).unwrap();
//! let alert = Alert::new("ssh.brute_force", "198.51.100.23", "SSH brute force", Severity::High);
//! let rt = tokio::runtime::Runtime::new().unwrap();
//! let rec = rt.block_on(slack.respond(&alert, Mode::DryRun)).unwrap();
//! assert_eq!(rec.requests, ["POST https://hooks.slack.com/***"]); // the token stays hidden
//! ```

mod email;
mod message;
mod webhook;

pub use email::{EmailConfig, EmailNotifier, SmtpSecurity};
pub use message::{alert_message, slack_escape};
pub use webhook::{SlackConfig, SlackNotifier, WebhookConfig, WebhookNotifier};
