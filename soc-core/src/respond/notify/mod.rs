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

use crate::model::Alert;

mod email;
mod webhook;

pub use email::{EmailConfig, EmailNotifier, SmtpSecurity};
pub use webhook::{SlackConfig, SlackNotifier, WebhookConfig, WebhookNotifier};

/// A one-line subject and a plain-text body describing an alert.
pub fn alert_message(alert: &Alert) -> (String, String) {
    let subject = format!("[soc] {} {}", alert.severity, alert.title);
    let mut body = format!(
        "{}\n\nkind: {}\nseverity: {}\nalert id: {}\n",
        alert.title, alert.kind, alert.severity, alert.id
    );
    let mut line = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            body.push_str(&format!("{k}: {v}\n"));
        }
    };
    line("source", alert.src_ip.map(|i| i.to_string()));
    line("destination", alert.dst_ip.map(|i| i.to_string()));
    line("port", alert.dst_port.map(|p| p.to_string()));
    line("user", alert.user.clone());
    line("host", alert.host.clone());
    line("events", Some(alert.count.to_string()));
    line("first seen", alert.first_seen.map(|t| t.to_rfc3339()));
    line("last seen", alert.last_seen.map(|t| t.to_rfc3339()));
    for e in &alert.enrichments {
        body.push_str(&format!(
            "intel {}: {} {} ({})\n",
            e.provider, e.indicator, e.verdict, e.summary
        ));
    }
    for a in &alert.attack {
        body.push_str(&format!("ATT&CK: {}\n", a.technique_id));
    }
    (subject, body)
}
