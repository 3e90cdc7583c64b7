//! The per-batch steps of the runner: preparing alerts (deduplication,
//! evidence bound, episode continuation, indicators), enrichment, and the
//! actions (playbook stage plus extra responders) with MTTR accounting.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::definition::{Continuation, Pipeline};
use super::indicators::{bound_and_attach, enrichable};
use super::metrics::secs;
use super::metrics::RunMetrics;
use super::state::StoredEpisode;
use crate::error::Error;
use crate::model::{ActionOutcome, ActionRecord, Alert, Enrichment, IndicatorKind, Score};

impl Pipeline {
    /// Deduplicates a batch's alerts by id, continues stored episodes and,
    /// unless the reader thread did (`prepared`), bounds their evidence and
    /// attaches their indicators. An alert continues the
    /// latest one of its kind and source stored *or prepared earlier*
    /// (`earlier`: in this batch, or in the batches committed with it), so
    /// where a batch ends changes nothing.
    pub(super) fn prepare(
        &mut self,
        raw: Vec<Alert>,
        prepared: bool,
        earlier: &mut Earlier,
    ) -> Result<Vec<Alert>, Error> {
        let mut order: Vec<String> = Vec::new();
        let mut by_id: HashMap<String, Alert> = HashMap::new();
        for a in raw {
            if !by_id.contains_key(&a.id) {
                order.push(a.id.clone());
            }
            by_id.insert(a.id.clone(), a); // a later emission of an episode supersedes
        }
        let gap =
            chrono::Duration::seconds(self.config.run.episode_gap_secs.min(i64::MAX as u64) as i64);
        let mut out = Vec::with_capacity(order.len());
        // The episode lookups share one read transaction (see `store::bulk`).
        let store = self.store.clone();
        let _snapshot = store.read_snapshot();
        for id in order {
            let Some(mut a) = by_id.remove(&id) else {
                continue;
            };
            self.continue_episode(&mut a, gap, earlier)?;
            earlier.add(&a);
            if !prepared {
                bound_and_attach(&mut a, self.config.run.max_alert_events);
            }
            out.push(a);
        }
        Ok(out)
    }

    fn continue_episode(
        &mut self,
        a: &mut Alert,
        gap: chrono::Duration,
        earlier: &Earlier,
    ) -> Result<(), Error> {
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
        let stored = self.store.latest_episode(&a.kind, ip)?;
        if let Some(p) = earlier.latest(&a.kind, ip, stored) {
            if p.id == a.id {
                return Ok(());
            }
            let continues = p
                .last_seen
                .is_some_and(|last| first >= p.first_seen.unwrap_or(last) && first - last <= gap);
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
    pub(super) async fn enrich(&self, alerts: &mut [Alert], metrics: &mut RunMetrics) {
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
                        Ok(e) => answers
                            .entry((ind.kind, ind.value.clone()))
                            .or_default()
                            .push(e),
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
                for e in answers
                    .get(&(i.kind, i.value.clone()))
                    .into_iter()
                    .flatten()
                {
                    if have.insert((e.provider.clone(), e.indicator.clone())) {
                        a.enrichments.push(e.clone());
                    }
                }
            }
        }
    }

    /// Runs the action stage and the extra responders for one alert and
    /// counts their records (`count_actions`).
    pub(super) async fn act(
        &self,
        alert: &Alert,
        score: &Score,
        detected_at: Option<DateTime<Utc>>,
        metrics: &mut RunMetrics,
    ) -> Result<(), Error> {
        let records = self.run_actions(alert, score).await?;
        count_actions(&records, detected_at, metrics);
        Ok(())
    }

    /// Runs the action stage and the extra responders for one alert; the
    /// store records each (a dry run's records wait for the next commit:
    /// [`crate::StateStore::defer_dry_run_actions`]).
    pub(super) async fn run_actions(
        &self,
        alert: &Alert,
        score: &Score,
    ) -> Result<Vec<ActionRecord>, Error> {
        let mut records: Vec<ActionRecord> = Vec::new();
        if let Some(actions) = &self.actions {
            records.extend(actions.handle(alert, score).await);
        }
        for r in &self.responders {
            let key = format!("{}|{}", r.name(), alert.id);
            if self.store.has_action(&key)? {
                let mut rec =
                    ActionRecord::new(r.name(), "respond", &alert.id, &alert.id, self.mode);
                rec.outcome = ActionOutcome::Skipped("already done for this alert".into());
                records.push(rec);
                continue;
            }
            let rec = match r.respond(alert, self.mode).await {
                Ok(rec) => rec,
                Err(e) => {
                    let mut rec =
                        ActionRecord::new(r.name(), "respond", &alert.id, &alert.id, self.mode);
                    rec.outcome = ActionOutcome::Failed(e.to_string());
                    rec
                }
            };
            self.store.record_action(&key, &rec)?;
            records.push(rec);
        }
        Ok(records)
    }
}

/// Counts one alert's action records by responder and outcome, and, for
/// an alert detected at `detected_at` (a new one), the time to its first
/// action (MTTR).
pub(super) fn count_actions(
    records: &[ActionRecord],
    detected_at: Option<DateTime<Utc>>,
    metrics: &mut RunMetrics,
) {
    let mut first_action: Option<DateTime<Utc>> = None;
    for rec in records {
        metrics.count_action(&rec.responder, rec.outcome.status());
        if matches!(rec.outcome, ActionOutcome::Done | ActionOutcome::DryRun) {
            first_action = Some(first_action.map_or(rec.at, |t: DateTime<Utc>| t.min(rec.at)));
        }
    }
    if let (Some(det), Some(at)) = (detected_at, first_action) {
        metrics.mttr.add(secs(at - det));
    }
}

/// Alerts prepared earlier in a batch, the latest (by last evidence) per
/// kind and source: what the store would return for them had each been
/// stored before the next was prepared.
pub(super) struct Earlier(HashMap<(String, std::net::IpAddr), StoredEpisode>);

impl Earlier {
    pub(super) fn new() -> Self {
        Earlier(HashMap::new())
    }

    fn add(&mut self, a: &Alert) {
        let Some(ip) = a.src_ip else {
            return;
        };
        let ep = StoredEpisode {
            id: a.id.clone(),
            count: a.count,
            first_seen: a.first_seen,
            last_seen: a.last_seen,
        };
        let key = (a.kind.clone(), ip);
        // An update of the same id replaces it; otherwise the store's
        // `ORDER BY last_seen DESC` (millisecond columns) decides.
        let newer = self
            .0
            .get(&key)
            .is_none_or(|old| old.id == ep.id || millis(ep.last_seen) >= millis(old.last_seen));
        if newer {
            self.0.insert(key, ep);
        }
    }

    /// The latest of `stored` and the batch's own for `kind` and `ip`.
    fn latest(
        &self,
        kind: &str,
        ip: std::net::IpAddr,
        stored: Option<StoredEpisode>,
    ) -> Option<StoredEpisode> {
        let mine = self.0.get(&(kind.to_string(), ip));
        match (stored, mine) {
            (Some(s), Some(m)) if s.id != m.id && millis(s.last_seen) > millis(m.last_seen) => {
                Some(s)
            }
            (_, Some(m)) => Some(m.clone()),
            (s, None) => s,
        }
    }
}

fn millis(t: Option<DateTime<Utc>>) -> Option<i64> {
    t.map(|t| t.timestamp_millis())
}

fn apply_continuation(a: &mut Alert, c: &Continuation) {
    a.id = c.stored_id.clone();
    a.count += c.base_count;
    a.first_seen = match (c.first_seen, a.first_seen) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    };
}
