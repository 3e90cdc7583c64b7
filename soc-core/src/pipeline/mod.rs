//! The pipeline: source → parse → detect → extract indicators → enrich →
//! score → playbook → respond, configured by one `soc.toml`.
//!
//! * [`config`]: [`PipelineConfig`], loading with `${ENV}` interpolation and
//!   errors that name the key, file and line.
//! * [`interpolate`]: the `${VAR}` rules.
//! * [`runner`]: [`Pipeline`], the batch/queue machinery, `--once` and follow runs.
//! * [`analyze`]: the standard parse + detect stage.
//! * [`build`]: building the configured pipeline.
//! * [`stages`]: the small traits the runner drives (analyzer, enrich stage, action stage).
//! * [`indicators`]: which indicators an alert has and which get enriched.
//! * [`metrics`]: per-run and cumulative metrics (MTTD, MTTR, cache hit rate).
//! * [`state`]: the pipeline's additions to the state store.
//! * [`report`]: Markdown/HTML/JSON/CSV reports.

pub mod analyze;
pub mod build;
mod commit;
pub mod config;
mod definition;
mod discard;
pub mod indicators;
pub mod interpolate;
pub mod metrics;
pub mod parts;
mod preparer;
mod queues;
mod reader;
mod redact;
pub mod report;
pub mod runner;
pub mod side_lane;
pub mod since;
pub mod stages;
pub mod state;
mod steps;
pub mod wiring;
mod worker;

pub use build::BuildOptions;
pub use config::{PipelineConfig, RunConfig, StoreConfig};
pub use metrics::RunMetrics;
pub use runner::{Pipeline, RunOptions};
