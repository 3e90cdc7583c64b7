//! Pending retries of remote firewall actions that failed (see the module
//! docs of [`super`]).

use std::time::Duration;

use chrono::Utc;

use super::fleet::{RemoteFirewalls, Verb, RETRY_BLOCK, RETRY_UNBLOCK};
use crate::error::RespondError;
use crate::model::{ActionRecord, Mode};
use crate::respond::firewall::BlockTarget;
use crate::respond::pending::expired_retry;
use crate::store::BlockEntry;

impl RemoteFirewalls {
    pub(super) fn store_retry(
        &self,
        target: &BlockTarget,
        host: &str,
        verb: Verb,
        reason: &str,
    ) -> String {
        let Some(store) = &self.store else {
            return " (no state store: not retried)".into();
        };
        let now = Utc::now();
        let (kind, expires_at) = match verb {
            Verb::Block(d) => {
                let d = match d {
                    None => {
                        crate::respond::firewall::parse_duration(&self.fw_config.default_duration)
                            .ok()
                            .flatten()
                    }
                    Some(d) if d.is_zero() => None,
                    Some(d) => Some(d),
                };
                let exp = d
                    .and_then(|d| chrono::Duration::from_std(d).ok())
                    .and_then(|d| now.checked_add_signed(d));
                (RETRY_BLOCK, exp)
            }
            Verb::Unblock => (RETRY_UNBLOCK, None),
        };
        let other = if kind == RETRY_BLOCK {
            RETRY_UNBLOCK
        } else {
            RETRY_BLOCK
        };
        self.forget_retry(target, host, other);
        let entry = BlockEntry {
            ip: target.to_string(),
            backend: format!("{kind}@{host}"),
            created_at: now,
            expires_at,
            reason: reason.to_string(),
        };
        match store.add_block(&entry) {
            Ok(()) => " (pending; retried on the next run)".into(),
            Err(e) => format!(" (could not store the retry: {e})"),
        }
    }

    pub(super) fn forget_retry(&self, target: &BlockTarget, host: &str, kind: &str) {
        if let Some(store) = &self.store {
            if let Err(e) = store.remove_block(&target.to_string(), &format!("{kind}@{host}")) {
                tracing::warn!(%host, "could not clear a pending retry: {e}");
            }
        }
    }

    /// Retries every pending block/unblock (see the module docs); a retry
    /// past its block's expiry is dropped with a record saying so. In
    /// dry-run, only reports what would be retried.
    pub async fn retry_pending(&self, mode: Mode) -> Result<Vec<ActionRecord>, RespondError> {
        let Some(store) = &self.store else {
            return Ok(Vec::new());
        };
        let now = Utc::now();
        let mut out = Vec::new();
        for e in store.blocks()? {
            let Some((kind, host)) = e.backend.split_once('@') else {
                continue;
            };
            if kind != RETRY_BLOCK && kind != RETRY_UNBLOCK {
                continue;
            }
            let responder = format!("firewall@{host}");
            if let Some(rec) = expired_retry(store, &e, (&responder, host), mode, now)? {
                out.push(rec);
                continue;
            }
            let hosts = [host.to_string()];
            let mut recs = if kind == RETRY_BLOCK {
                let d = e
                    .expires_at
                    .map(|x| (x - now).to_std().unwrap_or(Duration::from_secs(1)));
                let d = Some(d.unwrap_or(Duration::ZERO));
                self.fan_out(&e.ip, &hosts, Verb::Block(d), mode, &e.reason)
                    .await?
            } else {
                self.fan_out(&e.ip, &hosts, Verb::Unblock, mode, &e.reason)
                    .await?
            };
            for r in &mut recs {
                r.detail = format!("retry; {}", r.detail);
            }
            out.extend(recs);
        }
        Ok(out)
    }
}
