//! The per-token refanger: [`Normalizer`] rewrites one candidate token
//! (`evil[.]com`, `hxxp://`, `bob at evil dot com`) and maps every output
//! byte back to its offset in the raw token.

use super::shape::{find, is_blank, SEPARATORS};

/// Refangs one candidate token into a reusable buffer, keeping an offset map.
#[derive(Debug, Default)]
pub(crate) struct Normalizer {
    /// The refanged text (always ASCII: tokens never contain other bytes).
    pub(crate) out: String,
    /// The offset map as segments `(output start, raw start, copied)`, in
    /// order: a copied segment maps byte for byte, a replaced unit maps all
    /// its output bytes to the unit's raw start (empty when `identity`).
    segs: Vec<(usize, usize, bool)>,
    /// Length of the raw token.
    raw_len: usize,
    /// Whether anything was rewritten.
    pub(crate) changed: bool,
    /// Whether `out` may hold a `:` (false: it holds none).
    pub(crate) colon: bool,
    /// `out` holds no piece separator ([`SEPARATORS`]) and no backslash:
    /// the whole group is one piece.
    pub(crate) unsplit: bool,
    /// `out` has the same length as the raw token and `map` is unused (the
    /// identity map).
    identity: bool,
}

const OPEN: [u8; 3] = [b'[', b'(', b'{'];
const CLOSE: [u8; 3] = [b']', b')', b'}'];

/// Matches a bracketed defang at `i` (`[.]`, `((dot]]`, `[://]`, `[@]`,
/// `[at]`, blanks inside as in `[ . ]`): returns the replacement and the
/// raw length consumed. A `.` or `/` may lack its closing bracket
/// (`example[.com`) when a letter or digit is on both sides.
fn bracketed(raw: &[u8], i: usize) -> Option<(&'static str, usize)> {
    let mut j = i;
    while j < raw.len() && j - i < 12 && (OPEN.contains(&raw[j]) || is_blank(raw[j])) {
        j += 1;
    }
    if j == i || !OPEN.contains(&raw[i]) {
        return None;
    }
    let rest = &raw[j..];
    let (rep, len): (&'static str, usize) = if rest.starts_with(b"://") {
        ("://", 3)
    } else if rest.first() == Some(&b'.') {
        (".", 1)
    } else if rest.first() == Some(&b':') {
        (":", 1)
    } else if rest.first() == Some(&b'@') {
        ("@", 1)
    } else if rest.first() == Some(&b'/') {
        ("/", 1)
    } else {
        spelled_word(rest)?
    };
    let mut k = j + len;
    let close_start = k;
    let mut closes = 0;
    while k < raw.len() && k - close_start < 12 && (CLOSE.contains(&raw[k]) || is_blank(raw[k])) {
        closes += usize::from(CLOSE.contains(&raw[k]));
        k += 1;
    }
    // Blanks after the last close are not part of the unit.
    while k > close_start && is_blank(raw[k - 1]) {
        k -= 1;
    }
    if closes > 0 {
        return Some((rep, k - i));
    }
    let unclosed_ok = len == 1
        && matches!(rep, "." | "/")
        && i > 0
        && (raw[i - 1].is_ascii_alphanumeric() || is_blank(raw[i - 1]))
        && raw.get(j + len).is_some_and(u8::is_ascii_alphanumeric);
    (unclosed_ok || len == 3 && rep == "." && unclosed_dot(raw, i, j + 3))
        .then_some((rep, j + len - i))
}

/// `dot` or `at` (any case) at the start of `rest`: its replacement and
/// length.
fn spelled_word(rest: &[u8]) -> Option<(&'static str, usize)> {
    if rest.len() >= 3 && rest[..3].eq_ignore_ascii_case(b"dot") {
        Some((".", 3))
    } else if rest.len() >= 2 && rest[..2].eq_ignore_ascii_case(b"at") {
        Some(("@", 2))
    } else {
        None
    }
}

