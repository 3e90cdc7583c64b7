//! The runner: moves records from sources through every stage.
//!
//! Sources are synchronous, so reading, parsing and detection run on a
//! blocking thread that hands *batches* (alerts + the sources' checkpoints
//! after the batch) to the async side over a bounded queue of its own
//! (`queues`: the SSH lane's first). Reading never waits for enrichment
//! unless its queue is full (backpressure: `run.queue_batches`). The async side enriches a batch's
//! distinct indicators concurrently, scores, then commits the batch's alerts,
//! their pending marks and the checkpoints in **one transaction**, and only
//! then runs the actions (a dry run acts first and commits the action
//! records in that transaction too: see `commit`). So:
//!
//! * a crash before the commit re-reads the batch on restart (same alert ids,
//!   nothing lost);
//! * a crash after it finds the pending marks and runs the actions then
//!   (idempotency keys prevent duplicates);
//! * `--once` twice reads nothing new the second time;
//! * two runs never overlap on one state file: a run holds the store's
//!   writer lock (an OS file lock, released even by kill -9), and a second
//!   run stops at once with `StoreError::Locked` instead of repeating the
//!   first one's actions.
//!
//! Detection windows outlive a run: the detectors' changed windows are
//! committed in the same transaction as the checkpoints, always. A lane
//! whose detectors hold state batches its input until it saves (at least
//! every 10 s while input keeps coming, whenever the reader catches up, and
//! at the end), so its checkpoints never run ahead of its windows; the next
//! run restores them, and splitting a log into runs (or a kill -9 at any
//! moment) gives the alerts of one pass.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::config::PipelineConfig;
pub use super::definition::Pipeline;
use super::discard::Discard;
use super::metrics::RunMetrics;
use super::queues::LaneQueues;
pub use super::reader::shutdown_on_signals;
use super::reader::{read_loop, ReaderConfig};
use super::stages::{ActionStage, Analyzer, EnrichCounters, EnrichStage, EnricherList};
use crate::enrich::Enricher;
use crate::error::{Error, StoreError};
use crate::model::Mode;
use crate::respond::Responder;
use crate::score::Scorer;
use crate::source::LogSource;
use crate::store::StateStore;
use chrono::{DateTime, Utc};

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Keep following sources until `shutdown` is set.
    pub follow: bool,
    /// Set to stop a follow run (drains in-flight work first); also honoured
    /// by `--once` runs between batches.
    pub shutdown: Option<Arc<AtomicBool>>,
}

impl Pipeline {
    /// An empty pipeline over `store`: no sources, the severity scorer, no
    /// enrichment, no actions, dry-run.
    pub fn new(config: PipelineConfig, store: Arc<StateStore>) -> Result<Self, StoreError> {
        store.pipeline_init()?;
        Ok(Pipeline {
            config,
            store,
            sources: Vec::new(),
            independent: Vec::new(),
            analyzer: None,
            enrichers: Vec::new(),
            custom_enrichers: None,
            scorer: Arc::new(super::stages::SeverityScorer),
            actions: None,
            responders: Vec::new(),
            mode: Mode::DryRun,
            continuations: HashMap::new(),
            last_alert_ids: Vec::new(),
            last_alert_set: HashSet::new(),
        })
    }

    /// Adds a source.
    pub fn with_source(mut self, source: Box<dyn LogSource>) -> Self {
        self.add_source(source);
        self
    }

    /// Sets the parse + detect stage.
    pub fn with_analyzer(mut self, analyzer: Box<dyn Analyzer>) -> Self {
        self.analyzer = Some(analyzer);
        self
    }

    /// Adds an enrichment stage.
    pub fn with_enrich_stage(mut self, stage: Arc<dyn EnrichStage>) -> Self {
        self.enrichers.push(stage);
        self
    }

    /// Sets the scorer.
    pub fn with_scorer(mut self, scorer: Arc<dyn Scorer>) -> Self {
        self.scorer = scorer;
        self
    }

    /// Sets the action stage (playbook + responders).
    pub fn with_actions(mut self, actions: Arc<dyn ActionStage>) -> Self {
        self.mode = actions.mode();
        self.actions = Some(actions);
        self
    }

    /// Sets dry-run or live for extra responders (the action stage has its own).
    pub fn with_mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Adds a source to a built pipeline.
    pub fn add_source(&mut self, source: Box<dyn LogSource>) {
        self.sources.push(source);
        self.independent.push(false);
    }

    /// Adds a source whose records need no state shared with other sources
    /// (see [`Analyzer::fork`]).
    pub(super) fn add_independent_source(&mut self, source: Box<dyn LogSource>) {
        self.sources.push(source);
        self.independent.push(true);
    }

    /// Adds a custom enricher (Rust or Python) after the configured ones.
    /// It runs through the same [`crate::enrich::EnrichmentService`] as the
    /// built-in providers, and its answers are cached in the pipeline's
    /// state store (for their TTL), so later runs on that file reuse them.
    pub fn add_enricher(&mut self, enricher: Box<dyn Enricher>) {
        let mut list = match self.custom_enrichers.take().map(Arc::try_unwrap) {
            Some(Ok(list)) => list,
            Some(Err(shared)) => shared.to_unshared(),
            None => EnricherList::with_store(Vec::new(), Some(self.store.clone())),
        };
        list.push(enricher);
        self.custom_enrichers = Some(Arc::new(list));
    }

