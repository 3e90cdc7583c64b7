//! [`CloudResponder`]: policy, dry-run, idempotency, expiry and retries
//! around any [`BlockList`] (see the module docs of [`super`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{note_for, BlockList};
use crate::error::{CloudError, RespondError};
use crate::model::{ActionOutcome, ActionRecord, Alert, Mode};
use crate::respond::firewall::{
    alert_block_target, already_blocked, find_block, format_duration, no_source_to_block,
    parse_duration, record_block, BlockTarget, FirewallConfig, TargetPolicy,
};
use crate::respond::pending::expired_retry;
use crate::respond::Responder;
use crate::store::{BlockEntry, StateStore};

/// Store key prefix of a failed live block waiting for a retry
/// (`retry-cloud-block@opnsense@fw1`).
pub const RETRY_CLOUD_BLOCK: &str = "retry-cloud-block";
/// Store key prefix of a failed live unblock waiting for a retry.
pub const RETRY_CLOUD_UNBLOCK: &str = "retry-cloud-unblock";

/// One cloud or appliance backend as a [`Responder`]. See the module docs.
pub struct CloudResponder {
    list: Box<dyn BlockList>,
    policy: TargetPolicy,
    store: Option<Arc<StateStore>>,
    default_duration: Option<Duration>,
    use_prefix: bool,
    retried: AtomicBool,
    // Serializes look-up-then-create in this process.
    lock: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for CloudResponder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudResponder")
            .field("backend", &self.list.name())
            .field("default_duration", &self.default_duration)
            .finish_non_exhaustive()
    }
}

impl CloudResponder {
    /// Wraps `list`, protecting what the local firewall protects under
    /// `fw` (allow-list, private ranges unless permitted, this host's
    /// addresses, the SSH client) plus the backend's own addresses, and
    /// blocking for `fw.default_duration` unless told otherwise. Blocks are
    /// recorded in `store` when given (needed for expiry and retries).
    pub fn new(
        list: Box<dyn BlockList>,
        fw: &FirewallConfig,
        store: Option<Arc<StateStore>>,
    ) -> Result<Self, RespondError> {
        if !list.name().contains('@') {
            return Err(CloudError::Config {
                backend: list.name().to_string(),
                message: "a backend id must be kind@name".into(),
            }
            .into());
        }
        let policy = TargetPolicy::new(&fw.allow, fw.permit_private)?
            .with_host_addresses()
            .with_infrastructure()
            .with_ssh_connection(std::env::var("SSH_CONNECTION").ok().as_deref())
            .with_own_addresses(list.own_addresses());
        Ok(CloudResponder {
            default_duration: parse_duration(&fw.default_duration)?,
            use_prefix: fw.block_src_prefix,
            list,
            policy,
            store,
            retried: AtomicBool::new(false),
            lock: tokio::sync::Mutex::new(()),
        })
    }

    /// Replaces the protection policy (tests, or a policy without host discovery).
    pub fn with_policy(mut self, policy: TargetPolicy) -> Self {
        self.policy = policy.with_own_addresses(self.list.own_addresses());
        self
    }

    /// The backend id (`opnsense@fw1`).
    pub fn backend(&self) -> &str {
        self.list.name()
    }

    /// The backend.
    pub fn block_list(&self) -> &dyn BlockList {
        self.list.as_ref()
    }

