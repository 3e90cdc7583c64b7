//! `soc notify --test`: send a test notification through e-mail, a Slack
//! webhook and/or a generic webhook, to check the settings end to end.

use std::process::ExitCode;

use serde_json::json;
use soc_core::respond::notify::{
    EmailConfig, EmailNotifier, SlackConfig, SlackNotifier, SmtpSecurity, WebhookConfig,
    WebhookNotifier,
};
use soc_core::respond::Secret;
use soc_core::{ActionRecord, Alert, Mode, Responder, Severity};

use crate::cmd::{runtime, UsageError};
use crate::output::{Format, RowWriter};

/// SMTP security, as a command-line value.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Security {
    Starttls,
    Tls,
    Plain,
}

/// Arguments of `soc notify`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Send a test notification (the only mode so far; alerts are notified by `soc run`).
    #[arg(long)]
    test: bool,
    /// Only show what would be sent.
    #[arg(long)]
    dry_run: bool,
    /// E-mail recipient (repeatable).
    #[arg(long, value_name = "ADDR")]
    email_to: Vec<String>,
    /// Sender address.
    #[arg(long, value_name = "ADDR", default_value = "soc@localhost")]
    email_from: String,
    /// SMTP server.
    #[arg(long, value_name = "HOST", default_value = "localhost")]
    smtp_host: String,
    /// SMTP port (default by security: 587, 465, 25).
    #[arg(long, value_name = "PORT")]
    smtp_port: Option<u16>,
    /// SMTP security; credentials come from SOC_SMTP_USERNAME/SOC_SMTP_PASSWORD.
    #[arg(long, value_enum, default_value = "starttls")]
    smtp_security: Security,
    /// Generic JSON webhook URL.
    #[arg(long, value_name = "URL")]
    webhook: Option<String>,
    /// Slack incoming-webhook URL (or set SOC_SLACK_WEBHOOK).
    #[arg(
        long,
        value_name = "URL",
        env = "SOC_SLACK_WEBHOOK",
        hide_env_values = true
    )]
    slack: Option<String>,
    /// Output format (default: table on a terminal, jsonl when piped).
    #[arg(long, value_enum)]
    format: Option<Format>,
}

/// Runs `soc notify`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if !args.test {
        return Err(UsageError("soc notify sends test notifications: use `soc notify --test --email-to ADDR | --slack URL | --webhook URL`".into()).into());
    }
    let mut notifiers: Vec<Box<dyn Responder>> = Vec::new();
    if !args.email_to.is_empty() {
        let cfg = EmailConfig {
            host: args.smtp_host.clone(),
            port: args.smtp_port,
            security: match args.smtp_security {
                Security::Starttls => SmtpSecurity::Starttls,
                Security::Tls => SmtpSecurity::Tls,
                Security::Plain => SmtpSecurity::Plain,
            },
            from: args.email_from.clone(),
            to: args.email_to.clone(),
            ..Default::default()
        };
        notifiers.push(Box::new(EmailNotifier::new(&cfg)?));
    }
    if let Some(url) = &args.slack {
        let cfg = SlackConfig {
            url: Secret::new(url.clone()),
            ..Default::default()
        };
        notifiers.push(Box::new(SlackNotifier::new(&cfg)?));
    }
    if let Some(url) = &args.webhook {
        let cfg = WebhookConfig {
            url: Secret::new(url.clone()),
            ..Default::default()
        };
        notifiers.push(Box::new(WebhookNotifier::new(&cfg)?));
    }
    if notifiers.is_empty() {
        return Err(
            UsageError("nothing to notify: give --email-to, --slack or --webhook".into()).into(),
        );
    }
    let mut alert = Alert::new(
        "soc.test",
        "notify-test",
        "soc test notification",
        Severity::Info,
    );
    alert.source = "soc notify --test".into();
    alert.host = Some(hostname());
    let mode = if args.dry_run {
        Mode::DryRun
    } else {
        Mode::Live
    };
    let rt = runtime()?;
    let records: Vec<ActionRecord> = rt.block_on(async {
        let mut out = Vec::new();
        for n in &notifiers {
            out.push(match n.respond(&alert, mode).await {
                Ok(r) => r,
                Err(e) => {
                    let mut r = ActionRecord::new(n.name(), "notify", "", &alert.id, mode);
                    r.outcome = soc_core::ActionOutcome::Failed(e.to_string());
                    r
                }
            });
        }
        out
    });
    let failed = records.iter().any(|r| r.outcome.status() == "failed");
    let mut w = RowWriter::new(
        std::io::stdout().lock(),
        Format::resolve(args.format),
        &["responder", "target", "status", "detail"],
    );
    for r in &records {
        let detail = match &r.outcome {
            soc_core::ActionOutcome::Failed(m) | soc_core::ActionOutcome::Skipped(m) => m.clone(),
            _ if r.detail.is_empty() => r.requests.join("; "),
            _ => r.detail.clone(),
        };
        w.write(&json!({
            "responder": r.responder,
            "target": r.target,
            "status": r.outcome.status(),
            "detail": detail,
            "requests": r.requests,
        }))?;
    }
    let _ = w.finish()?;
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".into())
}
