//! TheHive 5 alerts, idempotent on `sourceRef`.

use crate::error::RespondError;
use crate::model::{ActionRecord, Alert, IndicatorKind, Mode, Severity};
use crate::respond::http::{debug_shows_endpoint, retry_settings_from, Endpoint};
use crate::respond::notify::alert_message;
use crate::respond::secret::Secret;
use crate::respond::Responder;
use async_trait::async_trait;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

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
    endpoint: Endpoint,
    api_key: String,
    cfg: TheHiveConfig,
}

debug_shows_endpoint!(TheHive);
retry_settings_from!(TheHiveConfig);

impl TheHive {
    /// Builds the responder, resolving the API key.
    pub fn new(cfg: &TheHiveConfig) -> Result<Self, RespondError> {
        Ok(TheHive {
            endpoint: Endpoint::new("thehive", &cfg.url, "api/v1/alert", cfg.into())?,
            api_key: cfg.api_key.resolve("thehive", "api_key")?,
            cfg: cfg.clone(),
        })
    }

    /// The request body for an alert (contract: `thehive_alert_request.json`).
    pub fn body(&self, alert: &Alert) -> Value {
        // TheHive renders the description as Markdown: no links or images
        // from log text.
        let (_, text) = alert_message(alert);
        let description = text
            .lines()
            .map(crate::pipeline::report::markdown_text)
            .collect::<Vec<_>>()
            .join("  \n");
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
        let body = self.body(alert);
        if self.endpoint.note_post(&mut rec, &body) {
            return Ok(rec);
        }
        let reply = self
            .endpoint
            .post(
                |r| {
                    let r = r.bearer_auth(&self.api_key).json(&body);
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

/// TheHive's severity scale: 1 (low) to 4 (critical).
fn thehive_severity(s: Severity) -> u8 {
    match s {
        Severity::Info | Severity::Low => 1,
        Severity::Medium => 2,
        Severity::High => 3,
        Severity::Critical => 4,
    }
}
