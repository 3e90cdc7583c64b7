//! `soc serve`: the live dashboard on the state store of `soc.toml`
//! (see the `soc-serve` crate).
//!
//! Loopback by default; another `--listen` address needs credentials in
//! the environment: `SOC_SERVE_TOKEN` or `SOC_SERVE_PASSWORD_HASH` (an
//! argon2 PHC string) for analysts, `SOC_SERVE_VIEWER_TOKEN` or
//! `SOC_SERVE_VIEWER_PASSWORD_HASH` for the read-only role. Block and
//! unblock use `[firewall]` and honour `[response] dry_run`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use soc_core::pipeline::PipelineConfig;
use soc_serve::{AuthConfig, ServeConfig};

/// Arguments of `soc serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Config file (state store, firewall, dry-run) [default: $SOC_CONFIG, else ./soc.toml].
    #[arg(long, short = 'c')]
    config: Option<PathBuf>,
    /// Address to listen on; beyond loopback, sign-in must be configured.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR:PORT")]
    listen: SocketAddr,
    /// State store (overrides the config's `store.path`).
    #[arg(long, value_name = "PATH")]
    state: Option<PathBuf>,
    /// Name recorded in the audit log when nobody signs in [default: $USER].
    #[arg(long, value_name = "NAME")]
    user: Option<String>,
}

/// Runs `soc serve`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let cfg_path = PipelineConfig::resolve_path(args.config.as_deref());
    let pipeline = if args.config.is_none() && !cfg_path.exists() && args.state.is_some() {
        PipelineConfig::default()
    } else {
        PipelineConfig::load(&cfg_path).map_err(soc_core::Error::from)?
    };
    let store_path = args.state.unwrap_or(pipeline.store.path);
    let mut cfg = ServeConfig::new(store_path, args.listen, AuthConfig::from_env()?);
    cfg.firewall = pipeline.firewall;
    cfg.dry_run = pipeline.response.dry_run;
    cfg.remote_firewalls = pipeline.response.firewall;
    if let Some(u) = args.user {
        cfg.actor = u;
    }
    cfg.check()?;
    crate::cmd::runtime()?.block_on(soc_serve::serve(cfg))?;
    Ok(ExitCode::SUCCESS)
}
