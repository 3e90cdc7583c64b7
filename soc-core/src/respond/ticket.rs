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

use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::http::{check_url, join, Http};
use super::notify::alert_message;
use super::secret::Secret;
use super::Responder;
use crate::error::RespondError;
use crate::model::{ActionRecord, Alert, IndicatorKind, Mode, Severity};

fn thehive_severity(s: Severity) -> u8 {
    match s {
        Severity::Info | Severity::Low => 1,
        Severity::Medium => 2,
        Severity::High => 3,
        Severity::Critical => 4,
    }
}

// ---- TheHive -------------------------------------------------------------------

/// The `[respond.thehive]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TheHiveConfig {
    /// Base URL, e.g. `https://thehive.example:9000`.
    pub url: String,
    /// API key (or `${VAR}`), sent as a bearer token.
    pub api_key: Secret,
    /// `X-Organisation` header.
    pub organisation: Option<String>,
    /// Alert `type`.
    pub alert_type: String,
    /// Alert `source`.
    pub source: String,
    /// TLP (0 white .. 3 red).
    pub tlp: u8,
    /// PAP (0 white .. 3 red).
    pub pap: u8,
    /// Request timeout in seconds.
    pub timeout_secs: u64,
    /// Retries on 429/5xx and transport errors.
    pub max_retries: u32,
    /// First retry delay in milliseconds.
    pub retry_backoff_ms: u64,
}

impl Default for TheHiveConfig {
    fn default() -> Self {
        TheHiveConfig {
            url: String::new(),
            api_key: Secret::new("${SOC_THEHIVE_API_KEY}"),
            organisation: None,
            alert_type: "soc-alert".into(),
            source: "soc".into(),
            tlp: 2,
            pap: 2,
            timeout_secs: 10,
            max_retries: 3,
            retry_backoff_ms: 500,
        }
    }
}

/// Creates TheHive 5 alerts (`POST /api/v1/alert`), `sourceRef` = alert id;
/// TheHive's "already exists" answer counts as success.
pub struct TheHive {
    http: Http,
    endpoint: String,
    api_key: String,
    cfg: TheHiveConfig,
}

impl std::fmt::Debug for TheHive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TheHive")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl TheHive {
    /// Builds the responder, resolving the API key.
    pub fn new(cfg: &TheHiveConfig) -> Result<Self, RespondError> {
        check_url("thehive", &cfg.url)?;
        Ok(TheHive {
            http: Http::new(
                "thehive",
                cfg.timeout_secs,
                cfg.max_retries,
                cfg.retry_backoff_ms,
            )?,
            endpoint: join(&cfg.url, "api/v1/alert"),
            api_key: cfg.api_key.resolve("thehive", "api_key")?,
            cfg: cfg.clone(),
        })
    }

    /// The request body for an alert (contract: `thehive_alert_request.json`).
    pub fn body(&self, alert: &Alert) -> Value {
        let (_, description) = alert_message(alert);
        let mut tags = vec!["soc-auto".to_string(), alert.kind.clone()];
        for a in &alert.attack {
            tags.push(format!("attack.{}", a.technique_id.to_ascii_lowercase()));
        }
        let mut observables: Vec<Value> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut obs = |data_type: &str, data: String, message: &str, ioc: bool| {
            if seen.insert(data.clone()) {
                observables.push(
                    json!({"dataType": data_type, "data": data, "message": message, "ioc": ioc}),
                );
            }
        };
        if let Some(ip) = alert.src_ip {
            obs("ip", ip.to_string(), "Source address", true);
        }
        if let Some(h) = &alert.host {
            obs("hostname", h.clone(), "Host", false);
        }
        for ind in &alert.indicators {
            let t = match ind.kind {
                IndicatorKind::Ipv4 | IndicatorKind::Ipv6 => "ip",
                IndicatorKind::Domain => "domain",
                IndicatorKind::Url => "url",
                IndicatorKind::Email => "mail",
                k if k.is_hash() => "hash",
                _ => "other",
            };
            obs(t, ind.value.clone(), "Indicator", true);
        }
        let date = alert.first_seen.unwrap_or_else(Utc::now).timestamp_millis();
        json!({
            "type": self.cfg.alert_type,
            "source": self.cfg.source,
            "sourceRef": alert.id,
            "title": alert.title,
            "description": description,
            "severity": thehive_severity(alert.severity),
            "date": date,
            "tags": tags,
            "tlp": self.cfg.tlp,
            "pap": self.cfg.pap,
            "observables": observables,
        })
    }
}

#[async_trait]
impl Responder for TheHive {
    fn name(&self) -> &str {
        "thehive"
    }

