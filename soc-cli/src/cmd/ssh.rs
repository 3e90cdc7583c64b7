//! `soc ssh` (not yet implemented).

use std::process::ExitCode;

/// Arguments of `soc ssh`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `soc ssh`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("soc ssh is not implemented yet")
}
