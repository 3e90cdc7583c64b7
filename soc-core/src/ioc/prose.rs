//! Word-at-a-time skipping of plain prose for the scanner (`scan`).
//!
//! Most bytes of a report are lower-case words. [`skip_prose`] looks at 16
//! bytes at a time (safe SIMD through `wide`), [`plain_word`] at eight (SWAR
//! on a `u64`); both hand back to the byte-by-byte scan only where it could
//! find something: the property tests in `scan` check that both find
//! exactly the same groups.

use wide::{i8x16, u8x16};

use crate::swar::{ascii_letters, word_at, HI};

use super::shape::{starts_ci, CLASS, DOT, LETTER, PUNCT};
use super::spaced::{joint, may_join, spaced_defang};

/// The 16 bytes at `i` as a vector, when they are all there.
#[inline]
fn load(b: &[u8], i: usize) -> Option<i8x16> {
    let chunk: [u8; 16] = b.get(i..i + 16)?.try_into().ok()?;
    Some(u8x16::new(chunk).cast_signed())
}

/// Splat of an ASCII byte.
#[inline]
fn splat(c: u8) -> i8x16 {
    i8x16::splat(c as i8)
}

/// Byte masks of a 16-byte block (bit `k` for byte `k`): bytes that keep
/// prose plain without a closer look (ASCII letters, and blanks, control
/// and non-ASCII bytes, all delimiters), and spaces. Safe SIMD (SSE2 on
/// x86_64).
#[inline]
fn block_masks(v: i8x16) -> (u32, u32) {
    let low = v | splat(0x20);
    // `low + 31` maps `a..=z` to -128..=-103 and every other byte above.
    let letter = (low + i8x16::splat(31)).simd_lt(i8x16::splat(-102));
    // Signed: below `!` are blanks and control bytes, negative are non-ASCII.
    let delim = v.simd_lt(splat(b'!'));
    let space = v.simd_eq(splat(b' '));
    ((letter | delim).to_bitmask(), space.to_bitmask())
}

/// `a` / `d` in any case in the block (bit `k` for byte `k`).
fn ad_mask(v: i8x16) -> u32 {
    let low = v | splat(0x20);
    (low.simd_eq(splat(b'a')) | low.simd_eq(splat(b'd'))).to_bitmask()
}

/// The block at `i` and, when 19 bytes are left, its [`keyword_mask`].
#[inline]
fn block_at(b: &[u8], i: usize) -> Option<(i8x16, Option<u32>)> {
    match b.get(i..i + 19) {
        Some(w) => {
            let v = load(w, 0)?;
            Some((v, keyword_mask(w, 0, v)))
        }
        None => Some((load(b, i)?, None)),
    }
}

/// Bit `k` set where `at ` or `dot ` (letters in any case, then a space)
/// starts at byte `k` of the block at `i` (`v`); `None` when fewer than
/// 19 bytes are left. The same test as [`keyword_at`], for a whole block
/// without a branch per candidate.
#[inline]
fn keyword_mask(b: &[u8], i: usize, v: i8x16) -> Option<u32> {
    let w: &[u8; 19] = b.get(i..i + 19)?.try_into().ok()?;
    let at = |o: usize| {
        let mut c = [0u8; 16];
        c.copy_from_slice(&w[o..o + 16]);
        u8x16::new(c).cast_signed()
    };
    let (v1, v2, v3) = (at(1), at(2), at(3));
    let fold = splat(0x20);
    let (l0, l1, l2) = (v | fold, v1 | fold, v2 | fold);
    let at = l0.simd_eq(splat(b'a')) & l1.simd_eq(splat(b't')) & v2.simd_eq(splat(b' '));
    let dot = l0.simd_eq(splat(b'd'))
        & l1.simd_eq(splat(b'o'))
        & l2.simd_eq(splat(b't'))
        & v3.simd_eq(splat(b' '));
    Some((at | dot).to_bitmask())
}

