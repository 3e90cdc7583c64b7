//! `soc iocs` (not yet implemented).

use std::process::ExitCode;

/// Arguments of `soc iocs`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `soc iocs`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("soc iocs is not implemented yet")
}
