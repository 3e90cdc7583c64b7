//! [`Interner`]: strings kept once each, known by a dense `u32` id;
//! [`Tally`]: strings counted by that id.
//!
//! All texts share one buffer and the table holds only ids (4 bytes a
//! slot), so a million names cost a few bytes each beside their text, not
//! an allocation and a 24-byte key apiece; counters indexed by id live in
//! plain arrays beside it. The hash is foldhash's, seeded per process
//! (names are written by clients, so a fixed hash could be flooded); the
//! table keeps 32 bits of it beside each id, so a look-up reads a text
//! only when those match, and growing the table reads no text at all.

use std::hash::BuildHasher;

use hashbrown::HashTable;

/// Interned strings: [`Interner::id`] gives each distinct string the next
/// id (0, 1, 2, ...), [`Interner::get`] gives it back.
#[derive(Debug, Default, Clone)]
pub(crate) struct Interner {
    /// `(id, hash)`: the hash is the top 32 bits of the text's.
    table: HashTable<(u32, u32)>,
    text: String,
    /// `(start, end)` of each id's text in `text`.
    spans: Vec<(u32, u32)>,
    hasher: foldhash::fast::RandomState,
}

impl Interner {
    /// The id of `s`, interned on first sight.
    pub fn id(&mut self, s: &str) -> u32 {
        let h = (self.hasher.hash_one(s) >> 32) as u32;
        let Interner {
            table, text, spans, ..
        } = self;
        let found = table.find(spread(h), |&(id, hh)| {
            hh == h && same_text(span_text(text, spans, id), s)
        });
        if let Some(&(id, _)) = found {
            return id;
        }
        let id = spans.len() as u32;
        let start = text.len() as u32;
        text.push_str(s);
        spans.push((start, text.len() as u32));
        table.insert_unique(spread(h), (id, h), |&(_, hh)| spread(hh));
        id
    }

    /// The text of `id` (empty for an id not given out).
    pub fn get(&self, id: u32) -> &str {
        span_text(&self.text, &self.spans, id)
    }

    /// Distinct strings interned.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// `(id, text)` of every string, by id.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &str)> {
        (0..self.spans.len() as u32).map(|id| (id, self.get(id)))
    }
}

/// Strings counted by interned id: one hash lookup per occurrence, the
/// text kept once in a shared buffer, the counts in an array.
#[derive(Debug, Default, Clone)]
pub(crate) struct Tally {
    ids: Interner,
    counts: Vec<u64>,
}

impl Tally {
    /// The id of `key`, interned on first sight.
    pub fn id(&mut self, key: &str) -> u32 {
        let id = self.ids.id(key);
        if id as usize == self.counts.len() {
            self.counts.push(0);
        }
        id
    }

    /// Counts `key` once more.
    pub fn bump(&mut self, key: &str) {
        let id = self.id(key);
        self.counts[id as usize] += 1;
    }

    /// Counts the key of `id` (from [`Tally::id`]) once more.
    pub fn bump_id(&mut self, id: u32) {
        if let Some(c) = self.counts.get_mut(id as usize) {
            *c += 1;
        }
    }

    /// Distinct keys.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// `(key, count)` pairs, in no order.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, u64)> {
        self.ids.iter().map(|(id, k)| (k, self.counts[id as usize]))
    }

    /// The counts, by id.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// The `(key, count)` pairs counted at least `least` times, in no
    /// order: only their texts are read.
    pub fn pairs_from(&self, least: u64) -> impl Iterator<Item = (&str, u64)> {
        (0..self.counts.len() as u32)
            .filter(move |&id| self.counts[id as usize] >= least)
            .map(|id| (self.ids.get(id), self.counts[id as usize]))
    }
}

/// The table's 64-bit hash of a kept 32-bit one: the multiplication
/// carries every bit of `h` into the top bits (hashbrown's tag) while the
/// low bits (the bucket) stay those of `h`, already mixed.
#[inline]
fn spread(h: u32) -> u64 {
    u64::from(h).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

fn span_text<'a>(text: &'a str, spans: &[(u32, u32)], id: u32) -> &'a str {
    spans
        .get(id as usize)
        .and_then(|&(a, b)| text.get(a as usize..b as usize))
        .unwrap_or("")
}

/// `a == b`, without a `memcmp` call for the short names of a log (user
/// and host names): texts of 4 to 16 bytes are compared as two
/// overlapping words from each end.
#[inline]
pub(crate) fn same_text(a: &str, b: &str) -> bool {
    fn word<const N: usize>(s: &[u8], i: usize) -> [u8; N] {
        s.get(i..i + N)
            .and_then(|w| w.try_into().ok())
            .unwrap_or([0; N])
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        4..=7 => word::<4>(a, 0) == word(b, 0) && word::<4>(a, n - 4) == word(b, n - 4),
        8..=16 => word::<8>(a, 0) == word(b, 0) && word::<8>(a, n - 8) == word(b, n - 8),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `same_text` is `==` at every length, whichever byte differs.
    #[test]
    fn same_text_is_equality() {
        for n in 0..24 {
            let a: String = (0..n).map(|i| char::from(b'a' + i as u8)).collect();
            assert!(same_text(&a, &a.clone()), "{a}");
            assert!(!same_text(&a, &format!("{a}x")), "{a}");
            for k in 0..n {
                let mut b = a.clone().into_bytes();
                b[k] = b'Z';
                let b = String::from_utf8(b).unwrap();
                assert!(!same_text(&a, &b), "{a} {b}");
            }
        }
    }

    #[test]
    fn ids_are_dense_and_round_trip() {
        let mut i = Interner::default();
        let words = ["root", "", "a user with spaces", "root", "é", ""];
        let ids: Vec<u32> = words.iter().map(|w| i.id(w)).collect();
        assert_eq!(ids, [0, 1, 2, 0, 3, 1]);
        assert_eq!(i.len(), 4);
        for (w, id) in words.iter().zip(&ids) {
            assert_eq!(i.get(*id), *w);
        }
        assert_eq!(i.get(99), "");
        let all: Vec<_> = i.iter().collect();
        assert_eq!(all[2], (2, "a user with spaces"));
    }

    #[test]
    fn tally_counts_by_key_and_by_id() {
        let mut t = Tally::default();
        t.bump("root");
        let admin = t.id("admin");
        t.bump_id(admin);
        t.bump_id(admin);
        t.bump("root");
        t.bump_id(99);
        let mut pairs: Vec<_> = t.pairs().collect();
        pairs.sort_unstable();
        assert_eq!(pairs, [("admin", 2), ("root", 2)]);
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn many_names_survive_the_table_growing() {
        let mut i = Interner::default();
        for n in 0..50_000u32 {
            assert_eq!(i.id(&format!("user{n}")), n);
        }
        for n in (0..50_000u32).step_by(997) {
            assert_eq!(i.id(&format!("user{n}")), n);
            assert_eq!(i.get(n), format!("user{n}"));
        }
    }
}
