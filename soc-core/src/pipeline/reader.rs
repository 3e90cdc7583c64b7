//! The reading side of the runner: a blocking loop over the (synchronous)
//! sources that parses and detects, cuts batches, and hands them with the
//! sources' checkpoints to the async side over a bounded channel; plus the
//! SIGINT/SIGTERM flag of follow mode.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::definition::Pipeline;
use super::indicators::bound_and_attach;
use super::preparer::Preparer;
use super::stages::{Analysis, Analyzer};
use super::wiring::{checkpoints_of, CheckpointRow};
use crate::error::SourceError;
use crate::parse::line_block::LineBlock;
use crate::source::LogSource;

/// What a reader thread hands the async side: the analysis of a batch
/// and the sources' checkpoints after it.
pub(super) struct Batch {
    pub(super) analysis: Analysis,
    pub(super) checkpoints: Vec<CheckpointRow>,
    /// The alerts' evidence is bounded and their indicators attached
    /// (see [`ReaderConfig::prepare_alerts`]).
    pub(super) prepared: bool,
}

#[derive(Clone)]
pub(super) struct ReaderConfig {
    pub(super) follow: bool,
    pub(super) batch_records: usize,
    pub(super) poll: Duration,
    pub(super) shutdown: Arc<AtomicBool>,
    /// `Some(run.max_alert_events)`: the alerts' evidence is bounded and
    /// their indicators attached before they are handed on (by this
    /// thread, or beside it: `prepare_beside`); `None`: the async side
    /// does it.
    pub(super) prepare_alerts: Option<usize>,
    /// With `prepare_alerts`: prepare them on a thread beside this one
    /// (`preparer`): for the lane that bounds the run (the SSH sources').
    pub(super) prepare_beside: bool,
    /// Threads an analyzer may parse a block of lines on
    /// ([`Analyzer::analyze_block`]).
    pub(super) parse_threads: usize,
}

/// Consecutive errors from one source after which it is left alone until
/// the next round (a source that fails on every read must not spin).
const MAX_CONSECUTIVE_ERRORS: usize = 100;

pub(super) type ReaderParts = (Vec<Box<dyn LogSource>>, Box<dyn Analyzer>);

/// Longest time a stateful lane batches its input between two saves of
/// the detector state while input keeps coming (it also saves whenever the
/// reader catches up, when its alerts fill a batch, and at the end). Its
/// checkpoints move only with the state, in the same transaction, so a
/// kill -9 loses no window increment: the next run re-reads from the last
/// save (at most this span of input). Saving at every batch instead cost a
/// bulk `--once` run more than its detectors.
const SAVE_STATE_EVERY: Duration = Duration::from_secs(10);

/// Most bytes of lines read into one block.
const BLOCK_BYTES: usize = 4 << 20;

/// A block holds up to this many batches' lines (`run.batch_records`
/// each), and they are one batch: a block's parallel parse costs a few
/// thread starts (each thread's first allocation a fresh page), worth it
/// for thousands of lines, and the checkpoints of a stateful lane (the
/// SSH one) commit only with its saves anyway. (Four cost ~15 MiB more
/// peak memory on the 1M-line benchmark for ~0.1 s less CPU.)
const BLOCK_BATCHES: usize = 2;

/// Bounds the evidence of `analysis`'s alerts and attaches their
/// indicators when this thread does that (`prepare`); whether it did.
fn prepare(analysis: &mut Analysis, prepare: Option<usize>) -> bool {
    let Some(max_events) = prepare else {
        return false;
    };
    for a in &mut analysis.alerts {
        bound_and_attach(a, max_events);
    }
    true
}

/// Where a reader hands its batches: the async side's queue, directly
/// or through the lane's [`Preparer`].
struct Outbox<'a> {
    tx: &'a mpsc::Sender<Batch>,
    prepare_alerts: Option<usize>,
    preparer: Option<Preparer<Batch>>,
}

impl Outbox<'_> {
    /// Hands `batch` on (leaving it empty) with the sources' checkpoints
    /// and the detector state changed since the last send; false when the
    /// receiver is gone.
    fn send(
        &self,
        batch: &mut Analysis,
        sources: &[Box<dyn LogSource>],
        analyzer: &mut dyn Analyzer,
    ) -> bool {
        self.hand_on(batch, Some(sources), analyzer)
    }

    /// Hands `batch` on (leaving it empty) without checkpoints or detector
    /// state (its alerts and counts only); false when the receiver is gone.
    fn send_alerts(&self, batch: &mut Analysis, analyzer: &mut dyn Analyzer) -> bool {
        self.hand_on(batch, None, analyzer)
    }

    fn hand_on(
        &self,
        batch: &mut Analysis,
        sources: Option<&[Box<dyn LogSource>]>,
        analyzer: &mut dyn Analyzer,
    ) -> bool {
        let mut analysis = std::mem::take(batch);
        analyzer.end_batch(&mut analysis, sources.is_some());
        let checkpoints = sources
            .unwrap_or_default()
            .iter()
            .flat_map(|s| checkpoints_of(s.as_ref()))
            .collect();
        let mut batch = Batch {
            analysis,
            checkpoints,
            prepared: false,
        };
        if let Some(p) = &self.preparer {
            return p.send(batch);
        }
        batch.prepared = prepare(&mut batch.analysis, self.prepare_alerts);
        self.tx.blocking_send(batch).is_ok()
    }
}