    async fn respond(&self, alert: &Alert, mode: Mode) -> Result<ActionRecord, RespondError> {
        let mut rec = ActionRecord::new("thehive", "ticket", &alert.id, &alert.id, mode);
        rec.requests.push(format!("POST {}", self.endpoint));
        let body = self.body(alert);
        if mode == Mode::DryRun {
            rec.detail = format!("body: {body}");
            return Ok(rec);
        }
        let reply = self
            .http
            .send(
                |c| {
                    let r = c
                        .post(&self.endpoint)
                        .bearer_auth(&self.api_key)
                        .json(&body);
                    match &self.cfg.organisation {
                        Some(o) => r.header("X-Organisation", o),
                        None => r,
                    }
                },
                |s, _| s == 429 || s >= 500,
            )
            .await?;
        let parsed: Value = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
        if reply.ok() {
            rec.detail = format!("created {}", parsed["_id"].as_str().unwrap_or("alert"));
            return Ok(rec);
        }
        let message = parsed["message"].as_str().unwrap_or("");
        if matches!(reply.status, 400 | 409)
            && message.to_ascii_lowercase().contains("already exist")
        {
            rec.detail = format!("already exists (sourceRef {})", alert.id);
            return Ok(rec);
        }
        Err(reply.error("thehive"))
    }
}

// ---- Jira ----------------------------------------------------------------------

/// The `[respond.jira]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JiraConfig {
    /// Base URL, e.g. `https://jira.example`.
    pub url: String,
    /// Project key.
    pub project: String,
    /// Issue type name.
    pub issue_type: String,
    /// Account e-mail for Jira Cloud basic auth (`email:token`); unset: the
    /// token is a Data Center personal access token sent as a bearer token.
    pub email: Option<String>,
    /// API token or PAT (or `${VAR}`).
    pub token: Secret,
    /// Labels added to every issue.
    pub labels: Vec<String>,
    /// Request timeout in seconds.
    pub timeout_secs: u64,
    /// Retries on 429/5xx and transport errors.
    pub max_retries: u32,
    /// First retry delay in milliseconds.
    pub retry_backoff_ms: u64,
}

impl Default for JiraConfig {
    fn default() -> Self {
        JiraConfig {
            url: String::new(),
            project: "SOC".into(),
            issue_type: "Task".into(),
            email: None,
            token: Secret::new("${SOC_JIRA_TOKEN}"),
            labels: vec!["soc-auto".into()],
            timeout_secs: 10,
            max_retries: 3,
            retry_backoff_ms: 500,
        }
    }
}

/// Creates Jira issues (`POST /rest/api/2/issue`). Jira has no idempotency
/// key; the response engine's suppression window keeps it to one issue per
/// source and kind.
pub struct Jira {
    http: Http,
    endpoint: String,
    token: String,
    cfg: JiraConfig,
}

impl std::fmt::Debug for Jira {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jira")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl Jira {
    /// Builds the responder, resolving the token.
    pub fn new(cfg: &JiraConfig) -> Result<Self, RespondError> {
        check_url("jira", &cfg.url)?;
        Ok(Jira {
            http: Http::new(
                "jira",
                cfg.timeout_secs,
                cfg.max_retries,
                cfg.retry_backoff_ms,
            )?,
            endpoint: join(&cfg.url, "rest/api/2/issue"),
            token: cfg.token.resolve("jira", "token")?,
            cfg: cfg.clone(),
        })
    }

    /// The request body for an alert.
    pub fn body(&self, alert: &Alert) -> Value {
        let (_, description) = alert_message(alert);
        let mut labels = self.cfg.labels.clone();
        labels.extend(alert.attack.iter().map(|a| a.technique_id.clone()));
        let priority = match alert.severity {
            Severity::Critical => "Highest",
            Severity::High => "High",
            Severity::Medium => "Medium",
            Severity::Low => "Low",
            Severity::Info => "Lowest",
        };
        json!({"fields": {
            "project": {"key": self.cfg.project},
            "issuetype": {"name": self.cfg.issue_type},
            "summary": alert.title,
            "description": format!("{description}\nsoc alert id: {}", alert.id),
            "labels": labels,
            "priority": {"name": priority},
        }})
    }
}

#[async_trait]
impl Responder for Jira {
    fn name(&self) -> &str {
        "jira"
    }

    async fn respond(&self, alert: &Alert, mode: Mode) -> Result<ActionRecord, RespondError> {
        let mut rec = ActionRecord::new("jira", "ticket", &self.cfg.project, &alert.id, mode);
        rec.requests.push(format!("POST {}", self.endpoint));
        let body = self.body(alert);
        if mode == Mode::DryRun {
            rec.detail = format!("body: {body}");
            return Ok(rec);
        }
        let reply = self
            .http
            .send(
                |c| {
                    let r = c.post(&self.endpoint).json(&body);
                    match &self.cfg.email {
                        Some(e) => r.basic_auth(e, Some(&self.token)),
                        None => r.bearer_auth(&self.token),
                    }
                },
                |s, _| s == 429 || s >= 500,
            )
            .await?;
        if !reply.ok() {
            return Err(reply.error("jira"));
        }
        let parsed: Value = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
        rec.detail = format!("created {}", parsed["key"].as_str().unwrap_or("issue"));
        Ok(rec)
    }
}

// ---- local ticket file -------------------------------------------------------------

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