/// Bit `k` set where byte `k` of the block is a delimiter (byte class 0:
/// blanks, control and non-ASCII bytes, DEL, `"`, `<`, `>`, `` ` ``, `|`).
#[inline]
fn delim_mask(v: i8x16) -> u32 {
    let d = v.simd_lt(splat(b'!'))
        | v.simd_eq(splat(0x7f))
        | v.simd_eq(splat(b'"'))
        | v.simd_eq(splat(b'<'))
        | v.simd_eq(splat(b'>'))
        | v.simd_eq(splat(b'`'))
        | v.simd_eq(splat(b'|'));
    d.to_bitmask()
}

/// The first delimiter at or after `q` (or the end of `b`).
fn word_end_from(b: &[u8], mut q: usize) -> usize {
    while let Some(v) = load(b, q) {
        let d = delim_mask(v);
        if d != 0 {
            return q + d.trailing_zeros() as usize;
        }
        q += 16;
    }
    while q < b.len() && CLASS[b[q] as usize] != 0 {
        q += 1;
    }
    q
}

/// `at ` or `dot ` (letters in any case, then a space) at `p`: one load
/// and two compares instead of a byte-wise case-insensitive match.
#[inline]
fn keyword_at(b: &[u8], p: usize) -> bool {
    let Some(&[b0, b1, b2, b3]) = b.get(p..p + 4) else {
        // The last bytes of the text: only `at ` fits.
        return starts_ci(b, p, b"at ");
    };
    let w = u32::from_le_bytes([b0, b1, b2, b3]);
    // `| 0x20` folds the case of the letters only: the space stays exact.
    (w | 0x2020) & 0x00ff_ffff == u32::from_le_bytes(*b"at \0")
        || w | 0x0020_2020 == u32::from_le_bytes(*b"dot ")
}

/// Whether byte class `cls` at `p` keeps its word plain: delimiters,
/// punctuation, and a `.` that ends its word.
#[inline]
fn plain_byte(b: &[u8], p: usize, cls: u8) -> bool {
    match cls {
        0 | PUNCT | LETTER => true,
        DOT => b.get(p + 1).is_none_or(|&d| CLASS[d as usize] == 0),
        _ => false,
    }
}

/// Start of the word holding `p` (or `p`), not before `s`.
fn word_start(b: &[u8], s: usize, mut p: usize) -> usize {
    // 16 bytes at a time while the window `p - 16..p` stays at or after `s`.
    while p >= s + 16 {
        let Some(v) = load(b, p - 16) else { break };
        let d = delim_mask(v);
        if d != 0 {
            // The last delimiter is at `p - 16 + (31 - lz)`; the word starts after it.
            return p + 16 - d.leading_zeros() as usize;
        }
        p -= 16;
    }
    while p > s && CLASS[b[p - 1] as usize] != 0 {
        p -= 1;
    }
    p
}

/// Start of the word before the blank(s) ending at `p` (or a blank), not
/// before `s`.
fn prev_word(b: &[u8], s: usize, mut p: usize) -> usize {
    while p > s && CLASS[b[p - 1] as usize] == 0 {
        p -= 1;
    }
    word_start(b, s, p)
}

/// Whether a plain word may be the `AS` / `ASN` of `AS 13335` (it ends in
/// one: a leading quote does not change the shape).
fn ends_in_as(w: &[u8]) -> bool {
    w.ends_with(b"AS") || (w.len() >= 3 && w[w.len() - 3..].eq_ignore_ascii_case(b"asn"))
}

/// The end of the word `j..` holding the stop `p` when `known_empty` says the
/// word yields nothing as a group of its own and the word stands alone:
/// not followed by a space and a byte that may start a multi-word shape,
/// no backslash that may begin a Windows path across spaces.
fn known_word_end(
    b: &[u8],
    j: usize,
    p: usize,
    known_empty: &impl Fn(&[u8]) -> bool,
) -> Option<usize> {
    let e = word_end_from(b, p + 1);
    let shape_next = b.get(e) == Some(&b' ')
        && b.get(e + 1)
            .is_some_and(|&c| matches!(c | 0x20, b'a' | b'd') || c.is_ascii_digit());
    let word = &b[j..e];
    let joins = may_join(b, e) && spaced_defang(b, j, e).is_some();
    (!shape_next && !joins && known_empty(word) && !word.contains(&b'\\')).then_some(e)
}

