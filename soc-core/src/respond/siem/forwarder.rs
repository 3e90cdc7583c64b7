//! What the forwarders share: the [`Forwarder`] trait, whose [`Responder`]
//! implementation they all use, and their config defaults.

use async_trait::async_trait;

use crate::error::RespondError;
use crate::model::{ActionRecord, Alert, Mode};
use crate::respond::Responder;

/// What each forwarder says of itself; the [`Responder`] (one record per
/// alert, `POST <target>`, the body shown in a dry run) is shared.
#[async_trait]
pub(super) trait Forwarder: Send + Sync {
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

/// Config defaults of the forwarders: timeout (s), retries, backoff (ms),
/// batch size.
pub(super) fn http_cfg_defaults() -> (u64, u32, u64, usize) {
    (10, 3, 500, 100)
}
