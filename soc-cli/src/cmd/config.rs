//! `soc config check` validates `soc.toml` and prints the resolved pipeline
//! (secrets redacted); `soc config example` prints a commented example
//! covering every option.

use std::path::PathBuf;
use std::process::ExitCode;

use soc_core::pipeline::PipelineConfig;

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
            crate::esay!("{}: valid", path.display());
            if json {
                crate::say!("{}", serde_json::to_string_pretty(&cfg.to_redacted_json())?);
            } else {
                for line in soc_core::pipeline::build::describe(&cfg) {
                    crate::say!("# {line}");
                }
                print!("{}", cfg.to_redacted_toml());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
