//! `soc enrich` (not yet implemented).

use std::process::ExitCode;

/// Arguments of `soc enrich`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `soc enrich`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("soc enrich is not implemented yet")
}
