//! `--host` for `soc block`, `soc unblock` and `soc block sweep`: the same
//! action on several firewalls (this host's as `local`, configured
//! `[[response.firewall.remote]]` names, ad-hoc `[user@]host[:port]`),
//! one line or record per host. Any host failing makes the exit code 1
//! (failed hosts are retried by the next `soc block sweep` or run); every
//! host refusing the target makes it 3.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use soc_core::model::{ActionOutcome, ActionRecord};
use soc_core::pipeline::PipelineConfig;
use soc_core::respond::firewall::{Firewall, FirewallConfig};
use soc_core::respond::remote::RemoteFirewalls;
use soc_core::StateStore;

use super::{
    done_text, mode, open_store, report_fleet, say_record, until_text, BlockOrder, FirewallArgs,
};

/// Options that send the action to other hosts' firewalls.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RemoteArgs {
    /// Act on these firewalls instead of this host's: names of
    /// [[response.firewall.remote]] entries, ad-hoc `[user@]host[:port]`
    /// (nftables, the configured key and known_hosts), or `local`
    /// (comma-separated or repeated).
    #[arg(long, value_name = "HOSTS", value_delimiter = ',')]
    pub host: Vec<String>,
    /// The config file with [response.firewall] [default: $SOC_CONFIG, else ./soc.toml, if present].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// SSH private key for hosts without their own (overrides response.firewall.key).
    #[arg(long, value_name = "PATH")]
    pub ssh_key: Option<PathBuf>,
    /// known_hosts file for hosts without their own (overrides response.firewall.known_hosts).
    #[arg(long, value_name = "PATH")]
    pub known_hosts: Option<PathBuf>,
}

impl RemoteArgs {
    /// Whether `--host` was given.
    pub fn active(&self) -> bool {
        !self.host.is_empty()
    }
}

/// The config file of `--config` (else $SOC_CONFIG, else ./soc.toml if
/// present, else the defaults).
pub fn load_config(r: &RemoteArgs) -> anyhow::Result<PipelineConfig> {
    let path = PipelineConfig::resolve_path(r.config.as_deref());
    Ok(if r.config.is_some() || path.exists() {
        PipelineConfig::load(&path).map_err(soc_core::Error::from)?
    } else {
        PipelineConfig::default()
    })
}

/// The fleet for `--host`, with this host's firewall as `local`.
pub fn fleet(
    fw: &FirewallArgs,
    allow: Vec<String>,
    permit_private: bool,
) -> anyhow::Result<(RemoteFirewalls, Option<Arc<StateStore>>)> {
    let r = &fw.remote;
    let cfg = load_config(r)?;
    let mut section = cfg.response.firewall.clone();
    if let Some(k) = &r.ssh_key {
        section.key = Some(k.clone());
    }
    if let Some(k) = &r.known_hosts {
        section.known_hosts = Some(k.clone());
    }
    let mut allow_all = cfg.firewall.allow.clone();
    allow_all.extend(allow);
    let fw_config = FirewallConfig {
        backend: fw.backend,
        allow: allow_all,
        permit_private: permit_private || cfg.firewall.permit_private,
        netns: fw.netns.clone(),
        ..cfg.firewall.clone()
    };
    let store = open_store(fw.state.as_ref(), fw.dry_run)?;
    let local = Firewall::new(fw_config.clone(), store.clone())?;
    let fleet = RemoteFirewalls::new(section, fw_config, store.clone(), Some(local))?;
    Ok((fleet, store))
}

/// Prints and audits per-host records; exit 1 when any host failed.
pub fn report(
    recs: &[ActionRecord],
    fw: &FirewallArgs,
    store: Option<&Arc<StateStore>>,
    duration: Option<Duration>,
) -> anyhow::Result<ExitCode> {
    report_fleet(
        recs,
        fw,
        store,
        ("host", "`soc block sweep` or run"),
        |rec| {
            let host = rec.responder.strip_prefix("firewall@").unwrap_or("local");
            match &rec.outcome {
                ActionOutcome::DryRun => crate::say!("# {host}"),
                ActionOutcome::Skipped(_) | ActionOutcome::Failed(_) => {
                    crate::say!("{host}: {}", one_line(rec));
                    return;
                }
                ActionOutcome::Done => {}
            }
            let done = |r: &ActionRecord| {
                format!(
                    "{host}: {} ({}{})",
                    done_text(r, duration),
                    r.detail,
                    until_text(r)
                )
            };
            say_record(rec, done);
        },
    )
}

fn one_line(rec: &ActionRecord) -> String {
    match &rec.outcome {
        ActionOutcome::Skipped(why) => why.clone(),
        ActionOutcome::Failed(why) => format!("failed: {why}"),
        _ => String::new(),
    }
}

/// `soc block IP --host ...`.
pub fn block(fw: &FirewallArgs, order: BlockOrder) -> anyhow::Result<ExitCode> {
    let (fleet, store) = fleet(fw, order.allow, order.permit_private)?;
    let rt = crate::cmd::runtime()?;
    let recs = rt.block_on(fleet.block(
        &order.ip,
        &fw.remote.host,
        Some(order.duration.unwrap_or_default()),
        mode(fw),
        &order.reason,
    ))?;
    report(&recs, fw, store.as_ref(), order.duration)
}

/// `soc unblock IP --host ...`.
pub fn unblock(fw: &FirewallArgs, ip: &str) -> anyhow::Result<ExitCode> {
    let (fleet, store) = fleet(fw, Vec::new(), false)?;
    let rt = crate::cmd::runtime()?;
    let recs = rt.block_on(fleet.unblock(ip, &fw.remote.host, mode(fw)))?;
    report(&recs, fw, store.as_ref(), None)
}

/// `soc block sweep --host ...`: pending retries first, then expiry on each host.
pub fn sweep(fw: &FirewallArgs) -> anyhow::Result<ExitCode> {
    let (fleet, store) = fleet(fw, Vec::new(), false)?;
    let rt = crate::cmd::runtime()?;
    let mut recs = rt.block_on(fleet.retry_pending(mode(fw)))?;
    recs.extend(rt.block_on(fleet.expire(&fw.remote.host, mode(fw))));
    if recs.is_empty() && !fw.json {
        crate::esay!("nothing pending and no expired blocks");
    }
    report(&recs, fw, store.as_ref(), None)
}
