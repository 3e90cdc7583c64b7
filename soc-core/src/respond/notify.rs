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

use async_trait::async_trait;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};

use super::http::{check_url, redact_url, Http};
use super::secret::{secret_or_env, Secret};
use super::Responder;
use crate::error::RespondError;
use crate::model::{ActionOutcome, ActionRecord, Alert, Mode};

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

// ---- e-mail ----------------------------------------------------------------

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (required), port 587. The default.
    #[default]
    Starttls,
    /// Implicit TLS, port 465.
    Tls,
    /// No encryption, port 25; refused with credentials (use for local relays and tests).
    Plain,
}

/// The `[respond.email]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmailConfig {
    /// SMTP server host.
    pub host: String,
    /// Port (default by security: 587, 465, 25).
    pub port: Option<u16>,
    /// `starttls` (default), `tls` or `plain`.
    pub security: SmtpSecurity,
    /// User name (or `${VAR}`); default `$SOC_SMTP_USERNAME`.
    pub username: Option<Secret>,
    /// Password (or `${VAR}`); default `$SOC_SMTP_PASSWORD`.
    pub password: Option<Secret>,
    /// Sender address.
    pub from: String,
    /// Recipients.
    pub to: Vec<String>,
    /// Connection timeout in seconds.
    pub timeout_secs: u64,
}

impl Default for EmailConfig {
    fn default() -> Self {
        EmailConfig {
            host: "localhost".into(),
            port: None,
            security: SmtpSecurity::Starttls,
            username: None,
            password: None,
            from: "soc@localhost".into(),
            to: Vec::new(),
            timeout_secs: 30,
        }
    }
}

/// Sends alert e-mails over SMTP.
pub struct EmailNotifier {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    to: Vec<Mailbox>,
    endpoint: String,
}

impl std::fmt::Debug for EmailNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailNotifier")
            .field("endpoint", &self.endpoint)
            .field("from", &self.from.to_string())
            .field("to", &self.to.len())
            .finish_non_exhaustive()
    }
}

fn cfg_err(responder: &str, message: impl Into<String>) -> RespondError {
    RespondError::Config {
        responder: responder.to_string(),
        message: message.into(),
    }
}

impl EmailNotifier {
    /// Builds the notifier (no connection is made until the first send).
    pub fn new(cfg: &EmailConfig) -> Result<Self, RespondError> {
        let parse = |a: &str| {
            a.parse::<Mailbox>()
                .map_err(|e| cfg_err("email", format!("address '{a}': {e}")))
        };
        let from = parse(&cfg.from)?;
        if cfg.to.is_empty() {
            return Err(cfg_err("email", "no recipients; set respond.email.to"));
        }
        let to = cfg
            .to
            .iter()
            .map(|a| parse(a))
            .collect::<Result<Vec<_>, _>>()?;
        let user = secret_or_env(
            cfg.username.as_ref(),
            "SOC_SMTP_USERNAME",
            "email",
            "username",
        )?;
        let pass = secret_or_env(
            cfg.password.as_ref(),
            "SOC_SMTP_PASSWORD",
            "email",
            "password",
        )?;
        let creds = match (user, pass) {
            (Some(u), Some(p)) => Some(Credentials::new(u, p)),
            (None, None) => None,
            _ => {
                return Err(cfg_err(
                    "email",
                    "set both SMTP username and password (SOC_SMTP_USERNAME/SOC_SMTP_PASSWORD) or neither",
                ))
            }
        };
        let smtp = |e: lettre::transport::smtp::Error| RespondError::Smtp {
            message: e.to_string(),
        };
        let (mut builder, port) = match cfg.security {
            SmtpSecurity::Starttls => (
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&cfg.host).map_err(smtp)?,
                cfg.port.unwrap_or(587),
            ),
            SmtpSecurity::Tls => (
                AsyncSmtpTransport::<Tokio1Executor>::relay(&cfg.host).map_err(smtp)?,
                cfg.port.unwrap_or(465),
            ),
            SmtpSecurity::Plain => {
                if creds.is_some() {
                    return Err(cfg_err(
                        "email",
                        "security = \"plain\" would send the SMTP password unencrypted; use starttls or tls",
                    ));
                }
                (
                    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&cfg.host),
                    cfg.port.unwrap_or(25),
                )
            }
        };
        builder = builder
            .port(port)
            .timeout(Some(std::time::Duration::from_secs(
                cfg.timeout_secs.max(1),
            )));
        if let Some(c) = creds {
            builder = builder.credentials(c);
        }
        let sec = match cfg.security {
            SmtpSecurity::Starttls => "starttls",
            SmtpSecurity::Tls => "tls",
            SmtpSecurity::Plain => "plain",
        };
        Ok(EmailNotifier {
            transport: builder.build(),
            from,
            to,
            endpoint: format!("smtp://{}:{port} ({sec})", cfg.host),
        })
    }
}

