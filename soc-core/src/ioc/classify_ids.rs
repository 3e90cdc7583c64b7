//! Classification of pieces by their first bytes and length: hashes and
//! their labels, CVE / ATT&CK / ASN / Google ids, coin addresses, e-mail
//! and XMPP addresses (with IP literals and quoted local parts), and user
//! agents.

use std::borrow::Cow;

use super::classify::Group;
use super::collect::Collector;
use super::shape::{
    find, starts_ci, S_ALPHA, S_AT, S_COLON, S_DASH, S_DIGIT, S_DOT, S_SLASH, S_UPPER,
};
use super::validate::HashLabel;
use super::{altcoins, coins, ids, local_part, validate as v};
use crate::model::IndicatorKind as K;

/// Domains of public XMPP services: an address on one is a chat account.
fn xmpp_domain(d: &str) -> bool {
    let d = d.as_bytes();
    find(d, b"jabber").is_some() || find(d, b"xmpp").is_some()
}

impl Group<'_> {
    /// A hex piece `a..b` (shape flags `f`) of a hash's length: reported as
    /// the hash its label names (`imphash: ...`), or as a file hash.
    ///
    /// Degenerate strings (no letter or no digit, such as `aaaa...` or
    /// `0000...`) are not reported: they are placeholders and padding,
    /// never a real digest (a random MD5 is all letters or all digits once
    /// in ~3 million), and looking them up only wastes enrichment quota.
    pub(super) fn hash(&self, out: &mut Collector, f: u16, a: usize, b: usize) {
        let mixed = f & (S_ALPHA | S_DIGIT) == S_ALPHA | S_DIGIT;
        let Some(kind) = v::hash_kind_of_len(b - a).filter(|_| mixed) else {
            return;
        };
        // The words before the group decide (`imphash: <md5>`).
        out.looked_around = true;
        let label = v::hash_label(self.text.as_bytes(), self.start + self.norm.raw_at(a));
        let kind = match label {
            HashLabel::File => kind,
            HashLabel::Imphash if kind == K::Md5 => K::Imphash,
            HashLabel::Authentihash => K::Authentihash,
            _ => return,
        };
        let value = if f & S_UPPER != 0 {
            Cow::Owned(self.st(a, b).to_ascii_lowercase())
        } else {
            Cow::Borrowed(self.st(a, b))
        };
        self.emit(out, kind, value, a, b, false);
    }

    /// Ids recognized by their first bytes: Ethereum, CVE (also `CVE
    /// 2014-1001`), ATT&CK techniques, tactics and mitigations, ASNs,
    /// Google Analytics and AdSense ids, and coin addresses. True when
    /// the piece was one.
    pub(super) fn id_like(&self, out: &mut Collector, f: u16, a: usize, b: usize) -> bool {
        let p = &self.t()[a..b];
        let c0 = p[0];
        let found: Option<(K, Cow<'_, str>)> = match c0 {
            b'0' if p.len() == 42 && coins::is_eth(self.st(a, b)) => {
                Some((K::Eth, Cow::Owned(self.st(a, b).to_ascii_lowercase())))
            }
            b'C' | b'c' => v::cve(p).map(|val| (K::Cve, Cow::Owned(val))).or_else(|| {
                ids::google_adsense(p)
                    .map(|_| (K::GoogleAdsenseId, Cow::Borrowed(self.st(a + 3, b))))
            }),
            b'T' => v::attack(p).map(|kind| (kind, Cow::Borrowed(self.st(a, b)))),
            b't' => v::attack(p).map(|kind| (kind, Cow::Owned(self.st(a, b).to_ascii_uppercase()))),
            b'A' | b'a' => v::asn(p).map(|val| (K::Asn, Cow::Owned(val))),
            b'M' if ids::mitigation(p) => Some((K::AttackMitigation, Cow::Borrowed(self.st(a, b)))),
            b'U' | b'G' if ids::google_analytics(p) => {
                Some((K::GoogleAnalyticsId, Cow::Borrowed(self.st(a, b))))
            }
            b'p' if ids::google_adsense(p).is_some() => {
                Some((K::GoogleAdsenseId, Cow::Borrowed(self.st(a, b))))
            }
            _ => None,
        };
        if let Some((kind, val)) = found {
            self.emit(out, kind, val, a, b, false);
            return true;
        }
        if c0.is_ascii_digit() && f & S_DASH != 0 && (9..=12).contains(&p.len()) && p[4] == b'-' {
            return self.spaced_cve(out, a, b);
        }
        let plain = f & (S_COLON | S_DOT | S_SLASH | S_AT | S_DASH) == 0;
        if plain && (25..=110).contains(&p.len()) {
            let s = self.st(a, b);
            if matches!(c0, b'1' | b'3' | b'b' | b'B') && coins::is_btc(s) {
                let val = if c0 == b'b' || c0 == b'B' {
                    s.to_ascii_lowercase()
                } else {
                    s.to_string()
                };
                self.emit(out, K::Btc, val, a, b, false);
                return true;
            }
            if let Some(kind) = altcoins::alt_coin(s) {
                let val = if kind == K::Bch {
                    s.to_ascii_lowercase()
                } else {
                    s.to_string()
                };
                self.emit(out, kind, val, a, b, false);
                return true;
            }
        }
        false
    }

    /// `2014-1001` right after `CVE ` (or `cve_`): the CVE id.
    fn spaced_cve(&self, out: &mut Collector, a: usize, b: usize) -> bool {
        let p = &self.t()[a..b];
        out.looked_around = true;
        let id_ok = p[..4].iter().all(u8::is_ascii_digit) && p[5..].iter().all(u8::is_ascii_digit);
        let text = self.text.as_bytes();
        let rs = self.start + self.norm.raw_at(a);
        let re = self.start + self.norm.raw_at(b);
        let labelled = rs >= 4
            && text[rs - 4..rs - 1].eq_ignore_ascii_case(b"cve")
            && matches!(text[rs - 1], b' ' | b'_')
            && (rs == 4 || !text[rs - 5].is_ascii_alphanumeric());
        if !(id_ok && labelled) {
            return false;
        }
        let mut id = Vec::with_capacity(4 + p.len());
        id.extend_from_slice(b"CVE-");
        id.extend_from_slice(p);
        match v::cve(&id) {
            Some(val) => {
                self.emit_raw(out, K::Cve, val, rs - 4, re);
                true
            }
            None => false,
        }
    }

    /// `local@domain` in `a..b` with the `@` at `q`: an e-mail address
    /// (an XMPP address on a chat service), or `user@127.0.0.1`. The
    /// domain is part of the address and not reported on its own (as
    /// before). True when it was one.
    pub(super) fn email(&self, out: &mut Collector, a: usize, q: usize, b: usize) -> bool {
        let t = self.t();
        if self.escaped_email(out, a, q) {
            return true;
        }
        if !v::email_local(&t[a..q]) {
            return false;
        }
        let local = self.st(a, q);
        if let Some(ip) = v::ipv4(&t[q + 1..b]) {
            self.emit(out, K::Email, format!("{local}@{ip}"), a, b, false);
            self.emit(out, K::Ipv4, ip.to_string(), q + 1, b, false);
            return true;
        }
        let Some(d) = v::domain(self.st(q + 1, b)).filter(|d| !d.onion) else {
            return false;
        };
        let kind = if xmpp_domain(&d.value) {
            K::Xmpp
        } else {
            K::Email
        };
        let mut val = String::with_capacity(q - a + 1 + d.value.len());
        val.push_str(local);
        val.push('@');
        val.push_str(&d.value);
        self.emit(out, kind, val, a, b, false);
        true
    }

    /// An address with an IP literal (`user@[192.0.2.1]`,
    /// `user@[IPv6:2001:db8::1]`) starting in `pos..`: its range.
    pub(super) fn address_literal(&self, pos: usize) -> Option<(usize, usize)> {
        let t = self.t();
        let q = pos + find(&t[pos..], b"@[")?;
        let mut ls = q;
        while ls > pos && (t[ls - 1].is_ascii_alphanumeric() || b"._%+-".contains(&t[ls - 1])) {
            ls -= 1;
        }
        let close = q + 2 + t[q + 2..].iter().position(|&c| c == b']')?;
        let inner = &t[q + 2..close];
        let ip_ok = v::ipv4(inner).is_some()
            || (inner.len() > 5
                && inner[..5].eq_ignore_ascii_case(b"ipv6:")
                && v::ipv6(&inner[5..]).is_some());
        (ls < q && v::email_local(&t[ls..q]) && ip_ok).then_some((ls, close + 1))
    }

    /// Emits the address with an IP literal at `ls..le` and its address.
    pub(super) fn emit_literal(&self, out: &mut Collector, ls: usize, le: usize) {
        let t = self.t();
        let q = ls + t[ls..le].iter().position(|&c| c == b'@').unwrap_or(0);
        let inner = &t[q + 2..le - 1];
        if let Some(ip) = v::ipv4(inner) {
            self.emit(out, K::Ipv4, ip.to_string(), q + 2, le - 1, false);
            self.emit(
                out,
                K::Email,
                format!("{}@[{ip}]", self.st(ls, q)),
                ls,
                le,
                false,
            );
        } else if let Some(ip) = v::ipv6(&inner[5..]) {
            self.emit(out, K::Ipv6, ip.to_string(), q + 7, le - 1, false);
            self.emit(
                out,
                K::Email,
                format!("{}@[IPv6:{ip}]", self.st(ls, q)),
                ls,
                le,
                false,
            );
        }
    }

    /// A group starting `@domain` right after a quoted local part
    /// (`"john..doe"@example.com`, see [`local_part`]): the whole address
    /// in canonical form. True when it was one (the group is then all
    /// address).
    pub(super) fn quoted_email(&self, out: &mut Collector, lead: usize) -> bool {
        let text = self.text.as_bytes();
        let rs = self.start + self.norm.raw_at(lead);
        if rs < 3 || text[rs - 1] != b'"' {
            return false;
        }
        out.looked_around = true;
        let Some((qs, local)) = local_part::quoted(text, rs - 1) else {
            return false;
        };
        self.emit_local(out, qs, local, lead + 1)
    }

    /// Emits `local@domain` for a local part found in the raw text from
    /// `rs` and a domain starting at refanged offset `ds`. True when the
    /// domain was one.
    fn emit_local(&self, out: &mut Collector, rs: usize, local: String, ds: usize) -> bool {
        let t = self.t();
        let mut e = ds;
        while e < t.len() && (t[e].is_ascii_alphanumeric() || matches!(t[e], b'.' | b'-' | b'_')) {
            e += 1;
        }
        while e > ds && matches!(t[e - 1], b'.' | b'-') {
            e -= 1;
        }
        let Some(d) = v::domain(self.st(ds, e)).filter(|d| !d.onion) else {
            return false;
        };
        let re = self.start + self.norm.raw_at(e);
        self.emit_raw(out, K::Email, format!("{local}@{}", d.value), rs, re);
        true
    }

    /// `local@domain` with quoted pairs in or right before the local part
    /// `a..q` (`john\ doe@example.com`, `first\@last@example.com`; see
    /// [`local_part`]). True when it was one.
    fn escaped_email(&self, out: &mut Collector, a: usize, q: usize) -> bool {
        let text = self.text.as_bytes();
        let (rl, rq) = (
            self.start + self.norm.raw_at(a),
            self.start + self.norm.raw_at(q),
        );
        let pair_before = rl >= 2 && text[rl - 2] == b'\\';
        if (!pair_before && !self.t()[a..q].contains(&b'\\')) || text.get(rq) != Some(&b'@') {
            return false;
        }
        out.looked_around = true;
        match local_part::escaped(text, rq) {
            Some((ls, local)) => self.emit_local(out, ls, local, q + 1),
            None => false,
        }
    }

    /// An ARN at refanged offset `q` right after a quote, which runs on to
    /// the closing quote across blanks (`"arn:...:application/My App"`).
    pub(super) fn quoted_arn(&self, out: &mut Collector, q: usize) -> bool {
        let text = self.text.as_bytes();
        let rs = self.start + self.norm.raw_at(q);
        let Some(&quote) = rs.checked_sub(1).and_then(|k| text.get(k)) else {
            return false;
        };
        if self.norm.changed || !matches!(quote, b'"' | b'\'') {
            return false;
        }
        out.looked_around = true;
        match ids::quoted_arn_len(&text[rs..], quote) {
            Some(len) => {
                let arn = self.text.get(rs..rs + len).unwrap_or("");
                self.emit_raw(out, K::Arn, arn, rs, rs + len);
                true
            }
            None => false,
        }
    }

    /// A user agent starting the group (`Mozilla/5.0 (...) ...`), which
    /// runs on past it to the end of the line or a quote.
    pub(super) fn user_agent(&self, out: &mut Collector, lead: usize) {
        let t = self.t();
        let browser = starts_ci(t, lead, b"mozilla/") || starts_ci(t, lead, b"opera/");
        if self.norm.changed || !browser {
            return;
        }
        let rs = self.start + lead;
        out.looked_around = true;
        let text = self.text.as_bytes();
        if let Some(len) = ids::user_agent_len(&text[rs..]) {
            let ua = self.text.get(rs..rs + len).unwrap_or("");
            self.emit_raw(out, K::UserAgent, ua, rs, rs + len);
        }
    }
}
