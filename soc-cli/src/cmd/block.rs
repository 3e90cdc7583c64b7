//! `soc block IP`, `soc block list`, `soc block sweep` and `soc unblock IP`:
//! the operator's firewall controls.
//!
//! An explicit `soc block` acts (the pipeline is what defaults to dry-run);
//! `--dry-run` prints the exact argv of every command, one per line, and
//! changes nothing. A protected or invalid target exits with code 3.
//!
//! Blocks are recorded in the state store: `--state PATH`, else `$SOC_STATE`,
//! else `/var/lib/soc/state.db` when running as root, else `./.soc/state.db`.
//!
//! The target may be a network (`2001:db8::/64`). `--host web1,web2` sends
//! the action to remote firewalls over SSH instead (see [`remote`]);
//! `--cloud cloudflare,fw1` to cloud and appliance firewalls (see [`cloud`]).

mod cloud;
mod remote;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use chrono::Utc;
use serde_json::json;

use soc_core::model::{ActionOutcome, ActionRecord, Mode};
use soc_core::respond::firewall::exec::display_argv;
use soc_core::respond::firewall::{
    format_duration, parse_duration, Backend, Firewall, FirewallConfig,
};
use soc_core::StateStore;

use crate::cmd::UsageError;
use crate::output::{Format, RowWriter};

/// Options shared by every firewall command. `--host` and `--cloud` name
/// the fleet to act on: one or the other, never both.
#[derive(Debug, Clone, clap::Args)]
#[command(group(clap::ArgGroup::new("fleet").args(["host", "cloud"])))]
pub struct FirewallArgs {
    /// Firewall backend: nft (nftables), ipset, iptables.
    #[arg(long, value_name = "BACKEND", default_value = "nft", value_parser = parse_backend)]
    pub backend: Backend,
    /// Print the exact commands (one per line) and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// State store (blocks and their expiry) [default: $SOC_STATE, else
    /// /var/lib/soc/state.db as root, else ./.soc/state.db].
    #[arg(long, value_name = "PATH", env = "SOC_STATE")]
    pub state: Option<PathBuf>,
    /// Run the firewall commands inside this network namespace.
    #[arg(long, value_name = "NAME")]
    pub netns: Option<String>,
    /// Print the action record as JSON instead of a sentence.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    remote: Box<remote::RemoteArgs>,
    #[command(flatten)]
    cloud: cloud::CloudArgs,
}

/// Arguments of `soc block`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct BlockArgs {
    #[command(subcommand)]
    action: Option<BlockAction>,
    /// The address (IPv4 or IPv6) or network (`2001:db8::/64`) to block.
    #[arg(required = true, value_name = "IP")]
    ip: Option<String>,
    /// How long: 30s, 10m, 1h, 2d, or 0/permanent.
    #[arg(long = "for", value_name = "DURATION", default_value = "1h")]
    duration: String,
    /// Never block these addresses or CIDRs (repeatable).
    #[arg(long, value_name = "CIDR")]
    allow: Vec<String>,
    /// Allow blocking private (RFC 1918 / RFC 4193) addresses.
    #[arg(long)]
    permit_private: bool,
    /// Note stored with the block.
    #[arg(long, default_value = "operator")]
    reason: String,
    #[command(flatten)]
    fw: FirewallArgs,
}

#[derive(Debug, clap::Subcommand)]
enum BlockAction {
    /// List blocks recorded in the state store, with their expiry.
    List(ListArgs),
    /// Remove expired blocks (plain-iptables rules; nftables/ipset expire in
    /// the kernel); with --host or --cloud, retry pending remote or cloud
    /// actions first and remove expired cloud/appliance blocks via their API.
    Sweep(FirewallArgs),
}

/// Arguments of `soc block list`.
#[derive(Debug, clap::Args)]
struct ListArgs {
    /// Include expired blocks not yet swept.
    #[arg(long)]
    all: bool,
    /// Output format [default: table on a terminal, jsonl otherwise].
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// State store [default: as for `soc block`].
    #[arg(long, value_name = "PATH", env = "SOC_STATE")]
    state: Option<PathBuf>,
    /// Only these hosts' blocks (`local` for this host's; comma-separated).
    #[arg(long, value_name = "HOSTS", value_delimiter = ',')]
    host: Vec<String>,
    /// Only these cloud/appliance backends' blocks (names, ids, kinds or `all`).
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    cloud: Vec<String>,
}

/// Arguments of `soc unblock`.
#[derive(Debug, clap::Args)]
pub struct UnblockArgs {
    /// The address or network to unblock.
    #[arg(value_name = "IP")]
    ip: String,
    #[command(flatten)]
    fw: FirewallArgs,
}

fn parse_backend(s: &str) -> Result<Backend, String> {
    s.parse::<Backend>().map_err(|e| e.to_string())
}

/// The default state store location (see the module docs).
pub fn default_state_path() -> PathBuf {
    if soc_core::respond::firewall::exec::running_as_root() {
        PathBuf::from("/var/lib/soc/state.db")
    } else {
        PathBuf::from(".soc/state.db")
    }
}

