//! The deduplicated indicators of one extraction, stored compactly: one
//! fixed-size [`Entry`] per indicator and the value and raw texts packed
//! into an [`Arena`] of small blocks (no `String` per indicator, no large
//! buffer grown by doubling). [`Found`] hands them out as borrowed
//! [`IndicatorRef`] rows in output order, or as owned [`Indicator`]s.

use crate::model::{Indicator, IndicatorKind, IndicatorTag};

/// Up to 8 distinct tags in the order they were added, 4 bits each (the
/// tag's code, 0 for none). An indicator has at most 5: its address class,
/// `from_url` and the three encodings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct TagList(u32);

/// The tags by code - 1 (see [`tag_code`]).
const TAGS: [IndicatorTag; 10] = [
    IndicatorTag::Private,
    IndicatorTag::Loopback,
    IndicatorTag::LinkLocal,
    IndicatorTag::Multicast,
    IndicatorTag::Documentation,
    IndicatorTag::Reserved,
    IndicatorTag::FromUrl,
    IndicatorTag::Base64,
    IndicatorTag::Hex,
    IndicatorTag::PercentEncoded,
];

/// The 4-bit code of `tag` (1-based index in [`TAGS`]). Exhaustive, so a
/// new tag does not compile until it has a code.
fn tag_code(tag: IndicatorTag) -> u32 {
    match tag {
        IndicatorTag::Private => 1,
        IndicatorTag::Loopback => 2,
        IndicatorTag::LinkLocal => 3,
        IndicatorTag::Multicast => 4,
        IndicatorTag::Documentation => 5,
        IndicatorTag::Reserved => 6,
        IndicatorTag::FromUrl => 7,
        IndicatorTag::Base64 => 8,
        IndicatorTag::Hex => 9,
        IndicatorTag::PercentEncoded => 10,
    }
}

impl TagList {
    /// Appends `tag` unless it is there already.
    pub(crate) fn push(&mut self, tag: IndicatorTag) {
        if self.contains(tag) {
            return;
        }
        let used = (32 - self.0.leading_zeros()).div_ceil(4);
        if used < 8 {
            self.0 |= tag_code(tag) << (4 * used);
        }
    }

    /// Whether `tag` is in the list.
    pub(crate) fn contains(self, tag: IndicatorTag) -> bool {
        self.iter().any(|t| t == tag)
    }

    /// The tags in the order they were added.
    pub(crate) fn iter(self) -> impl Iterator<Item = IndicatorTag> {
        let mut bits = self.0;
        std::iter::from_fn(move || {
            let code = (bits & 15) as usize;
            bits >>= 4;
            code.checked_sub(1).and_then(|k| TAGS.get(k).copied())
        })
    }
}

/// Value and raw texts, packed into blocks of [`Arena::BLOCK`] bytes that
/// are never moved (a text longer than that gets a block of its own).
#[derive(Debug, Default)]
pub(crate) struct Arena {
    blocks: Vec<String>,
}

impl Arena {
    const BLOCK: usize = 64 << 10;

    /// Stores `a` and then `b`; returns where (block index in the high 32
    /// bits, offset in the low 32).
    pub(crate) fn push(&mut self, a: &str, b: &str) -> u64 {
        let need = a.len() + b.len();
        let fits = self
            .blocks
            .last()
            .is_some_and(|last| last.capacity() - last.len() >= need);
        if !fits {
            self.blocks
                .push(String::with_capacity(need.max(Self::BLOCK)));
        }
        let k = self.blocks.len() - 1;
        let block = &mut self.blocks[k];
        let at = block.len();
        block.push_str(a);
        block.push_str(b);
        (k as u64) << 32 | at as u64
    }

    /// The `len` bytes at `pos` (from [`Arena::push`]) plus `skip`.
    pub(crate) fn get(&self, pos: u64, skip: usize, len: usize) -> &str {
        let at = (pos & u64::from(u32::MAX)) as usize + skip;
        self.blocks
            .get((pos >> 32) as usize)
            .and_then(|b| b.get(at..at + len))
            .unwrap_or("")
    }
}

/// `raw_len` of an entry whose raw text is its value (stored once).
pub(crate) const RAW_IS_VALUE: u32 = u32::MAX;

/// One distinct indicator (48 bytes).
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) start: usize,
    pub(crate) count: u64,
    /// Where the value (then the raw text, unless the same) is in the arena.
    pub(crate) text: u64,
    pub(crate) value_len: u32,
    /// [`RAW_IS_VALUE`] when the raw text is the value.
    pub(crate) raw_len: u32,
    /// `end - start`.
    pub(crate) span: u32,
    pub(crate) tags: TagList,
    /// The dedup hash of (kind, value).
    pub(crate) hash: u32,
    pub(crate) kind: IndicatorKind,
    pub(crate) defanged: bool,
    /// Left out by the allow-list or `no_private` (kept for dedup).
    pub(crate) dropped: bool,
}

/// An indicator borrowed from [`Found`]: the fields of [`Indicator`]
/// without its heap allocations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndicatorRef<'a> {
    /// The kind.
    pub kind: IndicatorKind,
    /// The normalized value.
    pub value: &'a str,
    /// The text as written in the input.
    pub raw: &'a str,
    /// Byte offset of the first occurrence's start.
    pub start: usize,
    /// Byte offset of the first occurrence's end (exclusive).
    pub end: usize,
    /// Whether the first occurrence was defanged.
    pub defanged: bool,
    /// How many times it occurred.
    pub count: u64,
    tags: TagList,
}

