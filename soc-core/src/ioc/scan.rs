//! The single linear pass: splits text into candidate tokens.
//!
//! A byte-class table splits the text at whitespace, quotes, angle brackets
//! and non-ASCII bytes (so every reported offset is a char boundary). Words
//! of plain letters and punctuation (most of any prose) are skipped after
//! one look at each byte. The rest, plus a few multi-word shapes (`evil dot
//! com`, `bob at evil dot com`, `AS 13335`, `C:\Program Files\x.exe`), are
//! handed on as *groups*, refanged by the [`Normalizer`].

use super::refang::Normalizer;

const LETTER: u8 = 1;
const DIGIT: u8 = 2;
const DOT: u8 = 4;
const SPECIAL: u8 = 8; // : / \ @ [ ( { % and friends: worth a closer look
const PUNCT: u8 = 16; // , ; ! ? ' ) ] } and the like: never alone an indicator
const BSLASH: u8 = 32;

/// Class of each byte; 0 means "delimiter" (not part of any token).
static CLASS: [u8; 256] = {
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

/// How far past a word the scanner may look (multi-word groups).
pub(crate) const LOOKAHEAD: usize = 1024;

/// Left-hand words that never start a spelled-out domain (`the dot com era`).
const STOP: [&[u8]; 12] = [
    b"the", b"a", b"an", b"this", b"that", b"one", b"no", b"his", b"her", b"its", b"our", b"polka",
];

/// Right-hand words that are English first and TLDs second (`trailing dot is`).
const RIGHT_STOP: [&[u8]; 20] = [
    b"is", b"in", b"it", b"to", b"at", b"on", b"as", b"be", b"me", b"my", b"no", b"so", b"us",
    b"an", b"or", b"by", b"am", b"do", b"go", b"we",
];

fn word_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && CLASS[b[i] as usize] != 0 {
        i += 1;
    }
    i
}

fn starts_ci(b: &[u8], at: usize, pat: &[u8]) -> bool {
    b.len() >= at + pat.len() && b[at..at + pat.len()].eq_ignore_ascii_case(pat)
}

/// `word dot word`: returns the end of the merged right word.
fn spelled_join(b: &[u8], e: usize, kw: &[u8]) -> Option<usize> {
    if e == 0 || !b[e - 1].is_ascii_alphanumeric() || b.get(e) != Some(&b' ') {
        return None;
    }
    if !starts_ci(b, e + 1, kw) || b.get(e + 1 + kw.len()) != Some(&b' ') {
        return None;
    }
    let ns = e + 2 + kw.len();
    if !b.get(ns).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    let ne = word_end(b, ns);
    let right = &b[ns..ne];
    let right = &right[..right
        .iter()
        .position(|c| !c.is_ascii_alphanumeric())
        .unwrap_or(right.len())];
    if kw == b"dot" && RIGHT_STOP.iter().any(|st| right.eq_ignore_ascii_case(st)) {
        return None;
    }
    Some(ne)
}

fn is_path_start(w: &[u8]) -> bool {
    memchr::memmem::find(w, b":\\").is_some()
        || w.starts_with(b"\\\\")
        || memchr::memmem::find(w, b"%\\").is_some()
        || starts_ci(w, 0, b"hk")
}

