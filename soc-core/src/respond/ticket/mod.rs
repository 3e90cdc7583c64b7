//! Tickets: TheHive 5 alerts, Jira issues, and a local JSONL ticket file
//! (the embedded default). All three are idempotent per alert id.
//!
//! ```
//! use soc_core::respond::ticket::TicketFile;
//! use soc_core::{Alert, Mode, Responder, Severity};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let tickets = TicketFile::new(dir.path().join("tickets.jsonl"));
//! let alert = Alert::new("ssh.brute_force", "198.51.100.23", "SSH brute force", Severity::High);
//! let rt = tokio::runtime::Runtime::new().unwrap();
//! rt.block_on(tickets.respond(&alert, Mode::Live)).unwrap();
//! let again = rt.block_on(tickets.respond(&alert, Mode::Live)).unwrap();
//! assert!(again.detail.contains("already"));
//! assert_eq!(tickets.tickets().unwrap().len(), 1);
//! ```

mod file;
mod jira;
mod thehive;

pub use file::{LocalTicket, TicketFile, TicketFileConfig};
pub use jira::{jira_alert_label, jira_text, Jira, JiraConfig};
pub use thehive::{TheHive, TheHiveConfig};