/// Opens the store; in dry-run only when it already exists (dry-run creates nothing).
fn open_store(path: Option<&PathBuf>, dry_run: bool) -> anyhow::Result<Option<Arc<StateStore>>> {
    let path = path.cloned().unwrap_or_else(default_state_path);
    if dry_run && !path.exists() {
        return Ok(None);
    }
    let store = StateStore::open(&path)
        .with_context(|| format!("opening state store {}", path.display()))?;
    Ok(Some(Arc::new(store)))
}

fn firewall(
    fw: &FirewallArgs,
    allow: Vec<String>,
    permit_private: bool,
) -> anyhow::Result<(Firewall, Option<Arc<StateStore>>)> {
    let store = open_store(fw.state.as_ref(), fw.dry_run)?;
    let cfg = FirewallConfig {
        backend: fw.backend,
        allow,
        permit_private,
        netns: fw.netns.clone(),
        ..FirewallConfig::default()
    };
    Ok((Firewall::new(cfg, store.clone())?, store))
}

fn mode(fw: &FirewallArgs) -> Mode {
    if fw.dry_run {
        Mode::DryRun
    } else {
        Mode::Live
    }
}

/// Prints a record: JSON, the argv lines (dry-run), or a sentence.
fn print_record(
    rec: &ActionRecord,
    json: bool,
    done: impl Fn(&ActionRecord) -> String,
) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(rec)?);
    } else {
        say_record(rec, done);
    }
    Ok(())
}

/// A record as text: the commands of a dry run, why it was skipped or
/// failed, or `done(rec)`.
fn say_record(rec: &ActionRecord, done: impl Fn(&ActionRecord) -> String) {
    match &rec.outcome {
        ActionOutcome::DryRun => {
            for c in &rec.commands {
                crate::say!("{}", display_argv(c));
            }
        }
        ActionOutcome::Skipped(why) => crate::say!("{why}"),
        ActionOutcome::Failed(why) => crate::say!("failed: {why}"),
        ActionOutcome::Done => crate::say!("{}", done(rec)),
    }
}

fn audit(store: Option<&Arc<StateStore>>, rec: &ActionRecord) {
    if let Some(store) = store {
        let log = soc_core::respond::AuditLog::new(store.clone(), None);
        if let Err(e) = log.record_operator_action(rec) {
            tracing::warn!("could not record the action in the audit log: {e}");
        }
    }
}

/// What `soc block IP` asks of whichever firewalls act: the target, how
/// long, the command line's additions to the policy and the note.
pub struct BlockOrder {
    pub ip: String,
    pub duration: Option<std::time::Duration>,
    pub allow: Vec<String>,
    pub permit_private: bool,
    pub reason: String,
}

/// `soc block IP` on one kind of firewall (this host's, `--cloud`, `--host`).
type BlockOn = fn(&FirewallArgs, BlockOrder) -> anyhow::Result<ExitCode>;

/// Runs `soc block`.
pub fn run_block(args: BlockArgs) -> anyhow::Result<ExitCode> {
    match args.action {
        Some(BlockAction::List(l)) => return run_list(l),
        Some(BlockAction::Sweep(fw)) => return run_sweep(fw),
        None => {}
    }
    let Some(ip) = args.ip else {
        return Err(UsageError("give an address to block, or `soc block list`".into()).into());
    };
    let duration = parse_duration(&args.duration).map_err(|e| UsageError(format!("--for: {e}")))?;
    let block: BlockOn = if args.fw.cloud.active() {
        cloud::block
    } else if args.fw.remote.active() {
        remote::block
    } else {
        block_here
    };
    let order = BlockOrder {
        ip,
        duration,
        allow: args.allow,
        permit_private: args.permit_private,
        reason: args.reason,
    };
    block(&args.fw, order)
}

