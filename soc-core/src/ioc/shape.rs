//! Byte classes shared by the scanner, the refanger and the classifier:
//! the leaf of `ioc` (it uses no other `ioc` module).
//!
//! [`CLASS`] splits text into words, [`SEPARATORS`] splits a refanged group
//! into pieces, [`SHAPE`] flags are OR-ed over a piece so that its shape
//! (digits only, hex, has a `:`, ...) is known after one pass.

pub(crate) const LETTER: u8 = 1;
pub(crate) const DIGIT: u8 = 2;
pub(crate) const DOT: u8 = 4;
pub(crate) const SPECIAL: u8 = 8; // : / \ @ [ ( { % and friends: worth a closer look
pub(crate) const PUNCT: u8 = 16; // , ; ! ? ' ) ] } and the like: never alone an indicator
pub(crate) const BSLASH: u8 = 32;

/// Class of each byte; 0 means "delimiter" (not part of any token).
pub(crate) static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0x21;
    while c < 0x7f {
        t[c] = PUNCT;
        c += 1;
    }
    let mut c = b'a';
    while c <= b'z' {
        t[c as usize] = LETTER;
        t[(c - 32) as usize] = LETTER;
        c += 1;
    }
    let mut c = b'0';
    while c <= b'9' {
        t[c as usize] = DIGIT;
        c += 1;
    }
    t[b'.' as usize] = DOT;
    let specials = b":/@[({%#=&~$+_";
    let mut k = 0;
    while k < specials.len() {
        t[specials[k] as usize] = SPECIAL;
        k += 1;
    }
    t[b'\\' as usize] = SPECIAL | BSLASH;
    t[b'"' as usize] = 0;
    t[b'<' as usize] = 0;
    t[b'>' as usize] = 0;
    t[b'`' as usize] = 0;
    t[b'|' as usize] = 0;
    t
};

/// Bytes that separate pieces inside a token (`ip=1.2.3.4;host=(x.com)`).
pub(crate) const SEPARATORS: &[u8] = b"=,;'()[]{}!*&^$ \t\"<>|";

/// [`SEPARATORS`] as a lookup table (this runs on every byte of every
/// candidate that has a separator at all).
static SEP: [bool; 256] = {
    let mut t = [false; 256];
    let mut k = 0;
    while k < SEPARATORS.len() {
        t[SEPARATORS[k] as usize] = true;
        k += 1;
    }
    t
};

/// Bytes that separate pieces inside a token.
pub(crate) fn is_sep(c: u8) -> bool {
    SEP[c as usize]
}

pub(crate) const S_NOT_DIGITS: u16 = 1; // not a digit, `.` or `/`
pub(crate) const S_NOT_HEX: u16 = 2;
pub(crate) const S_COLON: u16 = 4;
pub(crate) const S_DOT: u16 = 8;
pub(crate) const S_SLASH: u16 = 16;
pub(crate) const S_AT: u16 = 32;
pub(crate) const S_DASH: u16 = 64;
pub(crate) const S_UPPER: u16 = 128;
pub(crate) const S_ALPHA: u16 = 256;
pub(crate) const S_DIGIT: u16 = 512;
pub(crate) const S_PERCENT: u16 = 1024;

/// Shape flags of each byte, OR-ed over a piece in one pass (the scanner
/// ORs them over whole words as it finds them: see `scan::WORD`).
pub(crate) static SHAPE: [u16; 256] = {
    let mut t = [0u16; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        let mut f = 0;
        if !(b.is_ascii_digit() || b == b'.' || b == b'/') {
            f |= S_NOT_DIGITS;
        }
        if !b.is_ascii_hexdigit() {
            f |= S_NOT_HEX;
        }
        if b.is_ascii_uppercase() {
            f |= S_UPPER;
        }
        if b.is_ascii_alphabetic() {
            f |= S_ALPHA;
        }
        if b.is_ascii_digit() {
            f |= S_DIGIT;
        }
        f |= match b {
            b':' => S_COLON,
            b'.' => S_DOT,
            b'/' => S_SLASH,
            b'@' => S_AT,
            b'-' => S_DASH,
            b'%' => S_PERCENT,
            _ => 0,
        };
        t[c] = f;
        c += 1;
    }
    t
};

/// A space or a tab.
pub(crate) fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// The end of the word starting at `i` (the first delimiter, or the end).
pub(crate) fn word_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && CLASS[b[i] as usize] != 0 {
        i += 1;
    }
    i
}

/// Whether `pat` starts at `at` in `b`, ASCII case-insensitively.
pub(crate) fn starts_ci(b: &[u8], at: usize, pat: &[u8]) -> bool {
    b.len() >= at + pat.len() && b[at..at + pat.len()].eq_ignore_ascii_case(pat)
}

/// Finds `needle` in `hay` (short inputs).
pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    // Candidates are short: a first-byte memchr beats building a searcher.
    let (&first, rest) = needle.split_first()?;
    let mut from = 0;
    while let Some(p) = memchr::memchr(first, &hay[from..]) {
        let at = from + p;
        if hay[at + 1..].starts_with(rest) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Drops trailing punctuation that is not part of a URL, and closing
/// brackets that have no opening one inside it.
pub(crate) fn trim_url(t: &[u8], start: usize, mut end: usize) -> usize {
    while end > start {
        let c = t[end - 1];
        let drop = match c {
            b'.' | b',' | b';' | b':' | b'!' | b'?' | b'\'' | b'"' | b'*' => true,
            b')' | b']' | b'}' => {
                let open = match c {
                    b')' => b'(',
                    b']' => b'[',
                    _ => b'{',
                };
                let s = &t[start..end];
                s.iter().filter(|&&x| x == open).count() < s.iter().filter(|&&x| x == c).count()
            }
            _ => false,
        };
        if !drop {
            break;
        }
        end -= 1;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separator_table() {
        let seps: Vec<u8> = (0..=255u8).filter(|&c| is_sep(c)).collect();
        let mut want = b"=,;'()[]{}!*&^$ \t\"<>|".to_vec();
        want.sort_unstable();
        assert_eq!(seps, want);
    }
}