    /// Blocks `target` (address or network) for `duration` (`None`: the
    /// default; `Some(ZERO)`: permanent). Protected or invalid targets are
    /// errors, before any request; a target the backend cannot hold is
    /// `Skipped`; already blocked is `Skipped` with nothing created; a
    /// failed live change is a `Failed` record, stored for a retry.
    pub async fn block(
        &self,
        target: &str,
        duration: Option<Duration>,
        mode: Mode,
        reason: &str,
    ) -> Result<ActionRecord, RespondError> {
        let t = self
            .policy
            .check_block_target(&BlockTarget::parse(target)?)?;
        let name = self.backend().to_string();
        let duration = match duration {
            None => self.default_duration,
            Some(d) if d.is_zero() => None,
            Some(d) => Some(Duration::from_secs(d.as_secs().max(1))),
        };
        let now = Utc::now();
        let expires_at = duration
            .and_then(|d| chrono::Duration::from_std(d).ok())
            .and_then(|d| now.checked_add_signed(d));
        let mut rec = ActionRecord::new(&name, "block", &t.to_string(), "", mode);
        rec.detail = format!(
            "{}{name}, {}",
            if t.is_network() { "network, " } else { "" },
            format_duration(duration)
        );
        if let Some(reason) = self.list.unsupported(&t) {
            rec.outcome = ActionOutcome::Skipped(
                CloudError::Unsupported {
                    backend: name,
                    target: t.to_string(),
                    reason,
                }
                .to_string(),
            );
            return Ok(rec);
        }
        rec.expires_at = expires_at;
        let note = note_for(reason);
        rec.requests = self
            .list
            .describe_add(&t, &note)
            .iter()
            .map(|r| r.to_string())
            .collect();
        let _guard = self.lock.lock().await;
        let existing = self
            .stored(&t, &name)?
            .filter(|e| e.expires_at.is_none_or(|x| x > now));
        if mode == Mode::DryRun {
            if let Some(e) = existing {
                rec.requests.clear();
                rec.expires_at = e.expires_at;
                rec.outcome = ActionOutcome::Skipped(already_blocked(&t, Some(&name), Some(&e)));
            }
            return Ok(rec);
        }
        let result = match self.list.contains(&t).await {
            Ok(true) => Ok(false),
            Ok(false) => self.list.add(&t, &note).await.map(|()| true),
            Err(e) => Err(e),
        };
        match result {
            Ok(created) => {
                self.forget_retries(&t);
                if created {
                    self.store_add(&BlockEntry {
                        ip: t.to_string(),
                        backend: name,
                        created_at: now,
                        expires_at,
                        reason: reason.to_string(),
                    })?;
                } else {
                    rec.requests.clear();
                    rec.expires_at = existing.as_ref().and_then(|e| e.expires_at);
                    rec.outcome =
                        ActionOutcome::Skipped(already_blocked(&t, Some(&name), existing.as_ref()));
                }
            }
            Err(e) => {
                let pending = self.store_retry(&t, RETRY_CLOUD_BLOCK, expires_at, reason);
                rec.outcome = ActionOutcome::Failed(format!("{e}{pending}"));
            }
        }
        Ok(rec)
    }

    /// Removes soc's block of `target` (no policy check: anything valid may
    /// be unblocked). Not blocked: `Skipped`. A failed live change is a
    /// `Failed` record, stored for a retry.
    pub async fn unblock(&self, target: &str, mode: Mode) -> Result<ActionRecord, RespondError> {
        let t = BlockTarget::parse(target)?;
        let _guard = self.lock.lock().await;
        Ok(self.remove(&t, "unblock", mode, true).await)
    }

    async fn remove(&self, t: &BlockTarget, action: &str, mode: Mode, retry: bool) -> ActionRecord {
        let name = self.backend().to_string();
        let mut rec = ActionRecord::new(&name, action, &t.to_string(), "", mode);
        rec.detail = name.clone();
        rec.requests = self
            .list
            .describe_remove(t)
            .iter()
            .map(|r| r.to_string())
            .collect();
        if mode == Mode::DryRun {
            return rec;
        }
        match self.list.remove(t).await {
            Ok(removed) => {
                self.forget_retries(t);
                if let Some(store) = &self.store {
                    if let Err(e) = store.remove_block(&t.to_string(), &name) {
                        rec.outcome = ActionOutcome::Failed(format!("removed, but {e}"));
                        return rec;
                    }
                }
                if !removed {
                    rec.outcome = ActionOutcome::Skipped(format!("{t} is not blocked on {name}"));
                }
            }
            Err(e) => {
                let pending = if retry {
                    self.store_retry(t, RETRY_CLOUD_UNBLOCK, None, action)
                } else {
                    " (kept; removed by the next sweep)".to_string()
                };
                rec.outcome = ActionOutcome::Failed(format!("{e}{pending}"));
            }
        }
        rec
    }

    /// Removes the blocks whose recorded expiry has passed from the backend
    /// (dry-run: shows the requests). One record per block; a failure keeps
    /// the record for the next sweep.
    pub async fn expire(&self, mode: Mode) -> Result<Vec<ActionRecord>, RespondError> {
        let Some(store) = &self.store else {
            return Ok(Vec::new());
        };
        let name = self.backend().to_string();
        let _guard = self.lock.lock().await;
        let mut out = Vec::new();
        for entry in store.expired_blocks(Utc::now())? {
            if entry.backend != name {
                continue;
            }
            let Ok(t) = BlockTarget::parse(&entry.ip) else {
                tracing::warn!(ip = %entry.ip, backend = %name, "forgetting an unreadable block entry");
                if mode == Mode::Live {
                    store.remove_block(&entry.ip, &entry.backend)?;
                }
                continue;
            };
            out.push(self.remove(&t, "expire", mode, false).await);
        }
        Ok(out)
    }

