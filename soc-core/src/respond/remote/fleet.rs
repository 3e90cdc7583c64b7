//! [`RemoteFirewalls`]: the fan-out over this host's and remote firewalls,
//! with per-host records and pending retries (see the module docs of
//! [`super`]).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::config::{HostSpec, RemoteFirewallConfig};
use super::ssh::SshRunner;
use super::summary::{summarize, LOCAL};
use crate::error::RespondError;
use crate::model::{ActionOutcome, ActionRecord, Alert, Mode};
use crate::respond::firewall::exec::parse_addr_show;
use crate::respond::firewall::{
    alert_block_target, BlockTarget, CommandRunner, Firewall, FirewallConfig, TargetPolicy,
};
use crate::respond::Responder;
use crate::store::StateStore;

pub(super) const RETRY_BLOCK: &str = "retry-block";
pub(super) const RETRY_UNBLOCK: &str = "retry-unblock";

/// This host's firewall plus remote ones over SSH. See the module docs.
pub struct RemoteFirewalls {
    section: RemoteFirewallConfig,
    pub(super) fw_config: FirewallConfig,
    pub(super) store: Option<Arc<StateStore>>,
    local: Option<Arc<Firewall>>,
    fleet_addrs: Vec<IpAddr>,
    // Live firewalls per host, built once their addresses were read.
    live: tokio::sync::Mutex<HashMap<String, Arc<Firewall>>>,
    retried: AtomicBool,
}

impl std::fmt::Debug for RemoteFirewalls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteFirewalls")
            .field("section", &self.section)
            .field("local", &self.local.is_some())
            .finish()
    }
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Verb {
    Block(Option<Duration>),
    Unblock,
}

impl RemoteFirewalls {
    /// The fan-out over the hosts of `section`, blocking with the settings
    /// of `fw_config` (duration, allow-list, private ranges), recording in
    /// `store`, and including `local` (this host's firewall) when given.
    pub fn new(
        section: RemoteFirewallConfig,
        fw_config: FirewallConfig,
        store: Option<Arc<StateStore>>,
        local: Option<Firewall>,
    ) -> Result<Self, RespondError> {
        section.validate()?;
        let fleet_addrs = section
            .remote
            .iter()
            .filter_map(|t| t.host.trim_matches(['[', ']']).parse::<IpAddr>().ok())
            .map(|a| a.to_canonical())
            .collect();
        Ok(RemoteFirewalls {
            section,
            fw_config,
            store,
            local: local.map(Arc::new),
            fleet_addrs,
            live: tokio::sync::Mutex::new(HashMap::new()),
            retried: AtomicBool::new(false),
        })
    }

    /// The configured remote host names, in config order.
    pub fn host_names(&self) -> Vec<String> {
        self.section.remote.iter().map(|t| t.name.clone()).collect()
    }

    /// Every target an alert blocks on: `local` (when configured) and the
    /// configured remote hosts.
    pub fn all_targets(&self) -> Vec<String> {
        let mut v: Vec<String> = self.local.iter().map(|_| LOCAL.to_string()).collect();
        v.extend(self.host_names());
        v
    }

    /// Blocks `target` (address or network) on each of `hosts` (configured
    /// names, ad-hoc `[user@]host[:port]`, or `local`), concurrently. One
    /// record per host, in the order given; failures are records too.
    pub async fn block(
        &self,
        target: &str,
        hosts: &[String],
        duration: Option<Duration>,
        mode: Mode,
        reason: &str,
    ) -> Result<Vec<ActionRecord>, RespondError> {
        self.fan_out(target, hosts, Verb::Block(duration), mode, reason)
            .await
    }

    /// Unblocks `target` on each of `hosts`, as [`RemoteFirewalls::block`].
    pub async fn unblock(
        &self,
        target: &str,
        hosts: &[String],
        mode: Mode,
    ) -> Result<Vec<ActionRecord>, RespondError> {
        self.fan_out(target, hosts, Verb::Unblock, mode, "unblock")
            .await
    }

