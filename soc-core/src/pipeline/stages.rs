//! The runner's view of each stage, as small object-safe traits, so the
//! runner can be driven by the configured implementations, by custom Rust
//! code, or by Python objects.
//!
//! * [`Analyzer`]: parse + detect (records in, events counted, alerts out).
//! * [`EnrichStage`]: enrich many indicators at once (a configured
//!   `EnrichmentService`, or an [`EnricherList`] of plain [`Enricher`]s).
//! * [`Scorer`](crate::Scorer): used as is.
//! * [`ActionStage`]: the playbook + response engine.
//!
//! ```
//! use soc_core::pipeline::stages::{Analysis, Analyzer};
//! use soc_core::source::{SourceKind, SourceRecord};
//! use soc_core::model::{Alert, Origin, Severity};
//!
//! /// Raises an alert for every line containing "attack".
//! struct Grep;
//! impl Analyzer for Grep {
//!     fn analyze(&mut self, record: &SourceRecord, out: &mut Analysis) {
//!         out.count_event("grep.line");
//!         if record.text.contains("attack") {
//!             out.alerts.push(Alert::new("grep.attack", &record.text, "attack seen", Severity::High));
//!         }
//!     }
//!     fn finish(&mut self, _out: &mut Analysis) {}
//! }
//! let mut a = Analysis::default();
//! let rec = SourceRecord { kind: SourceKind::Alerts, text: "an attack".into(),
//!                          origin: Origin { file: "x".into(), line: 1 } };
//! Grep.analyze(&rec, &mut a);
//! assert_eq!(a.alerts.len(), 1);
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;

use crate::detect::StateChange;
use crate::enrich::{Enricher, EnrichmentService};
use crate::error::EnrichError;
use crate::model::{ActionRecord, Alert, Enrichment, Indicator, Mode, Origin, Score};
use crate::parse::line_block::LineBlock;
use crate::source::{SourceKind, SourceRecord};
use crate::store::StateStore;

/// What parsing and detection produced from some records.
#[derive(Debug, Default, Clone)]
pub struct Analysis {
    /// Alerts raised (detectors and sensors).
    pub alerts: Vec<Alert>,
    /// Events by kind.
    pub events_by_kind: BTreeMap<String, u64>,
    /// Records seen.
    pub records: u64,
    /// Records that were malformed.
    pub malformed: u64,
    /// Records no parser wanted (non-sshd lines, ...).
    pub skipped: u64,
    /// Source errors that did not stop reading.
    pub source_errors: u64,
    /// A few `file:line: reason` reports (bounded by the runner).
    pub samples: Vec<String>,
    /// Detector keys forgotten because of `detect.max_tracked_keys`.
    pub detector_evictions: u64,
    /// Detector state to persist with this batch's checkpoints (`None`:
    /// nothing to save at this batch).
    pub detector_state: Option<Vec<StateChange>>,
}

impl super::metrics::ReadCounts for Analysis {
    fn read_counts(&self) -> [u64; 5] {
        let a = self;
        [
            a.records,
            a.malformed,
            a.skipped,
            a.source_errors,
            a.detector_evictions,
        ]
    }

    fn events_by_kind(&self) -> &BTreeMap<String, u64> {
        &self.events_by_kind
    }
}

impl Analysis {
    /// Counts one event of `kind`.
    pub fn count_event(&mut self, kind: &str) {
        if let Some(n) = self.events_by_kind.get_mut(kind) {
            *n += 1;
        } else {
            self.events_by_kind.insert(kind.to_string(), 1);
        }
    }

    /// Counts a malformed record with a report.
    pub fn malformed(&mut self, report: String) {
        self.malformed += 1;
        if self.samples.len() < super::metrics::MAX_SAMPLES {
            self.samples.push(report);
        }
    }

    /// Whether nothing at all happened.
    pub fn is_empty(&self) -> bool {
        self.alerts.is_empty()
            && self.records == 0
            && self.malformed == 0
            && self.source_errors == 0
    }
}

