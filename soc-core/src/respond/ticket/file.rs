//! The local JSONL ticket file, idempotent by alert id.

use crate::error::RespondError;
use crate::model::{ActionRecord, Alert, Mode, Severity};
use crate::respond::notify::alert_message;
use crate::respond::Responder;
use async_trait::async_trait;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Mutex;

/// The `[respond.ticket_file]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TicketFileConfig {
    /// The JSONL file tickets are appended to.
    pub path: PathBuf,
}

impl Default for TicketFileConfig {
    fn default() -> Self {
        TicketFileConfig {
            path: PathBuf::from("soc-tickets.jsonl"),
        }
    }
}

/// One ticket in the local ticket file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocalTicket {
    /// The alert id (the idempotency key).
    pub alert_id: String,
    /// Title.
    pub title: String,
    /// Alert kind.
    pub kind: String,
    /// Severity.
    pub severity: Severity,
    /// Source address.
    pub src_ip: Option<IpAddr>,
    /// Description.
    pub description: String,
    /// When opened.
    pub opened_at: chrono::DateTime<Utc>,
}

/// Appends one ticket per alert id to a local JSONL file.
#[derive(Debug)]
pub struct TicketFile {
    path: PathBuf,
    lock: Mutex<()>,
}

impl TicketFile {
    /// A ticket file at `path` (created on first ticket).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        TicketFile {
            path: path.into(),
            lock: Mutex::new(()),
        }
    }

    fn io(&self, what: &str) -> impl Fn(std::io::Error) -> RespondError + '_ {
        let context = format!("{what} ticket file {}", self.path.display());
        move |source| RespondError::Io {
            context: context.clone(),
            source,
        }
    }

    /// All tickets in the file (unreadable lines are skipped).
    pub fn tickets(&self) -> Result<Vec<LocalTicket>, RespondError> {
        match std::fs::read_to_string(&self.path) {
            Ok(t) => Ok(t
                .lines()
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(self.io("reading")(e)),
        }
    }
}

#[async_trait]
impl Responder for TicketFile {
    fn name(&self) -> &str {
        "ticket_file"
    }

    async fn respond(&self, alert: &Alert, mode: Mode) -> Result<ActionRecord, RespondError> {
        let mut rec = ActionRecord::new("ticket_file", "ticket", &alert.id, &alert.id, mode);
        rec.requests.push(format!("append {}", self.path.display()));
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        if self.tickets()?.iter().any(|t| t.alert_id == alert.id) {
            rec.detail = format!("ticket already open for alert {}", alert.id);
            return Ok(rec);
        }
        if mode == Mode::DryRun {
            rec.detail = format!("would open ticket: {}", alert.title);
            return Ok(rec);
        }
        let (_, description) = alert_message(alert);
        let t = LocalTicket {
            alert_id: alert.id.clone(),
            title: alert.title.clone(),
            kind: alert.kind.clone(),
            severity: alert.severity,
            src_ip: alert.src_ip,
            description,
            opened_at: Utc::now(),
        };
        let mut line =
            serde_json::to_string(&t).map_err(|e| self.io("encoding")(std::io::Error::other(e)))?;
        line.push('\n');
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(self.io("creating"))?;
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(self.io("opening"))?;
        f.write_all(line.as_bytes()).map_err(self.io("writing"))?;
        rec.detail = format!("opened ticket in {}", self.path.display());
        Ok(rec)
    }
}