#[async_trait]
impl Responder for EmailNotifier {
    fn name(&self) -> &str {
        "email"
    }

    async fn respond(&self, alert: &Alert, mode: Mode) -> Result<ActionRecord, RespondError> {
        let rcpts: Vec<String> = self.to.iter().map(|m| m.email.to_string()).collect();
        let mut rec = ActionRecord::new("email", "notify", &rcpts.join(","), &alert.id, mode);
        let (subject, body) = alert_message(alert);
        rec.requests.push(format!(
            "SMTP {} MAIL FROM:<{}> RCPT TO:{}",
            self.endpoint,
            self.from.email,
            rcpts.iter().map(|r| format!("<{r}>")).collect::<String>()
        ));
        rec.detail = format!("subject: {subject}");
        if mode == Mode::DryRun {
            return Ok(rec);
        }
        let mut msg = Message::builder()
            .from(self.from.clone())
            .subject(subject)
            .header(ContentType::TEXT_PLAIN);
        for t in &self.to {
            msg = msg.to(t.clone());
        }
        let msg = msg.body(body).map_err(|e| RespondError::Smtp {
            message: format!("building message: {e}"),
        })?;
        let resp = self
            .transport
            .send(msg)
            .await
            .map_err(|e| RespondError::Smtp {
                message: e.to_string(),
            })?;
        let first = resp.message().next().unwrap_or("").to_string();
        rec.detail = format!("{}; server: {} {first}", rec.detail, resp.code());
        rec.outcome = ActionOutcome::Done;
        Ok(rec)
    }
}

// ---- webhooks ----------------------------------------------------------------

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
pub struct WebhookNotifier {
    http: Http,
    url: String,
    token: Option<String>,
}

impl std::fmt::Debug for WebhookNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookNotifier")
            .field("url", &redact_url(&self.url))
            .finish_non_exhaustive()
    }
}

impl WebhookNotifier {
    /// Builds the notifier, resolving `${VAR}` references.
    pub fn new(cfg: &WebhookConfig) -> Result<Self, RespondError> {
        let url = cfg.url.resolve("webhook", "url")?;
        check_url("webhook", &url)?;
        let token = cfg
            .bearer_token
            .as_ref()
            .map(|t| t.resolve("webhook", "bearer_token"))
            .transpose()?;
        Ok(WebhookNotifier {
            http: Http::new(
                "webhook",
                cfg.timeout_secs,
                cfg.max_retries,
                cfg.retry_backoff_ms,
            )?,
            url,
            token,
        })
    }
}

#[async_trait]
impl Responder for WebhookNotifier {
    fn name(&self) -> &str {
        "webhook"
    }

    async fn respond(&self, alert: &Alert, mode: Mode) -> Result<ActionRecord, RespondError> {
        let shown = redact_url(&self.url);
        let mut rec = ActionRecord::new("webhook", "notify", &shown, &alert.id, mode);
        rec.requests.push(format!("POST {shown}"));
        let (subject, _) = alert_message(alert);
        let payload = serde_json::json!({ "text": subject, "alert": alert });
        if mode == Mode::DryRun {
            rec.detail = format!("body: {{\"text\":{:?},\"alert\":{{...}}}}", subject);
            return Ok(rec);
        }
        let reply = self
            .http
            .send(
                |c| {
                    let r = c.post(&self.url).json(&payload);
                    match &self.token {
                        Some(t) => r.bearer_auth(t),
                        None => r,
                    }
                },
                |s, _| s == 429 || s >= 500,
            )
            .await?;
        if !reply.ok() {
            return Err(reply.error("webhook"));
        }
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

impl SlackNotifier {
    /// Builds the notifier, resolving a `${VAR}` URL.
    pub fn new(cfg: &SlackConfig) -> Result<Self, RespondError> {
        let url = cfg.url.resolve("slack", "url")?;
        check_url("slack", &url)?;
        Ok(SlackNotifier {
            http: Http::new(
                "slack",
                cfg.timeout_secs,
                cfg.max_retries,
                cfg.retry_backoff_ms,
            )?,
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
        let text = format!("*{subject}*\n```{body}```");
        let payload = serde_json::json!({ "text": text });
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
