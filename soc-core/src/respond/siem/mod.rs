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

use crate::error::RespondError;
use crate::model::{ActionRecord, Alert, Mode};
use crate::respond::Responder;

mod elastic;
mod hec;
mod sink;

pub use elastic::{ElasticBulk, ElasticConfig};
pub use hec::{SplunkHec, SplunkHecConfig};
pub use sink::{JsonSink, SinkConfig};

/// What each forwarder says of itself; the [`Responder`] (one record per
/// alert, `POST <target>`, the body shown in a dry run) is shared.
#[async_trait]
trait Forwarder: Send + Sync {
    /// The responder's name.
    const NAME: &'static str;
    /// The endpoint as records show it.
    fn shown_target(&self) -> String;
    /// What a dry run shows of the request body for `alert`.
    fn dry_run_body(&self, alert: &Alert) -> String;
    /// The detail of a record once the alert was accepted.
    const SENT_DETAIL: &'static str;
    /// Sends `alerts`; how many were accepted.
    async fn forward_alerts(&self, alerts: &[Alert]) -> Result<usize, RespondError>;
}

#[async_trait]
impl<F: Forwarder> Responder for F {
    fn name(&self) -> &str {
        F::NAME
    }

    async fn respond(&self, alert: &Alert, mode: Mode) -> Result<ActionRecord, RespondError> {
        let shown = self.shown_target();
        let mut rec = ActionRecord::new(F::NAME, "forward", &shown, &alert.id, mode);
        rec.requests.push(format!("POST {shown}"));
        if mode == Mode::DryRun {
            rec.detail = format!("body: {}", self.dry_run_body(alert));
            return Ok(rec);
        }
        self.forward_alerts(std::slice::from_ref(alert)).await?;
        rec.detail = F::SENT_DETAIL.into();
        Ok(rec)
    }
}

pub(super) fn http_cfg_defaults() -> (u64, u32, u64, usize) {
    (10, 3, 500, 100)
}
