//! E-mail notifications over SMTP (STARTTLS by default).

use super::message::alert_message;
use crate::error::RespondError;
use crate::model::{ActionOutcome, ActionRecord, Alert, Mode};
use crate::respond::secret::{secret_or_env, Secret};
use crate::respond::Responder;
use async_trait::async_trait;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};

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
