//! `soc config check` validates `soc.toml` exactly as `soc run` does (it
//! builds every source, enricher and responder, against a throwaway
//! in-memory state store) and prints the resolved pipeline (secrets and the
//! secret parts of URLs redacted); `soc config example` prints a commented
//! example covering every option.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use soc_core::pipeline::config::redact_urls_in;
use soc_core::pipeline::{BuildOptions, Pipeline, PipelineConfig};

/// Arguments of `soc config`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(Debug, clap::Subcommand)]
enum Sub {
    /// Validate a config file and print the resolved pipeline (secrets redacted).
    Check {
        /// Config file (default: $SOC_CONFIG, else ./soc.toml).
        #[arg(long, short = 'c')]
        config: Option<PathBuf>,
        /// Print the resolved config as JSON instead of TOML.
        #[arg(long)]
        json: bool,
    },
    /// Print a commented example config covering every option.
    Example,
}

/// Runs `soc config`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Sub::Example => {
            print!("{}", soc_core::pipeline::config::EXAMPLE);
            Ok(ExitCode::SUCCESS)
        }
        Sub::Check { config, json } => {
            let path = PipelineConfig::resolve_path(config.as_deref());
            let cfg = PipelineConfig::load(&path).map_err(soc_core::Error::from)?;
            let store = Arc::new(soc_core::StateStore::in_memory()?);
            let opts = BuildOptions {
                follow: false,
                force_dry_run: true,
                offline: false,
                store: Some(store.clone()),
            };
            // Sources whose files are missing here are reported, not fatal:
            // the config may be checked on another machine than it runs on.
            let mut checked = cfg.clone();
            let mut kept = Vec::new();
            for (i, sc) in cfg.sources.iter().enumerate() {
                match soc_core::source::build_source(sc, None) {
                    Err(e @ soc_core::SourceError::Io { .. }) => {
                        crate::esay!("soc: warning: {}: sources[{i}]: {e}", path.display());
                    }
                    _ => kept.push(sc.clone()),
                }
            }
            checked.sources = kept;
            // Building needs a runtime context for the HTTP clients.
            let rt = crate::cmd::runtime()?;
            rt.block_on(async {
                match build_pipeline(&checked, &opts, &path) {
                    Ok(_) => Ok(()),
                    Err(e) if missing_list(&e) => {
                        crate::esay!("soc: warning: {}", crate::cmd::error_text(&e));
                        // The build stopped at the enrichment lists; the
                        // responders come after them, so check those alone.
                        check_responders(&checked, store)
                            .map_err(|e| anyhow::Error::from(e).context(path.display().to_string()))
                    }
                    Err(e) => Err(e),
                }
            })?;
            crate::esay!("{}: valid", path.display());
            if json {
                println!("{}", serde_json::to_string_pretty(&cfg.to_redacted_json())?);
            } else {
                for line in soc_core::pipeline::build::describe(&cfg) {
                    crate::say!("# {}", redact_urls_in(&line));
                }
                print!("{}", cfg.to_redacted_toml());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Builds the pipeline as `soc run` does; errors name the config file that
/// was read (`path`), not the default name.
pub(crate) fn build_pipeline(
    cfg: &PipelineConfig,
    opts: &BuildOptions,
    path: &Path,
) -> anyhow::Result<Pipeline> {
    use soc_core::ConfigError;
    Pipeline::from_config(cfg, opts).map_err(|e| match e {
        soc_core::Error::Config(ConfigError::BadValue { key, message, .. }) => {
            anyhow::Error::from(soc_core::Error::Config(ConfigError::BadValue {
                path: path.display().to_string(),
                key,
                message,
            }))
        }
        soc_core::Error::Config(c) => anyhow::Error::from(soc_core::Error::Config(c)),
        other => anyhow::Error::from(other).context(path.display().to_string()),
    })
}

/// Whether the build failed because a local threat-intel list file is
/// missing here (reported as a warning by `soc config check`).
fn missing_list(e: &anyhow::Error) -> bool {
    use soc_core::EnrichError;
    e.chain()
        .any(|c| match c.downcast_ref::<soc_core::Error>() {
            Some(soc_core::Error::Enrich(EnrichError::List { line: 0, .. })) => true,
            Some(soc_core::Error::Enrich(EnrichError::ListIo { source, .. })) => {
                source.kind() == std::io::ErrorKind::NotFound
            }
            _ => false,
        })
}

/// Builds every responder of the config (as the pipeline does).
fn check_responders(
    cfg: &PipelineConfig,
    store: Arc<soc_core::StateStore>,
) -> Result<(), soc_core::Error> {
    use soc_core::respond::firewall::Firewall;
    use soc_core::respond::isolate::SshIsolator;
    soc_core::respond::ResponseEngine::from_config(&cfg.response, store)?;
    Firewall::new(cfg.firewall.clone(), None)?;
    if cfg.isolate.mgmt_ip.is_some() {
        SshIsolator::new(cfg.isolate.clone())?;
    }
    Ok(())
}
