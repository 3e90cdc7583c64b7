//! Firewall blocking with a duration: nftables (a named set with per-element
//! timeouts), ipset + iptables, or plain iptables, for IPv4 and IPv6.
//!
//! Safe by construction:
//! * the target is parsed as an [`IpAddr`](std::net::IpAddr) or a network ([`BlockTarget`],
//!   e.g. the IPv6 /64 of an alert's `src_prefix`) and checked against a
//!   [`TargetPolicy`] (allow-list, loopback, own addresses, the SSH client,
//!   private/reserved ranges; for a network, every address inside it)
//!   before anything runs;
//! * commands run as argv (never through a shell), see [`exec`];
//! * setup (table, sets, chain, rules) is idempotent, and blocking an address
//!   that is already blocked is a no-op ([`ActionOutcome::Skipped`]);
//! * [`Mode::DryRun`] returns the exact argv of every command and changes nothing;
//! * expiry: nftables and ipset time elements out in the kernel; plain
//!   iptables rules are removed by [`Firewall::expire`] once the expiry
//!   recorded in the [`StateStore`] has passed.
//!
//! ```
//! use soc_core::respond::firewall::{Firewall, FirewallConfig};
//! use soc_core::Mode;
//!
//! let fw = Firewall::new(FirewallConfig::default(), None).unwrap();
//! let rt = tokio::runtime::Runtime::new().unwrap();
//! let rec = rt.block_on(fw.block("198.51.100.23", None, Mode::DryRun, "demo")).unwrap();
//! assert_eq!(rec.commands.last().unwrap().join(" "),
//!            "nft add element inet soc block4 { 198.51.100.23 timeout 3600s }");
//! assert!(rt.block_on(fw.block("127.0.0.1", None, Mode::DryRun, "demo")).is_err());
//! ```

mod blocks;
pub mod commands;
mod config;
mod duration;
pub mod exec;
#[cfg(test)]
mod net_tests;
mod policy;
mod target;
#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;

use crate::error::RespondError;
use crate::model::{ActionOutcome, ActionRecord, Alert, Mode};
use crate::respond::Responder;
use crate::store::{BlockEntry, StateStore};

pub(crate) use blocks::{already_blocked, find_block, no_source_to_block, record_block};
pub use config::{Backend, FirewallConfig};
pub use duration::{format_duration, parse_duration};
pub use exec::{CommandOutput, CommandRunner, SystemRunner};
pub use policy::{parse_ip, Protection, TargetPolicy};
pub use target::{
    alert_block_target, BlockTarget, ALERT_PREFIX_MIN_V6, MIN_PREFIX_V4, MIN_PREFIX_V6,
};

use commands::Step;

/// Blocks and unblocks addresses on the local firewall. See the module docs.
pub struct Firewall {
    config: FirewallConfig,
    default_duration: Option<Duration>,
    policy: TargetPolicy,
    store: Option<Arc<StateStore>>,
    runner: Arc<dyn CommandRunner>,
    // The remote host this firewall acts on (`None`: this host); part of the
    // store key so that each host's blocks are its own.
    scope: Option<String>,
    // Serializes actions in this process (check-then-insert must not interleave).
    lock: tokio::sync::Mutex<()>,
}

impl fmt::Debug for Firewall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Firewall")
            .field("config", &self.config)
            .field("store", &self.store.as_ref().map(|s| s.path()))
            .finish()
    }
}

fn config_err(message: String) -> RespondError {
    RespondError::Config {
        responder: "firewall".into(),
        message,
    }
}

impl Firewall {
    /// A firewall that runs the system's tools (inside `config.netns` if set),
    /// recording blocks in `store` when given. Protects this host's addresses
    /// (and resolvers and gateways) and the client in `SSH_CONNECTION` on top
    /// of the configured allow-list.
    pub fn new(
        config: FirewallConfig,
        store: Option<Arc<StateStore>>,
    ) -> Result<Self, RespondError> {
        let runner: Arc<dyn CommandRunner> = match &config.netns {
            Some(ns) => Arc::new(SystemRunner::in_netns(ns)),
            None => Arc::new(SystemRunner::new()),
        };
        Self::with_runner(config, store, runner)
    }

