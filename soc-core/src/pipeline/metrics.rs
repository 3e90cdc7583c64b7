//! Run metrics: what one run saw and did, and the cumulative view over runs.
//!
//! Definitions:
//! * **MTTD** (mean time to detect) of an alert is the wall-clock time at
//!   which the pipeline first stored it minus the event time of its first
//!   evidence (`alert.first_seen`). Replaying an old log therefore shows a
//!   large MTTD: that is the truth about that log, not a bug. Alerts without
//!   an event time are not counted.
//! * **MTTR** (mean time to respond) of an alert is the time of its first
//!   action (done or dry-run; skipped and failed actions do not count)
//!   minus the time the pipeline first stored the alert.
//! * **Cache hit rate** is `cache_hits / (cache_hits + requests)`, where
//!   `requests` are lookups that went to a provider.
//!
//! ```
//! use soc_core::pipeline::metrics::{DurationStats, RunMetrics};
//! let mut a = RunMetrics::default();
//! a.records = 10;
//! a.mttd.add(4.0);
//! let mut b = RunMetrics::default();
//! b.records = 5;
//! b.mttd.add(2.0);
//! a.merge(&b);
//! assert_eq!(a.records, 15);
//! assert_eq!(a.mttd.mean(), Some(3.0));
//! ```

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Count, sum and maximum of durations in seconds; the mean is derived.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DurationStats {
    /// How many samples.
    pub count: u64,
    /// Sum of the samples (seconds).
    pub sum_secs: f64,
    /// Largest sample (seconds).
    pub max_secs: f64,
}

impl DurationStats {
    /// Adds one sample (negative samples, from clock skew, count as 0).
    pub fn add(&mut self, secs: f64) {
        let secs = if secs.is_finite() { secs.max(0.0) } else { 0.0 };
        self.count += 1;
        self.sum_secs += secs;
        self.max_secs = self.max_secs.max(secs);
    }

    /// The mean, if there are samples.
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum_secs / self.count as f64)
    }

    /// Adds another set of samples.
    pub fn merge(&mut self, other: &DurationStats) {
        self.count += other.count;
        self.sum_secs += other.sum_secs;
        self.max_secs = self.max_secs.max(other.max_secs);
    }
}

/// Enrichment counters of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EnrichMetrics {
    /// Distinct indicators sent to enrichment.
    pub indicators: u64,
    /// Lookups that went to a provider.
    pub requests: u64,
    /// Lookups answered by the cache.
    pub cache_hits: u64,
    /// Lookups that failed.
    pub errors: u64,
}

impl EnrichMetrics {
    /// `cache_hits / (cache_hits + requests)`, if there were lookups.
    pub fn cache_hit_rate(&self) -> Option<f64> {
        let total = self.cache_hits + self.requests;
        (total > 0).then(|| self.cache_hits as f64 / total as f64)
    }

    fn merge(&mut self, o: &EnrichMetrics) {
        self.indicators += o.indicators;
        self.requests += o.requests;
        self.cache_hits += o.cache_hits;
        self.errors += o.errors;
    }
}

/// Maximum malformed-input samples kept per run.
pub const MAX_SAMPLES: usize = 20;

/// What one run (or, merged, many runs) saw and did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunMetrics {
    /// When the run started.
    pub started_at: Option<DateTime<Utc>>,
    /// When it finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// `once` or `follow` (empty when merged).
    pub mode: String,
    /// Whether responders ran in dry-run.
    pub dry_run: bool,
    /// Number of runs merged into this (1 for a single run).
    pub runs: u64,
    /// Records read from sources.
    pub records: u64,
    /// Malformed records (bad JSON, invalid UTF-8, ...), counted, not fatal.
    pub malformed: u64,
    /// Records that were not for any parser (e.g. non-sshd syslog lines).
    pub skipped: u64,
    /// Source errors (I/O, remote) that did not stop the run.
    pub source_errors: u64,
    /// Detector keys (sources, users) forgotten because there were more
    /// than `detect.max_tracked_keys`, least recently active first.
    pub detector_evictions: u64,
    /// Events by kind (`ssh.failed_password`, `suricata.flow`, ...).
    pub events_by_kind: BTreeMap<String, u64>,
    /// Alerts raised (new or updated) by kind.
    pub alerts_by_kind: BTreeMap<String, u64>,
    /// Alerts stored for the first time.
    pub alerts_new: u64,
    /// Alerts that updated an alert already stored (same id).
    pub alerts_updated: u64,
    /// Actions by responder, then by outcome (`done`, `dry_run`, `skipped`, `failed`).
    pub actions: BTreeMap<String, BTreeMap<String, u64>>,
    /// Enrichment counters.
    pub enrich: EnrichMetrics,
    /// Time to detect (see the module docs).
    pub mttd: DurationStats,
    /// Time to respond (see the module docs).
    pub mttr: DurationStats,
    /// A few malformed-input reports (`file:line: reason`), bounded.
    pub malformed_samples: Vec<String>,
}

impl RunMetrics {
    /// Total events.
    pub fn events(&self) -> u64 {
        self.events_by_kind.values().sum()
    }

    /// Total alerts (new + updated).
    pub fn alerts(&self) -> u64 {
        self.alerts_by_kind.values().sum()
    }

    /// Total actions.
    pub fn actions_total(&self) -> u64 {
        self.actions.values().flat_map(|m| m.values()).sum()
    }

    /// Counts one action of `responder` with outcome `status`.
    pub fn count_action(&mut self, responder: &str, status: &str) {
        *self
            .actions
            .entry(responder.to_string())
            .or_default()
            .entry(status.to_string())
            .or_default() += 1;
    }