    /// Replaces the scorer.
    pub fn set_scorer(&mut self, scorer: Arc<dyn Scorer>) {
        self.scorer = scorer;
    }

    /// Adds a responder called for every stored alert once (idempotency key
    /// `responder|alert id`), after the playbook's actions.
    pub fn add_responder(&mut self, responder: Arc<dyn Responder>) {
        self.responders.push(responder);
    }

    /// The state store.
    pub fn store(&self) -> &Arc<StateStore> {
        &self.store
    }

    /// The configuration.
    pub fn config(&self) -> &PipelineConfig {
        &self.config
    }

    /// Dry-run or live.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Ids of the alerts stored or updated by the last run, in order.
    pub fn last_alert_ids(&self) -> &[String] {
        &self.last_alert_ids
    }

    pub(super) fn enrich_stages(&self) -> Vec<Arc<dyn EnrichStage>> {
        let mut v = self.enrichers.clone();
        if let Some(c) = &self.custom_enrichers {
            v.push(c.clone() as Arc<dyn EnrichStage>);
        }
        v
    }

    fn counters(&self) -> EnrichCounters {
        self.enrich_stages()
            .iter()
            .fold(EnrichCounters::default(), |mut acc, s| {
                let c = s.counters();
                acc.requests += c.requests;
                acc.cache_hits += c.cache_hits;
                acc.errors += c.errors;
                acc
            })
    }

    /// Runs until the sources are exhausted (`follow = false`) or until
    /// `shutdown` is set, and records the run's metrics in the store.
    pub async fn run(&mut self, opts: RunOptions) -> Result<RunMetrics, Error> {
        let started = Utc::now();
        // One writer per state file, for the whole run (see `store::lock`).
        let _writer = self.store.lock_writer()?;
        // Dry-run records commit with their batch (see `clear_pending`).
        self.store.defer_dry_run_actions(true);
        // A page cache that holds a commit's pages (see `store::bulk`).
        let store = self.store.clone();
        let bulk = store.bulk_writes();
        let out = self.run_locked(opts, started).await;
        drop(bulk);
        self.store.defer_dry_run_actions(false);
        out
    }

