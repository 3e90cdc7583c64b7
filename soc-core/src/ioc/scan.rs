//! The single linear pass: splits text into candidate tokens.
//!
//! A byte-class table splits the text at whitespace, quotes, angle brackets
//! and non-ASCII bytes (so every reported offset is a char boundary). Words
//! of plain letters and punctuation (most of any prose) are skipped after
//! one look at each byte. The rest, plus a few multi-word shapes (`evil dot
//! com`, `bob at evil dot com`, `AS 13335`, `C:\Program Files\x.exe`), are
//! handed on as *groups*, refanged by the [`Normalizer`].

use super::normalize::{Normalizer, MARK};
use super::prose::{plain_word, skip_prose};
use super::shape::{word_end, BSLASH, CLASS, DIGIT, DOT, SHAPE, SPECIAL};
use super::spaced::{extend_path, is_path_start, may_join, spaced_defang, spelled_join, STOP};

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
                let (j, stop, closer) = skip_prose(b, i, limit, &|w: &[u8]| sink.known_empty(w));
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
