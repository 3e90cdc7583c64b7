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

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;

use crate::detect::StateChange;
use crate::enrich::Enricher;
use crate::error::EnrichError;
use crate::model::{ActionRecord, Alert, Enrichment, Indicator, Mode, Score};
use crate::source::SourceRecord;

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
    /// Called before each batch is handed on; with `save`, puts the
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
/// enrichers), calling each supporting enricher for each indicator, with a
/// per-process memory cache so an indicator is looked up once per provider.
pub struct EnricherList {
    enrichers: Vec<Box<dyn Enricher>>,
    cache: std::sync::Mutex<HashMap<(String, String), Enrichment>>,
    counters: std::sync::Mutex<EnrichCounters>,
}

impl EnricherList {
    /// A stage over `enrichers`.
    pub fn new(enrichers: Vec<Box<dyn Enricher>>) -> Self {
        EnricherList {
            enrichers,
            cache: Default::default(),
            counters: Default::default(),
        }
    }

    /// Adds an enricher.
    pub fn push(&mut self, enricher: Box<dyn Enricher>) {
        self.enrichers.push(enricher);
    }

    /// Number of enrichers.
    pub fn len(&self) -> usize {
        self.enrichers.len()
    }

    /// True when there are no enrichers.
    pub fn is_empty(&self) -> bool {
        self.enrichers.is_empty()
    }
}

#[async_trait]
impl EnrichStage for EnricherList {
    fn name(&self) -> &str {
        "custom"
    }

    async fn enrich_all(&self, indicators: &[Indicator]) -> EnrichResults {
        let mut out = Vec::with_capacity(indicators.len());
        for ind in indicators {
            let mut results = Vec::new();
            for e in &self.enrichers {
                if !e.supports(ind) {
                    continue;
                }
                let key = (e.name().to_string(), ind.value.clone());
                let cached = self
                    .cache
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get(&key)
                    .cloned();
                if let Some(mut hit) = cached {
                    hit.cached = true;
                    bump(&self.counters, |c| c.cache_hits += 1);
                    results.push(Ok(hit));
                    continue;
                }
                bump(&self.counters, |c| c.requests += 1);
                let r = e.enrich(ind).await;
                match &r {
                    Ok(en) => {
                        self.cache
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .insert(key, en.clone());
                    }
                    Err(_) => bump(&self.counters, |c| c.errors += 1),
                }
                results.push(r);
            }
            out.push((ind.clone(), results));
        }
        out
    }

    fn counters(&self) -> EnrichCounters {
        *self.counters.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn bump(c: &std::sync::Mutex<EnrichCounters>, f: impl FnOnce(&mut EnrichCounters)) {
    f(&mut c.lock().unwrap_or_else(|p| p.into_inner()));
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
