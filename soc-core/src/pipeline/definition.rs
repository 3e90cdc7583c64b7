//! The [`Pipeline`] type: its parts (sources, stages, store, mode) and the
//! state one run hands the next. Its behaviour is added by the files that
//! use it: `runner` (building and running),
//! `reader` (the reading threads) and `steps` (the per-batch steps), so
//! none of them depends on another through the type.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::config::PipelineConfig;
use super::stages::{ActionStage, Analyzer, EnrichStage, EnricherList};
use crate::model::Mode;
use crate::respond::Responder;
use crate::score::Scorer;
use crate::source::LogSource;
use crate::store::StateStore;

/// Continuation of a stored alert by a new episode id in this run.
#[derive(Clone)]
pub(super) struct Continuation {
    pub(super) stored_id: String,
    pub(super) base_count: u64,
    pub(super) first_seen: Option<DateTime<Utc>>,
}

/// A configured pipeline. Build it with [`Pipeline::new`] and the `with_*`
/// methods, or from `soc.toml` with [`Pipeline::from_config`].
pub struct Pipeline {
    pub(super) config: PipelineConfig,
    pub(super) store: Arc<StateStore>,
    pub(super) sources: Vec<Box<dyn LogSource>>,
    /// Per source: its records need no state shared with other sources
    /// (EVE, generic alerts), so it may be read on a thread of its own.
    pub(super) independent: Vec<bool>,
    pub(super) analyzer: Option<Box<dyn Analyzer>>,
    pub(super) enrichers: Vec<Arc<dyn EnrichStage>>,
    pub(super) custom_enrichers: Option<Arc<EnricherList>>,
    pub(super) scorer: Arc<dyn Scorer>,
    pub(super) actions: Option<Arc<dyn ActionStage>>,
    pub(super) responders: Vec<Arc<dyn Responder>>,
    pub(super) mode: Mode,
    pub(super) continuations: HashMap<String, Continuation>,
    pub(super) last_alert_ids: Vec<String>,
    /// The same ids as a set, so recording an alert is O(1).
    pub(super) last_alert_set: HashSet<String>,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("store", &self.store.path())
            .field(
                "sources",
                &self
                    .sources
                    .iter()
                    .map(|s| s.name().to_string())
                    .collect::<Vec<_>>(),
            )
            .field(
                "enrichers",
                &self
                    .enrichers
                    .iter()
                    .map(|e| e.name().to_string())
                    .collect::<Vec<_>>(),
            )
            .field("scorer", &self.scorer.name())
            .field(
                "responders",
                &self
                    .responders
                    .iter()
                    .map(|r| r.name().to_string())
                    .collect::<Vec<_>>(),
            )
            .field("mode", &self.mode)
            .finish()
    }
}