/// Parse + detect: turns records into counted events and alerts.
pub trait Analyzer: Send {
    /// Handles one record; pushes any alerts into `out.alerts`.
    fn analyze(&mut self, record: &SourceRecord, out: &mut Analysis);
    /// End of input (a `--once` run, or shutdown): flush pending episodes.
    fn finish(&mut self, out: &mut Analysis);
    /// Whether records of `kind` may come as blocks of whole lines
    /// ([`analyze_block`](Self::analyze_block)); `false` (the default):
    /// one at a time, through [`analyze`](Self::analyze).
    fn takes_blocks(&self, kind: SourceKind) -> bool {
        let _ = kind;
        false
    }
    /// Handles a block of whole lines of one file (read by
    /// [`LogSource::read_block`](crate::source::LogSource::read_block)),
    /// records of `kind`, parsing on up to `threads` threads: the same
    /// counts and alerts as its lines handed one by one to
    /// [`analyze`](Self::analyze) (which the default does, see
    /// [`analyze_each_line`]). An analyzer may hold a block's results
    /// back (the standard one parses a block ahead of its detectors)
    /// until a later call, the next record, [`end_batch`](Self::end_batch)
    /// with `save`, or [`finish`](Self::finish); it reports
    /// [`has_unsaved_state`](Self::has_unsaved_state) meanwhile.
    fn analyze_block(
        &mut self,
        kind: SourceKind,
        block: &mut LineBlock,
        _threads: usize,
        out: &mut Analysis,
    ) {
        analyze_each_line(self, kind, block, out);
    }
    /// Called before each batch is handed on: adds any counts the
    /// analyzer held back (the standard one keeps its sshd event counts
    /// until then) and, with `save`, puts the
    /// detector state changed since the last save into
    /// `out.detector_state`, to be committed with the batch's checkpoints.
    fn end_batch(&mut self, out: &mut Analysis, save: bool) {
        let _ = (out, save);
    }
    /// Whether state that [`end_batch`](Self::end_batch) would save changed
    /// since the last save. While it has, the runner hands on no
    /// checkpoint without that state (the two always commit together), so
    /// a stateless analyzer (the default) lets every batch commit its
    /// checkpoints and a stateful one batches its input between saves.
    fn has_unsaved_state(&self) -> bool {
        false
    }
    /// A fresh analyzer of the same configuration for sources whose records
    /// need no state shared with other sources (EVE, generic alerts), so the
    /// runner can read them on a thread of their own; `None`: read every
    /// source on one thread.
    fn fork(&self) -> Option<Box<dyn Analyzer>> {
        None
    }
    /// Restores detector state saved by an earlier run, as
    /// `(detector, key, state)` rows; returns how many rows were skipped.
    fn restore_state(&mut self, rows: Vec<(String, String, String)>) -> usize {
        let _ = rows;
        0
    }
}

/// Hands the lines of `block` to `analyzer` one by one as records of
/// `kind`, as the file source yields them: blank lines pass unseen, a
/// malformed line is counted with its report.
///
/// ```
/// use soc_core::parse::line_block::LineBlock;
/// use soc_core::pipeline::stages::{analyze_each_line, Analysis, Analyzer};
/// use soc_core::source::{SourceKind, SourceRecord};
/// struct Lines(Vec<String>);
/// impl Analyzer for Lines {
///     fn analyze(&mut self, r: &SourceRecord, _: &mut Analysis) {
///         self.0.push(format!("{}:{} {}", r.origin.file, r.origin.line, r.text));
///     }
///     fn finish(&mut self, _: &mut Analysis) {}
/// }
/// let mut block = LineBlock::default();
/// block.start("a.log", 3);
/// for line in ["one", "", "two\r"] {
///     block.push_line(line.as_bytes());
/// }
/// let (mut a, mut out) = (Lines(Vec::new()), Analysis::default());
/// analyze_each_line(&mut a, SourceKind::Ssh, &block, &mut out);
/// assert_eq!(a.0, ["a.log:3 one", "a.log:5 two"]);
/// assert_eq!(out.records, 2);
/// ```
pub fn analyze_each_line<A: Analyzer + ?Sized>(
    analyzer: &mut A,
    kind: SourceKind,
    block: &LineBlock,
    out: &mut Analysis,
) {
    block.each_line(|no, line| match line {
        Ok(text) if text.bytes().all(|b| b.is_ascii_whitespace()) => {}
        Ok(text) => {
            out.records += 1;
            let rec = SourceRecord {
                kind,
                text: text.to_string(),
                origin: Origin {
                    file: block.name().to_string(),
                    line: no,
                },
            };
            analyzer.analyze(&rec, out);
        }
        Err(e) => {
            out.records += 1;
            out.malformed(e.to_string());
        }
    });
}

