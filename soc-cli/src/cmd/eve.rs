//! `soc eve` (not yet implemented).

use std::process::ExitCode;

/// Arguments of `soc eve`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `soc eve`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("soc eve is not implemented yet")
}