    /// Keeps a malformed-input sample (bounded).
    pub fn sample(&mut self, text: String) {
        if self.malformed_samples.len() < MAX_SAMPLES {
            self.malformed_samples.push(text);
        }
    }

    /// Adds what a batch or a run read (records, malformed, skipped,
    /// source errors, detector evictions, events by kind).
    pub(super) fn add_read_counts(&mut self, o: &impl ReadCounts) {
        let [records, malformed, skipped, source_errors, evictions] = o.read_counts();
        self.records += records;
        self.malformed += malformed;
        self.skipped += skipped;
        self.source_errors += source_errors;
        self.detector_evictions += evictions;
        add_counts(&mut self.events_by_kind, o.events_by_kind());
    }

    /// Adds another run's metrics to these (cumulative view).
    pub fn merge(&mut self, o: &RunMetrics) {
        self.started_at = match (self.started_at, o.started_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.finished_at = self.finished_at.max(o.finished_at);
        self.runs += o.runs.max(1);
        self.add_read_counts(o);
        add_counts(&mut self.alerts_by_kind, &o.alerts_by_kind);
        self.alerts_new += o.alerts_new;
        self.alerts_updated += o.alerts_updated;
        for (r, m) in &o.actions {
            for (s, n) in m {
                *self
                    .actions
                    .entry(r.clone())
                    .or_default()
                    .entry(s.clone())
                    .or_default() += n;
            }
        }
        self.enrich.merge(&o.enrich);
        self.mttd.merge(&o.mttd);
        self.mttr.merge(&o.mttr);
        for s in &o.malformed_samples {
            self.sample(s.clone());
        }
    }

    /// The metrics as JSON, with derived values (`events`, `alerts`,
    /// `mttd_mean_secs`, `mttr_mean_secs`, `enrich.cache_hit_rate`) added.
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(obj) = v.as_object_mut() {
            obj.insert("events".into(), self.events().into());
            obj.insert("alerts".into(), self.alerts().into());
            obj.insert("actions_total".into(), self.actions_total().into());
            obj.insert("mttd_mean_secs".into(), self.mttd.mean().into());
            obj.insert("mttr_mean_secs".into(), self.mttr.mean().into());
            if let Some(e) = obj.get_mut("enrich").and_then(|e| e.as_object_mut()) {
                e.insert("cache_hit_rate".into(), self.enrich.cache_hit_rate().into());
            }
        }
        v
    }

    /// The cumulative metrics of stored runs (JSON from `StateStore::runs`);
    /// entries that are not run metrics are ignored.
    pub fn cumulative(runs: &[serde_json::Value]) -> RunMetrics {
        let mut total = RunMetrics::default();
        for r in runs {
            if let Ok(m) = serde_json::from_value::<RunMetrics>(r.clone()) {
                total.merge(&m);
            }
        }
        total
    }
}

/// Adds the counts of `from` to `into`, key by key.
/// The read counts a batch (`Analysis`) and a run ([`RunMetrics`]) both
/// keep, for [`RunMetrics::add_read_counts`].
pub(super) trait ReadCounts {
    /// Records, malformed, skipped, source errors, detector evictions.
    fn read_counts(&self) -> [u64; 5];
    /// Events by kind.
    fn events_by_kind(&self) -> &BTreeMap<String, u64>;
}

impl ReadCounts for RunMetrics {
    fn read_counts(&self) -> [u64; 5] {
        let m = self;
        [
            m.records,
            m.malformed,
            m.skipped,
            m.source_errors,
            m.detector_evictions,
        ]
    }

    fn events_by_kind(&self) -> &BTreeMap<String, u64> {
        &self.events_by_kind
    }
}

pub(super) fn add_counts(into: &mut BTreeMap<String, u64>, from: &BTreeMap<String, u64>) {
    for (k, v) in from {
        match into.get_mut(k) {
            Some(n) => *n += v,
            None => {
                into.insert(k.clone(), *v);
            }
        }
    }
}

/// A duration in seconds (millisecond precision), as metrics report it.
pub(super) fn secs(d: chrono::Duration) -> f64 {
    d.num_milliseconds() as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_adds_counts_and_keeps_extremes() {
        let mut a = RunMetrics {
            runs: 1,
            records: 3,
            ..Default::default()
        };
        a.count_action("firewall", "dry_run");
        a.events_by_kind.insert("ssh.failed_password".into(), 2);
        a.mttr.add(1.0);
        let mut b = a.clone();
        b.mttr.add(5.0);
        b.enrich.requests = 1;
        b.enrich.cache_hits = 3;
        a.merge(&b);
        assert_eq!(a.runs, 2);
        assert_eq!(a.records, 6);
        assert_eq!(a.actions["firewall"]["dry_run"], 2);
        assert_eq!(a.events(), 4);
        assert_eq!(a.mttr.count, 3);
        assert_eq!(a.mttr.max_secs, 5.0);
        assert_eq!(a.enrich.cache_hit_rate(), Some(0.75));
    }

    #[test]
    fn json_has_derived_fields_and_roundtrips() {
        let mut m = RunMetrics::default();
        m.mttd.add(-3.0); // clock skew clamps to zero
        m.alerts_by_kind.insert("ssh.brute_force".into(), 2);
        let v = m.to_json();
        assert_eq!(v["alerts"], 2);
        assert_eq!(v["mttd_mean_secs"], 0.0);
        let back = RunMetrics::cumulative(&[v, serde_json::json!("not metrics")]);
        assert_eq!(back.alerts(), 2);
        assert_eq!(back.runs, 1);
    }
}
