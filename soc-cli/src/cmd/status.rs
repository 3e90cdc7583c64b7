//! `soc status` (not yet implemented).

use std::process::ExitCode;

/// Arguments of `soc status`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `soc status`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("soc status is not implemented yet")
}
