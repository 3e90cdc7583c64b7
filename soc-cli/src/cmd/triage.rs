//! `soc triage` (not yet implemented).

use std::process::ExitCode;

/// Arguments of `soc triage`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `soc triage`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("soc triage is not implemented yet")
}
