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
            let opts = BuildOptions {
                follow: false,
                force_dry_run: true,
                offline: false,
                store: Some(Arc::new(soc_core::StateStore::in_memory()?)),
            };
            // Building needs a runtime context for the HTTP clients.
            let rt = crate::cmd::runtime()?;
            rt.block_on(async { build_pipeline(&cfg, &opts, &path).map(drop) })?;
            crate::esay!("{}: valid", path.display());
            if json {
                crate::say!("{}", serde_json::to_string_pretty(&cfg.to_redacted_json())?);
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
