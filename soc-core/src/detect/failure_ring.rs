//! One ring of failure times per source, shared by brute force, slow
//! brute force, spraying and success-after-failures.
//!
//! A rule's window over a source's failures is always a suffix of them
//! (every failure goes to every rule; a rule only drops its oldest items,
//! or all of them), so the source keeps one ring of `(time, user slot)`
//! and each rule only a cursor: the sequence number of its first item.
//! A failure is one ring push and, per rule, a few integer compares. The
//! rules keep their own evidence, open episode, last time and calendar
//! entry exactly as a separate [`Windowed`](super::window::Windowed) would,
//! so the alerts are the same.

use std::collections::VecDeque;

use super::arena::{EvId, Marks};
use super::config::Rule;
use super::saved_window::{EventTable, SavedWindow, SavedWindowOut};
use super::stamp::Stamp;
use super::value_counts::ValueCounts;
use super::window::Episode;

/// Most items a rule keeps (as `window::MAX_ITEMS`).
const MAX_ITEMS: u64 = 4096;

/// Rings at most this large are kept by a reset.
const KEPT_CAPACITY: usize = 64;

/// Brute force, slow brute force, spraying, recent failures: the rules of
/// a [`FailureRing`], in this order.
pub(crate) const RULES: usize = 4;
/// The spraying rule (the one with distinct values).
pub(crate) const SPRAY: usize = 2;

/// The state of one rule over the ring (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct RuleWindow {
    /// Sequence number of the rule's first item; `None`: no items.
    cursor: Option<u64>,
    /// Distinct values of the rule's items with their counts (spraying
    /// only); a slot with count 0 is free. An item's slot is in the ring.
    values: ValueCounts,
    evidence: VecDeque<EvId>,
    /// Boxed: most rules have none, and a source is moved whole when it
    /// comes and goes.
    open: Option<Box<Episode>>,
    last: Option<Stamp>,
    /// When the rule's expiry calendar entry was queued (see `expiry`).
    pub queued: Option<Stamp>,
}

impl RuleWindow {
    pub fn last_time(&self) -> Option<Stamp> {
        self.last
    }

    /// Ends the open episode.
    pub fn close(&mut self) -> Option<Episode> {
        self.open.take().map(|ep| *ep)
    }

    /// The open episode, left open.
    pub fn peek_mut(&mut self) -> Option<&mut Episode> {
        self.open.as_deref_mut()
    }

    /// Drops the items, values and evidence (not the episode or `last`).
    fn clear(&mut self) {
        self.cursor = None;
        self.values.clear();
        self.evidence.clear();
    }

    /// Empties the rule as a new one (its calendar entry stays).
    pub fn reset(&mut self) {
        self.clear();
        self.open = None;
        self.last = None;
        if self.evidence.capacity() > KEPT_CAPACITY {
            self.evidence = VecDeque::new();
        }
    }

    /// Marks the evidence the rule and its open episode hold.
    pub fn mark_evidence(&self, marks: &mut Marks<'_>) {
        marks.mark_kept(&self.evidence, self.open.as_ref().map(|ep| &ep.events[..]));
    }
}

/// A source's failures and its four rules over them (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct FailureRing {
    /// `(time, spraying value slot)` of failures, oldest first.
    items: VecDeque<(Stamp, u32)>,
    /// Sequence number of `items[0]`.
    start: u64,
    pub rules: [RuleWindow; RULES],
}

/// What one failure is pushed with.
pub(crate) struct Push<'a> {
    pub t: Stamp,
    /// Each rule's cutoff at the detector clock.
    pub cuts: [Option<Stamp>; RULES],
    /// Each rule's threshold (`u32::MAX`: never).
    pub thresholds: [u32; RULES],
    pub user: &'a str,
    pub max_evidence: usize,
}

/// The rule of each ring rule's episodes (the recent failures raise none).
const EPISODE_RULES: [Rule; RULES] = [Rule::Brute, Rule::Slow, Rule::Spray, Rule::Brute];