    /// Like [`Firewall::new`] with a custom command runner (tests, remote execution).
    pub fn with_runner(
        config: FirewallConfig,
        store: Option<Arc<StateStore>>,
        runner: Arc<dyn CommandRunner>,
    ) -> Result<Self, RespondError> {
        let default_duration = parse_duration(&config.default_duration)?;
        let mut policy = TargetPolicy::new(&config.allow, config.permit_private)?
            .with_host_addresses()
            .with_infrastructure()
            .with_ssh_connection(std::env::var("SSH_CONNECTION").ok().as_deref());
        if let Some(ns) = &config.netns {
            let valid = !ns.is_empty()
                && !ns.starts_with('-')
                && ns
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
            if !valid {
                return Err(config_err(format!(
                    "netns '{ns}' is not a valid namespace name (letters, digits, _ . -)"
                )));
            }
            policy = policy.with_own_addresses(exec::netns_addresses(ns));
        }
        Ok(Firewall {
            config,
            default_duration,
            policy,
            store,
            runner,
            scope: None,
            lock: tokio::sync::Mutex::new(()),
        })
    }

    /// Scopes the firewall to a remote host: its blocks are stored under
    /// `backend@host` and [`Firewall::expire`] handles only those.
    pub fn with_scope(mut self, host: &str) -> Self {
        self.scope = Some(host.to_string());
        self
    }

    /// The key blocks are stored under: the backend, `backend@host` for a
    /// remote host.
    pub fn store_key(&self) -> String {
        self.key_for(self.backend())
    }

    fn key_for(&self, backend: Backend) -> String {
        match &self.scope {
            Some(h) => format!("{backend}@{h}"),
            None => backend.to_string(),
        }
    }