    /// Retries every pending block/unblock of this backend; a pending block
    /// past its expiry is dropped with a record saying so. Dry-run: reports
    /// what would be retried.
    pub async fn retry_pending(&self, mode: Mode) -> Result<Vec<ActionRecord>, RespondError> {
        let Some(store) = &self.store else {
            return Ok(Vec::new());
        };
        let name = self.backend().to_string();
        let (block_key, unblock_key) = (
            format!("{RETRY_CLOUD_BLOCK}@{name}"),
            format!("{RETRY_CLOUD_UNBLOCK}@{name}"),
        );
        let now = Utc::now();
        let mut out = Vec::new();
        for e in store.blocks()? {
            let mut rec = if e.backend == block_key {
                if let Some(rec) = expired_retry(store, &e, (&name, &name), mode, now)? {
                    out.push(rec);
                    continue;
                }
                let left = e
                    .expires_at
                    .map(|x| (x - now).to_std().unwrap_or(Duration::from_secs(1)));
                match self
                    .block(&e.ip, Some(left.unwrap_or(Duration::ZERO)), mode, &e.reason)
                    .await
                {
                    Ok(rec) => rec,
                    Err(err) => {
                        // No longer allowed (the allow-list changed): drop it.
                        let mut rec = ActionRecord::new(&name, "block", &e.ip, "", mode);
                        rec.outcome = ActionOutcome::Skipped(err.to_string());
                        if mode == Mode::Live {
                            store.remove_block(&e.ip, &e.backend)?;
                        }
                        rec
                    }
                }
            } else if e.backend == unblock_key {
                self.unblock(&e.ip, mode).await?
            } else {
                continue;
            };
            rec.detail = format!("retry; {}", rec.detail);
            out.push(rec);
        }
        Ok(out)
    }

    /// `soc block sweep`: pending retries, then expiry.
    pub async fn sweep(&self, mode: Mode) -> Result<Vec<ActionRecord>, RespondError> {
        let mut out = self.retry_pending(mode).await?;
        out.extend(self.expire(mode).await?);
        Ok(out)
    }

    fn stored(&self, t: &BlockTarget, name: &str) -> Result<Option<BlockEntry>, RespondError> {
        find_block(self.store.as_deref(), t, name)
    }

    fn store_add(&self, entry: &BlockEntry) -> Result<(), RespondError> {
        record_block(self.store.as_deref(), entry)
    }

    /// Stores a pending retry (replacing the opposite one); the text to
    /// append to the failure.
    fn store_retry(
        &self,
        t: &BlockTarget,
        kind: &str,
        expires_at: Option<DateTime<Utc>>,
        reason: &str,
    ) -> String {
        let Some(store) = &self.store else {
            return " (no state store: not retried)".into();
        };
        self.forget_retries(t);
        let entry = BlockEntry {
            ip: t.to_string(),
            backend: format!("{kind}@{}", self.backend()),
            created_at: Utc::now(),
            expires_at,
            reason: reason.to_string(),
        };
        match store.add_block(&entry) {
            Ok(()) => " (pending; retried on the next run or sweep)".into(),
            Err(e) => format!(" (could not store the retry: {e})"),
        }
    }

    fn forget_retries(&self, t: &BlockTarget) {
        let Some(store) = &self.store else { return };
        for kind in [RETRY_CLOUD_BLOCK, RETRY_CLOUD_UNBLOCK] {
            let key = format!("{kind}@{}", self.backend());
            if let Err(e) = store.remove_block(&t.to_string(), &key) {
                tracing::warn!(backend = %self.backend(), "could not clear a pending retry: {e}");
            }
        }
    }
}

#[async_trait]
impl Responder for CloudResponder {
    fn name(&self) -> &str {
        self.backend()
    }

    /// Once per process sweeps the backend (retries pending work, removes
    /// expired blocks through the API), then blocks the alert's source (its
    /// aggregated IPv6 network when configured). Between alerts, expiry
    /// needs `soc block sweep --cloud all` (e.g. from a timer).
    async fn respond(&self, alert: &Alert, mode: Mode) -> Result<ActionRecord, RespondError> {
        if !self.retried.swap(true, Ordering::SeqCst) {
            match self.sweep(mode).await {
                Ok(recs) => {
                    for r in recs {
                        tracing::info!(responder = %r.responder, target = %r.target, outcome = ?r.outcome, "swept the cloud backend (retry or expiry)");
                    }
                }
                Err(e) => {
                    tracing::warn!(backend = %self.backend(), "retrying pending actions: {e}")
                }
            }
        }
        let Some(target) = alert_block_target(alert, self.use_prefix) else {
            return Ok(no_source_to_block(self.backend(), alert, mode));
        };
        let mut rec = self
            .block(&target.to_string(), None, mode, &alert.id)
            .await?;
        rec.alert_id = alert.id.clone();
        Ok(rec)
    }
}