/// An unclosed `[dot` at `i` (`example[dotcom/x`), the letters after it
/// starting at `r`: a defang when a word byte is before it and the letters
/// after it are not closed (`[dotnet]` is not `.net]`).
fn unclosed_dot(raw: &[u8], i: usize, r: usize) -> bool {
    let letters = raw[r..]
        .iter()
        .take_while(|c| c.is_ascii_alphabetic())
        .count();
    i > 0
        && raw[i - 1].is_ascii_alphanumeric()
        && letters >= 2
        && raw
            .get(r + letters)
            .is_none_or(|c| !CLOSE.contains(c) && !c.is_ascii_alphanumeric())
}

/// `dot]` (closing brackets without an opening one, `exampledot]com`) at
/// `i - 3`, `i` on the first bracket: the raw end of the unit.
fn dot_close(raw: &[u8], i: usize) -> Option<usize> {
    if i < 4 || !raw[i - 3..i].eq_ignore_ascii_case(b"dot") || !raw[i - 4].is_ascii_alphanumeric() {
        return None;
    }
    // `[anecdot]co` is a bracketed word, not a defang.
    let word = raw[..i - 3]
        .iter()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-'))
        .count();
    if i - 3 > word && OPEN.contains(&raw[i - 3 - word - 1]) {
        return None;
    }
    let closes = raw[i..].iter().take_while(|c| CLOSE.contains(c)).count();
    (closes > 0 && raw.get(i + closes).is_some_and(u8::is_ascii_alphanumeric)).then_some(i + closes)
}

/// iocextract's `http__example.com` (a scheme, then `__` for `://`) at
/// `i` (the first `_`): the scheme is a whole word before it and a word
/// byte follows.
fn underscore_scheme(raw: &[u8], i: usize) -> Option<(&'static str, usize)> {
    if !raw[i..].starts_with(b"__") || !raw.get(i + 2).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    let s = i - raw[..i]
        .iter()
        .rev()
        .take_while(|c| c.is_ascii_alphabetic())
        .count();
    let word = &raw[s..i];
    let whole = s == 0 || !raw[s - 1].is_ascii_alphanumeric() && raw[s - 1] != b'_';
    let scheme = SCHEMES.iter().any(|(bad, good)| {
        word.eq_ignore_ascii_case(bad) || word.eq_ignore_ascii_case(good.as_bytes())
    });
    (whole && scheme).then_some(("://", 2))
}

/// Closing brackets right after a `.` (`example.]com`, `10.)))10`): dropped.
fn stray_close(raw: &[u8], i: usize) -> Option<(&'static str, usize)> {
    if i == 0 || raw[i - 1] != b'.' {
        return None;
    }
    let mut k = i;
    while k < raw.len() && k - i < 8 && CLOSE.contains(&raw[k]) {
        k += 1;
    }
    raw.get(k)
        .is_some_and(u8::is_ascii_alphanumeric)
        .then_some(("", k - i))
}

/// Blanks next to a defang inside a merged group (`example [.] com`,
/// `user @ example.com`, `http:// example .com /x`): dropped.
fn loose_blanks(raw: &[u8], i: usize) -> Option<(&'static str, usize)> {
    let mut k = i;
    while k < raw.len() && is_blank(raw[k]) {
        k += 1;
    }
    let next = raw.get(k).copied().unwrap_or(b' ');
    let prev = if i > 0 { raw[i - 1] } else { b' ' };
    let joined = matches!(next, b'[' | b'(' | b'{' | b'\\' | b'@' | b'.' | b'/')
        || matches!(prev, b']' | b')' | b'}' | b'@' | b'.' | b'/');
    (joined && k > i).then_some(("", k - i))
}

/// Matches ` dot ` / ` at ` (one or more spaces or tabs around) at `i`.
fn spelled(raw: &[u8], i: usize) -> Option<(&'static str, usize)> {
    let is_sp = |c: u8| c == b' ' || c == b'\t';
    let mut j = i;
    while j < raw.len() && is_sp(raw[j]) {
        j += 1;
    }
    if j == i {
        return None;
    }
    let (rep, len) = spelled_word(&raw[j..])?;
    let mut k = j + len;
    let after = k;
    while k < raw.len() && is_sp(raw[k]) {
        k += 1;
    }
    (k > after).then_some((rep, k - i))
}

