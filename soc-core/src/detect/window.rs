//! A sliding window of evidence for one detector key, and its episodes.
//!
//! Memory per window is bounded: while an episode is open the window keeps
//! no items (the episode counts them; when it ends, every item it saw is
//! older than the window anyway), so a source hammering one key costs a few
//! counters, not one entry per guess. Distinct values (users, sources) are
//! kept once per window in a small slot table, never once per item.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::arena::{EvId, Marks};
use super::maps::{Map, Set};
use super::stamp::{Span, Stamp};

/// Most items a window keeps (bounded memory under floods).
const MAX_ITEMS: usize = 4096;

/// Item buffers at most this large are kept by [`Windowed::reset`].
const KEPT_CAPACITY: usize = 64;

/// The oldest time still inside a window of `window` ending at `now`:
/// `now - t > window` exactly when `t < cutoff` (one date subtraction per
/// call instead of one per item). `None`: nothing is that old.
pub(crate) fn cutoff(now: Stamp, window: Span) -> Option<Stamp> {
    now.cutoff(window)
}

/// One alerting episode.
#[derive(Debug, Clone)]
pub(crate) struct Episode {
    pub first: Stamp,
    pub last: Stamp,
    pub count: u64,
    pub distinct: Set<String>,
    /// Evidence, in the arena shared by the windows that saw the same event.
    pub events: Vec<EvId>,
    /// `count` when this episode's alert was last reported while open
    /// (0: never), so an unchanged episode is not reported again.
    pub reported: u64,
}

/// Recent items (time, distinct value slot) within the window, plus the
/// open episode if the threshold was reached.
#[derive(Debug, Default)]
pub(crate) struct Windowed {
    /// Item times and the slot of their distinct value (0: none, else
    /// index + 1 into `values`).
    items: VecDeque<(Stamp, u32)>,
    /// Distinct values with their item counts; a slot with count 0 is free.
    values: Vec<(String, u32)>,
    /// Non-empty distinct values in `values`.
    live_values: u32,
    /// Items whose distinct value is empty (every item of a counting window).
    empty: u32,
    evidence: VecDeque<EvId>,
    open: Option<Episode>,
    last: Option<Stamp>,
}