impl FailureRing {
    /// Sequence number of the next item.
    fn next(&self) -> u64 {
        self.start + self.items.len() as u64
    }

    /// The item with sequence number `seq`.
    fn item(&self, seq: u64) -> Option<(Stamp, u32)> {
        let i = usize::try_from(seq.checked_sub(self.start)?).ok()?;
        self.items.get(i).copied()
    }

    /// Items of rule `r`.
    pub fn len(&self, r: usize) -> u64 {
        self.rules[r].cursor.map_or(0, |c| self.next() - c)
    }

    /// Time of rule `r`'s first item.
    pub fn first_time(&self, r: usize) -> Option<Stamp> {
        self.item(self.rules[r].cursor?).map(|x| x.0)
    }

    /// Empties the source (every rule, the ring too).
    pub fn reset_all(&mut self) {
        for r in &mut self.rules {
            r.reset();
            r.queued = None;
        }
        self.start = self.next();
        self.items.clear();
        if self.items.capacity() > KEPT_CAPACITY {
            self.items = VecDeque::new();
        }
    }

    /// Ends rule `r` if its last item is older than `cut` (clock rule, as
    /// `Windowed::expire`): its episode is returned, the rule starts afresh.
    pub fn expire(&mut self, r: usize, cut: Option<Stamp>) -> Option<Episode> {
        let w = &mut self.rules[r];
        let last = w.last?;
        if cut.is_none_or(|c| last >= c) {
            return None;
        }
        let finished = w.open.take().map(|ep| *ep);
        w.reset();
        finished
    }

    /// Drops rule `r`'s items older than `cut` (and the oldest beyond
    /// `MAX_ITEMS`), items before sequence number `end` only.
    fn prune_before(&mut self, r: usize, cut: Option<Stamp>, end: u64) {
        let start = self.start;
        let w = &mut self.rules[r];
        let Some(mut c) = w.cursor else { return };
        while c < end {
            let Some(&(t, slot)) = self.items.get((c - start) as usize) else {
                break;
            };
            if !(cut.is_some_and(|cut| t < cut) || end - c > MAX_ITEMS) {
                break;
            }
            c += 1;
            if r == SPRAY {
                w.values.release(slot);
            }
            if w.evidence.len() as u64 > end - c {
                w.evidence.pop_front();
            }
        }
        w.cursor = (c < end).then_some(c);
    }

    /// [`prune_before`](Self::prune_before) of every item, for success-after-failures.
    pub fn prune(&mut self, r: usize, cut: Option<Stamp>) {
        let end = self.next();
        self.prune_before(r, cut, end);
    }

    /// Takes rule `r`'s evidence and empties its items.
    pub fn take_clear(&mut self, r: usize) -> Vec<EvId> {
        let w = &mut self.rules[r];
        let ev = w.evidence.drain(..).collect();
        w.clear();
        ev
    }

    /// Adds one failure to every rule; the episodes that ended go to
    /// `ended`, in rule order. `e` gives the event's evidence (called only
    /// when a rule keeps it).
    pub fn push(
        &mut self,
        p: &Push<'_>,
        e: &mut dyn FnMut() -> EvId,
        ended: &mut Vec<(Rule, Episode)>,
    ) {
        let seq = self.next();
        self.items.push_back((p.t, 0));
        for r in 0..RULES {
            self.push_rule(r, seq, p, e, ended);
        }
        // Items no rule holds any more.
        let keep = self.rules.iter().filter_map(|w| w.cursor).min();
        let keep = keep.unwrap_or(seq + 1);
        while self.start < keep && self.items.pop_front().is_some() {
            self.start += 1;
        }
    }

