//! `soc config` (not yet implemented).

use std::process::ExitCode;

/// Arguments of `soc config`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `soc config`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("soc config is not implemented yet")
}
