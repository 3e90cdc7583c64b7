//! The async side's work on what the reader threads hand on: each batch's
//! alerts are prepared, enriched and scored, then committed with the
//! batch's checkpoints and detector windows in **one transaction**, and
//! their actions run.
//!
//! Two ways to commit, chosen by what the actions can do:
//!
//! * **Dry run** (the action stage and every responder dry-run): actions
//!   change nothing outside the store, so they run *before* the commit and
//!   their records commit in the same transaction as the alerts,
//!   checkpoints and windows. A kill -9 before the commit loses the whole
//!   batch, which the next run re-reads (same alert ids, same records);
//!   after it, everything is there. No pending marks are needed. Batches
//!   already waiting in the queue commit together (one transaction, each
//!   batch still prepared and acted on as its own), so a busy run makes
//!   few, large commits instead of one per 5,000 records.
//! * **Live**: the alerts commit with pending marks first, then the actions
//!   run, then the marks are cleared (a crash in between re-runs the
//!   actions of the marked alerts on restart; idempotency keys prevent
//!   doubles). One batch per commit.

use chrono::{DateTime, Utc};

use super::definition::Pipeline;
use super::discard::Discard;
use super::metrics::{secs, RunMetrics};
use super::reader::Batch;
use super::steps::{count_actions, Earlier};
use super::wiring::CheckpointRow;
use crate::detect::StateChange;
use crate::error::{Error, StoreError};
use crate::model::{Alert, Mode, Score};
use crate::store::{self, StateStore};

/// Most batches committed in one transaction (a dry run takes what is
/// queued, up to this many).
pub(super) const MAX_GROUP: usize = 4;

/// A batch prepared, enriched and scored, waiting for its commit.
struct Staged {
    scored: Vec<(Alert, Score)>,
    checkpoints: Vec<CheckpointRow>,
    detector_state: Option<Vec<StateChange>>,
}

impl Pipeline {
    /// Whether the actions change nothing outside the store (the action
    /// stage and the extra responders dry-run), so they may run before
    /// the commit that stores their records.
    pub(super) fn acts_in_store_only(&self) -> bool {
        self.mode == Mode::DryRun
            && (self.actions.as_ref()).is_none_or(|a| a.mode() == Mode::DryRun)
    }

    /// How many queued batches may share one transaction: [`MAX_GROUP`] in
    /// a dry run without extra responders (whose "already done" check reads
    /// the records of earlier batches from the store), else 1.
    pub(super) fn group_limit(&self) -> usize {
        if self.acts_in_store_only() && self.responders.is_empty() {
            MAX_GROUP
        } else {
            1
        }
    }

    /// Prepares, scores, commits and acts on `group` (batches in the order
    /// received; more than one only when [`Pipeline::group_limit`] allows).
    pub(super) async fn process(
        &mut self,
        group: Vec<Batch>,
        metrics: &mut RunMetrics,
        discard: &Discard,
    ) -> Result<(), Error> {
        let mut earlier = Earlier::new();
        let mut staged = Vec::with_capacity(group.len());
        for batch in group {
            staged.push(self.stage(batch, &mut earlier, metrics).await?);
        }
        if self.acts_in_store_only() {
            return self.act_then_commit(staged, metrics, discard).await;
        }
        for s in staged {
            self.commit_then_act(s, metrics).await?;
        }
        Ok(())
    }

    /// Counts a batch's records and events, and prepares, enriches and
    /// scores its alerts.
    async fn stage(
        &mut self,
        batch: Batch,
        earlier: &mut Earlier,
        metrics: &mut RunMetrics,
    ) -> Result<Staged, Error> {
        let Batch {
            mut analysis,
            checkpoints,
            prepared,
        } = batch;
        let detector_state = analysis.detector_state.take();
        metrics.add_read_counts(&analysis);
        for s in analysis.samples {
            metrics.sample(s);
        }
        let mut alerts = self.prepare(analysis.alerts, prepared, earlier)?;
        self.enrich(&mut alerts, metrics).await;
        let scored = alerts
            .into_iter()
            .map(|a| {
                let s = self.scorer.score(&a);
                (a, s)
            })
            .collect();
        Ok(Staged {
            scored,
            checkpoints,
            detector_state,
        })
    }

