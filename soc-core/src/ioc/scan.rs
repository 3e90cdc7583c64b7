//! The single linear pass: splits text into candidate tokens.
//!
//! A byte-class table splits the text at whitespace, quotes, angle brackets
//! and non-ASCII bytes (so every reported offset is a char boundary). Words
//! of plain letters and punctuation (most of any prose) are skipped after
//! one look at each byte. The rest, plus a few multi-word shapes (`evil dot
//! com`, `bob at evil dot com`, `AS 13335`, `C:\Program Files\x.exe`), are
//! handed on as *groups*, refanged by the [`Normalizer`].

use super::classify::SHAPE;
use super::normalize::MARK;
use super::prose::{plain_word, skip_prose};
use super::refang::Normalizer;

pub(super) const LETTER: u8 = 1;
const DIGIT: u8 = 2;
pub(super) const DOT: u8 = 4;
const SPECIAL: u8 = 8; // : / \ @ [ ( { % and friends: worth a closer look
pub(super) const PUNCT: u8 = 16; // , ; ! ? ' ) ] } and the like: never alone an indicator
const BSLASH: u8 = 32;

/// Class of each byte; 0 means "delimiter" (not part of any token).
pub(super) static CLASS: [u8; 256] = {
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

/// Per byte: its [`CLASS`] (bits 0-7), its refang marks (`normalize::MARK`,
/// bits 8-15) and its shape flags (`classify::SHAPE`, bits 16-31), so one
/// lookup per byte of a word gives all three ORs: the normalizer and the
/// classifier need not pass over the word again.
static WORD: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = CLASS[c] as u32 | (MARK[c] as u32) << 8 | (SHAPE[c] as u32) << 16;
        c += 1;
    }
    t
};

/// The flags of a whole word as found by the scan (see [`WORD`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct WordFlags(u32);

impl WordFlags {
    /// The refang marks OR-ed over the word.
    pub(crate) fn marks(self) -> u8 {
        (self.0 >> 8) as u8
    }

    /// The shape flags OR-ed over the word.
    pub(crate) fn shape(self) -> u16 {
        (self.0 >> 16) as u16
    }
}

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

pub(super) fn starts_ci(b: &[u8], at: usize, pat: &[u8]) -> bool {
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

fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// A free-standing defang at `k`: a bracketed `.` / `dot` / `@` / `at`
/// (blanks allowed inside: `[ . ]`; `dot` and `at` need a closing
/// bracket), `\.` or `@`. Returns its end.
pub(super) fn joint(b: &[u8], k: usize) -> Option<usize> {
    match *b.get(k)? {
        b'[' | b'(' | b'{' => {
            let mut j = k;
            while j < b.len() && j - k < 12 && (b"[({".contains(&b[j]) || is_blank(b[j])) {
                j += 1;
            }
            let word = if starts_ci(b, j, b"dot") {
                3
            } else if starts_ci(b, j, b"at") {
                2
            } else if matches!(b.get(j), Some(b'.' | b'@')) {
                1
            } else {
                return None;
            };
            let mut m = j + word;
            let mut closes = 0;
            while m < b.len() && m - j < 16 && (b"])}".contains(&b[m]) || is_blank(b[m])) {
                closes += usize::from(!is_blank(b[m]));
                m += 1;
            }
            while m > j + word && is_blank(b[m - 1]) {
                m -= 1;
            }
            (closes > 0 || word == 1).then_some(m)
        }
        b'\\' if b.get(k + 1) == Some(&b'.') => Some(k + 2),
        b'@' => Some(k + 1),
        _ => None,
    }
}

/// The cheap test before [`spaced_defang`]: whether the word ending at
/// `e` is followed by a space and either ends in a byte that may end a
/// defang or is followed (after blanks) by one that may start one. Most
/// words followed by a space have neither.
#[inline]
pub(super) fn may_join(b: &[u8], e: usize) -> bool {
    if b.get(e) != Some(&b' ') || e == 0 {
        return false;
    }
    let mut k = e + 1;
    while k < b.len() && k - e < 8 && is_blank(b[k]) {
        k += 1;
    }
    let Some(&next) = b.get(k) else {
        return false;
    };
    matches!(next, b'[' | b'(' | b'{' | b'\\' | b'@' | b'.' | b'/')
        || matches!(b[e - 1], b'@' | b'/' | b']' | b')' | b'}')
}

/// Whether word `w` ends in a defang that joins it to the next word
/// (`a[.]b[.]`, `user@`, `http://`).
fn ends_in_joint(w: &[u8]) -> bool {
    if w.ends_with(b"@") || w.ends_with(b"//") && w.contains(&b':') {
        return true;
    }
    let body = w.len() - w.iter().rev().take_while(|c| b"])}".contains(c)).count();
    body < w.len()
        && body > 0
        && matches!(w[body - 1], b'.' | b'@')
        && w[..body - 1]
            .iter()
            .rev()
            .take(4)
            .any(|c| b"[({".contains(c))
}

/// Extends the word `s..e` across blanks where a defang joins it to the
/// next word: `example [.] com`, `a[.]b[.] example[.]com`, `test \. com`,
/// `user @ example[.]com`, `http:// example .com /x` (after a spaced
/// scheme, ` .tld` and ` /path` join too). Prose such as `the server .
/// com` has no defang and stays apart. Returns the new end.
pub(super) fn spaced_defang(b: &[u8], s: usize, mut e: usize) -> Option<usize> {
    let n = b.len();
    if e <= s || !may_join(b, e) {
        return None;
    }
    let mut merged = false;
    let mut spaced_scheme = false;
    for _ in 0..16 {
        if b.get(e) != Some(&b' ') {
            break;
        }
        let mut k = e;
        while k < n && k - e < 8 && is_blank(b[k]) {
            k += 1;
        }
        let Some(&next) = b.get(k) else { break };
        let word = &b[s..e];
        if ends_in_joint(word) && next.is_ascii_alphanumeric() {
            spaced_scheme |= word.ends_with(b"//");
            e = word_end(b, k);
            merged = true;
            continue;
        }
        if let Some(je) = joint(b, k) {
            if !b[e - 1].is_ascii_alphanumeric() {
                break;
            }
            let mut m = je;
            while m < n && m - je < 8 && is_blank(b[m]) {
                m += 1;
            }
            if !b.get(m).is_some_and(u8::is_ascii_alphanumeric) {
                break;
            }
            e = word_end(b, m);
            merged = true;
            continue;
        }
        // After a scheme: ` .tld` while the host is not over, and after a
        // spaced scheme ` /path` too.
        let tld = next == b'.' && b.get(k + 1).is_some_and(u8::is_ascii_alphabetic);
        let host_open =
            || memchr::memmem::find(word, b"://").is_some_and(|p| !word[p + 3..].contains(&b'/'));
        if tld && host_open() || spaced_scheme && next == b'/' {
            e = word_end(b, k);
            merged = true;
            spaced_scheme = true;
            continue;
        }
        break;
    }
    merged.then_some(e)
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
        let norm = &mut self.norm;
        scan_groups::<FAST>(text, from, limit, |s, e, spaced| {
            norm.run(text.get(s..e).unwrap_or(""), spaced);
            f(s, e, norm);
        })
    }
}

