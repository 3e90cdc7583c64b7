//! One module per subcommand. Each has an `Args` (clap) and a `run` that
//! returns the process exit code.
//!
//! Exit codes, one per error class, the same for every subcommand:
//!
//! | code | class |
//! |---|---|
//! | 0 | success |
//! | 1 | runtime failure: I/O, network, state store, a failed action of `soc block`/`soc notify` |
//! | 2 | usage: bad arguments or options |
//! | 3 | refused: a protected or invalid target |
//! | 4 | configuration: invalid, missing or unreadable config, unset secret |
//! | 5 | incomplete run: `soc run` finished but a source was unreadable or an action failed |

pub mod alert_rows;
pub mod alerts;
pub mod block;
pub mod completions;
pub mod config;
pub mod encoded_alerts;
pub mod enrich;
pub mod eve;
pub mod iocs;
pub mod journal;
pub mod notify;
pub mod report;
pub mod run;
pub mod serve;
pub mod ssh;
pub mod status;
pub mod triage;

use std::process::ExitCode;

/// Exit code for usage errors (also what clap uses).
pub const EXIT_USAGE: u8 = 2;
/// Exit code for a refused (protected or invalid) target.
pub const EXIT_REFUSED: u8 = 3;
/// Exit code for a configuration error.
pub const EXIT_CONFIG: u8 = 4;
/// Exit code of a run that completed with unreadable sources or failed actions.
pub const EXIT_INCOMPLETE: u8 = 5;

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
    let text = error_text(err);
    let text = soc_core::pipeline::config::redact_urls_in(&text);
    crate::esay!("soc: error: {text}");
    ExitCode::from(exit_code(err))
}

/// The error and its causes on one line, each cause once: a cause whose
/// text its parent already shows (thiserror's `"{context}: {source}"`) is
/// not repeated.
pub fn error_text(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let t = cause.to_string();
        if t.is_empty() || out.contains(&t) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&t);
    }
    out
}

/// The exit code of an error's class (see the module docs).
pub fn exit_code(err: &anyhow::Error) -> u8 {
    use soc_core::error::CloudError;
    use soc_core::{ConfigError, EnrichError, RespondError, SourceError};
    if err.downcast_ref::<UsageError>().is_some() {
        return EXIT_USAGE;
    }
    for cause in err.chain() {
        let respond = cause.downcast_ref::<RespondError>().or_else(|| {
            match cause.downcast_ref::<soc_core::Error>() {
                Some(soc_core::Error::Respond(r)) => Some(r),
                _ => None,
            }
        });
        match respond {
            Some(
                RespondError::Refused { .. }
                | RespondError::InvalidTarget { .. }
                | RespondError::Cloud(CloudError::Unsupported { .. }),
            ) => return EXIT_REFUSED,
            Some(RespondError::Config { .. } | RespondError::Cloud(CloudError::Config { .. })) => {
                return EXIT_CONFIG
            }
            _ => {}
        }
        let config = cause.downcast_ref::<ConfigError>().is_some()
            || matches!(
                cause.downcast_ref::<soc_core::Error>(),
                Some(
                    soc_core::Error::Config(_)
                        | soc_core::Error::Source(SourceError::Config { .. })
                        | soc_core::Error::Enrich(EnrichError::MissingKey { .. })
                )
            )
            || matches!(
                cause.downcast_ref::<SourceError>(),
                Some(SourceError::Config { .. })
            )
            || matches!(
                cause.downcast_ref::<EnrichError>(),
                Some(EnrichError::MissingKey { .. })
            );
        if config {
            return EXIT_CONFIG;
        }
    }
    1
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Each error class has its code, whatever the subcommand.
    #[test]
    fn one_exit_code_per_error_class() {
        let cfg = soc_core::Error::Config(soc_core::ConfigError::BadValue {
            path: "a.toml".into(),
            key: "k".into(),
            message: "m".into(),
        });
        assert_eq!(exit_code(&anyhow::Error::from(cfg)), EXIT_CONFIG);
        let refused = soc_core::RespondError::Refused {
            target: "127.0.0.1".into(),
            reason: "loopback".into(),
        };
        assert_eq!(exit_code(&anyhow::Error::from(refused)), EXIT_REFUSED);
        let usage = anyhow::Error::from(UsageError("bad".into()));
        assert_eq!(exit_code(&usage), EXIT_USAGE);
        let cloud_config = soc_core::RespondError::Cloud(soc_core::error::CloudError::Config {
            backend: "cloudflare@cf".into(),
            message: "zone_id is required".into(),
        });
        assert_eq!(exit_code(&anyhow::Error::from(cloud_config)), EXIT_CONFIG);
        let unsupported = soc_core::RespondError::Cloud(soc_core::error::CloudError::Unsupported {
            backend: "pfsense@fw1".into(),
            target: "2001:db8::/64".into(),
            reason: "the alias holds IPv4 hosts only".into(),
        });
        assert_eq!(exit_code(&anyhow::Error::from(unsupported)), EXIT_REFUSED);
        let server = soc_core::RespondError::Cloud(soc_core::error::CloudError::Server {
            backend: "cloudflare@cf".into(),
            status: 502,
            body: String::new(),
        });
        assert_eq!(exit_code(&anyhow::Error::from(server)), 1);
        let io = anyhow::Error::from(std::io::Error::other("disk"));
        assert_eq!(exit_code(&io), 1);
    }

    /// Reproduction: `"{context}: {source}"` errors printed their cause twice.
    #[test]
    fn causes_are_not_repeated() {
        let e = soc_core::Error::Io {
            context: "reading x.log".into(),
            source: std::io::Error::other("permission denied"),
        };
        let text = error_text(&anyhow::Error::from(e).context("soc run"));
        assert_eq!(text, "soc run: reading x.log: permission denied");
    }
}
