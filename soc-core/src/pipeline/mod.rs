//! The pipeline: source → parse → detect → extract indicators → enrich →
//! score → playbook → respond, configured by one `soc.toml`.
//!
//! * [`config`]: [`PipelineConfig`], loading with `${ENV}` interpolation and
//!   errors that name the key, file and line.
//! * [`interpolate`]: the `${VAR}` rules.
//! * [`metrics`]: per-run and cumulative metrics (MTTD, MTTR, cache hit rate).

pub mod config;
pub mod interpolate;
pub mod parts;

pub use config::{PipelineConfig, RunConfig, StoreConfig};