    /// The dry-run commit: runs the actions of every staged alert, then
    /// stores the alerts, the action records, the checkpoints and the
    /// detector windows in one transaction; the batches are freed on
    /// `discard`'s thread.
    async fn act_then_commit(
        &mut self,
        staged: Vec<Staged>,
        metrics: &mut RunMetrics,
        discard: &Discard,
    ) -> Result<(), Error> {
        let detected_at = Utc::now();
        let mut records = Vec::new();
        for s in &staged {
            for (alert, score) in &s.scored {
                records.push(self.run_actions(alert, score).await?);
            }
        }
        let store = self.store.clone();
        let mut encoder = Encoder::default();
        let new_flags = store.with_tx(|tx| {
            let scored = staged.iter().flat_map(|s| &s.scored);
            let flags = encoder.put_alerts(tx, scored, false)?;
            store.write_deferred_actions(tx)?;
            for s in &staged {
                put_progress(tx, &s.checkpoints, s.detector_state.as_deref())?;
            }
            Ok(flags)
        });
        let new_flags = encoder.check(&store, new_flags)?;
        let scored = staged.iter().flat_map(|s| &s.scored);
        for (((alert, _), is_new), records) in scored.zip(new_flags).zip(&records) {
            let detected = self.count_alert(alert, is_new, detected_at, metrics);
            count_actions(records, detected, metrics);
        }
        discard.drop_later((staged, records));
        Ok(())
    }

    /// The live commit: stores the alerts with pending marks, the
    /// checkpoints and the windows, then runs the actions and clears the
    /// marks.
    async fn commit_then_act(&mut self, s: Staged, metrics: &mut RunMetrics) -> Result<(), Error> {
        let mut encoder = Encoder::default();
        let new_flags = self.store.with_tx(|tx| {
            let flags = encoder.put_alerts(tx, &s.scored, true)?;
            put_progress(tx, &s.checkpoints, s.detector_state.as_deref())?;
            Ok(flags)
        });
        let new_flags = encoder.check(&self.store, new_flags)?;
        let detected_at = Utc::now();
        let mut done_ids = Vec::with_capacity(s.scored.len());
        for ((alert, score), is_new) in s.scored.iter().zip(new_flags) {
            let detected = self.count_alert(alert, is_new, detected_at, metrics);
            self.act(alert, score, detected, metrics).await?;
            done_ids.push(alert.id.clone());
        }
        if !done_ids.is_empty() {
            self.store.clear_pending(&done_ids)?;
        }
        Ok(())
    }

    /// Counts a stored alert (new or updated, its time to detect) and
    /// remembers its id for [`Pipeline::last_alert_ids`]; returns
    /// `detected_at` for a new alert (its actions' MTTR counts from then).
    fn count_alert(
        &mut self,
        alert: &Alert,
        is_new: bool,
        detected_at: DateTime<Utc>,
        metrics: &mut RunMetrics,
    ) -> Option<DateTime<Utc>> {
        match metrics.alerts_by_kind.get_mut(&alert.kind) {
            Some(n) => *n += 1,
            None => {
                metrics.alerts_by_kind.insert(alert.kind.clone(), 1);
            }
        }
        if is_new {
            metrics.alerts_new += 1;
            if let Some(first) = alert.first_seen {
                metrics.mttd.add(secs(detected_at - first));
            }
        } else {
            metrics.alerts_updated += 1;
        }
        if self.last_alert_set.insert(alert.id.clone()) {
            self.last_alert_ids.push(alert.id.clone());
        }
        is_new.then_some(detected_at)
    }
}

/// Encodes alerts and their scores as the store keeps them, each just
/// before its insert, into two buffers reused for every alert: a batch's
/// encoded alerts are never all held at once (the run's final flush of
/// open episodes, ~900 alerts of ~10 KB, held ~30 MiB of JSON that way at
/// the run's memory peak).
#[derive(Default)]
struct Encoder {
    alert: Vec<u8>,
    score: Vec<u8>,
    /// The first encoding failure (reported as the store's corruption).
    failed: Option<(&'static str, serde_json::Error)>,
}

impl Encoder {
    /// Stores alerts (with pending marks when `pending`); whether each is
    /// new. From [`ENCODE_BESIDE`] alerts on, they are encoded on a thread
    /// beside this one while this one inserts ([`Encoder::put_encoded`]).
    fn put_alerts<'a>(
        &mut self,
        tx: &rusqlite::Transaction<'_>,
        scored: impl IntoIterator<Item = &'a (Alert, Score)>,
        pending: bool,
    ) -> rusqlite::Result<Vec<bool>> {
        let scored: Vec<&(Alert, Score)> = scored.into_iter().collect();
        if scored.len() >= ENCODE_BESIDE {
            return self.put_encoded(tx, &scored, pending);
        }
        let mut flags = Vec::with_capacity(scored.len());
        for (a, s) in scored {
            let (alert, score) = self.encode(a, s)?;
            flags.push(store::put_alert(tx, a, alert, Some(s), Some(score))?);
            if pending {
                super::state::put_pending(tx, &a.id)?;
            }
        }
        Ok(flags)
    }