/// What the scan hands its candidate groups to.
pub(crate) trait GroupSink {
    /// One candidate group `start..end` (`spaced`: a multi-word group,
    /// whose ` dot ` / ` at ` are defangs); `word`: the flags of the group
    /// when it is exactly one word.
    fn group(&mut self, start: usize, end: usize, spaced: bool, word: Option<WordFlags>);

    /// Whether `word`, as a group of its own, is known to yield nothing:
    /// the prose skip then passes over it without handing it on.
    fn known_empty(&self, _word: &[u8]) -> bool {
        false
    }
}

impl<F: FnMut(usize, usize, bool)> GroupSink for F {
    fn group(&mut self, start: usize, end: usize, spaced: bool, _word: Option<WordFlags>) {
        self(start, end, spaced)
    }
}

/// The scan itself: hands each candidate group to `sink` and leaves
/// refanging to it. `FAST` enables the prose skip.
pub(crate) fn scan_groups<const FAST: bool>(
    text: &str,
    from: usize,
    limit: usize,
    mut sink: impl GroupSink,
) -> usize {
    let b = text.as_bytes();
    let n = b.len();
    let mut i = from;
    // Word starts below this were already covered by `skip_prose`.
    let mut skipped_to = 0;
    // A word start `skip_prose` found to need a closer look.
    let mut closer_look = usize::MAX;
    loop {
        while i < n && CLASS[b[i] as usize] == 0 {
            i += 1;
        }
        if i >= n || i >= limit {
            return i.min(n);
        }
        if FAST {
            if i >= skipped_to {
                let (j, stop, closer) = skip_prose(b, i, limit, &sink);
                skipped_to = stop + 1;
                if closer {
                    closer_look = j;
                }
                if j != i {
                    i = j;
                    continue;
                }
            }
            if i != closer_look {
                if let Some(end) = plain_word(b, i) {
                    i = end;
                    continue;
                }
            }
        }
        let s = i;
        let mut flags = 0u32;
        while i < n {
            let w = WORD[b[i] as usize];
            if w & 0xff == 0 {
                break;
            }
            flags |= w;
            i += 1;
        }
        let m = flags as u8;
        let mut e = i;
        let mut spaced = false;
        // Multi-word shapes start with a space after the word.
        if b.get(e) == Some(&b' ') && e + 1 < n {
            let lead = b[s..e].iter().take_while(|c| b"([{'".contains(c)).count();
            let w = &b[s + lead..e];
            let nx = b[e + 1] | 0x20;
            // The cheap test first: is the keyword there at all?
            if nx == b'd' {
                if spelled_join(b, e, b"dot").is_some()
                    && !STOP.iter().any(|st| w.eq_ignore_ascii_case(st))
                {
                    while let Some(ne) = spelled_join(b, e, b"dot") {
                        e = ne;
                        spaced = true;
                    }
                }
            } else if nx == b'a' {
                let at = spelled_join(b, e, b"at").filter(|_| {
                    w.iter()
                        .all(|&c| c.is_ascii_alphanumeric() || b"._-+".contains(&c))
                });
                if let Some(ne) = at {
                    // Accept `x at y` only when the right side is defanged too.
                    let mut end = ne;
                    let mut dotted = false;
                    let first = &b[e + 4..word_end(b, e + 4)];
                    let stop_word = STOP.iter().any(|st| first.eq_ignore_ascii_case(st));
                    while let Some(ne2) = spelled_join(b, end, b"dot").filter(|_| !stop_word) {
                        end = ne2;
                        dotted = true;
                    }
                    let right = &b[e..end];
                    if dotted || right.iter().any(|c| b"[({".contains(c)) {
                        e = end;
                        spaced = true;
                    }
                }
            } else if (w == b"AS" || w.eq_ignore_ascii_case(b"ASN")) && b[e + 1].is_ascii_digit() {
                e = word_end(b, e + 1);
                spaced = true;
            }
            if !spaced && may_join(b, e) {
                if let Some(ne) = spaced_defang(b, s, e) {
                    e = ne;
                    spaced = true;
                }
            }
        }
        if spaced {
            i = e;
        } else {
            // A dot before the last byte (a word that does not end in `.`
            // has its dot before the end).
            let inner_dot = m & DOT != 0 && (b[e - 1] != b'.' || b[s..e - 1].contains(&b'.'));
            let interesting = m & (DIGIT | SPECIAL) != 0 || inner_dot;
            if !interesting {
                continue;
            }
            if m & BSLASH != 0 && is_path_start(&b[s..e]) {
                e = extend_path(b, e, s);
                i = e;
            }
        }
        let word = (!spaced && e == i).then_some(WordFlags(flags));
        sink.group(s, e, spaced, word);
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

    /// Mostly plain words (so the 16-byte prose skip runs across many
    /// blocks), with the shapes that stop it.
    const PROSE: [&str; 24] = [
        "the", "actor", "deployed", "a", "loader", "and", "data", "Dot", "dot", "at", "AT", "AS",
        "word.", "x,", "(see", "e.g.", "2.1.4", "13335", "é", "evil", "com", "ab'c", "do", "ad",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// Long runs of prose: the block skip finds exactly the groups of the
        /// byte-by-byte scan, whatever the limit.
        #[test]
        fn fast_scan_equals_plain_scan_on_prose(
            parts in proptest::collection::vec((0..PROSE.len() * 4, 0..6usize), 0..120),
            cut in 0..800usize,
        ) {
            let mut t = String::new();
            for (p, sep) in parts {
                // Three in four words are plain lower-case words.
                t.push_str(if p < PROSE.len() { PROSE[p] } else { PROSE[p % 3] });
                t.push_str([" ", " ", " ", "\n", "\t", ""][sep]);
            }
            let limit = cut.min(t.len());
            proptest::prop_assert_eq!(
                groups_with::<true>(&t, 0, limit),
                groups_with::<false>(&t, 0, limit)
            );
            proptest::prop_assert_eq!(
                groups_with::<true>(&t, 0, t.len()),
                groups_with::<false>(&t, 0, t.len())
            );
        }
    }

    /// Every shape at every position around the 16-byte blocks of the
    /// prose skip, at the end of the text and before more prose.
    #[test]
    fn shapes_across_block_boundaries() {
        let shapes = [
            "evil dot com",
            "bob at evil[.]com",
            "AS 13335",
            "x dot y dot z",
            "word. e.g. more",
            "w 1.2.3.4",
            "example [.] com",
            "a[.]b[.] example[.]com",
            "user @ evil[.]com",
            "test \\. example \\. com",
            "http:// x .com /y",
            "word (see) [1] x",
        ];
        for lead in 0..40 {
            for shape in shapes {
                for tail in ["", " and some more plain words here", "\nx"] {
                    let t = format!("{} {shape}{tail}", "q".repeat(lead));
                    for limit in [t.len(), t.len().saturating_sub(5), lead + 3] {
                        assert_eq!(
                            groups_with::<true>(&t, 0, limit),
                            groups_with::<false>(&t, 0, limit),
                            "{t:?} {limit}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn spaced_defangs_join_only_around_a_defang() {
        assert_eq!(
            groups("at example [.] com now"),
            ["example [.] com|example.com"]
        );
        assert_eq!(
            groups("mail user @ evil.com"),
            ["user @ evil.com|user@evil.com"]
        );
        assert_eq!(
            groups("go http:// evil .com /x now"),
            ["http:// evil .com /x|http://evil.com/x"]
        );
        assert_eq!(
            groups("test \\. example"),
            ["test \\. example|test.example"]
        );
        assert!(groups("the server . com is down").is_empty());
        assert_eq!(groups("a word (see above) and more"), ["(see|(see"]);
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
