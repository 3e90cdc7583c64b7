//! `soc alerts` (not yet implemented).

use std::process::ExitCode;

/// Arguments of `soc alerts`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `soc alerts`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("soc alerts is not implemented yet")
}