/// Reads `sources` in rounds of at most `batch_records` records each and
/// hands batches on: a stateless analyzer's batch as soon as it is full, a
/// stateful one's (see [`Analyzer::has_unsaved_state`]) checkpoints only
/// with its state, so the checkpoints never run ahead of the detector
/// windows; between two saves its alerts go on in full batches without
/// checkpoints, so memory does not grow with the time between saves.
pub(super) fn read_loop(
    mut sources: Vec<Box<dyn LogSource>>,
    mut analyzer: Box<dyn Analyzer>,
    tx: mpsc::Sender<Batch>,
    cfg: ReaderConfig,
) -> ReaderParts {
    let preparer = match cfg.prepare_alerts {
        Some(max) if cfg.prepare_beside => Preparer::spawn(tx.clone(), move |b: &mut Batch| {
            b.prepared = prepare(&mut b.analysis, Some(max));
        })
        .inspect_err(|e| tracing::debug!(error = %e, "alerts prepared on the lane"))
        .ok(),
        _ => None,
    };
    let out = Outbox {
        tx: &tx,
        prepare_alerts: cfg.prepare_alerts,
        preparer,
    };
    let mut batch = Analysis::default();
    let mut block = LineBlock::default();
    let mut last_save = std::time::Instant::now();
    loop {
        let mut progressed = false;
        let mut receiver_gone = false;
        for i in 0..sources.len() {
            let src = &mut sources[i];
            let blocks = src.block_kind().filter(|k| analyzer.takes_blocks(*k));
            let mut n = 0usize;
            let mut errors = 0usize;
            while n < cfg.batch_records {
                if let Some(kind) = blocks {
                    let left = cfg.batch_records.saturating_mul(BLOCK_BATCHES) - n;
                    if src.read_block(&mut block, BLOCK_BYTES, left) {
                        analyzer.analyze_block(kind, &mut block, cfg.parse_threads, &mut batch);
                        n += block.lines() as usize;
                        errors = 0;
                        if cfg.shutdown.load(Ordering::Relaxed) {
                            break;
                        }
                        continue;
                    }
                }
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
            let alerts_full = batch.alerts.len() >= cfg.batch_records;
            let full = batch.records as usize >= cfg.batch_records || alerts_full;
            let due = alerts_full
                || !analyzer.has_unsaved_state()
                || last_save.elapsed() >= SAVE_STATE_EVERY;
            if full && due {
                last_save = std::time::Instant::now();
                if !out.send(&mut batch, &sources, analyzer.as_mut()) {
                    receiver_gone = true;
                    break;
                }
            } else if full && !batch.alerts.is_empty() {
                // Not due to save: the alerts go on without checkpoints
                // (bounded memory). A crash before the next save re-reads
                // their input and makes the same alerts (same ids) again.
                if !out.send_alerts(&mut batch, analyzer.as_mut()) {
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
            // The last alerts go on first, without checkpoints, so the
            // async side scores and stores them while this thread puts
            // the detector state together for the final save (the run's
            // serial tail); the checkpoints follow with that state.
            if analyzer.has_unsaved_state()
                && !batch.alerts.is_empty()
                && !out.send_alerts(&mut batch, analyzer.as_mut())
            {
                break;
            }
            out.send(&mut batch, &sources, analyzer.as_mut());
            break;
        }
        if !progressed {
            // Caught up: save the state with whatever is pending.
            if (!batch.is_empty() || analyzer.has_unsaved_state())
                && !out.send(&mut batch, &sources, analyzer.as_mut())
            {
                break;
            }
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

impl Pipeline {
    /// Splits the sources into at most `run.threads` reader threads: the
    /// dependent ones (the SSH sources, whose detectors share state) all on
    /// the first, with `analyzer`; the independent ones (EVE, generic
    /// alerts) round-robin over the others, each with a forked analyzer
    /// (on the first too when there is no dependent source). Everything on
    /// one thread when `run.threads` is 1 or the analyzer cannot fork.
    /// Results are the same either way.
    pub(super) fn split_lanes(&mut self, analyzer: Box<dyn Analyzer>) -> Vec<Lane> {
        let sources = std::mem::take(&mut self.sources);
        let independent = self.independent.iter().filter(|i| **i).count();
        let dependent = self.independent.len() - independent;
        let threads = self.config.run.threads.max(1);
        let side = if dependent == 0 {
            threads.min(independent).saturating_sub(1)
        } else {
            (threads - 1).min(independent)
        };
        let forks: Option<Vec<Box<dyn Analyzer>>> = (0..side).map(|_| analyzer.fork()).collect();
        let forks = forks.unwrap_or_default();
        if forks.is_empty() {
            let idx = (0..sources.len()).collect();
            return vec![(idx, sources, analyzer)];
        }
        let mut lanes: Vec<Lane> = std::iter::once(analyzer)
            .chain(forks)
            .map(|a| (Vec::new(), Vec::new(), a))
            .collect();
        // Independent sources go round-robin over the side lanes, and over
        // the first lane too when it has nothing else to read.
        let (first, spread) = if dependent == 0 {
            (0, lanes.len())
        } else {
            (1, lanes.len() - 1)
        };
        let mut next = 0;
        for (i, (s, ind)) in sources.into_iter().zip(&self.independent).enumerate() {
            let lane = if *ind {
                next += 1;
                first + (next - 1) % spread
            } else {
                0
            };
            lanes[lane].0.push(i);
            lanes[lane].1.push(s);
        }
        lanes
    }
}

#[cfg(test)]
#[path = "reader_tests.rs"]
mod tests;
