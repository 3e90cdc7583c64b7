//! SIEM forwarding: Splunk HTTP Event Collector, Elasticsearch `_bulk`, and a
//! generic HTTPS JSON sink. Each batches ([`SplunkHec::forward`] and friends
//! take many alerts) and retries what is retryable: HEC 429/503 (never
//! 400/403), Elasticsearch per-item 429s, sink 429/5xx.
//!
//! ```
//! use soc_core::respond::siem::{SplunkHec, SplunkHecConfig};
//! use soc_core::respond::Secret;
//! use soc_core::{Alert, Mode, Responder, Severity};
//!
//! let hec = SplunkHec::new(&SplunkHecConfig {
//!     url: "https://splunk.example:8088".into(),
//!     token: Secret::new("00000000-0000-0000-0000-000000000000"),
//!     ..Default::default()
//! }).unwrap();
//! let alert = Alert::new("ssh.brute_force", "198.51.100.23", "SSH brute force", Severity::High);
//! let rt = tokio::runtime::Runtime::new().unwrap();
//! let rec = rt.block_on(hec.respond(&alert, Mode::DryRun)).unwrap();
//! assert_eq!(rec.requests, ["POST https://splunk.example:8088/services/collector/event"]);
//! ```

use async_trait::async_trait;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::http::{check_url, join, redact_url, truncate, Http};
use super::secret::Secret;
use super::Responder;
use crate::error::RespondError;
use crate::model::{ActionRecord, Alert, Mode};

fn http_cfg_defaults() -> (u64, u32, u64, usize) {
    (10, 3, 500, 100)
}

// ---- Splunk HEC ---------------------------------------------------------------

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
    http: Http,
    endpoint: String,
    token: String,
    cfg: SplunkHecConfig,
}

impl std::fmt::Debug for SplunkHec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SplunkHec")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl SplunkHec {
    /// Builds the forwarder, resolving the token.
    pub fn new(cfg: &SplunkHecConfig) -> Result<Self, RespondError> {
        check_url("splunk_hec", &cfg.url)?;
        let token = cfg.token.resolve("splunk_hec", "token")?;
        Ok(SplunkHec {
            http: Http::new(
                "splunk_hec",
                cfg.timeout_secs,
                cfg.max_retries,
                cfg.retry_backoff_ms,
            )?,
            endpoint: join(&cfg.url, "services/collector/event"),
            token,
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
                .http
                .send(
                    |c| {
                        c.post(&self.endpoint)
                            .header("Authorization", format!("Splunk {}", self.token))
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
impl Responder for SplunkHec {
    fn name(&self) -> &str {
        "splunk_hec"
    }

    async fn respond(&self, alert: &Alert, mode: Mode) -> Result<ActionRecord, RespondError> {
        let mut rec = ActionRecord::new("splunk_hec", "forward", &self.endpoint, &alert.id, mode);
        rec.requests.push(format!("POST {}", self.endpoint));
        if mode == Mode::DryRun {
            rec.detail = format!("body: {}", self.event(alert));
            return Ok(rec);
        }
        self.forward(std::slice::from_ref(alert)).await?;
        rec.detail = "HEC code 0: Success".into();
        Ok(rec)
    }
}

// ---- Elasticsearch --------------------------------------------------------------

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
    http: Http,
    endpoint: String,
    api_key: Option<String>,
    cfg: ElasticConfig,
}

impl std::fmt::Debug for ElasticBulk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ElasticBulk")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl ElasticBulk {
    /// Builds the forwarder.
    pub fn new(cfg: &ElasticConfig) -> Result<Self, RespondError> {
        check_url("elasticsearch", &cfg.url)?;
        let api_key = cfg
            .api_key
            .as_ref()
            .map(|k| k.resolve("elasticsearch", "api_key"))
            .transpose()?;
        Ok(ElasticBulk {
            http: Http::new(
                "elasticsearch",
                cfg.timeout_secs,
                cfg.max_retries,
                cfg.retry_backoff_ms,
            )?,
            endpoint: join(&cfg.url, "_bulk"),
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
                    .http
                    .send(
                        |c| {
                            let r = c
                                .post(&self.endpoint)
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
impl Responder for ElasticBulk {
    fn name(&self) -> &str {
        "elasticsearch"
    }

    async fn respond(&self, alert: &Alert, mode: Mode) -> Result<ActionRecord, RespondError> {
        let mut rec =
            ActionRecord::new("elasticsearch", "forward", &self.endpoint, &alert.id, mode);
        rec.requests.push(format!("POST {}", self.endpoint));
        if mode == Mode::DryRun {
            rec.detail = format!("body: {}", self.bulk_body(&[alert]));
            return Ok(rec);
        }
        self.forward(std::slice::from_ref(alert)).await?;
        rec.detail = "indexed".into();
        Ok(rec)
    }
}

// ---- generic JSON sink ------------------------------------------------------------

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
