//! Slack-compatible and generic JSON webhooks.

use super::message::alert_message;
use crate::error::RespondError;
use crate::model::{ActionRecord, Alert, Mode};
use crate::respond::http::{redact_url, retry_settings_from, Http};
use crate::respond::json_post::JsonPost;
use crate::respond::secret::Secret;
use crate::respond::Responder;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

fn default_timeout() -> u64 {
    10
}

/// The `[respond.webhook]` section: a generic JSON webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookConfig {
    /// The URL to POST to (may embed a token; never printed).
    pub url: Secret,
    /// Optional bearer token (or `${VAR}`).
    pub bearer_token: Option<Secret>,
    /// Request timeout in seconds.
    pub timeout_secs: u64,
    /// Retries on 429, 5xx and transport errors.
    pub max_retries: u32,
    /// First retry delay in milliseconds (doubles each retry; `Retry-After` wins).
    pub retry_backoff_ms: u64,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            url: Secret::new(""),
            bearer_token: None,
            timeout_secs: default_timeout(),
            max_retries: 3,
            retry_backoff_ms: 500,
        }
    }
}

/// POSTs `{"text": ..., "alert": {...}}` to a URL; any 2xx is success.
#[derive(Debug)]
pub struct WebhookNotifier {
    target: JsonPost,
}

retry_settings_from!(WebhookConfig);

impl WebhookNotifier {
    /// Builds the notifier, resolving `${VAR}` references.
    pub fn new(cfg: &WebhookConfig) -> Result<Self, RespondError> {
        let token = cfg.bearer_token.as_ref();
        Ok(WebhookNotifier {
            target: JsonPost::new("webhook", &cfg.url, token, "bearer_token", cfg.into())?,
        })
    }
}

#[async_trait]
impl Responder for WebhookNotifier {
    fn name(&self) -> &str {
        "webhook"
    }

    async fn respond(&self, alert: &Alert, mode: Mode) -> Result<ActionRecord, RespondError> {
        let shown = self.target.shown_url();
        let mut rec = ActionRecord::new("webhook", "notify", &shown, &alert.id, mode);
        rec.requests.push(format!("POST {shown}"));
        let (subject, _) = alert_message(alert);
        let payload = serde_json::json!({ "text": subject, "alert": alert });
        if mode == Mode::DryRun {
            rec.detail = format!("body: {{\"text\":{:?},\"alert\":{{...}}}}", subject);
            return Ok(rec);
        }
        let reply = self.target.post(&payload).await?;
        rec.detail = format!("HTTP {}", reply.status);
        Ok(rec)
    }
}

/// The `[respond.slack]` section: a Slack (or compatible) incoming webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SlackConfig {
    /// The incoming-webhook URL (a credential: use `${SOC_SLACK_WEBHOOK}`).
    pub url: Secret,
    /// Request timeout in seconds.
    pub timeout_secs: u64,
    /// Retries on 429 (honouring `Retry-After`), 5xx and transport errors.
    pub max_retries: u32,
    /// First retry delay in milliseconds.
    pub retry_backoff_ms: u64,
}

impl Default for SlackConfig {
    fn default() -> Self {
        SlackConfig {
            url: Secret::new(""),
            timeout_secs: default_timeout(),
            max_retries: 3,
            retry_backoff_ms: 1000,
        }
    }
}

/// Posts `{"text": ...}` to a Slack incoming webhook. Success is HTTP 200
/// with the body `ok`; Slack's plain-text error tokens (`invalid_payload`,
/// `channel_not_found`, ...) come back in `RespondError::Http`.
pub struct SlackNotifier {
    http: Http,
    url: String,
}

impl std::fmt::Debug for SlackNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackNotifier")
            .field("url", &redact_url(&self.url))
            .finish_non_exhaustive()
    }
}

retry_settings_from!(SlackConfig);

impl SlackNotifier {
    /// Builds the notifier, resolving a `${VAR}` URL.
    pub fn new(cfg: &SlackConfig) -> Result<Self, RespondError> {
        let url = cfg.url.resolve("slack", "url")?;
        Ok(SlackNotifier {
            http: Http::for_url("slack", &url, cfg.into())?,
            url,
        })
    }
}

#[async_trait]
impl Responder for SlackNotifier {
    fn name(&self) -> &str {
        "slack"
    }

    async fn respond(&self, alert: &Alert, mode: Mode) -> Result<ActionRecord, RespondError> {
        let shown = redact_url(&self.url);
        let mut rec = ActionRecord::new("slack", "notify", &shown, &alert.id, mode);
        rec.requests.push(format!("POST {shown}"));
        let (subject, body) = alert_message(alert);
        // Log text is escaped for mrkdwn and cannot close the code block;
        // no link or media previews are fetched for URLs it contains.
        let text = format!(
            "*{}*\n```{}```",
            super::message::slack_escape(&subject.replace("```", "'''")),
            super::message::slack_escape(&body.replace("```", "'''"))
        );
        let payload = serde_json::json!({
            "text": text,
            "unfurl_links": false,
            "unfurl_media": false,
        });
        if mode == Mode::DryRun {
            rec.detail = format!("text: {subject}");
            return Ok(rec);
        }
        let reply = self
            .http
            .send(
                |c| c.post(&self.url).json(&payload),
                |s, _| s == 429 || s >= 500,
            )
            .await?;
        if reply.status != 200 || reply.body.trim() != "ok" {
            return Err(reply.error("slack"));
        }
        rec.detail = "ok".into();
        Ok(rec)
    }
}
