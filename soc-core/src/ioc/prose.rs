//! Word-at-a-time skipping of plain prose for the scanner (`scan`).
//!
//! Most bytes of a report are lower-case words. These helpers look at eight
//! bytes at a time (SWAR on a `u64`) and hand back to the byte-by-byte scan
//! only where it could find something: the property test in `scan` checks
//! that both find exactly the same groups.

use super::scan::{starts_ci, CLASS, DOT, LETTER, PUNCT};

/// Bit 7 of each byte of `w` set where that byte is an ASCII letter.
fn letters(w: u64) -> u64 {
    // Fold case, clear bit 7 (so the additions below cannot carry across
    // bytes); bytes that had bit 7 set are not ASCII and are masked out.
    let x = (w | (0x20 * ONES)) & !HIGH;
    let ge_a = x + (0x80 - u64::from(b'a')) * ONES;
    let gt_z = x + (0x80 - u64::from(b'z') - 1) * ONES;
    ge_a & !gt_z & !w & HIGH
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Bit 7 of each byte of `w` set where that byte equals `c`.
fn bytes_eq(w: u64, c: u8) -> u64 {
    let x = w ^ (u64::from(c) * ONES);
    !(((x & !HIGH) + !HIGH) | x) & HIGH
}

/// Skips a run of prose (ASCII letters and blanks) starting at word start
/// `s` and ending before `limit`; returns a word start at or after `s`
/// that the byte-by-byte scan also reaches, after which nothing was
/// skipped that the scan would look at. The run stops at any other byte
/// and at ` at ` / ` dot ` after a blank; the scan resumes
/// at the word of the stop, or one word before it when that one may start a
/// multi-word shape (`evil dot com`, `AS 13335`). Also returns where the run
/// stopped: word starts before it need not be skipped again.
pub(super) fn skip_prose(b: &[u8], s: usize, limit: usize) -> (usize, usize) {
    let mut i = s;
    // Bit 7 set when the byte before the current chunk is a blank.
    let mut blank_before = 0u64;
    while i + 8 <= limit {
        let Some(chunk) = b.get(i..i + 8) else { break };
        let mut a = [0u8; 8];
        a.copy_from_slice(chunk);
        let w = u64::from_le_bytes(a);
        // Blanks: bytes below `!` (space and control bytes, all delimiters).
        let blank = !(((w & !HIGH) + (0x80 - 0x21) * ONES) | w) & HIGH;
        let low = w | (0x20 * ONES);
        let ad = bytes_eq(low, b'a') | bytes_eq(low, b'd');
        let other = !(letters(w) | blank) & HIGH;
        // `a`/`d` after a blank: stop only at a real ` at ` / ` dot `.
        let mut hits = ad & (blank << 8 | blank_before);
        let mut stop = other;
        while hits != 0 {
            let k = (hits.trailing_zeros() / 8) as usize;
            if starts_ci(b, i + k, b"at ") || starts_ci(b, i + k, b"dot ") {
                stop |= hits & hits.wrapping_neg();
                break;
            }
            hits &= hits - 1;
        }
        if stop != 0 {
            i += (stop.trailing_zeros() / 8) as usize;
            break;
        }
        blank_before = (blank >> 56) & 0x80;
        i += 8;
    }
    let stop = i;
    if i == s {
        return (s, stop);
    }
    // Back up to the start of the word holding (or ending at) `i`, and one
    // word further when that word may end a shape (`AS 1`, `x at`, `x dot`).
    let is_blank = |c: u8| CLASS[c as usize] == 0;
    let mut j = i;
    while j > s && !is_blank(b[j - 1]) {
        j -= 1;
    }
    if !matches!(b.get(j), Some(b'0'..=b'9' | b'a' | b'A' | b'd' | b'D')) {
        return (j, stop);
    }
    while j > s && is_blank(b[j - 1]) {
        j -= 1;
    }
    while j > s && !is_blank(b[j - 1]) {
        j -= 1;
    }
    (j, stop)
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
        if let Some(chunk) = b.get(i..i + 8) {
            let mut w = [0u8; 8];
            w.copy_from_slice(chunk);
            let other = !letters(u64::from_le_bytes(w)) & HIGH;
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
            || starts_ci(b, i + 1, b"at "));
    (!starts_shape).then_some(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letter_mask() {
        for c in 0..=255u8 {
            let w = u64::from_le_bytes([b'x', c, b'Q', 0xc3, b'@', b'[', b'`', b'{']);
            let want = [
                true,
                c.is_ascii_alphabetic(),
                true,
                false,
                false,
                false,
                false,
                false,
            ];
            let got: Vec<bool> = (0..8).map(|k| letters(w) >> (8 * k + 7) & 1 == 1).collect();
            assert_eq!(got, want, "{c}");
        }
    }

    #[test]
    fn byte_equality_mask() {
        let w = u64::from_le_bytes(*b"a dAx\xe1d ");
        assert_eq!(bytes_eq(w, b'd'), 0x0080_0000_0080_0000);
    }
}
