//! `soc run` (not yet implemented).

use std::process::ExitCode;

/// Arguments of `soc run`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `soc run`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("soc run is not implemented yet")
}