/// Skips plain prose from word start `s`: words of letters and plain
/// punctuation (a `.` only at the end) that are not followed by ` at `,
/// ` dot ` or a space and a digit (the multi-word shapes), and words that
/// `known_empty` says yield nothing as groups of their own (`e.g.`,
/// `2.1.4`; the scan's `GroupSink::known_empty`). Returns a position at or after `s` such
/// that every word starting before it is such a word (the byte-by-byte
/// scan would skip each of them, or hand on a group known to yield
/// nothing), and where the look stopped: word starts before the stop need
/// not be skipped again. Looks at 16 bytes at a time and only at whole
/// blocks before `limit`. The flag is true when the word at the returned
/// position needs a closer look (it holds the stop, or a shape's keyword
/// or number follows it); false when the look ended at `limit` or the end
/// of the text.
pub(super) fn skip_prose(
    b: &[u8],
    s: usize,
    limit: usize,
    known_empty: &impl Fn(&[u8]) -> bool,
) -> (usize, usize, bool) {
    let mut i = s;
    // Bit 0 set when the byte before the current block is a space.
    let mut space_before = 0u32;
    'blocks: while let Some((v, kw)) = block_at(b, i).filter(|_| i + 16 <= limit) {
        let (quiet, space) = block_masks(v);
        // ` at ` / ` dot ` (the word before may start a shape): exact when
        // the block's keyword mask can be read, else every `a`/`d` right
        // after a space, checked one by one below.
        let after_space = space << 1 | space_before;
        let (hits, exact) = match kw {
            Some(kw) => (kw & after_space, true),
            None => (ad_mask(v) & after_space, false),
        };
        let mut todo = (!quiet & 0xffff) | hits;
        while todo != 0 {
            let k = todo.trailing_zeros();
            let p = i + k as usize;
            if hits >> k & 1 != 0 {
                if exact || keyword_at(b, p) {
                    // The word before the space may start `x dot y`.
                    return (prev_word(b, s, p - 1), p, true);
                }
            } else if !plain_byte(b, p, CLASS[b[p] as usize]) {
                let j = word_start(b, s, p);
                // `AS 13335`: the word before a number may start a shape.
                if b[j].is_ascii_digit() && j > s && b[j - 1] == b' ' {
                    let w = prev_word(b, s, j - 1);
                    if ends_in_as(&b[w..j - 1]) {
                        return (w, p, true);
                    }
                }
                // `example [.] com`: a defang may join the word before.
                if j > s
                    && matches!(b[j], b'[' | b'(' | b'{' | b'\\' | b'@')
                    && matches!(b[j - 1], b' ' | b'\t')
                    && joint(b, j).is_some()
                {
                    let w = prev_word(b, s, j - 1);
                    let we = word_end_from(b, w);
                    if we < j && spaced_defang(b, w, we).is_some() {
                        return (w, p, true);
                    }
                }
                match known_word_end(b, j, p, known_empty) {
                    // Go on with the blocks right after the word.
                    Some(e) if e + 16 <= limit => {
                        i = e;
                        space_before = 0;
                        continue 'blocks;
                    }
                    _ => return (j, p, true),
                }
            }
            todo &= todo - 1;
        }
        space_before = space >> 15;
        i += 16;
    }
    // Stopped at a block boundary: the last word may go on, and the word
    // before it may be followed by a shape's keyword not looked at yet.
    (prev_word(b, s, word_start(b, s, i)), i, false)
}

