//! A generic HTTPS JSON sink with bearer token.

use super::forwarder::{http_cfg_defaults, Forwarder};
use crate::error::RespondError;
use crate::model::Alert;
use crate::respond::http::retry_settings_from;
use crate::respond::json_post::JsonPost;
use crate::respond::secret::Secret;
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
#[derive(Debug)]
pub struct JsonSink {
    target: JsonPost,
    batch_size: usize,
}

retry_settings_from!(SinkConfig);

impl JsonSink {
    /// Builds the sink.
    pub fn new(cfg: &SinkConfig) -> Result<Self, RespondError> {
        Ok(JsonSink {
            target: JsonPost::new("sink", &cfg.url, cfg.token.as_ref(), "token", cfg.into())?,
            batch_size: cfg.batch_size.max(1),
        })
    }

    /// Sends alerts in batches; returns how many were accepted.
    pub async fn forward(&self, alerts: &[Alert]) -> Result<usize, RespondError> {
        let mut sent = 0;
        for chunk in alerts.chunks(self.batch_size) {
            self.target.post(chunk).await?;
            sent += chunk.len();
        }
        Ok(sent)
    }
}

#[async_trait]
impl Forwarder for JsonSink {
    const NAME: &'static str = "sink";
    const SENT_DETAIL: &'static str = "";

    fn shown_target(&self) -> String {
        self.target.shown_url()
    }

    fn dry_run_body(&self, _alert: &Alert) -> String {
        "[alert]".into()
    }

    async fn forward_alerts(&self, alerts: &[Alert]) -> Result<usize, RespondError> {
        self.forward(alerts).await
    }
}
