//! SWAR ("SIMD within a register"): byte tests on eight bytes at a time in
//! a `u64`, shared by the parsers (`parse`) and the IOC scanner (`ioc`).
//!
//! Every helper reads its bytes little-endian, so byte `k` of a slice is
//! bits `8k..8k + 8` of the word and `trailing_zeros() / 8` of a flag mask
//! is the offset of the first flagged byte.

/// `0x01` in every byte: `LO * c` repeats byte `c` eight times.
pub(crate) const LO: u64 = 0x0101_0101_0101_0101;
/// `0x80` in every byte: the flag bit of each byte's result.
pub(crate) const HI: u64 = 0x8080_8080_8080_8080;

/// The eight bytes of `b` at `i` as a little-endian word, when they are all
/// there.
#[inline]
pub(crate) fn word_at(b: &[u8], i: usize) -> Option<u64> {
    let chunk: [u8; 8] = b.get(i..i.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_le_bytes(chunk))
}

/// Bit 7 set in each byte of `x` that is zero. Only the lowest flag is
/// exact (a borrow may flag a `0x01` byte above a zero byte): take the
/// first one with `trailing_zeros`.
#[inline]
pub(crate) fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(LO) & !x & HI
}

/// Bit 7 set in each byte of `w` that is an ASCII letter (exact for every
/// byte).
#[inline]
pub(crate) fn ascii_letters(w: u64) -> u64 {
    // Fold case, clear bit 7 (so the additions below cannot carry across
    // bytes); bytes that had bit 7 set are not ASCII and are masked out.
    let x = (w | (0x20 * LO)) & !HI;
    let ge_a = x + (0x80 - u64::from(b'a')) * LO;
    let gt_z = x + (0x80 - u64::from(b'z') - 1) * LO;
    ge_a & !gt_z & !w & HI
}

/// The first `c` in `b`, eight bytes at a time: cheaper than `memchr`'s
/// setup on the short tokens of a log line or a report.
///
/// ```text
/// assert_eq!(find_byte(b"Dec  6 sshd[42]:", b'['), Some(11));
/// ```
#[inline]
pub(crate) fn find_byte(b: &[u8], c: u8) -> Option<usize> {
    let pat = LO * u64::from(c);
    let mut i = 0;
    while let Some(w) = word_at(b, i) {
        let z = zero_bytes(w ^ pat);
        if z != 0 {
            return Some(i + (z.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b.get(i..)?.iter().position(|&x| x == c).map(|p| i + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn find_byte_is_position(v in proptest::collection::vec(0u8..=255, 0..40), c in 0u8..=255) {
            proptest::prop_assert_eq!(find_byte(&v, c), v.iter().position(|&x| x == c));
        }

        #[test]
        fn ascii_letters_is_exact(v in proptest::array::uniform8(0u8..=255)) {
            let got = ascii_letters(u64::from_le_bytes(v));
            for (k, c) in v.iter().enumerate() {
                proptest::prop_assert_eq!(got >> (8 * k + 7) & 1 == 1, c.is_ascii_alphabetic());
            }
        }
    }

    #[test]
    fn words_and_zero_bytes() {
        assert_eq!(
            word_at(b"abcdefgh", 0),
            Some(u64::from_le_bytes(*b"abcdefgh"))
        );
        assert_eq!(word_at(b"abcdefg", 0), None);
        assert_eq!(word_at(b"abc", usize::MAX), None);
        let w = u64::from_le_bytes(*b"ab\0d\0fgh");
        assert_eq!(zero_bytes(w).trailing_zeros() / 8, 2);
        assert_eq!(zero_bytes(u64::from_le_bytes(*b"abcdefgh")), 0);
    }
}