/// The defang unit starting at `i` (`[.]`, `\\.` between word bytes, and
/// ` dot ` / ` at ` when `spaced`): its replacement and raw length.
fn unit_at(raw: &[u8], i: usize, spaced: bool) -> Option<(&'static str, usize)> {
    match raw.get(i)? {
        b'[' | b'(' | b'{' => bracketed(raw, i),
        b'\\' if i > 0 && raw[i - 1].is_ascii_alphanumeric() || spaced => {
            // `\.`, also after a run of backslashes (`10\\\\.10`).
            let mut k = i;
            while k < raw.len() && k - i < 16 && raw[k] == b'\\' {
                k += 1;
            }
            let ok = raw.get(k) == Some(&b'.')
                && raw
                    .get(k + 1)
                    .is_some_and(|&c| c.is_ascii_alphanumeric() || spaced && is_blank(c));
            ok.then_some((".", k + 1 - i))
        }
        b']' | b')' | b'}' => stray_close(raw, i),
        b'_' => underscore_scheme(raw, i),
        b' ' | b'\t' if spaced => spelled(raw, i).or_else(|| loose_blanks(raw, i)),
        _ => None,
    }
}

const MARK_BRACKET: u8 = 1;
const MARK_COLON: u8 = 2;
const MARK_BLANK: u8 = 4;
const MARK_SEP: u8 = 8;
const MARK_UNDERSCORE: u8 = 16;

/// Bytes that can start a defang (`[`, `(`, `{`, `\`, and blanks before a
/// spelled-out ` dot `) or a scheme (`:`), and piece separators (the
/// scanner ORs these over whole words as it finds them: see `scan::WORD`).
pub(super) static MARK: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b'[' as usize] = MARK_BRACKET;
    t[b'(' as usize] = MARK_BRACKET;
    t[b'{' as usize] = MARK_BRACKET;
    t[b'\\' as usize] = MARK_BRACKET;
    t[b']' as usize] = MARK_BRACKET;
    t[b')' as usize] = MARK_BRACKET;
    t[b'}' as usize] = MARK_BRACKET;
    t[b':' as usize] = MARK_COLON;
    t[b' ' as usize] = MARK_BLANK;
    t[b'\t' as usize] = MARK_BLANK;
    t[b'_' as usize] = MARK_UNDERSCORE;
    let mut k = 0;
    while k < SEPARATORS.len() {
        t[SEPARATORS[k] as usize] |= MARK_SEP;
        k += 1;
    }
    t
};

/// Defanged scheme spellings and their refanged form (same length).
const SCHEMES: [(&[u8], &str); 7] = [
    (b"hxxps", "https"),
    (b"hxxp", "http"),
    (b"hxtps", "https"),
    (b"hxtp", "http"),
    (b"fxps", "ftps"),
    (b"fxp", "ftp"),
    (b"ftx", "ftp"),
];

impl Normalizer {
    /// Refangs `raw`; `spaced` enables ` dot ` / ` at ` (for merged groups).
    pub(crate) fn run(&mut self, raw_text: &str, spaced: bool) {
        self.run_marked(raw_text, spaced, None);
    }

