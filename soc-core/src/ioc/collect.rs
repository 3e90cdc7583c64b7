//! Deduplication, tagging and filtering of found indicators.

use std::borrow::Cow;
use std::hash::Hasher;
use std::net::IpAddr;

use super::config::ExtractOptions;
use super::found::{Arena, Entry, Found, TagList, RAW_IS_VALUE};
use crate::model::{AddrClass, IndicatorKind, IndicatorTag};

/// A small multiplicative hasher (FxHash): the keys are our own values,
/// not attacker-chosen table keys in a long-lived service, and SipHash
/// dominated the profile.
#[derive(Default)]
struct Fx(u64);

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

impl Fx {
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// The dedup key's hash: kind and value bytes, top 32 bits of FxHash.
fn key_hash(kind: IndicatorKind, value: &str) -> u32 {
    let mut h = Fx(kind as u64);
    h.write(value.as_bytes());
    (h.finish() >> 32) as u32
}

/// Occurrences buffered before they are looked up (see [`Collector::emit`]).
const BATCH: usize = 16;

/// One buffered occurrence; `value` and `raw` are spans of
/// [`Collector::pend_text`] unless the value came owned.
struct Pending {
    kind: IndicatorKind,
    hash: u32,
    value: Result<String, (usize, usize)>,
    raw: (usize, usize),
    start: usize,
    end: usize,
    defanged: bool,
    from_url: bool,
    origin: Option<IndicatorTag>,
}

/// Collects indicators: one entry per (kind, value), with counts and the
/// first occurrence's position.
///
/// Deduplication uses an open-addressing table of indices into `entries`
/// (plus each entry's hash), so a repeated value costs one hash and one
/// comparison and allocates nothing; a new value adds one fixed-size
/// [`Entry`] and copies its texts into the [`Arena`]. Occurrences are
/// looked up in batches of [`BATCH`]: the first table slot of every
/// occurrence in a batch is read before any is probed, so the cache misses
/// of a large table overlap instead of coming one after another.
///
/// A value or raw text of 4 GiB or more is not reported.
pub(crate) struct Collector<'o> {
    opts: &'o ExtractOptions,
    mask: u64,
    /// `(index + 1, hash)` per slot; index 0 marks an empty slot.
    slots: Vec<(u32, u32)>,
    /// Every distinct indicator seen, in first-seen order (dropped ones too).
    entries: Vec<Entry>,
    /// The value and raw texts of `entries`.
    arena: Arena,
    /// Occurrences not looked up yet, in order.
    pending: Vec<Pending>,
    /// Borrowed values and raw texts of `pending`.
    pend_text: String,
    /// Offset of the current chunk in the whole input.
    pub(crate) base: usize,
    /// Emits attempted (reported or not), for the no-result memo.
    pub(crate) tried: u64,
    /// Set when a classification looked at text outside its group.
    pub(crate) looked_around: bool,
    /// How the text being classified was encoded (`base64`, `hex`,
    /// `percent_encoded`): tags every emit while set.
    pub(crate) origin: Option<IndicatorTag>,
    /// True in a nested extraction over decoded text (no decoding again).
    pub(crate) nested: bool,
    /// The last wrapped base64 block decoded (see `wrapped`): its start and
    /// end in the whole input, and whether it held a URL.
    pub(crate) b64_block: (usize, usize, bool),
}

/// Bit mask of the kinds to report.
pub(crate) fn kind_mask(kinds: Option<&[IndicatorKind]>) -> u64 {
    match kinds {
        None => u64::MAX,
        Some(ks) => ks.iter().fold(0, |m, &k| m | 1 << (k as u64)),
    }
}

impl<'o> Collector<'o> {
    pub(crate) fn new(opts: &'o ExtractOptions, mask: u64) -> Self {
        Collector {
            opts,
            mask,
            slots: vec![(0, 0); 64],
            entries: Vec::new(),
            arena: Arena::default(),
            pending: Vec::with_capacity(BATCH),
            pend_text: String::new(),
            base: 0,
            tried: 0,
            looked_around: false,
            origin: None,
            nested: false,
            b64_block: (0, 0, false),
        }
    }

    /// Sizes the tables for about `len` bytes of input (a hint).
    pub(crate) fn reserve_for(&mut self, len: usize) {
        // About one distinct indicator per 128 bytes of a dense report.
        let want = (len / 128).clamp(16, 1 << 22);
        self.entries.reserve_exact(want);
        let slots = (want + want / 3).next_power_of_two();
        if self.slots.len() < slots {
            self.rebuild(slots);
        }
    }

    /// Rebuilds the slot table with `cap` (a power of two) slots.
    fn rebuild(&mut self, cap: usize) {
        // A fresh zeroed table (no copy of the old one, no separate clearing).
        self.slots = Vec::new();
        self.slots = vec![(0, 0); cap];
        let mask = cap - 1;
        for (ix, e) in self.entries.iter().enumerate() {
            let mut i = e.hash as usize & mask;
            while self.slots[i].0 != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = (ix as u32 + 1, e.hash);
        }
    }