impl Windowed {
    /// Distinct values in the window (the empty value counts as one).
    fn distinct_values(&self) -> u64 {
        u64::from(self.live_values) + u64::from(self.empty > 0)
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn first_time(&self) -> Option<Stamp> {
        self.items.front().map(|x| x.0)
    }

    pub fn last_time(&self) -> Option<Stamp> {
        self.last
    }

    pub fn take_evidence(&mut self) -> Vec<EvId> {
        self.evidence.drain(..).collect()
    }

    /// Marks the evidence the window and its open episode hold.
    pub fn mark_evidence(&self, marks: &mut Marks<'_>) {
        let (a, b) = self.evidence.as_slices();
        marks.mark_all(a);
        marks.mark_all(b);
        if let Some(ep) = &self.open {
            marks.mark_all(&ep.events);
        }
    }

    pub fn clear(&mut self) {
        self.items.clear();
        self.values.clear();
        self.live_values = 0;
        self.empty = 0;
        self.evidence.clear();
    }

    /// Empties the window as a new one, keeping small buffers for its
    /// next items (a source back after a quiet spell reuses them instead
    /// of allocating anew).
    pub fn reset(&mut self) {
        self.clear();
        self.open = None;
        self.last = None;
        if self.items.capacity() > KEPT_CAPACITY {
            self.items = VecDeque::new();
        }
        if self.evidence.capacity() > KEPT_CAPACITY {
            self.evidence = VecDeque::new();
        }
    }

    /// Prunes to the window ending at the detector clock `now`, first
    /// ending the window if it expired (see [`expire`](Self::expire)).
    pub fn prune(&mut self, now: Stamp, window: Span) -> Option<Episode> {
        let finished = self.expire(now, window);
        self.prune_before(cutoff(now, window));
        finished
    }

    /// clock rule: a window with no item for a whole window before the
    /// detector clock `now` (the running max of event times) has ended, at
    /// a touch exactly as in a sweep: its episode is returned and the
    /// window starts afresh (`last` too). So sweeps only make the same
    /// decision earlier, and a key's results depend on its own events and
    /// the clock alone, not on sweep cadence or other keys' interleaving.
    pub fn expire(&mut self, now: Stamp, window: Span) -> Option<Episode> {
        self.expire_cut(cutoff(now, window))
    }

    /// [`expire`](Self::expire) with the cutoff `cutoff(now, window)`.
    fn expire_cut(&mut self, cutoff: Option<Stamp>) -> Option<Episode> {
        let last = self.last?;
        if cutoff.is_none_or(|c| last >= c) {
            return None;
        }
        let finished = self.open.take();
        self.reset();
        finished
    }

    /// Drops the items older than `cutoff` (see [`cutoff`]), and the oldest
    /// beyond [`MAX_ITEMS`].
    fn prune_before(&mut self, cutoff: Option<Stamp>) {
        while let Some((t, _)) = self.items.front() {
            if !(cutoff.is_some_and(|c| *t < c) || self.items.len() > MAX_ITEMS) {
                break;
            }
            if let Some((_, slot)) = self.items.pop_front() {
                self.release(slot);
            }
            if self.evidence.len() > self.items.len() {
                self.evidence.pop_front();
            }
        }
    }

    fn release(&mut self, slot: u32) {
        if slot == 0 {
            self.empty = self.empty.saturating_sub(1);
        } else if let Some(v) = self.values.get_mut(slot as usize - 1) {
            v.1 = v.1.saturating_sub(1);
            if v.1 == 0 {
                v.0.clear();
                self.live_values = self.live_values.saturating_sub(1);
            }
        }
    }

    /// The slot of `value` (counted once more), allocating one if new.
    fn acquire(&mut self, value: &str) -> u32 {
        if value.is_empty() {
            self.empty += 1;
            return 0;
        }
        let mut free = None;
        for (i, (v, n)) in self.values.iter_mut().enumerate() {
            if *n > 0 && v == value {
                *n += 1;
                return i as u32 + 1;
            }
            if *n == 0 && free.is_none() {
                free = Some(i);
            }
        }
        self.live_values += 1;
        match free {
            Some(i) => {
                // A freed slot keeps its buffer: refill it in place.
                let slot = &mut self.values[i];
                slot.0.clear();
                slot.0.push_str(value);
                slot.1 = 1;
                i as u32 + 1
            }
            None => {
                self.values.push((value.to_string(), 1));
                self.values.len() as u32
            }
        }
    }

    /// Adds one item. Counting windows (`distinct` empty) alert at
    /// `threshold` items; distinct windows at `threshold` distinct values.
    /// Returns a finished episode when this item starts a new one after the
    /// previous ended (gap longer than the window). `e` gives the event as
    /// shared evidence; it is called only when this window keeps evidence,
    /// so one event is copied at most once however many windows see it.
    /// `t` is the event's time (what the item counts at), `now` the
    /// detector clock that decides expiry (clock rule, see [`expire`](Self::expire)).
    #[allow(clippy::too_many_arguments)]
    pub fn push(
        &mut self,
        t: Stamp,
        now: Stamp,
        distinct: &str,
        e: &mut dyn FnMut() -> EvId,
        window: Span,
        threshold: u32,
        max_evidence: usize,
    ) -> Option<Episode> {
        // clock rule: expiry and pruning by `now`, never by `t`.
        self.push_cut(t, cutoff(now, window), distinct, e, threshold, max_evidence)
    }

    /// [`push`](Self::push) with the window's cutoff at the detector clock
    /// (`cutoff(now, window)`) computed by the caller, once per event.
    pub fn push_cut(
        &mut self,
        t: Stamp,
        cutoff: Option<Stamp>,
        distinct: &str,
        e: &mut dyn FnMut() -> EvId,
        threshold: u32,
        max_evidence: usize,
    ) -> Option<Episode> {
        let finished = self.expire_cut(cutoff);
        self.last = Some(self.last.map_or(t, |l| l.max(t)));
        if let Some(ep) = &mut self.open {
            ep.count += 1;
            ep.last = ep.last.max(t);
            if !distinct.is_empty() && !ep.distinct.contains(distinct) {
                ep.distinct.insert(distinct.to_string());
            }
            if ep.events.len() < max_evidence {
                ep.events.push(e());
            }
            return finished;
        }
        self.prune_before(cutoff);
        let by_distinct = !distinct.is_empty() || threshold == u32::MAX;
        let slot = self.acquire(distinct);
        self.items.push_back((t, slot));
        if self.evidence.len() < max_evidence {
            self.evidence.push_back(e());
        }
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
                distinct: self
                    .values
                    .iter()
                    .filter(|v| v.1 > 0)
                    .map(|v| v.0.clone())
                    .collect(),
                events: self.evidence.drain(..).collect(),
                reported: 0,
            });
            // Every item is now counted by the episode; when it ends, all of
            // them are older than the window, so none is needed again.
            self.clear();
        }
        finished
    }

    /// The open episode, left open (for a provisional alert).
    pub fn peek_mut(&mut self) -> Option<&mut Episode> {
        self.open.as_mut()
    }

    /// Ends the open episode.
    pub fn close(&mut self) -> Option<Episode> {
        self.open.take()
    }
}