    /// [`Normalizer::run`], with the [`MARK`] flags of `raw_text` OR-ed
    /// together when the caller already has them.
    pub(crate) fn run_marked(&mut self, raw_text: &str, spaced: bool, marks: Option<u8>) {
        // Slices of `raw_text` below start and end at ASCII bytes (units and
        // runs are ASCII), so `get` never misses on a scanner token.
        let piece = |a: usize, b: usize| raw_text.get(a..b).unwrap_or("");
        let raw = raw_text.as_bytes();
        self.out.clear();
        self.segs.clear();
        self.raw_len = raw.len();
        self.changed = false;
        // Fast path: no bracket or backslash (and no spelled-out forms) means
        // nothing but a scheme can change, and schemes keep their length:
        // copy the token and leave the offset map as the identity.
        // Tokens are short: one table pass beats three `memchr` calls.
        let flags = marks.unwrap_or_else(|| raw.iter().fold(0u8, |f, &c| f | MARK[c as usize]));
        // `http__host`: only where the `__` follows a scheme.
        let underscore = flags & MARK_UNDERSCORE != 0
            && find(raw, b"__").is_some_and(|p| underscore_scheme(raw, p).is_some());
        // Every `:` of the output comes from a `:` of the input or a `__`.
        self.colon = flags & MARK_COLON != 0 || underscore;
        if !spaced && flags & MARK_BRACKET == 0 && !underscore {
            self.out.push_str(raw_text);
            self.identity = true;
            // Schemes only change letters: separators stay as they are.
            self.unsplit = flags & MARK_SEP == 0;
            if flags & MARK_COLON != 0 {
                self.fix_schemes();
            }
            return;
        }
        self.identity = false;
        self.unsplit = false;
        // Bytes that may start a unit; runs of other bytes are copied whole.
        let mut unit_start = if spaced {
            MARK_BRACKET | MARK_BLANK
        } else {
            MARK_BRACKET
        };
        if underscore {
            unit_start |= MARK_UNDERSCORE;
        }
        let mut i = 0;
        while i < raw.len() {
            let run = raw[i..]
                .iter()
                .position(|&c| MARK[c as usize] & unit_start != 0)
                .unwrap_or(raw.len() - i);
            if run > 0 {
                self.segs.push((self.out.len(), i, true));
                self.out.push_str(piece(i, i + run));
                i += run;
                continue;
            }
            if let Some(end) = dot_close(raw, i).filter(|_| self.ends_copied(i - 3)) {
                // The `dot` was copied with the run before: replace it.
                self.out.truncate(self.out.len() - 3);
                if self.segs.last().is_some_and(|seg| seg.0 == self.out.len()) {
                    self.segs.pop();
                }
                self.segs.push((self.out.len(), i - 3, false));
                self.out.push('.');
                self.changed = true;
                i = end;
                continue;
            }
            let unit = unit_at(raw, i, spaced);
            match unit {
                Some((rep, len)) => {
                    self.segs.push((self.out.len(), i, false));
                    self.out.push_str(rep);
                    self.changed = true;
                    i += len;
                }
                None => {
                    self.segs.push((self.out.len(), i, true));
                    self.out.push_str(piece(i, i + 1));
                    i += 1;
                }
            }
        }
        self.fix_schemes();
    }

    /// Whether the output ends with raw bytes `from..` copied as they were
    /// (one copied segment).
    fn ends_copied(&self, from: usize) -> bool {
        self.segs
            .last()
            .is_some_and(|&(_, raw_start, copied)| copied && raw_start <= from)
    }

    /// Rewrites `hxxp://` and friends in place (same length, map unchanged).
    fn fix_schemes(&mut self) {
        let mut from = 0;
        while let Some(p) = find(&self.out.as_bytes()[from..], b"://").map(|p| p + from) {
            let out = self.out.as_bytes();
            let mut s = p;
            while s > 0 && out[s - 1].is_ascii_alphabetic() {
                s -= 1;
            }
            let word = &out[s..p];
            for (bad, good) in SCHEMES {
                if word.len() >= bad.len()
                    && word[word.len() - bad.len()..].eq_ignore_ascii_case(bad)
                {
                    let at = p - bad.len();
                    self.out.replace_range(at..p, good);
                    self.changed = true;
                    break;
                }
            }
            from = p + 3;
        }
    }

    /// The raw offset (relative to the token) of output offset `k`.
    pub(crate) fn raw_at(&self, k: usize) -> usize {
        if self.identity {
            return k.min(self.out.len());
        }
        if k >= self.out.len() {
            return self.raw_len;
        }
        // Few segments: the last one starting at or before `k`.
        match self.segs.iter().rev().find(|seg| seg.0 <= k) {
            Some(&(o, r, true)) => r + (k - o),
            Some(&(_, r, false)) => r,
            None => 0,
        }
    }

