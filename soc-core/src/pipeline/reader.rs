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
use super::stages::{Analysis, Analyzer};
use super::wiring::{checkpoints_of, CheckpointRow};
use crate::error::SourceError;
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
    /// `Some(run.max_alert_events)`: this thread bounds its alerts'
    /// evidence and attaches their indicators before handing them on (a
    /// side lane, which has time to spare); `None`: the async side does it
    /// (the lane of the SSH sources, which bounds the run).
    pub(super) prepare_alerts: Option<usize>,
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

/// Where a reader hands its batches.
struct Outbox<'a> {
    tx: &'a mpsc::Sender<Batch>,
    prepare_alerts: Option<usize>,
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
        let prepared = prepare(&mut analysis, self.prepare_alerts);
        let checkpoints = sources
            .unwrap_or_default()
            .iter()
            .flat_map(|s| checkpoints_of(s.as_ref()))
            .collect();
        self.tx
            .blocking_send(Batch {
                analysis,
                checkpoints,
                prepared,
            })
            .is_ok()
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
    let out = Outbox {
        tx: &tx,
        prepare_alerts: cfg.prepare_alerts,
    };
    let mut batch = Analysis::default();
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
mod tests {
    use super::*;
    use crate::model::Origin;
    use crate::source::{Checkpoint, SourceKind, SourceRecord};

    /// `n` records; its checkpoint is the number yielded so far.
    struct Numbers {
        n: u64,
        at: u64,
    }

    impl LogSource for Numbers {
        fn name(&self) -> &str {
            "numbers"
        }
        fn next_record(&mut self) -> Option<Result<SourceRecord, SourceError>> {
            (self.at < self.n).then(|| {
                self.at += 1;
                Ok(SourceRecord {
                    kind: SourceKind::Ssh,
                    text: self.at.to_string(),
                    origin: Origin {
                        file: "numbers".into(),
                        line: self.at,
                    },
                })
            })
        }
        fn checkpoints(&self) -> Vec<Checkpoint> {
            vec![Checkpoint {
                source_key: "numbers".into(),
                identity: String::new(),
                offset: self.at,
                line: self.at,
            }]
        }
    }

    /// Every record changes its state (when `stateful`); a save hands the
    /// number of records seen so far on as its one state row.
    struct Counting {
        stateful: bool,
        /// Raises one alert every second record.
        alerting: bool,
        seen: u64,
        saved: u64,
    }

    impl Analyzer for Counting {
        fn finish(&mut self, _: &mut Analysis) {}
        fn analyze(&mut self, _: &SourceRecord, out: &mut Analysis) {
            self.seen += 1;
            if self.alerting && self.seen % 2 == 0 {
                let id = self.seen.to_string();
                out.alerts.push(crate::model::Alert::new(
                    "t",
                    &id,
                    id.clone(),
                    crate::model::Severity::Low,
                ));
            }
        }
        fn end_batch(&mut self, out: &mut Analysis, save: bool) {
            if save && self.stateful {
                self.saved = self.seen;
                out.detector_state = Some(vec![crate::detect::StateChange {
                    detector: "count".into(),
                    key: String::new(),
                    state: Some(self.seen.to_string()),
                }]);
            }
        }
        fn has_unsaved_state(&self) -> bool {
            self.stateful && self.seen != self.saved
        }
    }

    /// (records, checkpoint offset, saved state) of every batch handed on.
    fn batches(stateful: bool) -> Vec<(u64, u64, Option<String>)> {
        handed_on(stateful, false)
            .into_iter()
            .map(|b| {
                let state = b
                    .analysis
                    .detector_state
                    .and_then(|s| s.into_iter().next())
                    .and_then(|c| c.state);
                (b.analysis.records, b.checkpoints[0].offset, state)
            })
            .collect()
    }

    /// Every batch a reader over 95 numbers hands on, 10 records a round.
    fn handed_on(stateful: bool, alerting: bool) -> Vec<Batch> {
        let (tx, mut rx) = mpsc::channel(1000);
        let cfg = ReaderConfig {
            follow: false,
            batch_records: 10,
            poll: Duration::from_millis(1),
            shutdown: Arc::default(),
            prepare_alerts: Some(20),
        };
        let analyzer = Counting {
            stateful,
            alerting,
            seen: 0,
            saved: 0,
        };
        let source: Box<dyn LogSource> = Box::new(Numbers { n: 95, at: 0 });
        read_loop(vec![source], Box::new(analyzer), tx, cfg);
        let mut out = Vec::new();
        while let Ok(b) = rx.try_recv() {
            out.push(b);
        }
        out
    }

    /// A stateful lane's alerts do not wait for its next save: between
    /// saves they go on in batches without checkpoints or state (bounded
    /// memory), and every checkpoint still goes with its state.
    #[test]
    fn alerts_go_on_between_saves_without_checkpoints() {
        let b = handed_on(true, true);
        let alerts_only: Vec<&Batch> = b.iter().filter(|x| x.checkpoints.is_empty()).collect();
        assert!(alerts_only.len() >= 5, "{}", alerts_only.len());
        for x in &alerts_only {
            assert!(x.analysis.detector_state.is_none());
            assert_eq!(x.analysis.alerts.len(), 5);
        }
        for x in b.iter().filter(|x| !x.checkpoints.is_empty()) {
            let state = x
                .analysis
                .detector_state
                .as_ref()
                .and_then(|s| s[0].state.clone());
            assert_eq!(state, Some(x.checkpoints[0].offset.to_string()));
        }
        let alerts: Vec<&str> = b
            .iter()
            .flat_map(|x| &x.analysis.alerts)
            .map(|a| a.title.as_str())
            .collect();
        let want: Vec<String> = (1..=47).map(|i| (2 * i).to_string()).collect();
        assert_eq!(alerts, want, "every alert once, in order");
    }

    #[test]
    fn stateless_batches_commit_their_checkpoints_as_they_fill() {
        let b = batches(false);
        assert_eq!(b.len(), 10, "{b:?}");
        assert_eq!(b[0], (10, 10, None));
        assert_eq!(b.iter().map(|x| x.0).sum::<u64>(), 95);
        assert_eq!(b.last().map(|x| x.1), Some(95));
    }

    #[test]
    fn a_checkpoint_never_runs_ahead_of_the_saved_state() {
        let b = batches(true);
        assert!(!b.is_empty());
        for (_, offset, state) in &b {
            assert_eq!(state.as_deref(), Some(offset.to_string().as_str()), "{b:?}");
        }
        assert_eq!(b.iter().map(|x| x.0).sum::<u64>(), 95);
    }
}
