//! `--cloud` for `soc block`, `soc unblock` and `soc block sweep`: the
//! same action on cloud and appliance firewalls configured in
//! `[[response.cloud.*]]` (Cloudflare, OPNsense, pfSense), named by their
//! `name` (`fw1`), their id (`opnsense@fw1`), their kind when it has one
//! backend (`cloudflare`), or `all`. One line or record per backend;
//! dry-run prints each exact HTTP request (secrets redacted). Any backend
//! failing makes the exit code 1 (the failure is stored and retried by the
//! next `soc block sweep --cloud` or run); every backend refusing the
//! target makes it 3.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use soc_core::model::{ActionOutcome, ActionRecord, Mode};
use soc_core::respond::cloud::CloudResponder;
use soc_core::respond::firewall::{BlockTarget, FirewallConfig};
use soc_core::{RespondError, StateStore};

use super::{done_text, mode, open_store, report_fleet, until_text, BlockOrder, FirewallArgs};

/// Options that send the action to cloud and appliance firewalls.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CloudArgs {
    /// Act on these cloud/appliance firewalls instead of this host's:
    /// [[response.cloud.*]] names (fw1), ids (opnsense@fw1), kinds
    /// (cloudflare) or `all` (comma-separated or repeated).
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub cloud: Vec<String>,
}

impl CloudArgs {
    /// Whether `--cloud` was given.
    pub fn active(&self) -> bool {
        !self.cloud.is_empty()
    }
}

/// The responders `--cloud` names, with the config's `[firewall]` policy
/// (plus `allow` and `permit_private` from the command line).
fn backends(
    fw: &FirewallArgs,
    allow: Vec<String>,
    permit_private: bool,
) -> anyhow::Result<(Vec<CloudResponder>, Option<Arc<StateStore>>)> {
    let cfg = super::remote::load_config(&fw.remote)?;
    let cloud = &cfg.response.cloud;
    let as_config = |e: soc_core::respond::cloud::CloudError| RespondError::Config {
        responder: "cloud".into(),
        message: e.to_string(),
    };
    let remote_hosts: Vec<String> = cfg
        .response
        .firewall
        .remote
        .iter()
        .map(|t| t.name.clone())
        .collect();
    cloud
        .check_names_against(&remote_hosts)
        .map_err(as_config)?;
    let ids = cloud.resolve(&fw.cloud.cloud).map_err(as_config)?;
    let mut fw_config = FirewallConfig {
        permit_private: permit_private || cfg.firewall.permit_private,
        ..cfg.firewall.clone()
    };
    fw_config.allow.extend(allow);
    let store = open_store(fw.state.as_ref(), fw.dry_run)?;
    let all = cloud.responders(&fw_config, store.clone())?;
    let chosen = all
        .into_iter()
        .filter(|r| ids.iter().any(|id| id == r.backend()))
        .collect();
    Ok((chosen, store))
}

/// A refusal as a per-backend record (another backend may still act).
fn refused(
    r: &CloudResponder,
    action: &str,
    target: &str,
    e: RespondError,
    m: Mode,
) -> ActionRecord {
    let mut rec = ActionRecord::new(r.backend(), action, target, "", m);
    rec.outcome = ActionOutcome::Skipped(e.to_string());
    rec
}

/// Prints and audits per-backend records; exit 1 when any failed, 3 when
/// every one refused.
fn report(
    recs: &[ActionRecord],
    fw: &FirewallArgs,
    store: Option<&Arc<StateStore>>,
    duration: Option<Duration>,
) -> anyhow::Result<ExitCode> {
    let scope = ("backend", "`soc block sweep --cloud` or run");
    report_fleet(recs, fw, store, scope, |rec| {
        let who = &rec.responder;
        match &rec.outcome {
            ActionOutcome::DryRun => {
                crate::say!("# {who}");
                for r in &rec.requests {
                    // One line at a time: say! escapes control characters.
                    for line in r.lines() {
                        crate::say!("{line}");
                    }
                    crate::say!("");
                }
            }
            ActionOutcome::Skipped(why) => crate::say!("{who}: {why}"),
            ActionOutcome::Failed(why) => crate::say!("{who}: failed: {why}"),
            ActionOutcome::Done => {
                crate::say!("{who}: {}{}", done_text(rec, duration), until_text(rec))
            }
        }
    })
}

/// `soc block IP --cloud ...`.
pub fn block(fw: &FirewallArgs, order: BlockOrder) -> anyhow::Result<ExitCode> {
    let (ip, duration, reason) = (order.ip.as_str(), order.duration, order.reason.as_str());
    BlockTarget::parse(ip)?;
    let (backends, store) = backends(fw, order.allow, order.permit_private)?;
    let rt = crate::cmd::runtime()?;
    let m = mode(fw);
    let mut recs = Vec::new();
    for r in &backends {
        let d = Some(duration.unwrap_or_default());
        recs.push(match rt.block_on(r.block(ip, d, m, reason)) {
            Ok(rec) => rec,
            Err(e @ RespondError::Refused { .. }) => refused(r, "block", ip, e, m),
            Err(e) => return Err(e.into()),
        });
    }
    report(&recs, fw, store.as_ref(), duration)
}

/// `soc unblock IP --cloud ...`.
pub fn unblock(fw: &FirewallArgs, ip: &str) -> anyhow::Result<ExitCode> {
    let (backends, store) = backends(fw, Vec::new(), false)?;
    let rt = crate::cmd::runtime()?;
    let mut recs = Vec::new();
    for r in &backends {
        recs.push(rt.block_on(r.unblock(ip, mode(fw)))?);
    }
    report(&recs, fw, store.as_ref(), None)
}

/// `soc block sweep --cloud ...`: pending retries, then expiry, per backend.
pub fn sweep(fw: &FirewallArgs) -> anyhow::Result<ExitCode> {
    let (backends, store) = backends(fw, Vec::new(), false)?;
    let rt = crate::cmd::runtime()?;
    let mut recs = Vec::new();
    for r in &backends {
        recs.extend(rt.block_on(r.sweep(mode(fw)))?);
    }
    if recs.is_empty() && !fw.json {
        crate::esay!("nothing pending and no expired cloud blocks");
    }
    report(&recs, fw, store.as_ref(), None)
}

/// Whether a blocks-table `backend` (`opnsense@fw1`, or a pending
/// `retry-cloud-block@opnsense@fw1`) is one of the cloud backends `wanted`
/// names (names, ids, kinds or `all`).
pub fn lists(wanted: &[String], backend: &str) -> bool {
    let id = backend
        .strip_prefix("retry-cloud-block@")
        .or_else(|| backend.strip_prefix("retry-cloud-unblock@"))
        .unwrap_or(backend);
    let Some((kind, name)) = id.split_once('@') else {
        return false;
    };
    let known = matches!(kind, "cloudflare" | "opnsense" | "pfsense") || kind.starts_with("aws");
    if !known || name.is_empty() {
        return false;
    }
    wanted
        .iter()
        .any(|w| w == "all" || w == id || w == name || w == kind)
}