    pub(super) async fn fan_out(
        &self,
        target: &str,
        hosts: &[String],
        verb: Verb,
        mode: Mode,
        reason: &str,
    ) -> Result<Vec<ActionRecord>, RespondError> {
        // Garbage is refused once, before any host is contacted.
        let parsed = BlockTarget::parse(target)?;
        let specs = hosts
            .iter()
            .map(|h| match h.as_str() {
                LOCAL => Ok(None),
                name => self.section.resolve(name).map(Some),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let limit = Arc::new(tokio::sync::Semaphore::new(self.section.concurrency.max(1)));
        let jobs = specs.into_iter().map(|spec| {
            let limit = limit.clone();
            async move {
                let _permit = limit.acquire().await;
                self.one(spec, parsed, verb, mode, reason).await
            }
        });
        Ok(futures_util::future::join_all(jobs).await)
    }

    async fn one(
        &self,
        spec: Option<HostSpec>,
        target: BlockTarget,
        verb: Verb,
        mode: Mode,
        reason: &str,
    ) -> ActionRecord {
        let name = spec.as_ref().map_or(LOCAL.to_string(), |s| s.name.clone());
        let responder = match &spec {
            None => "firewall".to_string(),
            Some(s) => format!("firewall@{}", s.name),
        };
        let action = if verb == Verb::Unblock {
            "unblock"
        } else {
            "block"
        };
        let result = async {
            let fw = match &spec {
                None => self.local.clone().ok_or_else(|| RespondError::Config {
                    responder: "firewall".into(),
                    message: "this host's firewall is not part of this fleet".into(),
                })?,
                Some(s) => self.firewall_for(s, mode).await?,
            };
            let t = target.to_string();
            match verb {
                Verb::Block(d) => fw.block(&t, d, mode, reason).await,
                Verb::Unblock => fw.unblock(&t, mode).await,
            }
        }
        .await;
        let mut rec = match result {
            Ok(rec) => {
                if mode == Mode::Live && spec.is_some() {
                    // Done here: a pending opposite or equal retry is moot.
                    self.forget_retry(&target, &name, RETRY_BLOCK);
                    self.forget_retry(&target, &name, RETRY_UNBLOCK);
                }
                rec
            }
            Err(e) => {
                let mut rec = ActionRecord::new(&responder, action, &target.to_string(), "", mode);
                rec.outcome = match e {
                    RespondError::Refused { .. } | RespondError::InvalidTarget { .. } => {
                        ActionOutcome::Skipped(e.to_string())
                    }
                    _ if mode == Mode::Live && spec.is_some() => {
                        let pending = self.store_retry(&target, &name, verb, reason);
                        ActionOutcome::Failed(format!("{e}{pending}"))
                    }
                    _ => ActionOutcome::Failed(e.to_string()),
                };
                rec
            }
        };
        rec.responder = responder;
        rec
    }

    /// The firewall of a remote host. Live: built once, after reading the
    /// host's own addresses and the address it sees soc come from.
    async fn firewall_for(
        &self,
        spec: &HostSpec,
        mode: Mode,
    ) -> Result<Arc<Firewall>, RespondError> {
        let runner = Arc::new(SshRunner::new(spec, &self.section)?);
        if mode == Mode::DryRun {
            return Ok(Arc::new(self.build(spec, runner, Vec::new())?));
        }
        if let Some(fw) = self.live.lock().await.get(&spec.name) {
            return Ok(fw.clone());
        }
        let argv = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let out = runner.run(&argv(&["ip", "-o", "addr", "show"])).await?;
        if !out.success() {
            return Err(RespondError::Ssh {
                host: spec.name.clone(),
                message: format!(
                    "could not read the host's addresses (ip -o addr show: {})",
                    out.stderr
                ),
            });
        }
        let mut own = parse_addr_show(&out.stdout);
        let env = runner.run(&argv(&["printenv", "SSH_CONNECTION"])).await?;
        own.extend(
            env.stdout
                .split_whitespace()
                .next()
                .and_then(|a| a.parse::<IpAddr>().ok()),
        );
        let fw = Arc::new(self.build(spec, runner, own)?);
        self.live.lock().await.insert(spec.name.clone(), fw.clone());
        Ok(fw)
    }

    fn build(
        &self,
        spec: &HostSpec,
        runner: Arc<SshRunner>,
        remote_own: Vec<IpAddr>,
    ) -> Result<Firewall, RespondError> {
        let cfg = FirewallConfig {
            backend: spec.backend,
            netns: None,
            ..self.fw_config.clone()
        };
        let host_ip = spec.host.parse::<IpAddr>().ok();
        let policy = TargetPolicy::new(&cfg.allow, cfg.permit_private)?
            .with_host_addresses()
            .with_infrastructure()
            .with_ssh_connection(std::env::var("SSH_CONNECTION").ok().as_deref())
            .with_own_addresses(
                self.fleet_addrs
                    .iter()
                    .copied()
                    .chain(host_ip)
                    .chain(remote_own),
            );
        let runner: Arc<dyn CommandRunner> = runner;
        Ok(Firewall::with_runner(cfg, self.store.clone(), runner)?
            .with_scope(&spec.name)
            .with_policy(policy))
    }

    /// Expires recorded blocks on each of `hosts` (plain iptables rules are
    /// deleted; nftables/ipset ones timed out in the kernel). Per-host
    /// failures are records.
    pub async fn expire(&self, hosts: &[String], mode: Mode) -> Vec<ActionRecord> {
        let mut out = Vec::new();
        for h in hosts {
            let fw = match h.as_str() {
                LOCAL => self.local.clone().ok_or_else(|| RespondError::Config {
                    responder: "firewall".into(),
                    message: "no local firewall".into(),
                }),
                name => match self.section.resolve(name) {
                    Ok(spec) => {
                        // Expiry needs no address discovery: it only removes.
                        SshRunner::new(&spec, &self.section)
                            .and_then(|r| self.build(&spec, Arc::new(r), Vec::new()).map(Arc::new))
                    }
                    Err(e) => Err(e),
                },
            };
            match fw {
                Ok(fw) => match fw.expire(mode).await {
                    Ok(recs) => out.extend(recs.into_iter().map(|mut r| {
                        if h != LOCAL {
                            r.responder = format!("firewall@{h}");
                        }
                        r
                    })),
                    Err(e) => {
                        let mut r =
                            ActionRecord::new(&format!("firewall@{h}"), "expire", "", "", mode);
                        r.outcome = ActionOutcome::Failed(e.to_string());
                        out.push(r);
                    }
                },
                Err(e) => {
                    let mut r = ActionRecord::new(&format!("firewall@{h}"), "expire", "", "", mode);
                    r.outcome = ActionOutcome::Failed(e.to_string());
                    out.push(r);
                }
            }
        }
        out
    }
}

#[async_trait]
impl Responder for RemoteFirewalls {
    fn name(&self) -> &str {
        "firewall"
    }

    /// Retries pending work once per process, then blocks the alert's
    /// source (its aggregated IPv6 network when configured) on every host.
    async fn respond(&self, alert: &Alert, mode: Mode) -> Result<ActionRecord, RespondError> {
        if !self.retried.swap(true, Ordering::SeqCst) {
            match self.retry_pending(mode).await {
                Ok(recs) => {
                    for r in recs {
                        tracing::info!(responder = %r.responder, target = %r.target, outcome = ?r.outcome, "retried a pending firewall action");
                    }
                }
                Err(e) => tracing::warn!("retrying pending firewall actions: {e}"),
            }
        }
        let Some(target) = alert_block_target(alert, self.fw_config.block_src_prefix) else {
            let mut rec = ActionRecord::new("firewall", "block", "", &alert.id, mode);
            rec.outcome = ActionOutcome::Skipped("the alert has no source address".into());
            return Ok(rec);
        };
        let t = target.to_string();
        let recs = self
            .block(&t, &self.all_targets(), None, mode, &alert.id)
            .await?;
        Ok(summarize("block", &t, &alert.id, mode, &recs))
    }
}
