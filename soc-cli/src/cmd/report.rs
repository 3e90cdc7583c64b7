//! `soc report` (not yet implemented).

use std::process::ExitCode;

/// Arguments of `soc report`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `soc report`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("soc report is not implemented yet")
}