/// The end of the word starting at `s` when the scanner would skip it
/// without a closer look: letters and plain punctuation only (a `.` only as
/// its last byte), and not followed by a space and a byte that can start a
/// multi-word shape (`d`ot, `a`t, `AS` + digits). `None`: look closer.
#[inline]
pub(super) fn plain_word(b: &[u8], s: usize) -> Option<usize> {
    let n = b.len();
    let mut i = s;
    loop {
        if let Some(w) = word_at(b, i) {
            let other = !ascii_letters(w) & HI;
            if other == 0 {
                i += 8;
                continue;
            }
            i += (other.trailing_zeros() / 8) as usize;
        } else {
            while i < n && b[i].is_ascii_alphabetic() {
                i += 1;
            }
        }
        let Some(&c) = b.get(i) else { break };
        match CLASS[c as usize] {
            0 => break,
            LETTER | PUNCT => i += 1,
            DOT if b.get(i + 1).is_none_or(|&d| CLASS[d as usize] == 0) => {
                i += 1;
                break;
            }
            _ => return None,
        }
    }
    let starts_shape = b.get(i) == Some(&b' ')
        && (b.get(i + 1).is_some_and(u8::is_ascii_digit)
            || starts_ci(b, i + 1, b"dot ")
            || starts_ci(b, i + 1, b"at ")
            || may_join(b, i) && spaced_defang(b, s, i).is_some());
    (!starts_shape).then_some(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords() {
        for (t, want) in [
            ("at x", true),
            ("AT x", true),
            ("aT ", true),
            ("at", false),
            ("at\t", false),
            ("at\0", false),
            ("dot ", true),
            ("DoT ", true),
            ("dot", false),
            ("dots", false),
            ("ad ", false),
            ("@t ", false),
            ("dOt\n", false),
        ] {
            let b = format!("  {t}");
            assert_eq!(keyword_at(b.as_bytes(), 2), want, "{t:?}");
            let slow = starts_ci(b.as_bytes(), 2, b"at ") || starts_ci(b.as_bytes(), 2, b"dot ");
            assert_eq!(slow, want, "{t:?}");
        }
        for c in 0..=255u8 {
            for pat in [
                [b'a', b't', c, b'x'],
                [b'd', b'o', b't', c],
                [c, b't', b' ', b'x'],
            ] {
                let slow = starts_ci(&pat, 0, b"at ") || starts_ci(&pat, 0, b"dot ");
                assert_eq!(keyword_at(&pat, 0), slow, "{pat:?}");
            }
        }
    }

    proptest::proptest! {
        /// The block keyword mask marks exactly where `keyword_at` holds.
        #[test]
        fn keyword_mask_matches_keyword_at(text in "([aAdDoOtT ]{0,4}[x\\t.]?){0,12}") {
            let b = text.as_bytes();
            for i in 0..b.len() {
                match keyword_mask(b, i, load(b, i).unwrap_or(i8x16::splat(0))) {
                    Some(m) => {
                        for k in 0..16 {
                            proptest::prop_assert_eq!(m >> k & 1 == 1, keyword_at(b, i + k), "{} {}", i, k);
                        }
                    }
                    None => proptest::prop_assert!(i + 19 > b.len()),
                }
            }
        }
    }

    #[test]
    fn delimiter_mask_is_class_zero() {
        for c in 0..=255u8 {
            for k in [0, 7, 15] {
                let mut block = [b'x'; 16];
                block[k] = c;
                let got = delim_mask(load(&block, 0).unwrap());
                let want = if CLASS[c as usize] == 0 { 1 << k } else { 0 };
                assert_eq!(got, want, "{c} at {k}");
            }
        }
    }

    proptest::proptest! {
        /// The block-wise word bounds equal the byte-by-byte ones.
        #[test]
        fn word_bounds_match_bytewise(
            text in "([a-z.,-]{0,40}[ \"|<>\t\u{7f}\u{e9}]){0,6}",
            s in 0..250usize,
            p in 0..250usize,
        ) {
            let b = text.as_bytes();
            let (s, p) = (s.min(b.len()), p.min(b.len()));
            let mut q = p;
            while q < b.len() && CLASS[b[q] as usize] != 0 {
                q += 1;
            }
            proptest::prop_assert_eq!(word_end_from(b, p), q);
            if s <= p {
                let mut q = p;
                while q > s && CLASS[b[q - 1] as usize] != 0 {
                    q -= 1;
                }
                proptest::prop_assert_eq!(word_start(b, s, p), q);
            }
        }
    }
}