impl IndicatorRef<'_> {
    /// The tags, in the order [`Indicator::tags`] has them.
    pub fn tags(&self) -> impl Iterator<Item = IndicatorTag> {
        self.tags.iter()
    }

    /// An owned copy.
    pub fn to_indicator(&self) -> Indicator {
        Indicator {
            kind: self.kind,
            value: self.value.to_string(),
            raw: self.raw.to_string(),
            start: self.start,
            end: self.end,
            defanged: self.defanged,
            tags: self.tags().collect(),
            count: self.count,
        }
    }
}

impl<'a> From<&'a Indicator> for IndicatorRef<'a> {
    /// The borrowed view of an owned indicator.
    fn from(ind: &'a Indicator) -> Self {
        let mut tags = TagList::default();
        for &t in &ind.tags {
            tags.push(t);
        }
        IndicatorRef {
            kind: ind.kind,
            value: &ind.value,
            raw: &ind.raw,
            start: ind.start,
            end: ind.end,
            defanged: ind.defanged,
            count: ind.count,
            tags,
        }
    }
}

/// The indicators found in one input: deduplicated, ordered by first
/// offset (then kind, then first seen), in compact form. Iterate it for
/// borrowed rows or turn it into a `Vec<Indicator>`.
///
/// ```
/// use soc_core::ioc::Extractor;
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("r.txt");
/// std::fs::write(&path, "8.8.8.8 and evil[.]com, 8.8.8.8").unwrap();
/// let found = Extractor::default().extract_file_found(&path).unwrap();
/// let rows: Vec<_> = found.iter().map(|i| (i.value, i.count)).collect();
/// assert_eq!(rows, [("8.8.8.8", 2), ("evil.com", 1)]);
/// assert_eq!(found.into_indicators()[1].raw, "evil[.]com");
/// ```
#[derive(Debug, Default)]
pub struct Found {
    entries: Vec<Entry>,
    arena: Arena,
    /// Indices of the reported entries, in output order.
    order: Vec<u32>,
}

impl Found {
    /// Orders the reported `entries` by (start, kind), first seen first.
    pub(crate) fn new(entries: Vec<Entry>, arena: Arena) -> Self {
        let mut order: Vec<u32> = Vec::with_capacity(entries.len());
        order.extend((0..entries.len() as u32).filter(|&i| !entries[i as usize].dropped));
        // Stable: ties stay in first-seen order. Nearly sorted already.
        order.sort_by_key(|&i| {
            let e = &entries[i as usize];
            (e.start, e.kind)
        });
        Found {
            entries,
            arena,
            order,
        }
    }

    /// How many indicators.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// True when none was found.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The indicators in order, borrowed.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = IndicatorRef<'_>> + '_ {
        self.order
            .iter()
            .map(|&i| self.row(&self.entries[i as usize]))
    }

    /// The indicators in order, owned.
    pub fn into_indicators(self) -> Vec<Indicator> {
        let mut out = Vec::with_capacity(self.len());
        out.extend(self.iter().map(|r| r.to_indicator()));
        out
    }

    fn row<'a>(&'a self, e: &Entry) -> IndicatorRef<'a> {
        let vlen = e.value_len as usize;
        let value = self.arena.get(e.text, 0, vlen);
        let raw = match e.raw_len {
            RAW_IS_VALUE => value,
            n => self.arena.get(e.text, vlen, n as usize),
        };
        IndicatorRef {
            kind: e.kind,
            value,
            raw,
            start: e.start,
            end: e.start + e.span as usize,
            defanged: e.defanged,
            count: e.count,
            tags: e.tags,
        }
    }
}

impl From<Found> for Vec<Indicator> {
    fn from(found: Found) -> Self {
        found.into_indicators()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_codes_round_trip_and_keep_their_order() {
        for (k, t) in TAGS.iter().enumerate() {
            assert_eq!(tag_code(*t), k as u32 + 1);
        }
        let mut l = TagList::default();
        for t in [TAGS[6], TAGS[9], TAGS[6], TAGS[0], TAGS[7], TAGS[8]] {
            l.push(t);
        }
        let got: Vec<_> = l.iter().collect();
        assert_eq!(got, [TAGS[6], TAGS[9], TAGS[0], TAGS[7], TAGS[8]]);
        assert!(l.contains(TAGS[0]) && !l.contains(TAGS[1]));
    }

    #[test]
    fn entries_stay_small() {
        assert!(std::mem::size_of::<Entry>() <= 48);
    }

    #[test]
    fn the_arena_keeps_texts_in_place_long_ones_too() {
        let mut a = Arena::default();
        let long = "x".repeat(Arena::BLOCK + 5);
        let p1 = a.push("value", "raw");
        let p2 = a.push(&long, "");
        let p3 = a.push("next", "");
        assert_eq!(a.get(p1, 0, 5), "value");
        assert_eq!(a.get(p1, 5, 3), "raw");
        assert_eq!(a.get(p2, 0, long.len()), long);
        assert_eq!(a.get(p3, 0, 4), "next");
        assert_eq!(a.get(p3 + 100, 0, 4), "", "out of range reads nothing");
    }
}
