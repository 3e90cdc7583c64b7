//! The user and host names the per-pid states of [`super::state`] refer
//! to, appended to one buffer and known by a dense `u32` id, so a state
//! stays a few bytes and its names cost no allocation each.

use crate::parse::intern::same_text;

/// Bytes of user and host names kept: past this, the names of forgotten or
/// changed states are dropped (compaction), and if the live ones alone
/// take half of it, everything is forgotten.
pub(super) const MAX_TEXT: usize = 8 << 20;

/// Names kept before a compaction: 8 per pid state the table keeps at
/// most (65,536).
pub(super) const MAX_TEXTS: usize = 8 * 65_536;

/// Names past which [`Texts`] takes room for its bound at once.
const GROWN_TEXTS: usize = 32_768;

/// Slots of [`Texts::recent`].
const RECENT: usize = 4096;

/// User and host names of the per-pid states, appended to one buffer.
#[derive(Debug, Default)]
pub(super) struct Texts {
    buf: String,
    spans: Vec<(u32, u32)>,
    /// Id + 1 (0: none) and hash of a user name added lately, by the low
    /// bits of its hash: a brute-forcer's few names, connection after
    /// connection, are kept once, not once per connection. A slot whose
    /// hash differs holds another name: its text is not read (a cache
    /// miss in a large buffer, on the joiner's path).
    recent: Vec<(u32, u32)>,
}

impl Texts {
    /// The text with id `id` (empty for an unknown id).
    pub(super) fn get(&self, id: u32) -> &str {
        self.spans
            .get(id as usize)
            .and_then(|&(a, b)| self.buf.get(a as usize..b as usize))
            .unwrap_or("")
    }

    /// Adds `s`; returns its id. The text added last is reused when `s`
    /// repeats it (a brute-forcer's `root`, line after line).
    pub(super) fn add(&mut self, s: &str) -> u32 {
        let last = self.spans.len().wrapping_sub(1) as u32;
        if !self.spans.is_empty() && same_text(self.get(last), s) {
            return last;
        }
        if self.spans.len() >= GROWN_TEXTS
            && (self.spans.len() == self.spans.capacity()
                || self.buf.len() + s.len() > self.buf.capacity())
        {
            // A busy log: room for the bound at once, not by doublings
            // (each a copy into fresh pages).
            self.buf
                .reserve(MAX_TEXT.saturating_sub(self.buf.len()) + s.len());
            self.spans
                .reserve(MAX_TEXTS.saturating_sub(self.spans.len()) + 1);
        }
        let a = self.buf.len() as u32;
        self.buf.push_str(s);
        self.spans.push((a, self.buf.len() as u32));
        last.wrapping_add(1)
    }

    /// [`Texts::add`] for a user name whose `name_hash` (see [`super::state`]) is `h`: the id
    /// of the same name added lately, if any.
    pub(super) fn add_user(&mut self, s: &str, h: u32) -> u32 {
        if self.recent.is_empty() {
            self.recent = vec![(0, 0); RECENT];
        }
        let slot = h as usize % RECENT;
        let (seen, seen_hash) = self.recent[slot];
        if seen != 0 && seen_hash == h && same_text(self.get(seen - 1), s) {
            return seen - 1;
        }
        let id = self.add(s);
        self.recent[slot] = (id + 1, h);
        id
    }

    /// Whether the buffer has reached its bound (see [`MAX_TEXT`]).
    pub(super) fn full(&self) -> bool {
        self.buf.len() >= MAX_TEXT || self.spans.len() >= MAX_TEXTS
    }

    pub(super) fn clear(&mut self) {
        self.buf.clear();
        self.spans.clear();
        self.recent.fill((0, 0));
    }

    /// Keeps only the texts of `live`, with their ids (the buffers keep
    /// their room).
    pub(super) fn keep_only(&mut self, live: &Texts) {
        self.clear();
        self.buf.push_str(&live.buf);
        self.spans.extend_from_slice(&live.spans);
    }

    /// Bytes of text kept.
    pub(super) fn bytes(&self) -> usize {
        self.buf.len()
    }

    /// Texts kept.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.spans.len()
    }

    /// Texts that fit without growing.
    #[cfg(test)]
    pub(super) fn room(&self) -> usize {
        self.spans.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_round_trip_and_reuse_the_last() {
        let mut t = Texts::default();
        let samples = ["", "root", "a user with spaces", &"é".repeat(30), "root"];
        let ids: Vec<u32> = samples.iter().map(|s| t.add(s)).collect();
        for (s, id) in samples.iter().zip(&ids) {
            assert_eq!(t.get(*id), *s);
        }
        assert_eq!(t.add("root"), ids[4], "the last text is reused");
        assert_eq!(t.get(999), "");
    }

    /// A recent slot is reused only for the same name: another name whose
    /// hash falls in the same slot (or equals it) gets an id of its own.
    #[test]
    fn recent_users_are_matched_by_hash_and_text() {
        let mut t = Texts::default();
        let root = t.add_user("root", 7);
        let other_slot_mate = t.add_user("admin", 7 + RECENT as u32);
        assert_ne!(root, other_slot_mate);
        assert_eq!(t.add_user("admin", 7 + RECENT as u32), other_slot_mate);
        let same_hash = t.add_user("oracle", 7 + RECENT as u32);
        assert_ne!(same_hash, other_slot_mate);
        assert_eq!(t.get(same_hash), "oracle");
        t.add("x");
        assert_eq!(t.add_user("oracle", 7 + RECENT as u32), same_hash);
    }
}
