//! The evidence the detectors keep, in one arena: every window and episode
//! refers to a kept event by a `u32` index ([`EvId`]), so one failed login
//! seen by five windows is stored once, and keeping or dropping it costs an
//! integer, not a reference count.
//!
//! Entries are never freed one by one: when the arena has grown by a
//! quarter past what was live after the last collection, [`EvidenceArena::collect`]
//! (called by the detectors between events, with every index their windows
//! still hold) frees the rest at once. Freed entries keep their buffers, so
//! a warm arena copies a line into memory it already has instead of
//! allocating: the process stops taking fresh pages.

use std::collections::VecDeque;
use std::sync::Arc;

use super::evidence::{Kept, LineRecord};
use crate::model::Event;
use crate::parse::ssh::SshRecordRef;

/// The index of a kept event in the [`EvidenceArena`].
pub(crate) type EvId = u32;

/// No collection below this many entries.
const MIN_COLLECT: usize = 4096;

/// Entries per chunk: the arena grows by chunks, never by copying what it
/// holds (a doubling vector would touch both copies at once).
const CHUNK: usize = 4096;

/// The live marks of a collection ([`EvidenceArena::collect_marked`]).
pub(crate) struct Marks<'a>(&'a mut [bool]);

impl Marks<'_> {
    /// Marks entry `id` live.
    pub fn mark(&mut self, id: EvId) {
        if let Some(m) = self.0.get_mut(id as usize) {
            *m = true;
        }
    }

    /// Marks every entry of `ids` live.
    pub fn mark_all<'i>(&mut self, ids: impl IntoIterator<Item = &'i EvId>) {
        for &id in ids {
            self.mark(id);
        }
    }

    /// Marks what a window holds live: its kept evidence (walked as the
    /// deque's two slices) and its open episode's.
    pub fn mark_kept(&mut self, evidence: &VecDeque<EvId>, episode: Option<&[EvId]>) {
        let (a, b) = evidence.as_slices();
        self.mark_all(a);
        self.mark_all(b);
        if let Some(events) = episode {
            self.mark_all(events);
        }
    }
}

/// Kept events by index (see the module docs).
#[derive(Debug)]
pub(crate) struct EvidenceArena {
    /// Entry `id` is `chunks[id / CHUNK][id % CHUNK]`.
    chunks: Vec<Vec<Kept>>,
    /// Entries in all chunks.
    len: usize,
    free: Vec<EvId>,
    /// Scratch marks of [`collect`](Self::collect).
    marks: Vec<bool>,
    /// Collect when the arena holds this many entries and none is free.
    next_collect: usize,
    /// The input file name of the last line kept (shared by the records
    /// of that file).
    file: Option<Arc<str>>,
}

impl Default for EvidenceArena {
    fn default() -> Self {
        EvidenceArena {
            chunks: Vec::new(),
            len: 0,
            free: Vec::new(),
            marks: Vec::new(),
            next_collect: MIN_COLLECT,
            file: None,
        }
    }
}

impl EvidenceArena {
    fn entry_mut(&mut self, id: EvId) -> Option<&mut Kept> {
        let i = id as usize;
        self.chunks.get_mut(i / CHUNK)?.get_mut(i % CHUNK)
    }

    /// A free entry's index, and the line buffer it may hold.
    fn slot(&mut self) -> (EvId, String) {
        if let Some(id) = self.free.pop() {
            let buf = match self.entry_mut(id) {
                Some(Kept::Line(l)) => l.take_buffer(),
                _ => String::new(),
            };
            return (id, buf);
        }
        if self.chunks.last().is_none_or(|c| c.len() == CHUNK) {
            self.chunks.push(Vec::with_capacity(CHUNK));
        }
        if let Some(c) = self.chunks.last_mut() {
            c.push(Kept::Free);
        }
        self.len += 1;
        // Bounded by the live evidence (at most `max_evidence` per window
        // and episode): far below u32::MAX.
        (
            u32::try_from(self.len - 1).unwrap_or(u32::MAX),
            String::new(),
        )
    }

    /// Puts `k` in entry `id` (from [`slot`](Self::slot)).
    fn put(&mut self, id: EvId, k: Kept) -> EvId {
        if let Some(e) = self.entry_mut(id) {
            *e = k;
        }
        id
    }

    /// Keeps a parsed sshd line (line `line_no` of `file`).
    pub fn line(&mut self, r: &SshRecordRef<'_>, text: &str, file: &str, line_no: u64) -> EvId {
        let shared: &Arc<str> = match &mut self.file {
            Some(f) if **f == *file => f,
            slot => slot.insert(Arc::from(file)),
        };
        if let Some(&id) = self.free.last() {
            let i = id as usize;
            let entry = self
                .chunks
                .get_mut(i / CHUNK)
                .and_then(|c| c.get_mut(i % CHUNK));
            if let Some(Kept::Line(l)) = entry {
                // A freed line is refilled in place: its buffer and file
                // name are reused, nothing is dropped.
                l.refill(r, text, shared, line_no);
                self.free.pop();
                return id;
            }
        }
        let file = shared.clone();
        let (id, buf) = self.slot();
        self.put(
            id,
            Kept::Line(LineRecord::new_in(buf, r, text, file, line_no)),
        )
    }

