//! Elasticsearch `_bulk` indexing with per-item status checks.

use super::forwarder::{http_cfg_defaults, Forwarder};
use crate::error::RespondError;
use crate::model::Alert;
use crate::respond::http::{debug_shows_endpoint, retry_settings_from, truncate, Endpoint};
use crate::respond::secret::Secret;
use async_trait::async_trait;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The `[respond.elasticsearch]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ElasticConfig {
    /// Base URL, e.g. `https://es.example:9200`.
    pub url: String,
    /// Index name; `%Y.%m.%d` style `chrono` patterns are expanded at send time.
    pub index: String,
    /// API key (or `${VAR}`), sent as `Authorization: ApiKey <key>`.
    pub api_key: Option<Secret>,
    /// Documents per request.
    pub batch_size: usize,
    /// Request timeout in seconds.
    pub timeout_secs: u64,
    /// Retries of 429/5xx requests and of items rejected with 429.
    pub max_retries: u32,
    /// First retry delay in milliseconds.
    pub retry_backoff_ms: u64,
}

impl Default for ElasticConfig {
    fn default() -> Self {
        let (t, r, b, n) = http_cfg_defaults();
        ElasticConfig {
            url: String::new(),
            index: "soc-alerts-%Y.%m.%d".into(),
            api_key: None,
            batch_size: n,
            timeout_secs: t,
            max_retries: r,
            retry_backoff_ms: b,
        }
    }
}

/// Indexes alerts with the Elasticsearch `_bulk` API (document id = alert
/// id, so re-sending updates instead of duplicating).
pub struct ElasticBulk {
    endpoint: Endpoint,
    api_key: Option<String>,
    cfg: ElasticConfig,
}

debug_shows_endpoint!(ElasticBulk);
retry_settings_from!(ElasticConfig);

impl ElasticBulk {
    /// Builds the forwarder.
    pub fn new(cfg: &ElasticConfig) -> Result<Self, RespondError> {
        let endpoint = Endpoint::new("elasticsearch", &cfg.url, "_bulk", cfg.into())?;
        let api_key = cfg
            .api_key
            .as_ref()
            .map(|k| k.resolve("elasticsearch", "api_key"))
            .transpose()?;
        Ok(ElasticBulk {
            endpoint,
            api_key,
            cfg: cfg.clone(),
        })
    }

    fn index_name(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        // An invalid pattern is written literally instead of panicking.
        if write!(out, "{}", Utc::now().format(&self.cfg.index)).is_err() {
            return self.cfg.index.clone();
        }
        out
    }

    /// The ndjson body for `alerts` (ends with `\n`).
    pub fn bulk_body(&self, alerts: &[&Alert]) -> String {
        let index = self.index_name();
        let mut body = String::new();
        for a in alerts {
            let mut doc = serde_json::to_value(a).unwrap_or(Value::Null);
            let t = a.last_seen.or(a.first_seen).unwrap_or_else(Utc::now);
            if let Value::Object(m) = &mut doc {
                m.insert("@timestamp".into(), json!(t.to_rfc3339()));
            }
            body.push_str(&json!({"index": {"_index": index, "_id": a.id}}).to_string());
            body.push('\n');
            body.push_str(&doc.to_string());
            body.push('\n');
        }
        body
    }

    /// Sends alerts in batches; items rejected with 429 are re-sent, other
    /// item failures are reported. Returns how many were indexed.
    pub async fn forward(&self, alerts: &[Alert]) -> Result<usize, RespondError> {
        let mut indexed = 0;
        for chunk in alerts.chunks(self.cfg.batch_size.max(1)) {
            let mut pending: Vec<&Alert> = chunk.iter().collect();
            let mut attempt = 0;
            while !pending.is_empty() {
                let body = self.bulk_body(&pending);
                let reply = self
                    .endpoint
                    .post(
                        |r| {
                            let r = r
                                .header("Content-Type", "application/x-ndjson")
                                .body(body.clone());
                            match &self.api_key {
                                Some(k) => r.header("Authorization", format!("ApiKey {k}")),
                                None => r,
                            }
                        },
                        |s, _| s == 429 || s >= 500,
                    )
                    .await?;
                if !reply.ok() {
                    return Err(reply.error("elasticsearch"));
                }
                let parsed: Value =
                    serde_json::from_str(&reply.body).map_err(|e| RespondError::Http {
                        responder: "elasticsearch".into(),
                        status: reply.status,
                        body: format!("unreadable _bulk response: {e}"),
                    })?;
                let items = parsed
                    .get("items")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                if items.len() != pending.len() {
                    return Err(RespondError::Http {
                        responder: "elasticsearch".into(),
                        status: reply.status,
                        body: format!(
                            "_bulk answered {} items for {} documents",
                            items.len(),
                            pending.len()
                        ),
                    });
                }
                let mut retry = Vec::new();
                let mut failed = Vec::new();
                for (item, alert) in items.iter().zip(&pending) {
                    let op = item
                        .as_object()
                        .and_then(|o| o.values().next())
                        .unwrap_or(&Value::Null);
                    let status = op.get("status").and_then(Value::as_u64).unwrap_or(0) as u16;
                    match status {
                        200..=299 => indexed += 1,
                        429 => retry.push(*alert),
                        _ => {
                            let e = &op["error"];
                            failed.push((
                                status,
                                format!(
                                    "{}: {}: {}",
                                    alert.id,
                                    e["type"].as_str().unwrap_or("error"),
                                    e["reason"].as_str().unwrap_or("")
                                ),
                            ));
                        }
                    }
                }
                if let Some((status, first)) = failed.first() {
                    return Err(RespondError::Http {
                        responder: "elasticsearch".into(),
                        status: *status,
                        body: truncate(
                            &format!(
                                "{} of {} documents rejected; first: {first}",
                                failed.len(),
                                pending.len()
                            ),
                            400,
                        ),
                    });
                }
                if !retry.is_empty() {
                    attempt += 1;
                    if attempt > self.cfg.max_retries {
                        return Err(RespondError::Http {
                            responder: "elasticsearch".into(),
                            status: 429,
                            body: format!(
                                "{} documents still rate-limited after {} retries",
                                retry.len(),
                                self.cfg.max_retries
                            ),
                        });
                    }
                    let wait = std::time::Duration::from_millis(
                        self.cfg
                            .retry_backoff_ms
                            .saturating_mul(1 << attempt.min(10)),
                    );
                    tokio::time::sleep(wait).await;
                }
                pending = retry;
            }
        }
        Ok(indexed)
    }
}

#[async_trait]
impl Forwarder for ElasticBulk {
    const NAME: &'static str = "elasticsearch";
    const SENT_DETAIL: &'static str = "indexed";

    fn shown_target(&self) -> String {
        self.endpoint.shown()
    }

    fn dry_run_body(&self, alert: &Alert) -> String {
        self.bulk_body(&[alert])
    }

    async fn forward_alerts(&self, alerts: &[Alert]) -> Result<usize, RespondError> {
        self.forward(alerts).await
    }
}
