//! Classification of one refanged candidate group by its shape.
//!
//! Cheap checks come first (what bytes it holds, how long it is, how it
//! starts); the validators in [`super::validate`] and [`super::coins`] run
//! only on candidates that already have the right shape.

use std::borrow::Cow;

use super::collect::Collector;
use super::normalize::Normalizer;
use super::shape::{
    find, is_sep, starts_ci, SHAPE, S_AT, S_COLON, S_DASH, S_DOT, S_NOT_DIGITS, S_NOT_HEX,
    S_PERCENT, S_SLASH, S_UPPER,
};
use super::{altcoins, coins, validate as v};
use crate::model::IndicatorKind as K;

/// Schemes taken alone when glued to a word before them (`wordshttp://`),
/// longest first.
const KNOWN_SCHEMES: [&[u8]; 5] = [b"https", b"sftp", b"ftps", b"http", b"ftp"];

/// The classifier for one group: the refanged bytes and where they came from.
pub(crate) struct Group<'a> {
    /// The whole (chunk) text.
    pub(crate) text: &'a str,
    /// Start of the group in `text`.
    pub(crate) start: usize,
    /// The refanged group.
    pub(crate) norm: &'a Normalizer,
    /// [`SHAPE`] flags OR-ed over the whole refanged group, when the
    /// scanner already has them.
    pub(crate) shape: Option<u16>,
}

