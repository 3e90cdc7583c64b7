//! A sliding window of evidence for one detector key, and its episodes.
//!
//! Memory per window is bounded: while an episode is open the window keeps
//! no items (the episode counts them; when it ends, every item it saw is
//! older than the window anyway), so a source hammering one key costs a few
//! counters, not one entry per guess. Distinct values (users, sources) are
//! kept once per window in a small slot table, never once per item.

use std::collections::VecDeque;

use super::arena::{EvId, Marks};
use super::distinct::DistinctSet;
use super::stamp::{Span, Stamp};
use super::value_counts::ValueCounts;

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
    pub distinct: DistinctSet,
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
    pub(super) items: VecDeque<(Stamp, u32)>,
    /// Distinct values with their item counts; a slot with count 0 is free.
    pub(super) values: ValueCounts,
    pub(super) evidence: VecDeque<EvId>,
    /// Boxed: most windows have none, and a window is moved whole when
    /// its key comes and goes.
    pub(super) open: Option<Box<Episode>>,
    pub(super) last: Option<Stamp>,
    /// When the window's entry in its expiry calendar was queued (see
    /// [`super::expiry`]); `None`: no entry.
    pub queued: Option<Stamp>,
}

impl Windowed {
    pub fn last_time(&self) -> Option<Stamp> {
        self.last
    }

    /// Marks the evidence the window and its open episode hold.
    pub fn mark_evidence(&self, marks: &mut Marks<'_>) {
        marks.mark_kept(&self.evidence, self.open.as_ref().map(|ep| &ep.events[..]));
    }

    pub fn clear(&mut self) {
        self.items.clear();
        self.values.clear();
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

    /// [`reset`](Self::reset) for a window reused by another key: its
    /// calendar entry (if any) names the old key's slot.
    pub fn reset_unqueued(&mut self) {
        self.reset();
        self.queued = None;
    }

    /// clock rule: a window with no item for a whole window before the
    /// detector clock `now` (the running max of event times) has ended, at
    /// a touch exactly as in a sweep: its episode is returned and the
    /// window starts afresh (`last` too). So sweeps only make the same
    /// decision earlier, and a key's results depend on its own events and
    /// the clock alone, not on sweep cadence or other keys' interleaving.
    fn expire_cut(&mut self, cutoff: Option<Stamp>) -> Option<Episode> {
        let last = self.last?;
        if cutoff.is_none_or(|c| last >= c) {
            return None;
        }
        let finished = self.open.take().map(|ep| *ep);
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
                self.values.release(slot);
            }
            if self.evidence.len() > self.items.len() {
                self.evidence.pop_front();
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
    /// detector clock that decides expiry (clock rule, see [`expire_cut`](Self::expire_cut)).
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
            if !distinct.is_empty() {
                ep.distinct.insert(distinct);
            }
            if ep.events.len() < max_evidence {
                ep.events.push(e());
            }
            return finished;
        }
        self.prune_before(cutoff);
        let by_distinct = !distinct.is_empty() || threshold == u32::MAX;
        let slot = self.values.acquire(distinct);
        self.items.push_back((t, slot));
        if self.evidence.len() < max_evidence {
            self.evidence.push_back(e());
        }
        let reached = if by_distinct && threshold != u32::MAX {
            self.values.distinct() >= u64::from(threshold)
        } else {
            self.items.len() as u64 >= u64::from(threshold)
        };
        if reached {
            self.open = Some(Box::new(Episode {
                first: self.items.front().map_or(t, |x| x.0),
                last: t,
                count: self.items.len() as u64,
                distinct: self.values.live().collect(),
                events: self.evidence.drain(..).collect(),
                reported: 0,
            }));
            // Every item is now counted by the episode; when it ends, all of
            // them are older than the window, so none is needed again.
            self.clear();
        }
        finished
    }

    /// The open episode, left open (for a provisional alert).
    pub fn peek_mut(&mut self) -> Option<&mut Episode> {
        self.open.as_deref_mut()
    }

    /// Ends the open episode.
    pub fn close(&mut self) -> Option<Episode> {
        self.open.take().map(|ep| *ep)
    }
}
