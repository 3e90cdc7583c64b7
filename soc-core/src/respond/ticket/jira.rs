//! Jira issues.

use crate::error::RespondError;
use crate::model::{ActionRecord, Alert, Mode, Severity};
use crate::respond::http::{
    debug_shows_endpoint, join, retry_settings_from, shown_endpoint, Endpoint,
};
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
    /// Before creating an issue, search (JQL) for one carrying the alert's
    /// `soc-<alert id>` label and skip the create when it exists, so a
    /// restart or a retried run never opens a second issue for one alert.
    pub search_existing: bool,
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
            search_existing: true,
            timeout_secs: 10,
            max_retries: 3,
            retry_backoff_ms: 500,
        }
    }
}

/// Creates Jira issues (`POST /rest/api/2/issue`). Jira has no idempotency
/// key: every issue carries the label `soc-<alert id>`, and (unless
/// `search_existing` is off) a JQL search for that label comes first, so one
/// alert gets one issue across runs and restarts. The response engine's
/// suppression window also keeps it to one issue per source and kind.
pub struct Jira {
    endpoint: Endpoint,
    search: String,
    token: String,
    cfg: JiraConfig,
}

debug_shows_endpoint!(Jira);
retry_settings_from!(JiraConfig);

impl Jira {
    /// Builds the responder, resolving the token.
    pub fn new(cfg: &JiraConfig) -> Result<Self, RespondError> {
        Ok(Jira {
            endpoint: Endpoint::new("jira", &cfg.url, "rest/api/2/issue", cfg.into())?,
            search: join(&cfg.url, "rest/api/2/search"),
            token: cfg.token.resolve("jira", "token")?,
            cfg: cfg.clone(),
        })
    }

    /// The request body for an alert. Log text in the description is
    /// escaped for Jira wiki markup ([`jira_text`]).
    pub fn body(&self, alert: &Alert) -> Value {
        let (_, description) = alert_message(alert);
        let mut labels = self.cfg.labels.clone();
        labels.extend(alert.attack.iter().map(|a| a.technique_id.clone()));
        labels.push(jira_alert_label(&alert.id));
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
            "summary": crate::pipeline::report::visible(&alert.title.replace(['\r', '\n'], " ")),
            "description": format!("{}\nsoc alert id: {}", jira_text(&description), jira_text(&alert.id)),
            "labels": labels,
            "priority": {"name": priority},
        }})
    }

    fn authorize(&self, r: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.cfg.email {
            Some(e) => r.basic_auth(e, Some(&self.token)),
            None => r.bearer_auth(&self.token),
        }
    }

    /// The key of an issue already carrying the alert's label, if any. A
    /// failed search is logged and treated as "none" (a duplicate issue is
    /// better than a missing one); a rejected token fails the action.
    async fn existing_issue(&self, alert: &Alert) -> Result<Option<String>, RespondError> {
        let jql = format!("labels = \"{}\"", jira_alert_label(&alert.id));
        let reply = self
            .endpoint
            .http()
            .send(
                |c| {
                    self.authorize(c.get(&self.search).query(&[
                        ("jql", jql.as_str()),
                        ("fields", "key"),
                        ("maxResults", "1"),
                    ]))
                },
                |s, _| s == 429 || s >= 500,
            )
            .await?;
        if matches!(reply.status, 401 | 403) {
            return Err(reply.error("jira"));
        }
        if !reply.ok() {
            tracing::warn!(
                status = reply.status,
                "jira: search for an existing issue failed; creating one"
            );
            return Ok(None);
        }
        let parsed: Value = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
        Ok(parsed["issues"]
            .get(0)
            .and_then(|i| i["key"].as_str())
            .map(str::to_string))
    }
}

/// The label that ties an issue to an alert: `soc-<id>`, with every
/// character Jira labels cannot hold replaced by `_`.
pub fn jira_alert_label(alert_id: &str) -> String {
    let clean: String = alert_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("soc-{clean}")
}

#[async_trait]
impl Responder for Jira {
    fn name(&self) -> &str {
        "jira"
    }

    async fn respond(&self, alert: &Alert, mode: Mode) -> Result<ActionRecord, RespondError> {
        let mut rec = ActionRecord::new("jira", "ticket", &self.cfg.project, &alert.id, mode);
        if self.cfg.search_existing {
            rec.requests
                .push(format!("GET {}", shown_endpoint(&self.search)));
        }
        let body = self.body(alert);
        if self.endpoint.note_post(&mut rec, &body) {
            return Ok(rec);
        }
        if self.cfg.search_existing {
            if let Some(key) = self.existing_issue(alert).await? {
                rec.requests.pop();
                rec.detail = format!("exists {key}");
                return Ok(rec);
            }
        }
        let reply = self
            .endpoint
            .post(
                |r| self.authorize(r.json(&body)),
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

/// `text` with Jira wiki markup from log text made inert: the characters
/// that open links (`[...|url]`), images (`!url!`), macros (`{html}`) and
/// table cells are backslash-escaped; line breaks stay.
///
/// ```
/// use soc_core::respond::ticket::jira_text;
/// assert_eq!(jira_text("[click|http://evil] !http://evil/x.png!"), "\\[click\\|http://evil\\] \\!http://evil/x.png\\!");
/// ```
pub fn jira_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if matches!(c, '[' | ']' | '{' | '}' | '!' | '|' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
