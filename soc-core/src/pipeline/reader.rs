//! The reading side of the runner: a blocking loop over the (synchronous)
//! sources that parses and detects, cuts batches, and hands them with the
//! sources' checkpoints to the async side over a bounded channel; plus the
//! SIGINT/SIGTERM flag of follow mode.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::runner::Batch;
use super::stages::{Analysis, Analyzer};
use super::wiring::checkpoints_of;
use crate::error::SourceError;
use crate::source::LogSource;

#[derive(Clone)]
pub(super) struct ReaderConfig {
    pub(super) follow: bool,
    pub(super) batch_records: usize,
    pub(super) poll: Duration,
    pub(super) shutdown: Arc<AtomicBool>,
}

/// Consecutive errors from one source after which it is left alone until
/// the next round (a source that fails on every read must not spin).
const MAX_CONSECUTIVE_ERRORS: usize = 100;

pub(super) type ReaderParts = (Vec<Box<dyn LogSource>>, Box<dyn Analyzer>);

/// Longest time between two saves of the detector state while input keeps
/// coming (it is also saved whenever the reader catches up and at the end).
/// A kill -9 can lose at most the window increments of this span (the
/// checkpoints kept moving), never a stored alert. Saving at every batch
/// instead cost a bulk `--once` run more than its detectors.
const SAVE_STATE_EVERY: Duration = Duration::from_secs(10);

/// Hands `analysis` on with the sources' checkpoints (and, with `save`, the
/// detector state); false when the receiver is gone.
fn send(
    tx: &mpsc::Sender<Batch>,
    mut analysis: Analysis,
    sources: &[Box<dyn LogSource>],
    analyzer: &mut dyn Analyzer,
    save: bool,
) -> bool {
    analyzer.end_batch(&mut analysis, save);
    let checkpoints = sources
        .iter()
        .flat_map(|s| checkpoints_of(s.as_ref()))
        .collect();
    tx.blocking_send(Batch {
        analysis,
        checkpoints,
    })
    .is_ok()
}

pub(super) fn read_loop(
    mut sources: Vec<Box<dyn LogSource>>,
    mut analyzer: Box<dyn Analyzer>,
    tx: mpsc::Sender<Batch>,
    cfg: ReaderConfig,
) -> ReaderParts {
    let mut batch = Analysis::default();
    let mut unsaved = 0u32;
    let mut last_save = std::time::Instant::now();
    loop {
        let mut progressed = false;
        let mut receiver_gone = false;
        for i in 0..sources.len() {
            let src = &mut sources[i];
            let mut n = 0usize;
            let mut errors = 0usize;
            while n < cfg.batch_records {
                match src.next_record() {
                    None => break,
                    Some(Ok(rec)) => {
                        batch.records += 1;
                        analyzer.analyze(&rec, &mut batch);
                        errors = 0;
                    }
                    Some(Err(SourceError::Parse(e))) => {
                        batch.records += 1;
                        batch.malformed(e.to_string());
                        errors = 0;
                    }
                    Some(Err(e)) => {
                        batch.source_errors += 1;
                        tracing::warn!(source = src.name(), "{e}");
                        batch.malformed_sample(format!("{}: {e}", src.name()));
                        errors += 1;
                        if errors >= MAX_CONSECUTIVE_ERRORS {
                            break;
                        }
                    }
                }
                n += 1;
                if n % 1024 == 0 && cfg.shutdown.load(Ordering::Relaxed) {
                    break;
                }
            }
            progressed |= n > 0;
            let full = batch.records as usize >= cfg.batch_records
                || batch.alerts.len() >= cfg.batch_records;
            if full {
                unsaved += 1;
                let save = last_save.elapsed() >= SAVE_STATE_EVERY;
                if save {
                    unsaved = 0;
                    last_save = std::time::Instant::now();
                }
                let b = std::mem::take(&mut batch);
                if !send(&tx, b, &sources, analyzer.as_mut(), save) {
                    receiver_gone = true;
                    break;
                }
            }
        }
        if receiver_gone {
            break;
        }
        let stop = cfg.shutdown.load(Ordering::SeqCst);
        if stop || (!progressed && !cfg.follow) {
            analyzer.finish(&mut batch);
            send(
                &tx,
                std::mem::take(&mut batch),
                &sources,
                analyzer.as_mut(),
                true,
            );
            break;
        }
        if !progressed {
            // Caught up: save the state with whatever is pending.
            if (!batch.is_empty() || unsaved > 0)
                && !send(
                    &tx,
                    std::mem::take(&mut batch),
                    &sources,
                    analyzer.as_mut(),
                    true,
                )
            {
                break;
            }
            unsaved = 0;
            last_save = std::time::Instant::now();
            sleep_unless(&cfg.shutdown, cfg.poll);
        }
    }
    (sources, analyzer)
}

fn sleep_unless(flag: &AtomicBool, total: Duration) {
    let step = Duration::from_millis(25);
    let mut left = total;
    while !left.is_zero() && !flag.load(Ordering::Relaxed) {
        let d = left.min(step);
        std::thread::sleep(d);
        left = left.saturating_sub(d);
    }
}

impl Analysis {
    fn malformed_sample(&mut self, text: String) {
        if self.samples.len() < super::metrics::MAX_SAMPLES {
            self.samples.push(text);
        }
    }
}

/// A flag set on SIGINT or SIGTERM (follow mode's graceful shutdown).
/// Must be called inside a tokio runtime.
pub fn shutdown_on_signals() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            match signal(SignalKind::terminate()) {
                Ok(mut term) => {
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => {}
                        _ = term.recv() => {}
                    }
                }
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("shutting down: draining in-flight work");
        f.store(true, Ordering::SeqCst);
    });
    flag
}

/// A reader thread's share: the indexes of its sources in the pipeline,
/// the sources, and its analyzer.
pub(super) type Lane = (Vec<usize>, Vec<Box<dyn LogSource>>, Box<dyn Analyzer>);

impl super::runner::Pipeline {
    /// Splits the sources into reader threads: the independent ones (EVE,
    /// generic alerts) on a second thread with a forked analyzer when the
    /// analyzer can fork and both kinds are present, so parsing uses two
    /// cores; everything else (the SSH sources, whose detectors share state)
    /// on the first, with `analyzer`. Results are the same either way.
    pub(super) fn split_lanes(&mut self, analyzer: Box<dyn Analyzer>) -> Vec<Lane> {
        let sources = std::mem::take(&mut self.sources);
        let mixed = self.independent.iter().any(|i| *i) && self.independent.iter().any(|i| !*i);
        let fork = if mixed { analyzer.fork() } else { None };
        let Some(fork) = fork else {
            let idx = (0..sources.len()).collect();
            return vec![(idx, sources, analyzer)];
        };
        let (mut main, mut side) = ((Vec::new(), Vec::new()), (Vec::new(), Vec::new()));
        for (i, (s, ind)) in sources.into_iter().zip(&self.independent).enumerate() {
            let lane = if *ind { &mut side } else { &mut main };
            lane.0.push(i);
            lane.1.push(s);
        }
        vec![(main.0, main.1, analyzer), (side.0, side.1, fork)]
    }
}