    async fn run_locked(
        &mut self,
        opts: RunOptions,
        started: DateTime<Utc>,
    ) -> Result<RunMetrics, Error> {
        let mut metrics = RunMetrics {
            started_at: Some(started),
            mode: if opts.follow { "follow" } else { "once" }.to_string(),
            dry_run: self.mode == Mode::DryRun,
            runs: 1,
            ..Default::default()
        };
        let before = self.counters();
        self.last_alert_ids.clear();
        self.last_alert_set.clear();
        self.recover_pending(&mut metrics).await?;

        if self.sources.is_empty() {
            return Err(Error::Config(crate::error::ConfigError::BadValue {
                path: "<pipeline>".into(),
                key: "sources".into(),
                message: "no sources: add a [[sources]] entry, e.g. kind = \"ssh\" path = \"/var/log/auth.log\"".into(),
            }));
        }
        let mut analyzer = self.analyzer.take().ok_or_else(|| {
            Error::Config(crate::error::ConfigError::BadValue {
                path: "<pipeline>".into(),
                key: "detect".into(),
                message: "no analyzer (parse + detect stage) configured".into(),
            })
        })?;
        let saved = match self.store.detector_state() {
            Ok(rows) => rows,
            Err(e) => {
                self.analyzer = Some(analyzer);
                return Err(e.into());
            }
        };
        let skipped = analyzer.restore_state(saved);
        if skipped > 0 {
            tracing::warn!(
                skipped,
                "saved detector windows that did not decode were dropped"
            );
        }
        let shutdown = opts.shutdown.clone().unwrap_or_default();
        let reader_cfg = ReaderConfig {
            follow: opts.follow,
            batch_records: self.config.run.batch_records.max(1),
            poll: Duration::from_millis(self.config.run.poll_ms.max(1)),
            shutdown: shutdown.clone(),
            prepare_alerts: Some(self.config.run.max_alert_events),
            prepare_beside: true,
            parse_threads: self.config.run.threads.max(1),
        };
        let lanes = self.split_lanes(analyzer);
        let dependent_lane = lanes.len() > 1 && self.independent.iter().any(|i| !*i);
        let nice = self.config.run.side_lane_nice;
        // A queue per lane, the first (stateful) lane's served first.
        let (senders, mut rx) = LaneQueues::new(lanes.len(), self.config.run.queue_batches);
        let mut readers = Vec::with_capacity(lanes.len());
        for ((idx, sources, analyzer), tx) in lanes.into_iter().zip(senders) {
            let mut cfg = reader_cfg.clone();
            // Every lane's alerts come prepared: a lane of independent
            // sources only (a side lane) has time to spare and does it
            // itself; the lane that bounds the run leaves it to a thread
            // beside it (see `preparer`).
            cfg.prepare_beside = !idx.iter().all(|i| self.independent[*i]);
            // A lane of independent sources beside the SSH lane yields the
            // cores to it (see `side_lane`).
            let side = !cfg.prepare_beside && dependent_lane && nice > 0;
            let h = tokio::task::spawn_blocking(move || {
                if side {
                    super::side_lane::run_side_lane(nice, || read_loop(sources, analyzer, tx, cfg))
                } else {
                    read_loop(sources, analyzer, tx, cfg)
                }
            });
            readers.push((idx, h));
        }

        // The WAL is checkpointed beside the commits, not by them.
        let checkpoints = StateStore::checkpoint_in_background(&self.store);
        // Committed batches are freed beside the async side.
        let discard = Discard::start();
        let mut fatal: Option<Error> = None;
        let group_limit = self.group_limit();
        while let Some(batch) = rx.recv().await {
            // Batches already waiting commit together where that is safe
            // (see `commit`).
            let mut group = vec![batch];
            while group.len() < group_limit {
                match rx.try_recv() {
                    Some(b) => group.push(b),
                    None => break,
                }
            }
            if let Err(e) = self.process(group, &mut metrics, &discard).await {
                fatal = Some(e);
                shutdown.store(true, Ordering::SeqCst);
                break;
            }
            if let Some(c) = &checkpoints {
                c.nudge();
            }
        }
        drop(rx);
        drop(checkpoints);
        drop(discard);
        let n = self.independent.len();
        let mut back: Vec<Option<Box<dyn LogSource>>> = (0..n).map(|_| None).collect();
        let mut thread_error = None;
        for (lane, (idx, h)) in readers.into_iter().enumerate() {
            match h.await {
                Ok((sources, analyzer)) => {
                    for (i, s) in idx.into_iter().zip(sources) {
                        back[i] = Some(s);
                    }
                    if lane == 0 {
                        self.analyzer = Some(analyzer);
                    }
                }
                Err(e) => thread_error = Some(e.to_string()),
            }
        }
        self.sources = back.into_iter().flatten().collect();
        if let Some(e) = thread_error {
            return Err(Error::Io {
                context: "pipeline reader thread".into(),
                source: std::io::Error::other(e),
            });
        }
        if let Some(e) = fatal {
            // Recorded as failed; the run's own error is the one returned.
            if let Err(record) = self.record_health(&metrics, Some(&e)) {
                tracing::warn!(error = %record, "could not record the failed run's health");
            }
            return Err(e);
        }
        let after = self.counters();
        metrics.enrich.requests += after.requests.saturating_sub(before.requests);
        metrics.enrich.cache_hits += after.cache_hits.saturating_sub(before.cache_hits);
        metrics.finished_at = Some(Utc::now());
        self.store
            .record_run(started, Utc::now(), &metrics.to_json())?;
        self.record_health(&metrics, None)?;
        Ok(metrics)
    }

    /// Adds this run to each source's health, summed across runs (see
    /// `store::health`); a run stopped by `fatal` is recorded as failed,
    /// at the checkpoints it committed.
    fn record_health(&self, metrics: &RunMetrics, fatal: Option<&Error>) -> Result<(), Error> {
        use crate::store::health::{RunCounters, SourceRun};
        let committed = match fatal {
            Some(_) => self.store.checkpoints()?,
            None => Vec::new(),
        };
        let sources: Vec<SourceRun> = (self.sources.iter())
            .map(|s| SourceRun {
                name: s.name().to_string(),
                position: match fatal {
                    Some(_) => committed
                        .iter()
                        .find(|c| c.source == s.name())
                        .map(|c| c.offset),
                    None => s.checkpoints().first().map(|c| c.offset),
                },
            })
            .collect();
        let counters = RunCounters {
            records: metrics.records,
            malformed: metrics.malformed,
            skipped: metrics.skipped,
            source_errors: metrics.source_errors,
        };
        if let Some(e) = fatal {
            return Ok(self
                .store
                .record_failed_run(&sources, &counters, &e.to_string())?);
        }
        let errors = metrics.source_errors + metrics.enrich.errors > 0;
        let status = if errors { "with errors" } else { "ok" };
        Ok(self
            .store
            .record_source_health(&sources, &counters, status)?)
    }

    /// Runs the actions of alerts stored by a run that died before acting.
    async fn recover_pending(&mut self, metrics: &mut RunMetrics) -> Result<(), Error> {
        let ids = self.store.pending_alert_ids()?;
        if ids.is_empty() {
            return Ok(());
        }
        tracing::info!(
            count = ids.len(),
            "running the actions of alerts left pending by an earlier run"
        );
        for id in &ids {
            if let Some(stored) = self.store.alert_by_id(id)? {
                let score = stored
                    .score
                    .unwrap_or_else(|| self.scorer.score(&stored.alert));
                self.act(&stored.alert, &score, None, metrics).await?;
            }
        }
        self.store.clear_pending(&ids)?;
        Ok(())
    }
}
