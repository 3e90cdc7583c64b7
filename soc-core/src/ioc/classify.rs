//! Classification of one refanged candidate group by its shape.
//!
//! Cheap checks come first (what bytes it holds, how long it is, how it
//! starts); the validators in [`super::validate`] and [`super::coins`] run
//! only on candidates that already have the right shape.

use std::borrow::Cow;

use super::classify_ip::v4_text;
use super::collect::Collector;
use super::refang::{find, Normalizer};
use super::winpath::windows_start;
use super::{coins, validate as v};
use crate::model::IndicatorKind as K;

/// Lower-cased, allocating only when there is an upper-case letter.
fn lower(p: &str) -> Cow<'_, str> {
    if p.bytes().any(|c| c.is_ascii_uppercase()) {
        Cow::Owned(p.to_ascii_lowercase())
    } else {
        Cow::Borrowed(p)
    }
}

/// Bytes that separate pieces inside a token (`ip=1.2.3.4;host=(x.com)`).
pub(super) const SEPARATORS: &[u8] = b"=,;'()[]{}!*&^$ \t\"<>|";

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
fn is_sep(c: u8) -> bool {
    SEP[c as usize]
}

const S_NOT_DIGITS: u16 = 1; // not a digit, `.` or `/`
const S_NOT_HEX: u16 = 2;
const S_COLON: u16 = 4;
const S_DOT: u16 = 8;
const S_SLASH: u16 = 16;
const S_AT: u16 = 32;
const S_DASH: u16 = 64;
const S_UPPER: u16 = 128;
const S_ALPHA: u16 = 256;
const S_DIGIT: u16 = 512;