    /// Replaces the protection policy (e.g. one without host discovery).
    pub fn with_policy(mut self, policy: TargetPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The configuration.
    pub fn config(&self) -> &FirewallConfig {
        &self.config
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.config.backend
    }

    /// The protection policy in force.
    pub fn policy(&self) -> &TargetPolicy {
        &self.policy
    }

    /// Parses `target` (an address or a network) and applies the protection
    /// policy to all of it; runs nothing.
    pub fn check_target(&self, target: &str) -> Result<BlockTarget, RespondError> {
        self.policy.check_block_target(&BlockTarget::parse(target)?)
    }

    /// Blocks `ip` (an address or a network such as `2001:db8::/64`) for
    /// `duration` (`None`: the configured default;
    /// `Some(Duration::ZERO)`: permanent). `reason` (alert id or note) is
    /// stored with the block. Already blocked: `Skipped`, nothing changed.
    pub async fn block(
        &self,
        ip: &str,
        duration: Option<Duration>,
        mode: Mode,
        reason: &str,
    ) -> Result<ActionRecord, RespondError> {
        let ip = self.check_target(ip)?;
        let backend = self.backend();
        let duration = match duration {
            None => self.default_duration,
            Some(d) if d.is_zero() => None,
            Some(d) => Some(Duration::from_secs(d.as_secs().max(1))),
        };
        if backend == Backend::Ipset
            && duration.is_some_and(|d| d.as_secs() > commands::IPSET_MAX_TIMEOUT)
        {
            return Err(config_err(format!(
                "ipset timeouts are limited to {} ({}s); use a shorter duration or 0/permanent",
                format_duration(Some(Duration::from_secs(commands::IPSET_MAX_TIMEOUT))),
                commands::IPSET_MAX_TIMEOUT
            )));
        }
        let now = Utc::now();
        let expires_at = duration
            .and_then(|d| chrono::Duration::from_std(d).ok())
            .and_then(|d| now.checked_add_signed(d));
        let mut rec = ActionRecord::new("firewall", "block", &ip.to_string(), "", mode);
        if ip.is_network() {
            rec.detail = "network, ".into();
        }
        rec.expires_at = expires_at;
        rec.detail
            .push_str(&format!("{backend}, {}", format_duration(duration)));
        let _guard = self.lock.lock().await;
        let existing = self.stored_block(ip)?;
        if mode == Mode::DryRun {
            if let Some(e) = existing.filter(|e| e.expires_at.is_none_or(|x| x > now)) {
                rec.outcome = ActionOutcome::Skipped(already_blocked(&ip, None, Some(&e)));
                rec.expires_at = e.expires_at;
                return Ok(rec);
            }
            for step in commands::block_steps(backend, ip, duration) {
                rec.commands.push(self.runner.effective_argv(&step.command));
            }
            return Ok(rec);
        }
        let probe = commands::is_blocked(backend, ip);
        let out = self.exec(&probe, &mut rec).await?;
        if out.permission_denied() {
            return Err(self.failed(&probe, &out));
        }
        let entry = BlockEntry {
            ip: ip.to_string(),
            backend: self.store_key(),
            created_at: now,
            expires_at,
            reason: reason.to_string(),
        };
        if out.success() {
            // Plain iptables has no kernel timeout: the store's expiry is the
            // only one, so a repeated block refreshes a missing or lapsed one.
            let lapsed = existing
                .as_ref()
                .is_none_or(|e| e.expires_at.is_some_and(|x| x <= now));
            let mut why = already_blocked(&ip, None, existing.as_ref());
            // The record tells when the block really ends (unknown: none).
            rec.expires_at = existing.as_ref().and_then(|e| e.expires_at);
            if backend == Backend::Iptables && lapsed {
                rec.expires_at = expires_at;
                self.store_add(&entry)?;
                why.push_str(&format!("; expiry set to {}", format_duration(duration)));
            }
            rec.outcome = ActionOutcome::Skipped(why);
            return Ok(rec);
        }
        for step in commands::block_steps(backend, ip, duration) {
            self.run_step(&step, &mut rec).await?;
        }
        if backend == Backend::Iptables && duration.is_some() && self.store.is_none() {
            tracing::warn!(%ip, "iptables block without a state store will not expire; pass a store");
        }
        self.store_add(&entry)?;
        Ok(rec)
    }

    /// Removes the block of `ip` (an address or network; no policy check:
    /// anything valid may be unblocked). Not blocked: `Skipped`.
    pub async fn unblock(&self, ip: &str, mode: Mode) -> Result<ActionRecord, RespondError> {
        let ip = BlockTarget::parse(ip)?;
        let _guard = self.lock.lock().await;
        self.remove(ip, self.backend(), "unblock", mode).await
    }

    /// Removes expired blocks recorded in the store: plain-iptables rules are
    /// deleted; nftables/ipset elements already timed out in the kernel and
    /// are only forgotten. One record per expired block; none without a store.
    pub async fn expire(&self, mode: Mode) -> Result<Vec<ActionRecord>, RespondError> {
        let Some(store) = &self.store else {
            return Ok(Vec::new());
        };
        let _guard = self.lock.lock().await;
        let mut records = Vec::new();
        for entry in store.expired_blocks(Utc::now())? {
            // Another scope's entry (a remote host's, or this host's when
            // scoped) belongs to the firewall of that scope.
            let (kind, scope) = match entry.backend.split_once('@') {
                Some((k, h)) => (k, Some(h)),
                None => (entry.backend.as_str(), None),
            };
            if scope != self.scope.as_deref() || kind.starts_with("retry") {
                continue;
            }
            let (Ok(ip), Ok(backend)) = (BlockTarget::parse(&entry.ip), kind.parse::<Backend>())
            else {
                tracing::warn!(ip = %entry.ip, backend = %entry.backend, "forgetting an unreadable block entry");
                if mode == Mode::Live {
                    store.remove_block(&entry.ip, &entry.backend)?;
                }
                continue;
            };
            let rec = if backend == Backend::Iptables {
                self.remove(ip, backend, "expire", mode).await?
            } else {
                let mut rec = ActionRecord::new("firewall", "expire", &entry.ip, "", mode);
                rec.detail = format!("{backend}: timed out in the kernel; forgotten");
                if mode == Mode::Live {
                    store.remove_block(&entry.ip, &entry.backend)?;
                }
                rec
            };
            records.push(rec);
        }
        Ok(records)
    }

    async fn remove(
        &self,
        ip: BlockTarget,
        backend: Backend,
        action: &str,
        mode: Mode,
    ) -> Result<ActionRecord, RespondError> {
        let mut rec = ActionRecord::new("firewall", action, &ip.to_string(), "", mode);
        rec.detail = backend.to_string();
        if mode == Mode::DryRun {
            for step in commands::unblock_steps(backend, ip) {
                rec.commands.push(self.runner.effective_argv(&step.command));
            }
            return Ok(rec);
        }
        let mut removed = false;
        for step in commands::unblock_steps(backend, ip) {
            removed |= self.run_step(&step, &mut rec).await?;
        }
        if let Some(store) = &self.store {
            store.remove_block(&ip.to_string(), &self.key_for(backend))?;
        }
        if !removed {
            rec.outcome = ActionOutcome::Skipped(format!("{ip} is not blocked ({backend})"));
        }
        Ok(rec)
    }

    /// Runs one step; returns whether its command ran.
    async fn run_step(&self, step: &Step, rec: &mut ActionRecord) -> Result<bool, RespondError> {
        if let Some(check) = &step.check {
            let out = self.exec(check, rec).await?;
            if out.permission_denied() {
                return Err(self.failed(check, &out));
            }
            let present = out.success()
                && commands::rule_marker(step).is_none_or(|m| out.stdout.contains(&m));
            if present == step.skip_if_present {
                return Ok(false);
            }
        }
        let out = self.exec(&step.command, rec).await?;
        if !out.success() {
            return Err(self.failed(&step.command, &out));
        }
        Ok(true)
    }

    async fn exec(
        &self,
        argv: &[String],
        rec: &mut ActionRecord,
    ) -> Result<CommandOutput, RespondError> {
        rec.commands.push(self.runner.effective_argv(argv));
        tracing::debug!(argv = %exec::display_argv(argv), "firewall command");
        self.runner.run(argv).await
    }

    fn failed(&self, argv: &[String], out: &CommandOutput) -> RespondError {
        let mut stderr = out.stderr.clone();
        if out.permission_denied() {
            stderr.push_str(" (firewall changes need root or CAP_NET_ADMIN)");
        }
        RespondError::CommandFailed {
            argv: exec::display_argv(&self.runner.effective_argv(argv)),
            status: out.status_text(),
            stderr,
        }
    }

    fn stored_block(&self, ip: BlockTarget) -> Result<Option<BlockEntry>, RespondError> {
        find_block(self.store.as_deref(), &ip, &self.store_key())
    }

    fn store_add(&self, entry: &BlockEntry) -> Result<(), RespondError> {
        record_block(self.store.as_deref(), entry)
    }
}

#[async_trait]
impl Responder for Firewall {
    fn name(&self) -> &str {
        "firewall"
    }

    /// Blocks the alert's source (see [`alert_block_target`]) for the
    /// default duration.
    async fn respond(&self, alert: &Alert, mode: Mode) -> Result<ActionRecord, RespondError> {
        let Some(target) = alert_block_target(alert, self.config.block_src_prefix) else {
            return Ok(no_source_to_block("firewall", alert, mode));
        };
        let mut rec = self
            .block(&target.to_string(), None, mode, &alert.id)
            .await?;
        rec.alert_id = alert.id.clone();
        Ok(rec)
    }
}