/// Extends a Windows path across single spaces (`C:\Program Files (x86)\a.exe`).
fn extend_path(b: &[u8], mut e: usize, s: usize) -> usize {
    'outer: loop {
        let last_sep = b[s..e]
            .iter()
            .rposition(|&c| c == b'\\')
            .map_or(s, |p| s + p);
        if b[last_sep..e].contains(&b'.') {
            return e;
        }
        let mut cur = e;
        for _ in 0..3 {
            if b.get(cur) != Some(&b' ') {
                return e;
            }
            let ns = cur + 1;
            let ne = word_end(b, ns);
            if ne == ns || is_path_start(&b[ns..ne]) {
                return e;
            }
            if b[ns..ne].contains(&b'\\') {
                e = ne;
                continue 'outer;
            }
            if b[ns..ne].contains(&b'.') {
                return e;
            }
            cur = ne;
        }
        return e;
    }
}

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
fn skip_prose(b: &[u8], s: usize, limit: usize) -> (usize, usize) {
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
fn plain_word(b: &[u8], s: usize) -> Option<usize> {
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

/// Reusable scanning state.
#[derive(Debug, Default)]
pub(crate) struct Scanner {
    pub(crate) norm: Normalizer,
}

impl Scanner {
    /// Scans the words of `text` that start in `from..limit`, calling `f(start,
    /// end, normalized)` for each candidate group. Returns the offset of the
    /// first word not scanned (or `text.len()`).
    pub(crate) fn scan(
        &mut self,
        text: &str,
        from: usize,
        limit: usize,
        f: impl FnMut(usize, usize, &Normalizer),
    ) -> usize {
        self.scan_impl::<true>(text, from, limit, f)
    }

    /// [`Scanner::scan`]; `FAST` enables the plain-word skip (tests compare
    /// both).
    pub(crate) fn scan_impl<const FAST: bool>(
        &mut self,
        text: &str,
        from: usize,
        limit: usize,
        mut f: impl FnMut(usize, usize, &Normalizer),
    ) -> usize {
        let b = text.as_bytes();
        let n = b.len();
        let mut i = from;
        // Word starts below this were already covered by `skip_prose`.
        let mut skipped_to = 0;
        loop {
            while i < n && CLASS[b[i] as usize] == 0 {
                i += 1;
            }
            if i >= n || i >= limit {
                return i.min(n);
            }
            if FAST {
                if i >= skipped_to {
                    let (j, stop) = skip_prose(b, i, limit);
                    skipped_to = stop + 1;
                    if j != i {
                        i = j;
                        continue;
                    }
                }
                if let Some(end) = plain_word(b, i) {
                    i = end;
                    continue;
                }
            }
            let s = i;
            let mut m = 0u8;
            while i < n {
                let c = CLASS[b[i] as usize];
                if c == 0 {
                    break;
                }
                m |= c;
                i += 1;
            }
            let mut e = i;
            let mut spaced = false;
            // Multi-word shapes start with a space after the word.
            if b.get(e) == Some(&b' ') && e + 1 < n {
                let lead = b[s..e].iter().take_while(|c| b"([{'".contains(c)).count();
                let w = &b[s + lead..e];
                let nx = b[e + 1] | 0x20;
                if nx == b'd' && !STOP.iter().any(|st| w.eq_ignore_ascii_case(st)) {
                    while let Some(ne) = spelled_join(b, e, b"dot") {
                        e = ne;
                        spaced = true;
                    }
                } else if nx == b'a'
                    && w.iter()
                        .all(|&c| c.is_ascii_alphanumeric() || b"._-+".contains(&c))
                {
                    if let Some(ne) = spelled_join(b, e, b"at") {
                        // Accept `x at y` only when the right side is defanged too.
                        let mut end = ne;
                        let mut dotted = false;
                        while let Some(ne2) = spelled_join(b, end, b"dot") {
                            end = ne2;
                            dotted = true;
                        }
                        let right = &b[e..end];
                        if dotted || right.iter().any(|c| b"[({".contains(c)) {
                            e = end;
                            spaced = true;
                        }
                    }
                } else if (w == b"AS" || w == b"ASN") && b[e + 1].is_ascii_digit() {
                    e = word_end(b, e + 1);
                    spaced = true;
                }
            }
            if spaced {
                i = e;
            } else {
                let interesting =
                    m & (DIGIT | SPECIAL) != 0 || (m & DOT != 0 && b[s..e - 1].contains(&b'.'));
                if !interesting {
                    continue;
                }
                if m & BSLASH != 0 && is_path_start(&b[s..e]) {
                    e = extend_path(b, e, s);
                    i = e;
                }
            }
            self.norm.run(&b[s..e], spaced);
            f(s, e, &self.norm);
        }
    }
}

/// Calls `f` for every candidate group of `text` (used by `refang`).
pub(crate) fn for_each_group(text: &str, f: impl FnMut(usize, usize, &Normalizer)) {
    let mut sc = Scanner::default();
    sc.scan(text, 0, text.len(), f);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(t: &str) -> Vec<String> {
        let mut v = Vec::new();
        for_each_group(t, |s, e, n| v.push(format!("{}|{}", &t[s..e], n.text())));
        v
    }

    fn groups_with<const FAST: bool>(t: &str, from: usize, limit: usize) -> (Vec<String>, usize) {
        let mut v = Vec::new();
        let next = Scanner::default().scan_impl::<FAST>(t, from, limit, |s, e, n| {
            v.push(format!("{s}..{e}|{}|{}", n.text(), n.changed));
        });
        (v, next)
    }

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

    const PIECES: [&str; 40] = [
        "the",
        "dot",
        "DOT",
        "at",
        "At",
        "AS",
        "ASN",
        "13335",
        "evil",
        "com",
        "[.]",
        "(.)",
        "e.g.",
        "x.",
        "word,",
        "(see",
        "a)",
        "C:\\Program",
        "Files",
        "(x86)\\a.exe",
        "\\\\srv\\s",
        "é",
        "1.2.3.4",
        "hxxp://a.b/c",
        "bob",
        "[at]",
        "a.b.",
        "x.)",
        "Node.js",
        "deadbeef",
        "abcdefghijklmnop",
        "HKLM\\Run",
        "%APPDATA%\\x",
        "polka",
        "is",
        "the.",
        "T1059",
        "_",
        "-",
        "'",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// The plain-word skip finds exactly the groups of the byte-by-byte scan.
        #[test]
        fn fast_scan_equals_plain_scan(
            parts in proptest::collection::vec((0..PIECES.len(), 0..8usize), 0..60),
            cut in 0..400usize,
        ) {
            let mut t = String::new();
            for (p, sep) in parts {
                t.push_str(PIECES[p]);
                t.push_str([" ", " ", " ", "\n", "\t", "\"", "  ", ""][sep]);
            }
            let limit = cut.min(t.len());
            proptest::prop_assert_eq!(
                groups_with::<true>(&t, 0, limit),
                groups_with::<false>(&t, 0, limit)
            );
        }
    }

    #[test]
    fn prose_is_skipped() {
        assert!(groups("The quick brown fox, jumped. Over it!").is_empty());
    }

    #[test]
    fn groups_and_merges() {
        assert_eq!(groups("go to evil dot com now"), ["evil dot com|evil.com"]);
        assert_eq!(groups("the dot com era"), Vec::<String>::new());
        assert_eq!(groups("trailing dot is not"), Vec::<String>::new());
        assert_eq!(groups("(ASN 64501 x"), ["(ASN 64501|(ASN 64501"]);
        assert_eq!(
            groups("mail bob at evil dot com"),
            ["bob at evil dot com|bob@evil.com"]
        );
        assert_eq!(groups("look at me dot"), Vec::<String>::new());
        assert_eq!(groups("from AS 13335."), ["AS 13335.|AS 13335."]);
        assert_eq!(
            groups("ran C:\\Program Files (x86)\\Evil\\a.exe today"),
            ["C:\\Program Files (x86)\\Evil\\a.exe|C:\\Program Files (x86)\\Evil\\a.exe"]
        );
        assert_eq!(groups("x \"1.2.3.4\" y"), ["1.2.3.4|1.2.3.4"]);
    }
}