/// Evidence events of one saved row, each once however many of the row's
/// windows share it (the windows refer to them by index).
#[derive(Debug, Default)]
pub(crate) struct EventTable {
    pub events: Vec<EvId>,
    index: Map<EvId, u32>,
}

impl EventTable {
    fn add(&mut self, e: EvId) -> u32 {
        let events = &mut self.events;
        *self.index.entry(e).or_insert_with(|| {
            events.push(e);
            events.len() as u32 - 1
        })
    }
}

/// A window as written to the state store (see [`super::persist`]).
#[derive(Debug, Serialize)]
pub(crate) struct SavedWindowOut<'a> {
    /// Item times.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    t: Vec<DateTime<Utc>>,
    /// Item distinct values (empty for counting windows).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    v: Vec<&'a str>,
    /// Evidence, as indexes into the row's events.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    e: Vec<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    open: Option<SavedEpisodeOut<'a>>,
}

#[derive(Debug, Serialize)]
struct SavedEpisodeOut<'a> {
    first: DateTime<Utc>,
    last: DateTime<Utc>,
    count: u64,
    reported: u64,
    distinct: Vec<&'a str>,
    e: Vec<u32>,
}

/// A window as read back from the state store.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct SavedWindow {
    #[serde(default)]
    t: Vec<DateTime<Utc>>,
    #[serde(default)]
    v: Vec<String>,
    #[serde(default)]
    e: Vec<u32>,
    #[serde(default)]
    last: Option<DateTime<Utc>>,
    #[serde(default)]
    open: Option<SavedEpisode>,
}

#[derive(Debug, Deserialize)]
struct SavedEpisode {
    first: DateTime<Utc>,
    last: DateTime<Utc>,
    count: u64,
    #[serde(default)]
    reported: u64,
    #[serde(default)]
    distinct: Vec<String>,
    #[serde(default)]
    e: Vec<u32>,
}

impl Windowed {
    /// The persisted form; evidence goes into `table`.
    pub fn save<'a>(&'a self, table: &mut EventTable) -> SavedWindowOut<'a> {
        let has_values = self.items.iter().any(|x| x.1 != 0);
        SavedWindowOut {
            t: self.items.iter().map(|x| x.0.time()).collect(),
            v: if has_values {
                self.items
                    .iter()
                    .map(|x| match x.1 {
                        0 => "",
                        s => self.values[s as usize - 1].0.as_str(),
                    })
                    .collect()
            } else {
                Vec::new()
            },
            e: self.evidence.iter().map(|&e| table.add(e)).collect(),
            last: self.last.map(Stamp::time),
            open: self.open.as_ref().map(|ep| {
                let mut distinct: Vec<&str> = ep.distinct.iter().map(String::as_str).collect();
                distinct.sort_unstable();
                SavedEpisodeOut {
                    first: ep.first.time(),
                    last: ep.last.time(),
                    count: ep.count,
                    reported: ep.reported,
                    distinct,
                    e: ep.events.iter().map(|&e| table.add(e)).collect(),
                }
            }),
        }
    }

    /// A window from its persisted form and its row's `events`; `None`
    /// when an evidence index is out of range.
    pub fn restore(s: SavedWindow, events: &[EvId]) -> Option<Windowed> {
        let pick = |ix: Vec<u32>| -> Option<Vec<EvId>> {
            ix.into_iter()
                .map(|i| events.get(i as usize).copied())
                .collect()
        };
        let mut w = Windowed {
            last: s.last.map(Stamp::of),
            ..Default::default()
        };
        for (i, t) in s.t.into_iter().enumerate() {
            let slot = w.acquire(s.v.get(i).map_or("", String::as_str));
            w.items.push_back((Stamp::of(t), slot));
        }
        w.evidence = pick(s.e)?.into();
        w.open = match s.open {
            None => None,
            Some(ep) => Some(Episode {
                first: Stamp::of(ep.first),
                last: Stamp::of(ep.last),
                count: ep.count,
                distinct: ep.distinct.into_iter().collect(),
                events: pick(ep.e)?,
                reported: ep.reported,
            }),
        };
        Some(w)
    }
}
