//! Splunk HTTP Event Collector forwarding.

use super::forwarder::{http_cfg_defaults, Forwarder};
use crate::error::RespondError;
use crate::model::Alert;
use crate::respond::http::{debug_shows_endpoint, retry_settings_from, truncate, Endpoint};
use crate::respond::secret::Secret;
use async_trait::async_trait;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The `[respond.splunk_hec]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SplunkHecConfig {
    /// Base URL, e.g. `https://splunk.example:8088`.
    pub url: String,
    /// HEC token (or `${VAR}`), sent as `Authorization: Splunk <token>`.
    pub token: Secret,
    /// Target index (the token's default when unset).
    pub index: Option<String>,
    /// `source` field.
    pub source: String,
    /// `sourcetype` field.
    pub sourcetype: String,
    /// Events per request.
    pub batch_size: usize,
    /// Request timeout in seconds.
    pub timeout_secs: u64,
    /// Retries on 429/503 and transport errors.
    pub max_retries: u32,
    /// First retry delay in milliseconds.
    pub retry_backoff_ms: u64,
}

impl Default for SplunkHecConfig {
    fn default() -> Self {
        let (t, r, b, n) = http_cfg_defaults();
        SplunkHecConfig {
            url: String::new(),
            token: Secret::new("${SOC_SPLUNK_HEC_TOKEN}"),
            index: None,
            source: "soc".into(),
            sourcetype: "soc:alert".into(),
            batch_size: n,
            timeout_secs: t,
            max_retries: r,
            retry_backoff_ms: b,
        }
    }
}

/// Forwards alerts to a Splunk HTTP Event Collector.
pub struct SplunkHec {
    endpoint: Endpoint,
    token: String,
    cfg: SplunkHecConfig,
}

debug_shows_endpoint!(SplunkHec);
retry_settings_from!(SplunkHecConfig);

impl SplunkHec {
    /// Builds the forwarder, resolving the token.
    pub fn new(cfg: &SplunkHecConfig) -> Result<Self, RespondError> {
        let path = "services/collector/event";
        let endpoint = Endpoint::new("splunk_hec", &cfg.url, path, cfg.into())?;
        Ok(SplunkHec {
            endpoint,
            token: cfg.token.resolve("splunk_hec", "token")?,
            cfg: cfg.clone(),
        })
    }

    /// The HEC event object for an alert.
    pub fn event(&self, alert: &Alert) -> Value {
        let t = alert
            .last_seen
            .or(alert.first_seen)
            .unwrap_or_else(Utc::now);
        let mut ev = json!({
            "time": t.timestamp_millis() as f64 / 1000.0,
            "source": self.cfg.source,
            "sourcetype": self.cfg.sourcetype,
            "event": alert,
        });
        if let Some(h) = &alert.host {
            ev["host"] = json!(h);
        }
        if let Some(i) = &self.cfg.index {
            ev["index"] = json!(i);
        }
        ev
    }

    /// Sends alerts in batches of `batch_size`; returns how many were accepted.
    pub async fn forward(&self, alerts: &[Alert]) -> Result<usize, RespondError> {
        let mut sent = 0;
        for chunk in alerts.chunks(self.cfg.batch_size.max(1)) {
            let body: String = chunk
                .iter()
                .map(|a| self.event(a).to_string() + "\n")
                .collect();
            let reply = self
                .endpoint
                .post(
                    |r| {
                        r.header("Authorization", format!("Splunk {}", self.token))
                            .header("Content-Type", "application/json")
                            .body(body.clone())
                    },
                    |s, _| s == 429 || s == 503,
                )
                .await?;
            let parsed: Value = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
            let code = parsed.get("code").and_then(Value::as_i64);
            if !reply.ok() || code.is_some_and(|c| c != 0) {
                let text = parsed.get("text").and_then(Value::as_str).unwrap_or("");
                let body = match code {
                    Some(c) => format!("HEC code {c}: {text}"),
                    None => truncate(&reply.body, 300),
                };
                return Err(RespondError::Http {
                    responder: "splunk_hec".into(),
                    status: reply.status,
                    body,
                });
            }
            sent += chunk.len();
        }
        Ok(sent)
    }
}

#[async_trait]
impl Forwarder for SplunkHec {
    const NAME: &'static str = "splunk_hec";
    const SENT_DETAIL: &'static str = "HEC code 0: Success";

    fn shown_target(&self) -> String {
        self.endpoint.shown()
    }

    fn dry_run_body(&self, alert: &Alert) -> String {
        self.event(alert).to_string()
    }

    async fn forward_alerts(&self, alerts: &[Alert]) -> Result<usize, RespondError> {
        self.forward(alerts).await
    }
}
