//! The distinct values an open episode has seen (the sources that failed
//! on a user, the users a source sprayed): a set of strings, tested once
//! per event of the episode.
//!
//! Source keys and user names are short, so a value of at most
//! [`INLINE`] bytes is held inside the set's table, not behind a pointer:
//! testing a known value costs a hash and one compare of a few words, not
//! a cache miss on a separate string (a user under a distributed attack
//! has an open episode with thousands of sources, tested on every
//! failure). Longer values go to a plain set of strings. The set is the
//! same as a `HashSet<String>` in every way the detectors read it.

use std::hash::BuildHasher;

use hashbrown::HashTable;

use super::maps::Set;

/// Longest value held inline (the last byte of an inline key is its length).
const INLINE: usize = 31;

/// A value of at most [`INLINE`] bytes in four little-endian words,
/// zero-padded, its length in the last byte: equal keys are equal values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Inline([u64; 4]);

impl Inline {
    fn of(s: &str) -> Option<Inline> {
        let b = s.as_bytes();
        if b.len() > INLINE {
            return None;
        }
        let mut w = [0u64; 4];
        let words = b.chunks_exact(8);
        let rest = words.remainder();
        let mut n = 0;
        for (i, word) in words.enumerate() {
            let mut x = [0u8; 8];
            x.copy_from_slice(word);
            w[i] = u64::from_le_bytes(x);
            n = i + 1;
        }
        let mut last = 0u64;
        for (j, &byte) in rest.iter().enumerate() {
            last |= u64::from(byte) << (8 * j);
        }
        if let Some(x) = w.get_mut(n) {
            *x |= last;
        }
        w[3] |= (b.len() as u64) << 56;
        Some(Inline(w))
    }

    fn text(self) -> String {
        let mut bytes = [0u8; 32];
        for (i, w) in self.0.iter().enumerate() {
            bytes[8 * i..8 * i + 8].copy_from_slice(&w.to_le_bytes());
        }
        let len = usize::from(bytes[INLINE]).min(INLINE);
        // Made from a whole `&str`: always valid UTF-8.
        String::from_utf8_lossy(&bytes[..len]).into_owned()
    }
}

/// A set of distinct strings (see the module docs).
#[derive(Debug, Clone, Default)]
pub(crate) struct DistinctSet {
    /// Short values, hashed as the strings they are.
    inline: HashTable<Inline>,
    /// Seeded per process (values are chosen by attackers).
    hasher: foldhash::fast::RandomState,
    /// Longer values (rare: host names).
    long: Option<Box<Set<String>>>,
}

impl DistinctSet {
    /// Number of values.
    pub fn len(&self) -> usize {
        self.inline.len() + self.long.as_ref().map_or(0, |l| l.len())
    }

    /// Whether `value` is in the set.
    #[cfg(test)]
    pub fn contains(&self, value: &str) -> bool {
        match Inline::of(value) {
            Some(k) => {
                let h = self.hasher.hash_one(value);
                self.inline.find(h, |x| *x == k).is_some()
            }
            None => self.long.as_ref().is_some_and(|l| l.contains(value)),
        }
    }

    /// Adds `value` (copied only when new); whether it was new.
    pub fn insert(&mut self, value: &str) -> bool {
        let Some(k) = Inline::of(value) else {
            let long = self.long.get_or_insert_with(Box::default);
            return !long.contains(value) && long.insert(value.to_string());
        };
        let h = self.hasher.hash_one(value);
        if self.inline.find(h, |x| *x == k).is_some() {
            return false;
        }
        let hasher = &self.hasher;
        let rehash = |x: &Inline| hasher.hash_one(x.text().as_str());
        self.inline.insert_unique(h, k, rehash);
        true
    }

    /// The values as strings, in no particular order.
    pub fn strings(&self) -> impl Iterator<Item = String> + '_ {
        let inline = self.inline.iter().map(|k| k.text());
        inline.chain(self.long.iter().flat_map(|l| l.iter().cloned()))
    }
}

impl<S: AsRef<str>> FromIterator<S> for DistinctSet {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let mut set = DistinctSet::default();
        for s in iter {
            set.insert(s.as_ref());
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// Random values of every length around the inline bound (multi-byte
    /// characters too) give the answers and contents of a `HashSet<String>`.
    #[test]
    fn is_a_set_of_strings() {
        let mut next = crate::detect::test_rng::seeded(11);
        let alphabet = ['a', 'b', '.', ':', 'é', '0'];
        let mut set = DistinctSet::default();
        let mut want: HashSet<String> = HashSet::new();
        for _ in 0..5000 {
            // Mostly short values, some past the inline bound.
            let len = if next(4) == 0 { next(40) } else { next(12) };
            let mut s = String::new();
            for _ in 0..len {
                s.push(alphabet[next(alphabet.len() as u64) as usize]);
            }
            assert_eq!(set.contains(&s), want.contains(&s), "{s:?}");
            assert_eq!(set.insert(&s), want.insert(s.clone()), "{s:?}");
            assert!(set.contains(&s));
            assert_eq!(set.len(), want.len());
        }
        let mut got: Vec<String> = set.strings().collect();
        got.sort_unstable();
        let mut all: Vec<String> = want.iter().cloned().collect();
        all.sort_unstable();
        assert_eq!(got, all);
        assert!(got.iter().any(|s| s.len() > INLINE), "long values tried");
        let owned = got;
        let rebuilt: DistinctSet = owned.iter().collect();
        assert_eq!(rebuilt.len(), want.len());
    }

    /// The empty string and a value of exactly the inline bound are values
    /// like any other, distinct from their neighbours.
    #[test]
    fn edges_are_distinct() {
        let max = "x".repeat(INLINE);
        let over = "x".repeat(INLINE + 1);
        let mut set = DistinctSet::default();
        for s in ["", "\0", &max, &over, "x"] {
            assert!(set.insert(s), "{s:?}");
        }
        assert_eq!(set.len(), 5);
        assert!(!set.insert(&over));
        assert!(!set.insert(""));
    }
}
