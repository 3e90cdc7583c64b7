//! `soc notify` (not yet implemented).

use std::process::ExitCode;

/// Arguments of `soc notify`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `soc notify`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("soc notify is not implemented yet")
}