/// `soc block IP` on this host's firewall.
fn block_here(fw_args: &FirewallArgs, order: BlockOrder) -> anyhow::Result<ExitCode> {
    let duration = order.duration;
    let (fw, store) = firewall(fw_args, order.allow, order.permit_private)?;
    let rt = crate::cmd::runtime()?;
    let rec = rt.block_on(fw.block(
        &order.ip,
        Some(duration.unwrap_or_default()),
        mode(fw_args),
        &order.reason,
    ))?;
    audit(store.as_ref(), &rec);
    print_record(&rec, fw_args.json, |r| {
        format!(
            "blocked {} for {} ({}{})",
            r.target,
            format_duration(duration),
            fw.backend(),
            until_text(r)
        )
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `, until <UTC time>` for a record with an expiry, else nothing.
fn until_text(rec: &ActionRecord) -> String {
    rec.expires_at
        .map(|t| format!(", until {}", t.format("%Y-%m-%dT%H:%M:%SZ")))
        .unwrap_or_default()
}

/// Runs `soc unblock`.
pub fn run_unblock(args: UnblockArgs) -> anyhow::Result<ExitCode> {
    if args.fw.cloud.active() {
        return cloud::unblock(&args.fw, &args.ip);
    }
    if args.fw.remote.active() {
        return remote::unblock(&args.fw, &args.ip);
    }
    let (fw, store) = firewall(&args.fw, Vec::new(), false)?;
    let rt = crate::cmd::runtime()?;
    let rec = rt.block_on(fw.unblock(&args.ip, mode(&args.fw)))?;
    audit(store.as_ref(), &rec);
    print_record(&rec, args.fw.json, |r| {
        format!("unblocked {} ({})", r.target, fw.backend())
    })?;
    Ok(ExitCode::SUCCESS)
}

fn run_sweep(args: FirewallArgs) -> anyhow::Result<ExitCode> {
    if args.cloud.active() {
        return cloud::sweep(&args);
    }
    if args.remote.active() {
        return remote::sweep(&args);
    }
    let (fw, store) = firewall(&args, Vec::new(), false)?;
    let rt = crate::cmd::runtime()?;
    let recs = rt.block_on(fw.expire(mode(&args)))?;
    for rec in &recs {
        audit(store.as_ref(), rec);
        print_record(rec, args.json, |r| {
            format!("expired {} ({})", r.target, r.detail)
        })?;
    }
    if recs.is_empty() && !args.json {
        crate::esay!("no expired blocks");
    }
    Ok(ExitCode::SUCCESS)
}

fn run_list(args: ListArgs) -> anyhow::Result<ExitCode> {
    let path = args.state.clone().unwrap_or_else(default_state_path);
    let now = Utc::now();
    let blocks = if path.exists() {
        let store = StateStore::open(&path)
            .with_context(|| format!("opening state store {}", path.display()))?;
        if args.all {
            store.blocks()?
        } else {
            store.active_blocks(now)?
        }
    } else {
        Vec::new()
    };
    let format = Format::resolve(args.format);
    let mut w = RowWriter::new(
        std::io::stdout().lock(),
        format,
        &[
            "ip",
            "backend",
            "created_at",
            "expires_at",
            "remaining",
            "reason",
        ],
    );
    let ts = |t: chrono::DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let on_hosts = |backend: &str| {
        if args.host.is_empty() && args.cloud.is_empty() {
            return true;
        }
        let host = backend.split_once('@').map_or("local", |(_, h)| h);
        args.host.iter().any(|h| h == host) || cloud::lists(&args.cloud, backend)
    };
    for b in blocks.into_iter().filter(|b| on_hosts(&b.backend)) {
        let remaining = match b.expires_at {
            None => "permanent".to_string(),
            Some(e) if e <= now => "expired".to_string(),
            Some(e) => format_duration(Some((e - now).to_std().unwrap_or_default())),
        };
        w.write(&json!({
            "ip": b.ip,
            "backend": b.backend,
            "created_at": ts(b.created_at),
            "expires_at": b.expires_at.map(ts),
            "remaining": remaining,
            "reason": b.reason,
        }))?;
    }
    let _ = w.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// Audits each per-firewall record of a fleet action (`--cloud`, `--host`)
/// and prints it: the records as JSON lines with `--json`, else through
/// `print`. The exit status of the whole is [`fleet_exit_code`]'s, with
/// `target` naming one member (`backend`, `host`).
fn report_fleet(
    recs: &[ActionRecord],
    fw: &FirewallArgs,
    store: Option<&Arc<StateStore>>,
    (target, retried_by): (&str, &str),
    mut print: impl FnMut(&ActionRecord),
) -> anyhow::Result<ExitCode> {
    for rec in recs {
        audit(store, rec);
        if fw.json {
            println!("{}", serde_json::to_string(rec)?);
        } else {
            print(rec);
        }
    }
    Ok(fleet_exit_code(recs, target, retried_by))
}

/// What a done fleet action did: `blocked IP for 1h`, `unblocked IP`, or
/// the action and its target.
fn done_text(rec: &ActionRecord, duration: Option<std::time::Duration>) -> String {
    match rec.action.as_str() {
        "block" => format!(
            "blocked {} for {}",
            rec.target,
            soc_core::respond::firewall::format_duration(duration)
        ),
        "unblock" => format!("unblocked {}", rec.target),
        other => format!("{other} {}", rec.target),
    }
}

/// The exit code of one action on several targets (remote hosts or cloud
/// backends): 1 when any failed (saying how many, and that `retried_by`
/// retries them), `EXIT_REFUSED` when every target refused, else 0.
fn fleet_exit_code(recs: &[ActionRecord], target: &str, retried_by: &str) -> ExitCode {
    let failed = recs
        .iter()
        .filter(|r| matches!(r.outcome, ActionOutcome::Failed(_)))
        .count();
    if failed > 0 {
        crate::esay!(
            "{failed} of {} {target} action(s) failed; they are retried by the next {retried_by}",
            recs.len()
        );
        return ExitCode::from(1);
    }
    let refused = |r: &ActionRecord| matches!(&r.outcome, ActionOutcome::Skipped(w) if w.starts_with("refusing to act on"));
    if !recs.is_empty() && recs.iter().all(refused) {
        return ExitCode::from(crate::cmd::EXIT_REFUSED);
    }
    ExitCode::SUCCESS
}
