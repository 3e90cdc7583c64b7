//! Embedding the pipeline in your own program: configure it from a TOML
//! string, run it once over a log file, print the triage summary, and run it
//! again to see that nothing is processed (or acted on) twice.

use std::io::Write;
use std::path::Path;

use soc_core::pipeline::report::triage_summary;
use soc_core::pipeline::{BuildOptions, Pipeline, PipelineConfig, RunMetrics, RunOptions};

/// What the example observed.
#[derive(Debug)]
pub struct Outcome {
    /// Metrics of the first run.
    pub first: RunMetrics,
    /// Metrics of the second run (nothing new).
    pub second: RunMetrics,
    /// The triage summary printed after the first run.
    pub summary: String,
}

/// Runs the example in `dir` (a scratch directory), writing to `out`.
pub fn run(dir: &Path, out: &mut dyn Write) -> Result<Outcome, Box<dyn std::error::Error>> {
    let log = crate::write_sample_authlog(dir, "203.0.113.50")?;
    let toml = crate::ssh_config_for(dir, &log);
    let cfg = PipelineConfig::from_toml_str(&toml, "embedded.toml")?;
    let rt = tokio::runtime::Runtime::new()?;
    let mut pipeline = Pipeline::from_config(&cfg, &BuildOptions::default())?;
    let first = rt.block_on(pipeline.run(RunOptions::default()))?;
    let store = pipeline.store().clone();
    let mut alerts = Vec::new();
    for id in pipeline.last_alert_ids() {
        alerts.extend(store.alert_by_id(id)?);
    }
    let actions = store.actions_since(first.started_at.unwrap_or_default())?;
    let summary = triage_summary(&alerts, &actions);
    writeln!(
        out,
        "first run: {} records, {} alerts",
        first.records,
        first.alerts()
    )?;
    write!(out, "{summary}")?;
    // A second run (what cron does every minute) finds nothing new.
    let second = rt.block_on(pipeline.run(RunOptions::default()))?;
    writeln!(
        out,
        "second run: {} records, {} alerts",
        second.records,
        second.alerts()
    )?;
    Ok(Outcome {
        first,
        second,
        summary,
    })
}