/// Shape flags of each byte, OR-ed over a piece in one pass (the scanner
/// ORs them over whole words as it finds them: see `scan::WORD`).
pub(super) static SHAPE: [u16; 256] = {
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
            _ => 0,
        };
        t[c] = f;
        c += 1;
    }
    t
};

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
        let re = self.start + self.norm.raw_at(b);
        let raw = &self.text[rs..re];
        let defanged = raw.as_bytes() != &self.t()[a..b];
        out.emit(kind, value, raw, rs, re, defanged, from_url);
    }

    /// Classifies the whole group.
    pub(crate) fn classify(&self, out: &mut Collector) {
        let t = self.t();
        let lead = t.iter().take_while(|c| b"([{'".contains(c)).count();
        if t[lead..].starts_with(b"AS ") || t[lead..].starts_with(b"ASN ") {
            let end = t
                .iter()
                .rposition(u8::is_ascii_digit)
                .map_or(t.len(), |p| p + 1);
            if let Some(val) = v::asn(&t[lead..end]) {
                self.emit(out, K::Asn, val, lead, end, false);
            }
            return;
        }
        let mut pos = 0;
        while pos < t.len() {
            let scheme = if self.norm.colon {
                find(&t[pos..], b"://").map(|p| p + pos)
            } else {
                None
            };
            if let Some(p) = scheme {
                let mut ss = p;
                while ss > pos && (t[ss - 1].is_ascii_alphanumeric() || b"+.-".contains(&t[ss - 1]))
                {
                    ss -= 1;
                }
                while ss < p && !t[ss].is_ascii_alphabetic() {
                    ss += 1;
                }
                self.pieces(out, pos, ss);
                pos = if ss < p { self.url(out, ss, p) } else { p + 3 };
                continue;
            }
            if t[pos..].contains(&b'\\') {
                if let Some((ps, kind)) = windows_start(t, pos) {
                    self.pieces(out, pos, ps);
                    pos = self.windows_path(out, ps, kind);
                    continue;
                }
            }
            self.pieces(out, pos, t.len());
            break;
        }
    }

    /// A URL whose scheme starts at `ss` and whose `://` is at `p`; returns
    /// where scanning goes on.
    fn url(&self, out: &mut Collector, ss: usize, p: usize) -> usize {
        let t = self.t();
        // A group without separators or backslashes is all URL to its end.
        let mut end = if self.norm.unsplit { t.len() } else { p + 3 };
        while end < t.len()
            && !matches!(
                t[end],
                b' ' | b'\t' | b'"' | b'<' | b'>' | b'\\' | b'^' | b'|'
            )
        {
            end += 1;
        }
        let end = trim_url(t, p + 3, end);
        let auth_end = t[p + 3..end]
            .iter()
            .position(|c| matches!(c, b'/' | b'?' | b'#'))
            .map_or(end, |q| q + p + 3);
        let hs = t[p + 3..auth_end]
            .iter()
            .rposition(|&c| c == b'@')
            .map_or(p + 3, |q| q + p + 4);
        let bracketed = t.get(hs) == Some(&b'[');
        let (host_s, host_e) = if bracketed {
            match t[hs..auth_end].iter().position(|&c| c == b']') {
                Some(q) => (hs + 1, hs + q),
                None => return p + 3,
            }
        } else {
            let he = t[hs..auth_end]
                .iter()
                .position(|&c| c == b':')
                .map_or(auth_end, |q| q + hs);
            (hs, he)
        };
        let host = &t[host_s..host_e];
        let host_ind = if let Some(ip) = v::ipv4(host) {
            Some((K::Ipv4, v4_text(self.st(host_s, host_e), ip)))
        } else if let Some(ip) = bracketed.then(|| v::ipv6(host)).flatten() {
            // Only a bracketed host can hold `:`, so only it can be IPv6.
            Some(match ip.to_ipv4_mapped() {
                Some(m) => (K::Ipv4, Cow::Owned(m.to_string())),
                None => (K::Ipv6, Cow::Owned(ip.to_string())),
            })
        } else {
            v::domain(self.st(host_s, host_e))
                .map(|d| (if d.onion { K::Onion } else { K::Domain }, d.value))
        };
        let Some((hk, hv)) = host_ind else {
            return p + 3;
        };
        if out.wants(K::Url) {
            let mut value = String::with_capacity(end - ss);
            value.push_str(self.st(ss, p));
            value[..p - ss].make_ascii_lowercase();
            value.push_str(self.st(p, host_s));
            let hv_at = value.len();
            value.push_str(self.st(host_s, host_e));
            value[hv_at..].make_ascii_lowercase();
            value.push_str(self.st(host_e, end));
            self.emit(out, K::Url, value, ss, end, false);
        }
        self.emit(out, hk, hv, host_s, host_e, true);
        end
    }

    /// Splits `a..b` at separators and classifies each piece.
    fn pieces(&self, out: &mut Collector, a: usize, b: usize) {
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
        while a < b && !(t[a].is_ascii_alphanumeric() || matches!(t[a], b'/' | b'~')) {
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
            // A hash: all hex digits, at least one letter and one digit.
            let mixed = f & (S_ALPHA | S_DIGIT) == S_ALPHA | S_DIGIT;
            if let Some(kind) = v::hash_kind_of_len(p.len()).filter(|_| mixed) {
                // The word before the group decides (`imphash: <md5>`).
                out.looked_around = true;
                if !(kind == K::Md5 || kind == K::Sha256)
                    || !v::named_non_file_hash(
                        self.text.as_bytes(),
                        self.start + self.norm.raw_at(a),
                    )
                {
                    let value = if f & S_UPPER != 0 {
                        Cow::Owned(self.st(a, b).to_ascii_lowercase())
                    } else {
                        Cow::Borrowed(self.st(a, b))
                    };
                    self.emit(out, kind, value, a, b, false);
                }
            }
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
        } else if p.len() == 17 && dash || p.len() == 14 && count(S_DOT, b'.') == 2 {
            if let Some(m) = v::mac(p) {
                return self.emit(out, K::Mac, m, a, b, false);
            }
        }
        match c0 {
            b'0' if p.len() == 42 && coins::is_eth(self.st(a, b)) => {
                return self.emit(out, K::Eth, lower(self.st(a, b)), a, b, false);
            }
            b'C' | b'c' => {
                if let Some(val) = v::cve(p) {
                    return self.emit(out, K::Cve, val, a, b, false);
                }
            }
            b'T' => {
                if let Some(kind) = v::attack(p) {
                    return self.emit(out, kind, self.st(a, b), a, b, false);
                }
            }
            b'A' => {
                if let Some(val) = v::asn(p) {
                    return self.emit(out, K::Asn, val, a, b, false);
                }
            }
            _ => {}
        }
        if (26..=90).contains(&p.len()) && matches!(c0, b'1' | b'3' | b'b' | b'B') {
            let s = self.st(a, b);
            if coins::is_btc(s) {
                let val = if c0 == b'b' || c0 == b'B' {
                    s.to_ascii_lowercase()
                } else {
                    s.to_string()
                };
                return self.emit(out, K::Btc, val, a, b, false);
            }
        }
        if (p.len() == 95 || p.len() == 106) && coins::is_xmr(self.st(a, b)) {
            return self.emit(out, K::Xmr, self.st(a, b), a, b, false);
        }
        if (c0 == b'/' || c0 == b'~') && v::posix_path(p) {
            return self.emit(out, K::FilePath, self.st(a, b), a, b, false);
        }
        if at {
            if let Some(q) = p.iter().rposition(|&c| c == b'@') {
                if v::email_local(&p[..q]) {
                    if let Some(d) = v::domain(self.st(a + q + 1, b)).filter(|d| !d.onion) {
                        let local = self.st(a, a + q);
                        let mut val = String::with_capacity(q + 1 + d.value.len());
                        val.push_str(local);
                        val.push('@');
                        val.push_str(&d.value);
                        return self.emit(out, K::Email, val, a, b, false);
                    }
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

/// Drops trailing punctuation that is not part of a URL, and closing
/// brackets that have no opening one inside it.
pub(super) fn trim_url(t: &[u8], start: usize, mut end: usize) -> usize {
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
    #[test]
    fn separator_table() {
        let seps: Vec<u8> = (0..=255u8).filter(|&c| super::is_sep(c)).collect();
        let mut want = b"=,;'()[]{}!*&^$ \t\"<>|".to_vec();
        want.sort_unstable();
        assert_eq!(seps, want);
    }
}