/// Results of enriching indicators: per indicator, each provider's answer.
pub type EnrichResults = Vec<(Indicator, Vec<Result<Enrichment, EnrichError>>)>;

/// Cumulative lookup counters of an enrichment stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EnrichCounters {
    /// Lookups that went to a provider.
    pub requests: u64,
    /// Lookups answered from a cache.
    pub cache_hits: u64,
    /// Failed lookups.
    pub errors: u64,
}

/// Enriches many indicators at once.
#[async_trait]
pub trait EnrichStage: Send + Sync {
    /// A name for logs.
    fn name(&self) -> &str;
    /// Enriches `indicators` (distinct), concurrently where it can.
    async fn enrich_all(&self, indicators: &[Indicator]) -> EnrichResults;
    /// Cumulative counters since creation.
    fn counters(&self) -> EnrichCounters;
}

/// An [`EnrichStage`] over plain [`Enricher`]s (custom Rust or Python
/// enrichers), run by the same [`EnrichmentService`] as the built-in
/// providers: concurrent lookups, in-flight de-duplication, the cache
/// (in the state store when given one), error accounting.
pub struct EnricherList {
    enrichers: Vec<Arc<dyn Enricher>>,
    store: Option<Arc<StateStore>>,
    service: EnrichmentService,
}

impl EnricherList {
    /// A stage over `enrichers`, cached in memory.
    pub fn new(enrichers: Vec<Box<dyn Enricher>>) -> Self {
        Self::with_store(enrichers, None)
    }

    /// A stage over `enrichers`, cached in `store` (shared across runs).
    pub fn with_store(enrichers: Vec<Box<dyn Enricher>>, store: Option<Arc<StateStore>>) -> Self {
        let enrichers: Vec<Arc<dyn Enricher>> = enrichers.into_iter().map(Arc::from).collect();
        let service = Self::service_over(&enrichers, &store);
        EnricherList {
            enrichers,
            store,
            service,
        }
    }

    fn service_over(
        enrichers: &[Arc<dyn Enricher>],
        store: &Option<Arc<StateStore>>,
    ) -> EnrichmentService {
        let boxed = enrichers
            .iter()
            .map(|e| Box::new(e.clone()) as Box<dyn Enricher>)
            .collect();
        EnrichmentService::with_enrichers(boxed, store.clone())
    }

    /// A list of the same enrichers on the same store, with a service (and
    /// counters) of its own: for adding to a list that is still shared.
    pub(crate) fn to_unshared(&self) -> Self {
        EnricherList {
            enrichers: self.enrichers.clone(),
            store: self.store.clone(),
            service: Self::service_over(&self.enrichers, &self.store),
        }
    }

    /// Adds an enricher (the service is rebuilt: add them before use).
    pub fn push(&mut self, enricher: Box<dyn Enricher>) {
        self.enrichers.push(Arc::from(enricher));
        self.service = Self::service_over(&self.enrichers, &self.store);
    }

    /// Number of enrichers.
    pub fn len(&self) -> usize {
        self.enrichers.len()
    }

    /// True when there are no enrichers.
    pub fn is_empty(&self) -> bool {
        self.enrichers.is_empty()
    }

    /// The service that runs them.
    pub fn service(&self) -> &EnrichmentService {
        &self.service
    }
}

#[async_trait]
impl EnrichStage for EnricherList {
    fn name(&self) -> &str {
        "custom"
    }

    async fn enrich_all(&self, indicators: &[Indicator]) -> EnrichResults {
        self.service.enrich_many(indicators).await
    }

    fn counters(&self) -> EnrichCounters {
        let s = self.service.stats();
        EnrichCounters {
            requests: s.requests,
            cache_hits: s.cache_hits,
            errors: s.errors,
        }
    }
}

/// Playbook + responders: decides and performs the actions for a scored alert.
#[async_trait]
pub trait ActionStage: Send + Sync {
    /// Dry-run or live.
    fn mode(&self) -> Mode;
    /// Plans and runs the actions for `alert`; every record, including
    /// skipped and failed ones, is returned (and audited by the stage).
    async fn handle(&self, alert: &Alert, score: &Score) -> Vec<ActionRecord>;
}

/// The minimal scorer, now in [`crate::score`] (one risk table for every scorer).
pub use crate::score::SeverityScorer;
