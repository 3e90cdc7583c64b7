//! A custom [`LogSource`]: here, lines pushed into a shared in-memory queue
//! (think: a syslog relay, a message bus consumer, a test harness), fed to
//! the configured parsers, detectors and playbook.

use std::collections::VecDeque;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

use soc_core::model::Origin;
use soc_core::pipeline::{BuildOptions, Pipeline, PipelineConfig, RunMetrics, RunOptions};
use soc_core::source::{LogSource, SourceKind, SourceRecord};
use soc_core::SourceError;

/// Lines pushed by another part of the program, read as sshd log lines.
pub struct QueueSource {
    queue: Arc<Mutex<VecDeque<String>>>,
    line: u64,
}

impl QueueSource {
    /// A source and the handle to push lines into it.
    pub fn new() -> (Self, Arc<Mutex<VecDeque<String>>>) {
        let queue = Arc::new(Mutex::new(VecDeque::new()));
        (
            QueueSource {
                queue: queue.clone(),
                line: 0,
            },
            queue,
        )
    }
}

impl LogSource for QueueSource {
    fn name(&self) -> &str {
        "queue"
    }

    fn next_record(&mut self) -> Option<Result<SourceRecord, SourceError>> {
        let text = self
            .queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front()?;
        self.line += 1;
        Some(Ok(SourceRecord {
            kind: SourceKind::Ssh,
            text,
            origin: Origin {
                file: "queue".into(),
                line: self.line,
            },
        }))
    }
}

/// Runs the example in `dir`, writing to `out`.
pub fn run(dir: &Path, out: &mut dyn Write) -> Result<RunMetrics, Box<dyn std::error::Error>> {
    let cfg = PipelineConfig::from_toml_str(&crate::config_for(dir, ""), "custom-source.toml")?;
    let mut pipeline = Pipeline::from_config(&cfg, &BuildOptions::default())?;
    let (source, queue) = QueueSource::new();
    pipeline.add_source(Box::new(source));
    {
        let mut q = queue.lock().unwrap_or_else(|p| p.into_inner());
        for i in 0..12u32 {
            q.push_back(format!(
                "Nov 21 04:10:{:02} bastion sshd[{}]: Failed password for invalid user admin from 2001:db8::66 port {} ssh2",
                i * 4,
                500 + i,
                50000 + i
            ));
        }
    }
    let rt = tokio::runtime::Runtime::new()?;
    let m = rt.block_on(pipeline.run(RunOptions::default()))?;
    writeln!(
        out,
        "queue source: {} records, {} events, alerts by kind: {:?}",
        m.records,
        m.events(),
        m.alerts_by_kind
    )?;
    Ok(m)
}
