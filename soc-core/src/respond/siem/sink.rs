//! A generic HTTPS JSON sink with bearer token.

use super::http_cfg_defaults;
use crate::error::RespondError;
use crate::model::{ActionRecord, Alert, Mode};
use crate::respond::http::{check_url, redact_url, Http};
use crate::respond::secret::Secret;
use crate::respond::Responder;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// The `[respond.sink]` section: any HTTPS endpoint taking a JSON array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SinkConfig {
    /// The URL to POST to.
    pub url: Secret,
    /// Bearer token (or `${VAR}`).
    pub token: Option<Secret>,
    /// Alerts per request.
    pub batch_size: usize,
    /// Request timeout in seconds.
    pub timeout_secs: u64,
    /// Retries on 429/5xx and transport errors.
    pub max_retries: u32,
    /// First retry delay in milliseconds.
    pub retry_backoff_ms: u64,
}

impl Default for SinkConfig {
    fn default() -> Self {
        let (t, r, b, n) = http_cfg_defaults();
        SinkConfig {
            url: Secret::new(""),
            token: None,
            batch_size: n,
            timeout_secs: t,
            max_retries: r,
            retry_backoff_ms: b,
        }
    }
}

/// POSTs alerts as a JSON array with an optional bearer token.
pub struct JsonSink {
    http: Http,
    url: String,
    token: Option<String>,
    batch_size: usize,
}

impl std::fmt::Debug for JsonSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonSink")
            .field("url", &redact_url(&self.url))
            .finish_non_exhaustive()
    }
}

impl JsonSink {
    /// Builds the sink.
    pub fn new(cfg: &SinkConfig) -> Result<Self, RespondError> {
        let url = cfg.url.resolve("sink", "url")?;
        check_url("sink", &url)?;
        let token = cfg
            .token
            .as_ref()
            .map(|t| t.resolve("sink", "token"))
            .transpose()?;
        Ok(JsonSink {
            http: Http::new(
                "sink",
                cfg.timeout_secs,
                cfg.max_retries,
                cfg.retry_backoff_ms,
            )?,
            url,
            token,
            batch_size: cfg.batch_size.max(1),
        })
    }

    /// Sends alerts in batches; returns how many were accepted.
    pub async fn forward(&self, alerts: &[Alert]) -> Result<usize, RespondError> {
        let mut sent = 0;
        for chunk in alerts.chunks(self.batch_size) {
            let reply = self
                .http
                .send(
                    |c| {
                        let r = c.post(&self.url).json(chunk);
                        match &self.token {
                            Some(t) => r.bearer_auth(t),
                            None => r,
                        }
                    },
                    |s, _| s == 429 || s >= 500,
                )
                .await?;
            if !reply.ok() {
                return Err(reply.error("sink"));
            }
            sent += chunk.len();
        }
        Ok(sent)
    }
}

#[async_trait]
impl Responder for JsonSink {
    fn name(&self) -> &str {
        "sink"
    }

    async fn respond(&self, alert: &Alert, mode: Mode) -> Result<ActionRecord, RespondError> {
        let shown = redact_url(&self.url);
        let mut rec = ActionRecord::new("sink", "forward", &shown, &alert.id, mode);
        rec.requests.push(format!("POST {shown}"));
        if mode == Mode::DryRun {
            rec.detail = "body: [alert]".into();
            return Ok(rec);
        }
        self.forward(std::slice::from_ref(alert)).await?;
        Ok(rec)
    }
}