    /// Whether `kind` is reported at all.
    pub(crate) fn wants(&self, kind: IndicatorKind) -> bool {
        self.mask & (1 << (kind as u64)) != 0
    }

    /// Records one occurrence (offsets relative to the current chunk). The
    /// value is only copied when it is new.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn emit<'v, V: Into<Cow<'v, str>>>(
        &mut self,
        kind: IndicatorKind,
        value: V,
        raw: &str,
        start: usize,
        end: usize,
        defanged: bool,
        from_url: bool,
    ) {
        let value = value.into();
        let too_long = |n: usize| n >= RAW_IS_VALUE as usize;
        if too_long(value.len()) || too_long(raw.len()) || too_long(end.saturating_sub(start)) {
            return;
        }
        let hash = key_hash(kind, &value);
        let value = match value {
            Cow::Owned(v) => Ok(v),
            Cow::Borrowed(v) => Err(self.stash(v)),
        };
        let raw = self.stash(raw);
        self.pending.push(Pending {
            kind,
            hash,
            value,
            raw,
            start: self.base + start,
            end: self.base + end,
            defanged,
            from_url,
            origin: self.origin,
        });
        if self.pending.len() == BATCH {
            self.flush();
        }
    }

    /// Copies `s` into `pend_text`; returns its span.
    fn stash(&mut self, s: &str) -> (usize, usize) {
        let at = self.pend_text.len();
        self.pend_text.push_str(s);
        (at, self.pend_text.len())
    }

    /// Looks up every pending occurrence: counts repeats, adds new values.
    fn flush(&mut self) {
        let mut pending = std::mem::take(&mut self.pending);
        // Read each occurrence's first slot up front: independent loads,
        // so their cache misses overlap (the probes below then hit cache).
        let mask = self.slots.len() - 1;
        let touched = pending
            .iter()
            .fold(0u32, |acc, p| acc ^ self.slots[p.hash as usize & mask].0);
        std::hint::black_box(touched);
        for p in pending.drain(..) {
            self.look_up(p);
        }
        self.pending = pending;
        self.pend_text.clear();
    }

    /// Counts a repeat of `p` or adds it as a new indicator.
    fn look_up(&mut self, p: Pending) {
        let h = p.hash;
        let mask = self.slots.len() - 1;
        let mut i = h as usize & mask;
        let value: &str = match &p.value {
            Ok(v) => v,
            Err((a, b)) => self.pend_text.get(*a..*b).unwrap_or(""),
        };
        loop {
            let (ix1, sh) = self.slots[i];
            if ix1 == 0 {
                break;
            }
            if sh == h {
                let e = &mut self.entries[ix1 as usize - 1];
                if e.kind == p.kind && self.arena.get(e.text, 0, e.value_len as usize) == value {
                    if !e.dropped {
                        e.count += 1;
                        if p.from_url {
                            e.tags.push(IndicatorTag::FromUrl);
                        }
                        if let Some(t) = p.origin {
                            e.tags.push(t);
                        }
                    }
                    return;
                }
            }
            i = (i + 1) & mask;
        }
        let kind = p.kind;
        let class = match kind {
            // Values of this kind are canonical dotted quads: the byte parser
            // reads them exactly as `IpAddr::from_str` does.
            IndicatorKind::Ipv4 => super::validate::ipv4(value.as_bytes()).map(IpAddr::V4),
            IndicatorKind::Ipv6 => value.parse::<IpAddr>().ok(),
            IndicatorKind::Cidr => value
                .split('/')
                .next()
                .and_then(|ip| ip.parse::<IpAddr>().ok()),
            _ => None,
        }
        .map(AddrClass::of);
        let mut tags = TagList::default();
        if let Some(t) = class.and_then(AddrClass::tag) {
            tags.push(t);
        }
        if p.from_url {
            tags.push(IndicatorTag::FromUrl);
        }
        if let Some(t) = p.origin {
            tags.push(t);
        }
        let internal = class.is_some_and(|c| !c.is_public());
        let drop = (self.opts.no_private && internal)
            || (!self.opts.allow.is_empty() && self.opts.allow.covers(kind, value));
        let raw = self.pend_text.get(p.raw.0..p.raw.1).unwrap_or("");
        let (text, raw_len) = if raw == value {
            (self.arena.push(value, ""), RAW_IS_VALUE)
        } else {
            (self.arena.push(value, raw), raw.len() as u32)
        };
        let ix = self.entries.len() as u32;
        self.entries.push(Entry {
            start: p.start,
            count: 1,
            span: p.end.saturating_sub(p.start) as u32,
            text,
            value_len: value.len() as u32,
            raw_len,
            tags,
            hash: h,
            kind,
            defanged: p.defanged,
            dropped: drop,
        });
        self.slots[i] = (ix + 1, h);
        // At most 3/4 full: probes stay short (and mostly in one cache line).
        if self.entries.len() * 4 > self.slots.len() * 3 {
            self.rebuild(self.slots.len() * 2);
        }
    }

    /// The indicators, ordered by first offset.
    pub(crate) fn finish(mut self) -> Found {
        self.flush();
        Found::new(self.entries, self.arena)
    }
}
