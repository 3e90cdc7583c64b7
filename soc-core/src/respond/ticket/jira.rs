//! Jira issues.

use crate::error::RespondError;
use crate::model::{ActionRecord, Alert, Mode, Severity};
use crate::respond::http::{check_url, join, Http};
use crate::respond::notify::alert_message;
use crate::respond::secret::Secret;
use crate::respond::Responder;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

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
