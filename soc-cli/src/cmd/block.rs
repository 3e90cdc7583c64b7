//! `soc block` / `soc unblock` (not yet implemented).

use std::process::ExitCode;

/// Arguments of `soc block`.
#[derive(Debug, clap::Args)]
pub struct BlockArgs {}

/// Arguments of `soc unblock`.
#[derive(Debug, clap::Args)]
pub struct UnblockArgs {}

/// Runs `soc block`.
pub fn run_block(_args: BlockArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("soc block is not implemented yet")
}

/// Runs `soc unblock`.
pub fn run_unblock(_args: UnblockArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("soc unblock is not implemented yet")
}