    /// The step of rule `r` for the item `seq` just pushed (as `Windowed::push_cut`).
    fn push_rule(
        &mut self,
        r: usize,
        seq: u64,
        p: &Push<'_>,
        e: &mut dyn FnMut() -> EvId,
        ended: &mut Vec<(Rule, Episode)>,
    ) {
        let cut = p.cuts[r];
        if let Some(ep) = self.expire(r, cut) {
            ended.push((EPISODE_RULES[r], ep));
        }
        let w = &mut self.rules[r];
        w.last = Some(w.last.map_or(p.t, |l| l.max(p.t)));
        if let Some(ep) = &mut w.open {
            ep.count += 1;
            ep.last = ep.last.max(p.t);
            if r == SPRAY && !p.user.is_empty() {
                ep.distinct.insert(p.user);
            }
            if ep.events.len() < p.max_evidence {
                ep.events.push(e());
            }
            return;
        }
        self.prune_before(r, cut, seq);
        let w = &mut self.rules[r];
        let start = *w.cursor.get_or_insert(seq);
        if r == SPRAY {
            let slot = w.values.acquire(p.user);
            if let Some(x) = self.items.back_mut() {
                x.1 = slot;
            }
        }
        let w = &mut self.rules[r];
        if w.evidence.len() < p.max_evidence {
            w.evidence.push_back(e());
        }
        let threshold = p.thresholds[r];
        let count = seq + 1 - start;
        let reached = if r == SPRAY && !p.user.is_empty() && threshold != u32::MAX {
            w.values.distinct() >= u64::from(threshold)
        } else {
            count >= u64::from(threshold)
        };
        if reached {
            let first = self.item(start).map_or(p.t, |x| x.0);
            let w = &mut self.rules[r];
            w.open = Some(Box::new(Episode {
                first,
                last: p.t,
                count,
                distinct: w.values.live().collect(),
                events: w.evidence.drain(..).collect(),
                reported: 0,
            }));
            w.clear();
        }
    }

    /// Rule `r` as a saved window (see `Windowed::save`).
    pub fn save<'a>(&'a self, r: usize, table: &mut EventTable) -> SavedWindowOut<'a> {
        let w = &self.rules[r];
        let range = w.cursor.map_or(0..0, |c| {
            let from = (c - self.start) as usize;
            from..self.items.len()
        });
        let items = self.items.range(range);
        let value = |slot: u32| w.values.get(slot);
        let times = items.clone().map(|x| x.0).collect();
        let values = if r == SPRAY && items.clone().any(|x| x.1 != 0) {
            items.map(|x| value(x.1)).collect()
        } else {
            Vec::new()
        };
        SavedWindowOut::of_parts(times, values, &w.evidence, w.last, w.open.as_deref(), table)
    }

    /// The ring of four saved windows (brute, slow, spraying, failures).
    /// Their items are suffixes of one failure sequence; the longest is
    /// taken as the ring. `None` when an evidence index is out of range.
    pub fn restore(saved: [SavedWindow; RULES], events: &[EvId]) -> Option<FailureRing> {
        let parts: Vec<_> = saved
            .into_iter()
            .map(|s| s.into_parts(events))
            .collect::<Option<_>>()?;
        let longest = parts.iter().map(|p| p.times.len()).max().unwrap_or(0);
        let mut ring = FailureRing::default();
        if let Some(p) = parts.iter().find(|p| p.times.len() == longest) {
            ring.items = p.times.iter().map(|&t| (t, 0)).collect();
        }
        let n = ring.items.len() as u64;
        for (r, p) in parts.into_iter().enumerate() {
            let len = p.times.len() as u64;
            let w = &mut ring.rules[r];
            w.cursor = (len > 0).then(|| n - len);
            for (i, v) in p.values.iter().enumerate() {
                let slot = w.values.acquire(v);
                if let Some(x) = ring.items.get_mut((n - len) as usize + i) {
                    x.1 = slot;
                }
            }
            if r == SPRAY && p.values.is_empty() {
                w.values.add_empty(len as u32);
            }
            w.evidence = p.evidence.into();
            w.last = p.last;
            w.open = p.open.map(Box::new);
        }
        Some(ring)
    }
}

#[cfg(test)]
#[path = "failure_ring_tests.rs"]
mod tests;
