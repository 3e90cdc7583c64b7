//! The runner: moves records from sources through every stage.
//!
//! Sources are synchronous, so reading, parsing and detection run on a
//! blocking thread that hands *batches* (alerts + the sources' checkpoints
//! after the batch) to the async side over a bounded `tokio::sync::mpsc`
//! channel. Reading never waits for enrichment unless the queue is full
//! (backpressure: `run.queue_batches`). The async side enriches a batch's
//! distinct indicators concurrently, scores, then commits the batch's alerts,
//! their pending marks and the checkpoints in **one transaction**, and only
//! then runs the actions. So:
//!
//! * a crash before the commit re-reads the batch on restart (same alert ids,
//!   nothing lost);
//! * a crash after it finds the pending marks and runs the actions then
//!   (idempotency keys prevent duplicates);
//! * `--once` twice reads nothing new the second time.
//!
//! Detection windows live in memory: a kill -9 in follow mode can lose the
//! partial window of events not yet raised as alerts, never a stored alert.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;

use super::config::PipelineConfig;
use super::indicators::{attach_indicators, enrichable};
use super::metrics::RunMetrics;
use super::stages::{ActionStage, Analysis, Analyzer, EnrichCounters, EnrichStage, EnricherList};
use super::wiring::{checkpoints_of, CheckpointRow};
use crate::enrich::Enricher;
use crate::error::{Error, SourceError, StoreError};
use crate::model::{ActionOutcome, ActionRecord, Alert, Enrichment, IndicatorKind, Mode, Score};
use crate::respond::Responder;
use crate::score::Scorer;
use crate::source::LogSource;
use crate::store::{self, StateStore};

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Keep following sources until `shutdown` is set.
    pub follow: bool,
    /// Set to stop a follow run (drains in-flight work first); also honoured
    /// by `--once` runs between batches.
    pub shutdown: Option<Arc<AtomicBool>>,
}

struct Batch {
    analysis: Analysis,
    checkpoints: Vec<CheckpointRow>,
}

/// Continuation of a stored alert by a new episode id in this run.
#[derive(Clone)]
struct Continuation {
    stored_id: String,
    base_count: u64,
    first_seen: Option<DateTime<Utc>>,
}

