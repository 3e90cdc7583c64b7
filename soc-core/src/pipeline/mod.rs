//! The pipeline: source → parse → detect → extract indicators → enrich →
//! score → playbook → respond, configured by one `soc.toml`.
//!
//! * [`config`]: [`PipelineConfig`], loading with `${ENV}` interpolation and
//!   errors that name the key, file and line.
//! * [`interpolate`]: the `${VAR}` rules.
//! * [`runner`]: [`Pipeline`], the batch/queue machinery, `--once` and follow runs.
//! * [`stages`]: the small traits the runner drives (analyzer, enrich stage, action stage).
//! * [`indicators`]: which indicators an alert has and which get enriched.
//! * [`metrics`]: per-run and cumulative metrics (MTTD, MTTR, cache hit rate).
//! * [`state`]: the pipeline's additions to the state store.
//! * [`report`]: Markdown/HTML/JSON/CSV reports.

pub mod build;
pub mod config;
pub mod indicators;
pub mod interpolate;
pub mod metrics;
pub mod parts;
pub mod report;
pub mod runner;
pub mod stages;
pub mod state;
pub mod wiring;

pub use config::{PipelineConfig, RunConfig, StoreConfig};
pub use metrics::RunMetrics;
pub use build::BuildOptions;
pub use runner::{Pipeline, RunOptions};
