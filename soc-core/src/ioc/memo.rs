//! A memo of short candidate groups that yield no indicator.
//!
//! Reports repeat the same non-indicator tokens (`e.g.`, `2.1.4`, `(see`,
//! `Node.js`, version strings, ...) over and over; each one costs a refang
//! and a full classification (with a Public Suffix List lookup for the
//! dotted ones) only to find nothing. The extractor remembers such groups
//! here, by their raw bytes, and skips them the next time. A group is
//! remembered only when its classification emitted nothing and did not
//! look at the text around it, so the answer depends on its bytes alone.

/// Longest group remembered (bytes).
const MAX: usize = 23;
/// Slots in the direct-mapped table (a power of two).
const SLOTS: usize = 512;
/// Groups to see before the table is allocated (short texts never pay).
const WARM_UP: u32 = 32;

#[derive(Clone, Copy, Default)]
struct Slot {
    /// 0: empty.
    len: u8,
    bytes: [u8; MAX],
}

/// Raw groups known to yield nothing (a direct-mapped cache: a colliding
/// group replaces the older one).
#[derive(Default)]
pub(crate) struct Memo {
    slots: Vec<Slot>,
    seen: u32,
}

/// Little-endian word of `N` bytes of `p` at `at` (0 when out of range).
#[inline]
fn le<const N: usize>(p: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    if let Some(src) = p.get(at..at + N) {
        w[..N].copy_from_slice(src);
    }
    u64::from_le_bytes(w)
}

/// Overlapping windows that together cover every byte of `p` (1..=24
/// bytes): three 8-byte words from 8 bytes on, two 4-byte words from 4,
/// single bytes below. Fixed-size loads only: no `memcpy` or `memcmp` call
/// for these short keys.
#[inline]
fn windows(p: &[u8]) -> [u64; 3] {
    let n = p.len();
    if n >= 8 {
        [le::<8>(p, 0), le::<8>(p, (n - 8) / 2), le::<8>(p, n - 8)]
    } else if n >= 4 {
        [le::<4>(p, 0), le::<4>(p, n - 4), 0]
    } else {
        [
            le::<1>(p, 0),
            le::<1>(p, n / 2),
            le::<1>(p, n.saturating_sub(1)),
        ]
    }
}

/// Slot index of a key with these windows.
#[inline]
fn index(w: &[u64; 3], len: usize) -> usize {
    let h = (w[0] ^ w[2].rotate_left(23) ^ w[1].rotate_left(41) ^ len as u64)
        .wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (h >> 55) as usize & (SLOTS - 1)
}

impl Memo {
    /// Whether `raw` is known to yield nothing.
    #[inline]
    pub(crate) fn contains(&self, raw: &[u8]) -> bool {
        if raw.is_empty() || raw.len() > MAX || self.slots.is_empty() {
            return false;
        }
        let w = windows(raw);
        self.slots
            .get(index(&w, raw.len()))
            .is_some_and(|s| usize::from(s.len) == raw.len() && windows(&s.bytes[..raw.len()]) == w)
    }

    /// Remembers that `raw` yields nothing.
    pub(crate) fn insert(&mut self, raw: &[u8]) {
        if raw.is_empty() || raw.len() > MAX {
            return;
        }
        if self.slots.is_empty() {
            self.seen += 1;
            if self.seen < WARM_UP {
                return;
            }
            self.slots = vec![Slot::default(); SLOTS];
        }
        if let Some(s) = self.slots.get_mut(index(&windows(raw), raw.len())) {
            s.len = raw.len() as u8;
            s.bytes[..raw.len()].copy_from_slice(raw);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ioc::classify::Group;
    use crate::ioc::collect::{kind_mask, Collector};
    use crate::ioc::scan::Scanner;
    use crate::ioc::{ExtractOptions, Extractor};
    use crate::model::{Indicator, IndicatorKind};

    /// The path without the memo: every group refanged and classified.
    fn reference(text: &str, opts: &ExtractOptions) -> Vec<Indicator> {
        let mut col = Collector::new(opts, kind_mask(opts.kinds.as_deref()));
        Scanner::default().scan(text, 0, text.len(), |start, _end, norm| {
            Group {
                text,
                start,
                norm,
                shape: None,
            }
            .classify(&mut col);
        });
        col.finish().into_indicators()
    }

    const PIECES: [&str; 26] = [
        "e.g.",
        "2.1.4",
        "(see",
        "Node.js",
        "setup.py",
        "setup[.]py",
        "the",
        "imphash:",
        "ja3",
        "md5",
        "d41d8cd98f00b204e9800998ecf8427e",
        "0123456789abcdef0123456789abcdef01234567",
        "8.8.8.8",
        "10.0.0.1",
        "evil[.]example.com",
        "hxxp://a[.]b.com/x",
        "bob at evil dot com",
        "AS 13335",
        "CVE-2021-44228",
        "T1059",
        "C:\\x\\y.exe",
        "x.",
        "v1.2",
        "a:b",
        "é",
        "com",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
        /// With the memo, extraction finds exactly what every-group
        /// classification finds (all kinds, some kinds, and the reader).
        #[test]
        fn memo_changes_nothing(
            parts in proptest::collection::vec((0..PIECES.len(), 0..4usize), 0..300),
        ) {
            let mut t = String::new();
            for (p, sep) in parts {
                t.push_str(PIECES[p]);
                t.push_str([" ", " ", "\n", ", "][sep]);
            }
            let all = ExtractOptions::default();
            let got = Extractor::new(all.clone()).extract(&t);
            proptest::prop_assert_eq!(&got, &reference(&t, &all));
            let read = Extractor::new(all.clone()).extract_reader(t.as_bytes()).unwrap();
            proptest::prop_assert_eq!(&read, &got);
            let some = ExtractOptions {
                kinds: Some(vec![IndicatorKind::Md5, IndicatorKind::Domain]),
                ..Default::default()
            };
            proptest::prop_assert_eq!(
                Extractor::new(some.clone()).extract(&t),
                reference(&t, &some)
            );
        }
    }

    proptest::proptest! {
        /// Equal windows (and length) mean equal keys, and the other way round.
        #[test]
        fn windows_decide_equality(
            a in proptest::collection::vec(proptest::sample::select(b"ab.0".to_vec()), 1..=MAX),
            b in proptest::collection::vec(proptest::sample::select(b"ab.0".to_vec()), 1..=MAX),
        ) {
            let same_windows = a.len() == b.len() && windows(&a) == windows(&b);
            proptest::prop_assert_eq!(same_windows, a == b);
        }
    }

    #[test]
    fn remembers_after_warm_up() {
        let mut m = Memo::default();
        for _ in 0..WARM_UP {
            assert!(!m.contains(b"e.g."));
            m.insert(b"e.g.");
        }
        assert!(m.contains(b"e.g."));
        assert!(!m.contains(b"e.g"));
        assert!(!m.contains(b"i.e."));
        let long = [b'x'; MAX + 1];
        m.insert(&long);
        assert!(!m.contains(&long));
        assert!(!m.contains(b""));
    }
}