    /// The refanged text as `&str` (always ASCII).
    pub(crate) fn text(&self) -> &str {
        &self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str, spaced: bool) -> (String, bool) {
        let mut n = Normalizer::default();
        n.run(s, spaced);
        (n.text().to_string(), n.changed)
    }

    #[test]
    fn bracket_forms() {
        for (raw, want) in [
            ("evil[.]com", "evil.com"),
            ("evil(.)com", "evil.com"),
            ("evil{.}com", "evil.com"),
            ("evil[dot]com", "evil.com"),
            ("evil(DOT)com", "evil.com"),
            ("10(((.]]]10", "10.10"),
            ("evil\\.com", "evil.com"),
            ("http[:]//x", "http://x"),
            ("http[://]x", "http://x"),
            ("a[@]b", "a@b"),
            ("a[at]b", "a@b"),
            ("a(AT)b", "a@b"),
            ("hXXps://x", "https://x"),
            ("HXXP://x", "http://x"),
            ("fxp://x", "ftp://x"),
        ] {
            assert_eq!(norm(raw, false), (want.to_string(), true), "{raw}");
        }
        assert_eq!(norm("(see)", false), ("(see)".to_string(), false));
        assert!(!norm("\\\\.\\pipe", false).1);
    }

    #[test]
    fn spelled_forms_only_in_groups() {
        assert_eq!(norm("evil dot com", true).0, "evil.com");
        assert_eq!(norm("bob AT evil DOT com", true).0, "bob@evil.com");
        assert_eq!(norm("evil dot com", false).0, "evil dot com");
    }

    #[test]
    fn map_points_into_raw() {
        let mut n = Normalizer::default();
        n.run("a[.]b", false);
        assert_eq!(n.text(), "a.b");
        assert_eq!(
            (n.raw_at(0), n.raw_at(1), n.raw_at(2), n.raw_at(3)),
            (0, 1, 4, 5)
        );
    }

    /// The per-byte offset map as first written, for the property test.
    fn map_reference(raw: &[u8], spaced: bool) -> (Vec<u8>, Vec<usize>) {
        let (mut out, mut map) = (Vec::new(), Vec::new());
        let mut i = 0;
        while i < raw.len() {
            let unit = unit_at(raw, i, spaced);
            let (rep, len) = unit
                .map(|(r, l)| (r.as_bytes(), l))
                .unwrap_or((&raw[i..=i], 1));
            for &r in rep {
                out.push(r);
                map.push(i);
            }
            i += len;
        }
        map.push(raw.len());
        (out, map)
    }

    proptest::proptest! {
        /// The segment map gives every offset the per-byte map gives.
        #[test]
        fn segments_match_per_byte_map(
            raw in "([a-z0-9:/@.]{0,3}|\\[\\.\\]|\\(dot\\)|\\[@\\]|\\[:\\]|\\[|\\(|\\\\\\.| dot | at |hxxp://){0,8}",
            spaced: bool,
        ) {
            let mut n = Normalizer::default();
            n.run(&raw, spaced);
            let (out, map) = map_reference(raw.as_bytes(), spaced);
            // Schemes are rewritten in place, so compare lengths only there.
            proptest::prop_assert_eq!(n.out.len(), out.len());
            for k in 0..out.len() + 3 {
                proptest::prop_assert_eq!(n.raw_at(k), map[k.min(map.len() - 1)], "{}", k);
            }
        }
    }

    #[test]
    fn plain_tokens_map_to_themselves() {
        let mut n = Normalizer::default();
        n.run("a[.]b", false);
        n.run("hXXp://a.b", false);
        assert_eq!((n.text(), n.changed), ("http://a.b", true));
        assert_eq!(
            (n.raw_at(0), n.raw_at(4), n.raw_at(10), n.raw_at(99)),
            (0, 4, 10, 10)
        );
        n.run("1.2.3.4", false);
        assert_eq!((n.text(), n.changed), ("1.2.3.4", false));
        assert_eq!(n.raw_at(7), 7);
    }
}
