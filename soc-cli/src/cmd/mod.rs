//! One module per subcommand. Each has an `Args` (clap) and a `run` that
//! returns the process exit code.
//!
//! Exit codes: 0 success, 1 runtime error, 2 usage error, 3 refused
//! (protected or invalid target).

pub mod alert_rows;
pub mod alerts;
pub mod block;
pub mod config;
pub mod enrich;
pub mod eve;
pub mod iocs;
pub mod notify;
pub mod report;
pub mod run;
pub mod ssh;
pub mod status;
pub mod triage;

use std::process::ExitCode;

/// Exit code for usage errors (also what clap uses).
pub const EXIT_USAGE: u8 = 2;
/// Exit code for a refused (protected or invalid) target.
pub const EXIT_REFUSED: u8 = 3;

/// A usage error raised after argument parsing (bad `--kinds`, bad file).
#[derive(Debug)]
pub struct UsageError(pub String);

/// Prints an error the way a person can act on it and picks the exit code.
/// A broken pipe (`soc ... | head`) is success.
pub fn report_error(err: &anyhow::Error) -> ExitCode {
    for cause in err.chain() {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::BrokenPipe {
                return ExitCode::SUCCESS;
            }
        }
    }
    crate::esay!("soc: error: {err:#}");
    if err.downcast_ref::<UsageError>().is_some() {
        return ExitCode::from(EXIT_USAGE);
    }
    if let Some(soc_core::Error::Respond(
        soc_core::RespondError::Refused { .. } | soc_core::RespondError::InvalidTarget { .. },
    )) = err.downcast_ref::<soc_core::Error>()
    {
        return ExitCode::from(EXIT_REFUSED);
    }
    if let Some(
        soc_core::RespondError::Refused { .. } | soc_core::RespondError::InvalidTarget { .. },
    ) = err.downcast_ref::<soc_core::RespondError>()
    {
        return ExitCode::from(EXIT_REFUSED);
    }
    ExitCode::FAILURE
}

/// A tokio runtime for commands that do network I/O.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}
