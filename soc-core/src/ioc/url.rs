//! URLs inside a candidate group: with a scheme (`hxxps://...`), without
//! one (`example.com/path/file.php`, reported as `http://...`), URLs
//! inside another URL (`?u=http://evil.example/x`), and the file hashes in
//! a URL's path (VirusTotal and MalwareBazaar links).

use std::borrow::Cow;

use super::classify::Group;
use super::classify_ip::v4_text;
use super::collect::Collector;
use super::shape::{find, trim_url};
use super::validate as v;
use crate::model::IndicatorKind as K;

/// Bytes that end a URL inside a group.
fn url_end(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'"' | b'<' | b'>' | b'\\' | b'^' | b'|')
}

/// Bytes of a host name (and a dotted quad).
fn host_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_')
}

impl Group<'_> {
    /// A URL whose scheme starts at `ss` and whose `://` is at `p`; returns
    /// where scanning goes on.
    pub(super) fn url(&self, out: &mut Collector, ss: usize, p: usize) -> usize {
        let t = self.t();
        // A group without separators or backslashes is all URL to its end.
        let mut end = if self.norm.unsplit { t.len() } else { p + 3 };
        // A URL after a quote or a comma ends at the next one (`('http://x');`,
        // `url,http://x/y,next field`).
        let closer = ss
            .checked_sub(1)
            .map(|k| t[k])
            .filter(|c| matches!(c, b'\'' | b','));
        while end < t.len() && !url_end(t[end]) && Some(t[end]) != closer {
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
        let Some((hk, hv)) = self.host(host_s, host_e, bracketed) else {
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
        self.inside_url(out, auth_end, end);
        end
    }

    /// The indicator for host `a..b` of a URL: an address or a domain.
    fn host(&self, a: usize, b: usize, bracketed: bool) -> Option<(K, Cow<'_, str>)> {
        let host = &self.t()[a..b];
        if let Some(ip) = v::ipv4(host) {
            Some((K::Ipv4, v4_text(self.st(a, b), ip)))
        } else if let Some(ip) = bracketed.then(|| v::ipv6(host)).flatten() {
            // Only a bracketed host can hold `:`, so only it can be IPv6.
            Some(match ip.to_ipv4_mapped() {
                Some(m) => (K::Ipv4, Cow::Owned(m.to_string())),
                None => (K::Ipv6, Cow::Owned(ip.to_string())),
            })
        } else {
            v::domain(self.st(a, b)).map(|d| (if d.onion { K::Onion } else { K::Domain }, d.value))
        }
    }

    /// What the path and query `a..b` of a URL hold: another URL
    /// (`?u=http://...`) and file hashes (`/file/<sha256>/`).
    fn inside_url(&self, out: &mut Collector, a: usize, b: usize) {
        let t = self.t();
        if b - a < 12 {
            return;
        }
        if let Some(q) = find(&t[a..b], b"://").map(|q| q + a) {
            let mut ss = q;
            while ss > a && t[ss - 1].is_ascii_alphanumeric() {
                ss -= 1;
            }
            if ss < q {
                self.url(out, ss, q);
                return;
            }
        }
        let mut s = a;
        while s < b {
            while s < b && !t[s].is_ascii_alphanumeric() {
                s += 1;
            }
            let mut e = s;
            while e < b && t[e].is_ascii_alphanumeric() {
                e += 1;
            }
            let run = &t[s..e];
            let c0 = run.first().map_or(0, |c| c | 0x20);
            // A dotted quad as a whole path segment (`/ip-address/1.2.3.4/`).
            if c0.is_ascii_digit()
                && t.get(e) == Some(&b'.')
                && s > a
                && matches!(t[s - 1], b'/' | b'=')
            {
                let mut q_end = e;
                while q_end < b && (t[q_end] == b'.' || t[q_end].is_ascii_digit()) {
                    q_end += 1;
                }
                let segment_end = q_end == b || matches!(t[q_end], b'/' | b'?' | b'&' | b'#');
                if let Some(ip) = v::ipv4(&t[s..q_end]).filter(|_| segment_end) {
                    self.emit(out, K::Ipv4, ip.to_string(), s, q_end, false);
                    s = q_end;
                    continue;
                }
            }
            // ATT&CK ids and CVEs as path segments (`/tactics/TA0001/`).
            if c0 == b't' && (5..=6).contains(&run.len()) || c0 == b'c' && run.len() == 3 {
                let mut id_end = e;
                while id_end < b
                    && matches!(t[id_end], b'.' | b'-')
                    && t.get(id_end + 1).is_some_and(u8::is_ascii_digit)
                {
                    id_end += 1;
                    while id_end < b && t[id_end].is_ascii_alphanumeric() {
                        id_end += 1;
                    }
                }
                let id = &t[s..id_end];
                if let Some(kind) = v::attack(id) {
                    self.emit(
                        out,
                        kind,
                        self.st(s, id_end).to_ascii_uppercase(),
                        s,
                        id_end,
                        false,
                    );
                } else if let Some(cve) = v::cve(id) {
                    self.emit(out, K::Cve, cve, s, id_end, false);
                }
            }
            if let Some(kind) = v::hash_kind_of_len(run.len()) {
                let letter = run.iter().any(u8::is_ascii_alphabetic);
                let digit = run.iter().any(u8::is_ascii_digit);
                if letter && digit && run.iter().all(u8::is_ascii_hexdigit) {
                    let value = self.st(s, e).to_ascii_lowercase();
                    self.emit(out, kind, value, s, e, false);
                }
            }
            s = e;
        }
    }

    /// A URL without a scheme starting in `pos..`: a host (domain or
    /// dotted quad, optionally with a port) right before a `/`, and the
    /// host at the start of the group or after a separator (not inside a
    /// path), before `lim`. Reported as `http://...` with its host.
    /// Returns its range.
    pub(super) fn schemeless(
        &self,
        out: &mut Collector,
        pos: usize,
        lim: usize,
    ) -> Option<(usize, usize)> {
        let t = &self.t()[..lim];
        let mut from = pos;
        loop {
            let q = from + t[from..].iter().position(|&c| c == b'/')?;
            from = q + 1;
            if q == pos || !t[q - 1].is_ascii_alphanumeric() {
                continue;
            }
            // Host and port: back over digits and one `:`.
            let mut he = q;
            let mut k = q;
            while k > pos && t[k - 1].is_ascii_digit() {
                k -= 1;
            }
            if k > pos && k < q && t[k - 1] == b':' {
                he = k - 1;
            }
            let mut hs = he;
            while hs > pos && host_byte(t[hs - 1]) {
                hs -= 1;
            }
            if hs == he
                || (hs > pos && matches!(t[hs - 1], b'/' | b'@' | b':' | b'\\' | b'%' | b'~'))
            {
                continue;
            }
            let mut end = q;
            while end < t.len() && !url_end(t[end]) {
                end += 1;
            }
            let end = trim_url(t, q, end);
            let path = &t[q + 1..end];
            let host = &t[hs..he];
            let is_ip = v::ipv4(host).is_some();
            if is_ip && path.iter().all(u8::is_ascii_digit) {
                continue; // a CIDR (`10.0.0.0/8`), not a URL
            }
            if !is_ip {
                let Some(d) = v::domain(self.st(hs, he)) else {
                    continue;
                };
                let raw = &self.text.as_bytes()
                    [self.start + self.norm.raw_at(hs)..self.start + self.norm.raw_at(he)];
                if d.onion || (d.file_like && raw == host) {
                    continue;
                }
            }
            let (hk, hv) = self.host(hs, he, false)?;
            if out.wants(K::Url) {
                let mut value = String::with_capacity(7 + end - hs);
                value.push_str("http://");
                value.push_str(&hv);
                value.push_str(self.st(he, end));
                self.emit(out, K::Url, value, hs, end, false);
            }
            self.emit(out, hk, hv, hs, he, true);
            self.inside_url(out, q, end);
            return Some((hs, end));
        }
    }
}