    /// [`Encoder::put_alerts`] with the JSON made on a scoped thread, in
    /// groups of [`ENCODE_GROUP`] alerts, at most [`ENCODED_AHEAD`] alerts
    /// ahead of the inserts (their buffers come back for reuse), so the
    /// encoding overlaps SQLite's work and memory stays bounded as before.
    /// Handing over groups, not single alerts, spares the two threads a
    /// wake-up per alert.
    fn put_encoded(
        &mut self,
        tx: &rusqlite::Transaction<'_>,
        scored: &[&(Alert, Score)],
        pending: bool,
    ) -> rusqlite::Result<Vec<bool>> {
        type Buffers = Vec<(Vec<u8>, Vec<u8>)>;
        type Encoded = Result<Buffers, (&'static str, serde_json::Error)>;
        let ahead = (ENCODED_AHEAD / ENCODE_GROUP).max(1);
        let (to_insert, encoded) = std::sync::mpsc::sync_channel::<Encoded>(ahead);
        let (give_back, spare) = std::sync::mpsc::channel::<Buffers>();
        std::thread::scope(|scope| {
            // Dropped on any return, so an encoder waiting to send ends.
            let encoded = encoded;
            scope.spawn(move || {
                for group in scored.chunks(ENCODE_GROUP) {
                    let mut back = spare.try_recv().unwrap_or_default();
                    let mut out = Vec::with_capacity(group.len());
                    for (a, s) in group {
                        let (mut alert, mut score) = back.pop().unwrap_or_default();
                        alert.clear();
                        score.clear();
                        let done = match serde_json::to_writer(&mut alert, a) {
                            Err(e) => Err(("alert", e)),
                            Ok(()) => {
                                serde_json::to_writer(&mut score, s).map_err(|e| ("score", e))
                            }
                        };
                        if let Err(failed) = done {
                            let _ = to_insert.send(Err(failed));
                            return;
                        }
                        out.push((alert, score));
                    }
                    if to_insert.send(Ok(out)).is_err() {
                        return;
                    }
                }
            });
            let mut flags = Vec::with_capacity(scored.len());
            let mut alerts = scored.iter();
            while flags.len() < scored.len() {
                let group = match encoded.recv() {
                    Ok(Ok(group)) => group,
                    Ok(Err(failed)) => {
                        self.failed = Some(failed);
                        return Err(encoding_failed());
                    }
                    Err(_) => return Err(encoding_failed()),
                };
                for ((alert, score), (a, s)) in group.iter().zip(&mut alerts) {
                    flags.push(store::put_alert(
                        tx,
                        a,
                        utf8(alert)?,
                        Some(s),
                        Some(utf8(score)?),
                    )?);
                    if pending {
                        super::state::put_pending(tx, &a.id)?;
                    }
                }
                let _ = give_back.send(group);
            }
            Ok(flags)
        })
    }

    fn encode(&mut self, a: &Alert, s: &Score) -> rusqlite::Result<(&str, &str)> {
        self.alert.clear();
        self.score.clear();
        let failed = match serde_json::to_writer(&mut self.alert, a) {
            Err(e) => Some(("alert", e)),
            Ok(()) => serde_json::to_writer(&mut self.score, s)
                .err()
                .map(|e| ("score", e)),
        };
        if let Some(f) = failed {
            self.failed = Some(f);
            return Err(encoding_failed());
        }
        Ok((utf8(&self.alert)?, utf8(&self.score)?))
    }

    /// The transaction's result, or the encoding failure that ended it.
    fn check<T>(self, store: &StateStore, out: Result<T, StoreError>) -> Result<T, StoreError> {
        match self.failed {
            Some((what, e)) => Err(StoreError::Corrupt {
                path: store.path().display().to_string(),
                what: what.into(),
                reason: e.to_string(),
            }),
            None => out,
        }
    }
}

/// Alerts in one commit from which [`Encoder::put_alerts`] encodes them
/// beside the inserts (a thread start costs more than a few encodings).
const ENCODE_BESIDE: usize = 64;

/// Alerts the encoding thread may be ahead of the inserts.
const ENCODED_AHEAD: usize = 32;

/// Alerts the encoding thread hands over at a time.
const ENCODE_GROUP: usize = 16;

/// What ends the transaction when an alert cannot be encoded (the cause
/// is kept in [`Encoder::failed`]).
fn encoding_failed() -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure("alert encoding failed".into())
}

/// serde_json's output as text (it writes UTF-8 only).
fn utf8(b: &[u8]) -> rusqlite::Result<&str> {
    std::str::from_utf8(b).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

/// Stores a batch's checkpoints and detector window changes.
fn put_progress(
    tx: &rusqlite::Transaction<'_>,
    checkpoints: &[CheckpointRow],
    detector_state: Option<&[StateChange]>,
) -> rusqlite::Result<()> {
    for cp in checkpoints {
        store::put_checkpoint(tx, &cp.source, &cp.identity, cp.offset)?;
    }
    if let Some(changes) = detector_state {
        store::put_detector_state(tx, changes)?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "commit_tests.rs"]
mod tests;