impl Group<'_> {
    pub(super) fn t(&self) -> &[u8] {
        self.norm.out.as_bytes()
    }

    /// The refanged range `a..b` as text (the refanged group is ASCII, so
    /// every in-bounds range is one).
    pub(super) fn st(&self, a: usize, b: usize) -> &str {
        self.norm.out.get(a..b).unwrap_or("")
    }

    /// Emits `value` for refanged range `a..b`.
    pub(super) fn emit<'v, V: Into<Cow<'v, str>>>(
        &self,
        out: &mut Collector,
        kind: K,
        value: V,
        a: usize,
        b: usize,
        from_url: bool,
    ) {
        out.tried += 1;
        if !out.wants(kind) {
            return;
        }
        let rs = self.start + self.norm.raw_at(a);
        let mut re = self.start + self.norm.raw_at(b);
        // Blanks dropped from a spaced defang (`example .com /x`) at the end.
        while re > rs && matches!(self.text.as_bytes()[re - 1], b' ' | b'\t') {
            re -= 1;
        }
        let raw = &self.text[rs..re];
        let defanged = raw.as_bytes() != &self.t()[a..b];
        out.emit(kind, value, raw, rs, re, defanged, from_url);
    }

    /// Emits `value` for the raw text range `rs..re` (offsets into `text`),
    /// for kinds found by looking past the group (`CVE 2014-1001`, user agents).
    pub(super) fn emit_raw<'v, V: Into<Cow<'v, str>>>(
        &self,
        out: &mut Collector,
        kind: K,
        value: V,
        rs: usize,
        re: usize,
    ) {
        out.tried += 1;
        out.looked_around = true;
        if out.wants(kind) {
            let raw = self.text.get(rs..re).unwrap_or("");
            out.emit(kind, value, raw, rs, re, false, false);
        }
    }

    /// Whether the group holds byte `c` (shape flag `bit`): from the
    /// scanner's flags when it has them.
    fn holds(&self, bit: u16, c: u8) -> bool {
        match self.shape {
            Some(f) => f & bit != 0,
            None => memchr::memchr(c, self.t()).is_some(),
        }
    }

    /// Classifies the whole group.
    pub(crate) fn classify(&self, out: &mut Collector) {
        let t = self.t();
        let lead = t.iter().take_while(|c| b"([{'".contains(c)).count();
        let rest = &t[lead..];
        if rest.starts_with(b"AS ") || rest.starts_with(b"ASN ") || starts_ci(rest, 0, b"asn ") {
            let end = t
                .iter()
                .rposition(u8::is_ascii_digit)
                .map_or(t.len(), |p| p + 1);
            if let Some(val) = v::asn(&t[lead..end]) {
                self.emit(out, K::Asn, val, lead, end, false);
            }
            return;
        }
        if !out.nested && self.holds(S_PERCENT, b'%') {
            self.percent_encoded(out);
        }
        match rest.first() {
            Some(b'M' | b'm' | b'O' | b'o') => self.user_agent(out, lead),
            Some(b'@') if self.quoted_email(out, lead) => return,
            _ => {}
        }
        let at = self.holds(S_AT, b'@');
        let slash = self.holds(S_SLASH, b'/');
        let mut pos = 0;
        while pos < t.len() {
            let scheme = if self.norm.colon {
                find(&t[pos..], b"://").map(|p| p + pos)
            } else {
                None
            };
            // An ARN has no `://`: look only before a scheme.
            let arn = if self.norm.colon {
                find(&t[pos..scheme.unwrap_or(t.len())], b"arn:").map(|p| p + pos)
            } else {
                None
            };
            let literal = if at { self.address_literal(pos) } else { None };
            let scheme_start = scheme.map(|p| {
                let mut ss = p;
                while ss > pos && (t[ss - 1].is_ascii_alphanumeric() || b"+.-".contains(&t[ss - 1]))
                {
                    ss -= 1;
                }
                while ss < p && !t[ss].is_ascii_alphabetic() {
                    ss += 1;
                }
                // `wordshttp://`: a well-known scheme glued to a word.
                let word = &t[ss..p];
                KNOWN_SCHEMES
                    .iter()
                    .find(|k| {
                        word.len() >= k.len()
                            && word[word.len() - k.len()..].eq_ignore_ascii_case(k)
                    })
                    .map_or(ss, |k| p - k.len())
            });
            let lim = [scheme_start, arn, literal.map(|l| l.0)]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(t.len());
            if slash && lim > pos {
                if let Some((hs, end)) = self.schemeless(out, pos, lim) {
                    self.pieces(out, pos, hs);
                    pos = end;
                    continue;
                }
            }
            if let Some(q) = arn.filter(|&q| q == lim) {
                if self.quoted_arn(out, q) {
                    self.pieces(out, pos, q);
                    break;
                }
                if let Some(len) = super::ids::arn_len(&t[q..]) {
                    self.pieces(out, pos, q);
                    self.emit(out, K::Arn, self.st(q, q + len), q, q + len, false);
                    pos = q + len;
                    continue;
                }
                self.pieces(out, pos, q + 4);
                pos = q + 4;
                continue;
            }
            if let Some((ls, le)) = literal.filter(|l| l.0 == lim) {
                self.pieces(out, pos, ls);
                self.emit_literal(out, ls, le);
                pos = le;
                continue;
            }
            if let (Some(p), Some(ss)) = (scheme, scheme_start) {
                self.pieces(out, pos, ss);
                pos = if ss < p { self.url(out, ss, p) } else { p + 3 };
                continue;
            }
            if t[pos..].contains(&b'\\') {
                if let Some(end) = self.windows_at(out, pos) {
                    pos = end;
                    continue;
                }
            }
            self.pieces(out, pos, t.len());
            break;
        }
    }

    /// Splits `a..b` at separators and classifies each piece.
    pub(super) fn pieces(&self, out: &mut Collector, a: usize, b: usize) {
        if self.norm.unsplit {
            if b > a {
                self.piece(out, a, b, 0);
            }
            return;
        }
        let t = self.t();
        let mut s = a;
        while s < b {
            while s < b && is_sep(t[s]) {
                s += 1;
            }
            let mut e = s;
            while e < b && !is_sep(t[e]) {
                e += 1;
            }
            if e > s {
                self.piece(out, s, e, 0);
            }
            s = e;
        }
    }

    /// Classifies one piece `a..b` (after trimming punctuation).
    fn piece(&self, out: &mut Collector, mut a: usize, mut b: usize, depth: u8) {
        let t = self.t();
        // Percent-escapes around a name (`%2Fevil.com%2F`) are not part of it.
        let esc =
            |k: usize| t[k] == b'%' && t[k + 1].is_ascii_hexdigit() && t[k + 2].is_ascii_hexdigit();
        while b - a > 3 && esc(a) {
            a += 3;
        }
        while b - a > 3 && esc(b - 3) {
            b -= 3;
        }
        // `::1` and `::ffff:...` start with colons.
        let v6_start =
            t[a..b].starts_with(b"::") && t.get(a + 2).is_some_and(u8::is_ascii_hexdigit);
        while !v6_start && a < b && !(t[a].is_ascii_alphanumeric() || matches!(t[a], b'/' | b'~')) {
            a += 1;
        }
        while b > a
            && matches!(
                t[b - 1],
                b'.' | b',' | b':' | b'?' | b'-' | b'_' | b'\'' | b'#' | b'@' | b'%'
            )
        {
            b -= 1;
        }
        if b - a < 3 {
            return;
        }
        let p = &t[a..b];
        // One table pass for every shape flag; counts only when needed.
        let f = match self.shape {
            Some(f) if a == 0 && b == t.len() => f,
            _ => p.iter().fold(0u16, |f, &c| f | SHAPE[c as usize]),
        };
        let count = |bit: u16, c: u8| {
            if f & bit != 0 {
                p.iter().filter(|&&x| x == c).count()
            } else {
                0
            }
        };
        // Presence from the flags; the counts only where a shape needs them.
        let (colon, dot) = (f & S_COLON != 0, f & S_DOT != 0);
        let (digits, hex) = (f & S_NOT_DIGITS == 0, f & S_NOT_HEX == 0);
        let (slash, at, dash) = (f & S_SLASH != 0, f & S_AT != 0, f & S_DASH != 0);
        if digits {
            if count(S_DOT, b'.') == 3 {
                self.ipv4_or_cidr(out, p, a, b);
            }
            return;
        }
        if hex {
            if !out.nested && p.len() >= 14 && self.hex_encoded(out, a, b) {
                return;
            }
            self.hash(out, f, a, b);
            return;
        }
        let c0 = p[0];
        if colon {
            if c0.is_ascii_digit() && count(S_COLON, b':') == 2 && v::ssdeep(p) {
                return self.emit(out, K::Ssdeep, self.st(a, b), a, b, false);
            }
            let addr = p.split(|&c| c == b'%').next().unwrap_or(p);
            if addr
                .iter()
                .all(|&c| c.is_ascii_hexdigit() || matches!(c, b':' | b'.' | b'/'))
            {
                if let Some(m) = v::mac(p) {
                    return self.emit(out, K::Mac, m, a, b, false);
                }
                if self.ipv6_or_cidr(out, p, a, b) {
                    return;
                }
            }
            if c0 | 0x20 == b'b' && altcoins::cashaddr(self.st(a, b)) {
                let val = self.st(a + 12, b).to_ascii_lowercase();
                return self.emit(out, K::Bch, val, a, b, false);
            }
        } else if p.len() == 17 && dash || p.len() == 14 && count(S_DOT, b'.') == 2 {
            if let Some(m) = v::mac(p) {
                return self.emit(out, K::Mac, m, a, b, false);
            }
        }
        let b64_shape = !dot && !colon && !at && f & S_UPPER != 0 && p.len() >= 16;
        if !out.nested && b64_shape && self.base64_encoded(out, a, b) {
            return;
        }
        if self.id_like(out, f, a, b) {
            return;
        }
        if (p.len() == 95 || p.len() == 106) && coins::is_xmr(self.st(a, b)) {
            return self.emit(out, K::Xmr, self.st(a, b), a, b, false);
        }
        if (c0 == b'/' || c0 == b'~') && v::posix_path(p) {
            return self.emit(out, K::FilePath, self.st(a, b), a, b, false);
        }
        if at {
            if let Some(q) = p.iter().rposition(|&c| c == b'@') {
                if self.email(out, a, a + q, b) {
                    return;
                }
            }
        }
        if dot && !colon && !slash && !at {
            if let Some(d) = v::domain(self.st(a, b)) {
                let defanged = self.text.as_bytes()
                    [self.start + self.norm.raw_at(a)..self.start + self.norm.raw_at(b)]
                    != *p;
                if d.onion {
                    self.emit(out, K::Onion, d.value, a, b, false);
                } else if !d.file_like || defanged {
                    self.emit(out, K::Domain, d.value, a, b, false);
                }
            }
            return;
        }
        if depth < 2 {
            let sep = if colon {
                b':'
            } else if slash {
                b'/'
            } else if at {
                b'@'
            } else if dash && dot {
                b'-'
            } else {
                return;
            };
            let mut s = a;
            for part in p.split(|&c| c == sep) {
                if !part.is_empty() {
                    self.piece(out, s, s + part.len(), depth + 1);
                }
                s += part.len() + 1;
            }
        }
    }
}