/// A configured pipeline. Build it with [`Pipeline::new`] and the `with_*`
/// methods, or from `soc.toml` with [`Pipeline::from_config`].
pub struct Pipeline {
    config: PipelineConfig,
    store: Arc<StateStore>,
    sources: Vec<Box<dyn LogSource>>,
    analyzer: Option<Box<dyn Analyzer>>,
    enrichers: Vec<Arc<dyn EnrichStage>>,
    custom_enrichers: Option<Arc<EnricherList>>,
    scorer: Arc<dyn Scorer>,
    actions: Option<Arc<dyn ActionStage>>,
    responders: Vec<Arc<dyn Responder>>,
    mode: Mode,
    continuations: HashMap<String, Continuation>,
    last_alert_ids: Vec<String>,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("store", &self.store.path())
            .field("sources", &self.sources.iter().map(|s| s.name().to_string()).collect::<Vec<_>>())
            .field("enrichers", &self.enrichers.iter().map(|e| e.name().to_string()).collect::<Vec<_>>())
            .field("scorer", &self.scorer.name())
            .field("responders", &self.responders.iter().map(|r| r.name().to_string()).collect::<Vec<_>>())
            .field("mode", &self.mode)
            .finish()
    }
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
            analyzer: None,
            enrichers: Vec::new(),
            custom_enrichers: None,
            scorer: Arc::new(super::stages::SeverityScorer),
            actions: None,
            responders: Vec::new(),
            mode: Mode::DryRun,
            continuations: HashMap::new(),
            last_alert_ids: Vec::new(),
        })
    }

    /// Adds a source.
    pub fn with_source(mut self, source: Box<dyn LogSource>) -> Self {
        self.sources.push(source);
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
    }

    /// Adds a custom enricher (Rust or Python) after the configured ones.
    pub fn add_enricher(&mut self, enricher: Box<dyn Enricher>) {
        let mut list = EnricherList::new(Vec::new());
        if let Some(old) = self.custom_enrichers.take() {
            match Arc::try_unwrap(old) {
                Ok(l) => list = l,
                Err(shared) => self.custom_enrichers = Some(shared),
            }
        }
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

    fn enrich_stages(&self) -> Vec<Arc<dyn EnrichStage>> {
        let mut v = self.enrichers.clone();
        if let Some(c) = &self.custom_enrichers {
            v.push(c.clone() as Arc<dyn EnrichStage>);
        }
        v
    }

    fn counters(&self) -> EnrichCounters {
        self.enrich_stages().iter().fold(EnrichCounters::default(), |mut acc, s| {
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
        let mut metrics = RunMetrics {
            started_at: Some(started),
            mode: if opts.follow { "follow" } else { "once" }.to_string(),
            dry_run: self.mode == Mode::DryRun,
            runs: 1,
            ..Default::default()
        };
        let before = self.counters();
        self.last_alert_ids.clear();
        self.recover_pending(&mut metrics).await?;

        if self.sources.is_empty() {
            return Err(Error::Config(crate::error::ConfigError::BadValue {
                path: "<pipeline>".into(),
                key: "sources".into(),
                message: "no sources: add a [[sources]] entry, e.g. kind = \"ssh\" path = \"/var/log/auth.log\"".into(),
            }));
        }
        let analyzer = self.analyzer.take().ok_or_else(|| {
            Error::Config(crate::error::ConfigError::BadValue {
                path: "<pipeline>".into(),
                key: "detect".into(),
                message: "no analyzer (parse + detect stage) configured".into(),
            })
        })?;
        let sources = std::mem::take(&mut self.sources);
        let (tx, mut rx) = mpsc::channel::<Batch>(self.config.run.queue_batches.max(1));
        let shutdown = opts.shutdown.clone().unwrap_or_default();
        let reader_cfg = ReaderConfig {
            follow: opts.follow,
            batch_records: self.config.run.batch_records.max(1),
            poll: Duration::from_millis(self.config.run.poll_ms.max(1)),
            shutdown: shutdown.clone(),
        };
        let reader = tokio::task::spawn_blocking(move || read_loop(sources, analyzer, tx, reader_cfg));

        let mut fatal: Option<Error> = None;
        while let Some(batch) = rx.recv().await {
            if let Err(e) = self.process(batch, &mut metrics).await {
                fatal = Some(e);
                shutdown.store(true, Ordering::SeqCst);
                break;
            }
        }
        drop(rx);
        match reader.await {
            Ok((sources, analyzer)) => {
                self.sources = sources;
                self.analyzer = Some(analyzer);
            }
            Err(e) => {
                return Err(Error::Io {
                    context: "pipeline reader thread".into(),
                    source: std::io::Error::other(e.to_string()),
                })
            }
        }
        if let Some(e) = fatal {
            return Err(e);
        }
        let after = self.counters();
        metrics.enrich.requests += after.requests.saturating_sub(before.requests);
        metrics.enrich.cache_hits += after.cache_hits.saturating_sub(before.cache_hits);
        metrics.finished_at = Some(Utc::now());
        self.store
            .record_run(started, Utc::now(), &metrics.to_json())?;
        Ok(metrics)
    }

    /// Runs the actions of alerts stored by a run that died before acting.
    async fn recover_pending(&mut self, metrics: &mut RunMetrics) -> Result<(), Error> {
        let ids = self.store.pending_alert_ids()?;
        if ids.is_empty() {
            return Ok(());
        }
        tracing::info!(count = ids.len(), "running the actions of alerts left pending by an earlier run");
        for id in &ids {
            if let Some(stored) = self.store.alert_by_id(id)? {
                let score = stored.score.unwrap_or_else(|| self.scorer.score(&stored.alert));
                self.act(&stored.alert, &score, None, metrics).await?;
            }
        }
        self.store.clear_pending(&ids)?;
        Ok(())
    }

    async fn process(&mut self, batch: Batch, metrics: &mut RunMetrics) -> Result<(), Error> {
        let Batch {
            analysis,
            checkpoints,
        } = batch;
        metrics.records += analysis.records;
        metrics.malformed += analysis.malformed;
        metrics.skipped += analysis.skipped;
        metrics.source_errors += analysis.source_errors;
        for (k, v) in &analysis.events_by_kind {
            *metrics.events_by_kind.entry(k.clone()).or_default() += v;
        }
        for s in analysis.samples {
            metrics.sample(s);
        }

        let mut alerts = self.prepare(analysis.alerts)?;
        self.enrich(&mut alerts, metrics).await;
        let scored: Vec<(Alert, Score)> = alerts
            .into_iter()
            .map(|a| {
                let s = self.scorer.score(&a);
                (a, s)
            })
            .collect();

        // One transaction: alerts, their pending marks, and the checkpoints.
        let mut encoded = Vec::with_capacity(scored.len());
        for (a, s) in &scored {
            let json = serde_json::to_string(a).map_err(|e| corrupt(&self.store, "alert", e))?;
            let sj = serde_json::to_string(s).map_err(|e| corrupt(&self.store, "score", e))?;
            encoded.push((json, sj));
        }
        let new_flags = self.store.with_tx(|tx| {
            let mut flags = Vec::with_capacity(scored.len());
            for ((a, s), (json, sj)) in scored.iter().zip(&encoded) {
                flags.push(store::put_alert(tx, a, json, Some(s), Some(sj))?);
                super::state::put_pending(tx, &a.id)?;
            }
            for cp in &checkpoints {
                store::put_checkpoint(tx, &cp.source, &cp.identity, cp.offset)?;
            }
            Ok(flags)
        })?;
        let detected_at = Utc::now();

        let mut done_ids = Vec::with_capacity(scored.len());
        for ((alert, score), is_new) in scored.iter().zip(new_flags) {
            *metrics.alerts_by_kind.entry(alert.kind.clone()).or_default() += 1;
            if is_new {
                metrics.alerts_new += 1;
                if let Some(first) = alert.first_seen {
                    metrics.mttd.add(secs(detected_at - first));
                }
            } else {
                metrics.alerts_updated += 1;
            }
            self.act(alert, score, is_new.then_some(detected_at), metrics)
                .await?;
            done_ids.push(alert.id.clone());
            if !self.last_alert_ids.contains(&alert.id) {
                self.last_alert_ids.push(alert.id.clone());
            }
        }
        if !done_ids.is_empty() {
            self.store.clear_pending(&done_ids)?;
        }
        Ok(())
    }

    /// Deduplicates a batch's alerts by id, bounds their evidence, continues
    /// stored episodes and attaches indicators.
    fn prepare(&mut self, raw: Vec<Alert>) -> Result<Vec<Alert>, Error> {
        let mut order: Vec<String> = Vec::new();
        let mut by_id: HashMap<String, Alert> = HashMap::new();
        for a in raw {
            if !by_id.contains_key(&a.id) {
                order.push(a.id.clone());
            }
            by_id.insert(a.id.clone(), a); // a later emission of an episode supersedes
        }
        let gap = chrono::Duration::seconds(self.config.run.episode_gap_secs.min(i64::MAX as u64) as i64);
        let max_events = self.config.run.max_alert_events;
        let mut out = Vec::with_capacity(order.len());
        for id in order {
            let Some(mut a) = by_id.remove(&id) else { continue };
            if a.events.len() > max_events {
                a.events.truncate(max_events);
            }
            self.continue_episode(&mut a, gap)?;
            attach_indicators(&mut a);
            out.push(a);
        }
        Ok(out)
    }

    fn continue_episode(&mut self, a: &mut Alert, gap: chrono::Duration) -> Result<(), Error> {
        if let Some(c) = self.continuations.get(&a.id).cloned() {
            apply_continuation(a, &c);
            return Ok(());
        }
        let (Some(ip), Some(first)) = (a.src_ip, a.first_seen) else {
            return Ok(());
        };
        if gap <= chrono::Duration::zero() {
            return Ok(());
        }
        if let Some(prev) = self.store.latest_alert(&a.kind, ip)? {
            let p = &prev.alert;
            if p.id == a.id {
                return Ok(());
            }
            let continues = p.last_seen.is_some_and(|last| first >= p.first_seen.unwrap_or(last) && first - last <= gap);
            if continues {
                let c = Continuation {
                    stored_id: p.id.clone(),
                    base_count: p.count,
                    first_seen: p.first_seen,
                };
                self.continuations.insert(a.id.clone(), c.clone());
                apply_continuation(a, &c);
            }
        }
        Ok(())
    }

    /// Enriches the distinct enrichable indicators of `alerts` and attaches
    /// the answers.
    async fn enrich(&self, alerts: &mut [Alert], metrics: &mut RunMetrics) {
        let stages = self.enrich_stages();
        if stages.is_empty() || alerts.is_empty() {
            return;
        }
        let kinds: &[IndicatorKind] = &self.config.run.enrich_kinds;
        let include_private = self.config.run.enrich_private;
        let mut seen = HashSet::new();
        let mut wanted = Vec::new();
        for a in alerts.iter() {
            for i in &a.indicators {
                if enrichable(i, kinds, include_private) && seen.insert((i.kind, i.value.clone())) {
                    wanted.push(i.clone());
                }
            }
        }
        if wanted.is_empty() {
            return;
        }
        metrics.enrich.indicators += wanted.len() as u64;
        let mut answers: HashMap<(IndicatorKind, String), Vec<Enrichment>> = HashMap::new();
        for stage in &stages {
            for (ind, results) in stage.enrich_all(&wanted).await {
                for r in results {
                    match r {
                        Ok(e) => answers.entry((ind.kind, ind.value.clone())).or_default().push(e),
                        Err(err) => {
                            metrics.enrich.errors += 1;
                            tracing::warn!(indicator = %ind.value, "enrichment failed: {err}");
                        }
                    }
                }
            }
        }
        for a in alerts.iter_mut() {
            let mut have: HashSet<(String, String)> = a
                .enrichments
                .iter()
                .map(|e| (e.provider.clone(), e.indicator.clone()))
                .collect();
            for i in &a.indicators {
                for e in answers.get(&(i.kind, i.value.clone())).into_iter().flatten() {
                    if have.insert((e.provider.clone(), e.indicator.clone())) {
                        a.enrichments.push(e.clone());
                    }
                }
            }
        }
    }

    /// Runs the action stage and the extra responders for one alert.
    async fn act(
        &self,
        alert: &Alert,
        score: &Score,
        detected_at: Option<DateTime<Utc>>,
        metrics: &mut RunMetrics,
    ) -> Result<(), Error> {
        let mut records: Vec<ActionRecord> = Vec::new();
        if let Some(actions) = &self.actions {
            records.extend(actions.handle(alert, score).await);
        }
        for r in &self.responders {
            let key = format!("{}|{}", r.name(), alert.id);
            if self.store.has_action(&key)? {
                let mut rec = ActionRecord::new(r.name(), "respond", &alert.id, &alert.id, self.mode);
                rec.outcome = ActionOutcome::Skipped("already done for this alert".into());
                records.push(rec);
                continue;
            }
            let rec = match r.respond(alert, self.mode).await {
                Ok(rec) => rec,
                Err(e) => {
                    let mut rec = ActionRecord::new(r.name(), "respond", &alert.id, &alert.id, self.mode);
                    rec.outcome = ActionOutcome::Failed(e.to_string());
                    rec
                }
            };
            self.store.record_action(&key, &rec)?;
            records.push(rec);
        }
        let mut first_action: Option<DateTime<Utc>> = None;
        for rec in &records {
            metrics.count_action(&rec.responder, rec.outcome.status());
            if matches!(rec.outcome, ActionOutcome::Done | ActionOutcome::DryRun) {
                first_action = Some(first_action.map_or(rec.at, |t: DateTime<Utc>| t.min(rec.at)));
            }
        }
        if let (Some(det), Some(at)) = (detected_at, first_action) {
            metrics.mttr.add(secs(at - det));
        }
        Ok(())
    }
}

fn apply_continuation(a: &mut Alert, c: &Continuation) {
    a.id = c.stored_id.clone();
    a.count += c.base_count;
    a.first_seen = match (c.first_seen, a.first_seen) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    };
}

fn secs(d: chrono::Duration) -> f64 {
    d.num_milliseconds() as f64 / 1000.0
}

fn corrupt(store: &StateStore, what: &str, e: serde_json::Error) -> StoreError {
    StoreError::Corrupt {
        path: store.path().display().to_string(),
        what: what.into(),
        reason: e.to_string(),
    }
}

struct ReaderConfig {
    follow: bool,
    batch_records: usize,
    poll: Duration,
    shutdown: Arc<AtomicBool>,
}

/// Consecutive errors from one source after which it is left alone until
/// the next round (a source that fails on every read must not spin).
const MAX_CONSECUTIVE_ERRORS: usize = 100;

type ReaderParts = (Vec<Box<dyn LogSource>>, Box<dyn Analyzer>);

fn read_loop(
    mut sources: Vec<Box<dyn LogSource>>,
    mut analyzer: Box<dyn Analyzer>,
    tx: mpsc::Sender<Batch>,
    cfg: ReaderConfig,
) -> ReaderParts {
    let mut batch = Analysis::default();
    let send = |analysis: Analysis, sources: &[Box<dyn LogSource>]| -> bool {
        let checkpoints = sources.iter().flat_map(|s| checkpoints_of(s.as_ref())).collect();
        tx.blocking_send(Batch {
            analysis,
            checkpoints,
        })
        .is_ok()
    };
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
            if batch.records as usize >= cfg.batch_records || batch.alerts.len() >= cfg.batch_records {
                if !send(std::mem::take(&mut batch), &sources) {
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
            send(std::mem::take(&mut batch), &sources);
            break;
        }
        if !progressed {
            if !batch.is_empty() && !send(std::mem::take(&mut batch), &sources) {
                break;
            }
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

/// Actions by responder and outcome, as rows (for summaries).
pub fn action_rows(metrics: &RunMetrics) -> Vec<(String, String, u64)> {
    let mut rows = Vec::new();
    for (r, m) in &metrics.actions {
        for (s, n) in m {
            rows.push((r.clone(), s.clone(), *n));
        }
    }
    rows
}

/// Groups audit records by alert id (for reports and summaries).
pub fn actions_by_alert(records: &[ActionRecord]) -> BTreeMap<String, Vec<ActionRecord>> {
    let mut m: BTreeMap<String, Vec<ActionRecord>> = BTreeMap::new();
    for r in records {
        m.entry(r.alert_id.clone()).or_default().push(r.clone());
    }
    m
}