    /// Keeps a whole event.
    pub fn event(&mut self, e: Event) -> EvId {
        let (id, _) = self.slot();
        self.put(id, Kept::Event(Box::new(e)))
    }

    /// The kept event `id`.
    pub fn get(&self, id: EvId) -> &Kept {
        let i = id as usize;
        let entry = self.chunks.get(i / CHUNK).and_then(|c| c.get(i % CHUNK));
        entry.unwrap_or(&Kept::Free)
    }

    /// The event `id` stands for.
    pub fn to_event(&self, id: EvId) -> Event {
        self.get(id).to_event()
    }

    /// The events of `ids`, in order.
    pub fn events(&self, ids: &[EvId]) -> Vec<Event> {
        ids.iter().map(|&id| self.to_event(id)).collect()
    }

    /// Whether enough entries may be garbage for a [`collect`](Self::collect).
    pub fn wants_collect(&self) -> bool {
        self.free.is_empty() && self.len >= self.next_collect
    }

    /// Frees every entry not in `live` (all the indexes still held).
    #[cfg(test)]
    pub fn collect(&mut self, live: impl IntoIterator<Item = EvId>) {
        self.collect_marked(|marks| {
            for id in live {
                marks.mark(id);
            }
        });
    }

    /// Frees every entry that `mark_live` does not mark (it must mark all
    /// the indexes still held).
    pub fn collect_marked(&mut self, mark_live: impl FnOnce(&mut Marks<'_>)) {
        self.marks.clear();
        self.marks.resize(self.len, false);
        mark_live(&mut Marks(&mut self.marks));
        // Entries past the last live one are dropped (their memory goes
        // back for alerts): new entries take the lowest free indexes, so
        // the live ones gather at the front.
        let end = self.marks.iter().rposition(|&m| m).map_or(0, |i| i + 1);
        self.len = end;
        self.chunks.truncate(end.div_ceil(CHUNK));
        if let Some(c) = self.chunks.last_mut() {
            c.truncate(end - (end - 1) / CHUNK * CHUNK);
        }
        self.free.clear();
        let mut kept = 0;
        let entries = self.chunks.iter_mut().flatten();
        for (i, (e, &live)) in entries.zip(&self.marks).enumerate() {
            if live {
                kept += 1;
                continue;
            }
            if let Kept::Event(_) = e {
                *e = Kept::Free;
            }
            // Highest index last: the next entries taken are the lowest.
            self.free.push(u32::try_from(i).unwrap_or(u32::MAX));
        }
        self.free.reverse();
        // A quarter of slack: twice the live entries halves the
        // collections but costs ~14 MiB of peak RSS in `soc run --once`.
        self.next_collect = (kept + kept / 4).max(MIN_COLLECT);
    }

    /// Entries allocated (live or free).
    #[cfg(test)]
    pub fn capacity(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Collection frees what is not live, reuses it, and keeps the live
    /// entries' events unchanged.
    #[test]
    fn collect_frees_the_unreferenced_and_reuses_them() {
        let mut a = EvidenceArena::default();
        let ids: Vec<EvId> = (0..MIN_COLLECT)
            .map(|i| {
                let mut e = Event::new("ssh", "ssh.failed_auth");
                e.user = Some(format!("u{i}"));
                a.event(e)
            })
            .collect();
        assert!(a.wants_collect());
        a.collect([ids[7], ids[9]]);
        assert!(!a.wants_collect());
        assert_eq!(a.to_event(ids[7]).user.as_deref(), Some("u7"));
        assert_eq!(a.to_event(ids[9]).user.as_deref(), Some("u9"));
        let again = a.event(Event::new("ssh", "x"));
        assert!(again != ids[7] && again != ids[9]);
        assert_eq!(
            a.capacity(),
            ids[9] as usize + 1,
            "entries past the last live one dropped"
        );
        assert_eq!(a.to_event(ids[9]).user.as_deref(), Some("u9"));
        let more: Vec<EvId> = (0..8).map(|_| a.event(Event::new("ssh", "y"))).collect();
        assert!(more.iter().all(|&id| id <= ids[9] + 1), "{more:?}");
        a.collect(more.iter().copied());
        assert_eq!(a.to_event(more[7]).kind, "y");
        assert!(a.capacity() <= ids[9] as usize + 2);
    }

    /// A kept line costs less than the event it stands for (the arena
    /// holds one per failed login a window keeps).
    #[test]
    fn kept_entries_are_smaller_than_events() {
        let (kept, line, event) = (
            std::mem::size_of::<Kept>(),
            std::mem::size_of::<LineRecord>(),
            std::mem::size_of::<Event>(),
        );
        println!("Kept {kept} B, LineRecord {line} B, Event {event} B");
        assert!(kept < event, "{kept} >= {event}");
    }
}
