//! A sliding window of evidence for one detector key, and its episodes.

use std::collections::VecDeque;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::{Map, Set};
use crate::model::Event;

/// Most items a window keeps (bounded memory under floods).
const MAX_ITEMS: usize = 4096;

/// The oldest time still inside a window of `window` ending at `now`:
/// `now - t > window` exactly when `t < cutoff` (one date subtraction per
/// call instead of one per item). `None`: nothing is that old.
pub(crate) fn cutoff(now: DateTime<Utc>, window: Duration) -> Option<DateTime<Utc>> {
    now.checked_sub_signed(window)
}

/// One alerting episode.
#[derive(Debug, Clone)]
pub(crate) struct Episode {
    pub first: DateTime<Utc>,
    pub last: DateTime<Utc>,
    pub count: u64,
    pub distinct: Set<String>,
    /// Evidence, shared between the windows that saw the same event.
    pub events: Vec<Arc<Event>>,
}

/// Recent items (time, distinct value) within the window, plus the open
/// episode if the threshold was reached.
#[derive(Debug, Default)]
pub(crate) struct Windowed {
    items: VecDeque<(DateTime<Utc>, String)>,
    /// Items per non-empty distinct value.
    counts: Map<String, u32>,
    /// Items whose distinct value is empty (every item of a counting
    /// window), kept apart so counting windows never allocate a map.
    empty: u32,
    evidence: VecDeque<Arc<Event>>,
    open: Option<Episode>,
    last: Option<DateTime<Utc>>,
}

impl Windowed {
    /// Distinct values in the window (the empty value counts as one).
    fn distinct_values(&self) -> u64 {
        self.counts.len() as u64 + u64::from(self.empty > 0)
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn first_time(&self) -> Option<DateTime<Utc>> {
        self.items.front().map(|x| x.0)
    }

    pub fn last_time(&self) -> Option<DateTime<Utc>> {
        self.last
    }

    pub fn take_evidence(&mut self) -> Vec<Arc<Event>> {
        self.evidence.drain(..).collect()
    }

    pub fn clear(&mut self) {
        self.items.clear();
        self.counts.clear();
        self.empty = 0;
        self.evidence.clear();
    }

    pub fn prune(&mut self, now: DateTime<Utc>, window: Duration) {
        self.prune_before(cutoff(now, window));
    }

    /// Drops the items older than `cutoff` (see [`cutoff`]), and the oldest
    /// beyond [`MAX_ITEMS`].
    fn prune_before(&mut self, cutoff: Option<DateTime<Utc>>) {
        while let Some((t, _)) = self.items.front() {
            if cutoff.is_some_and(|c| *t < c) || self.items.len() > MAX_ITEMS {
                if let Some((_, v)) = self.items.pop_front() {
                    if v.is_empty() {
                        self.empty = self.empty.saturating_sub(1);
                    } else if let Some(c) = self.counts.get_mut(&v) {
                        *c -= 1;
                        if *c == 0 {
                            self.counts.remove(&v);
                        }
                    }
                }
                if self.evidence.len() > self.items.len() {
                    self.evidence.pop_front();
                }
            } else {
                break;
            }
        }
    }

    /// Adds one item. Counting windows (`distinct` empty) alert at
    /// `threshold` items; distinct windows at `threshold` distinct values.
    /// Returns a finished episode when this item starts a new one after the
    /// previous ended (gap longer than the window). `e` gives the event as
    /// shared evidence; it is called only when this window keeps evidence,
    /// so one event is copied at most once however many windows see it.
    pub fn push(
        &mut self,
        t: DateTime<Utc>,
        distinct: &str,
        e: &mut dyn FnMut() -> Arc<Event>,
        window: Duration,
        threshold: u32,
        max_evidence: usize,
    ) -> Option<Episode> {
        let mut finished = None;
        let cutoff = cutoff(t, window);
        if let (Some(_), Some(last)) = (&self.open, self.last) {
            if cutoff.is_some_and(|c| last < c) {
                finished = self.open.take();
            }
        }
        self.last = Some(self.last.map_or(t, |l| l.max(t)));
        self.prune_before(cutoff);
        let by_distinct = !distinct.is_empty() || threshold == u32::MAX;
        if distinct.is_empty() {
            self.empty += 1;
        } else if let Some(c) = self.counts.get_mut(distinct) {
            *c += 1;
        } else {
            self.counts.insert(distinct.to_string(), 1);
        }
        self.items.push_back((t, distinct.to_string()));
        if self.evidence.len() < max_evidence {
            self.evidence.push_back(e());
        }
        match &mut self.open {
            Some(ep) => {
                ep.count += 1;
                ep.last = ep.last.max(t);
                if !distinct.is_empty() && !ep.distinct.contains(distinct) {
                    ep.distinct.insert(distinct.to_string());
                }
                if ep.events.len() < max_evidence {
                    ep.events.push(e());
                }
            }
            None => {
                let reached = if by_distinct && threshold != u32::MAX {
                    self.distinct_values() >= u64::from(threshold)
                } else {
                    self.items.len() as u64 >= u64::from(threshold)
                };
                if reached {
                    self.open = Some(Episode {
                        first: self.items.front().map_or(t, |x| x.0),
                        last: t,
                        count: self.items.len() as u64,
                        distinct: self.counts.keys().cloned().collect(),
                        events: self.evidence.drain(..).collect(),
                    });
                }
            }
        }
        finished
    }

    /// Ends the open episode.
    pub fn close(&mut self) -> Option<Episode> {
        self.open.take()
    }
}
