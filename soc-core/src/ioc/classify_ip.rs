//! Addresses and networks inside a candidate group: dotted quads, IPv4
//! and IPv6 CIDRs, IPv6 addresses (IPv4-mapped ones reported as IPv4).

use std::borrow::Cow;
use std::net::IpAddr;

use super::classify::Group;
use super::collect::Collector;
use super::validate as v;
use crate::model::IndicatorKind as K;

/// A decimal number without leading zeros (`0`, `17`, not `017`).
fn canonical_num(d: &[u8]) -> bool {
    d.len() == 1 || d.first().is_some_and(|&c| c != b'0')
}

/// A valid dotted quad already in canonical form (no leading zeros).
fn canonical_v4(p: &[u8]) -> bool {
    p.split(|&c| c == b'.').all(canonical_num)
}

/// The canonical text of IPv4 `ip` parsed from `p`: borrowed when `p`
/// already is canonical, so only a new address allocates.
pub(super) fn v4_text(p: &str, ip: std::net::Ipv4Addr) -> Cow<'_, str> {
    if canonical_v4(p.as_bytes()) {
        Cow::Borrowed(p)
    } else {
        Cow::Owned(ip.to_string())
    }
}

impl Group<'_> {
    pub(super) fn ipv4_or_cidr(&self, out: &mut Collector, p: &[u8], a: usize, b: usize) {
        match p.iter().position(|&c| c == b'/') {
            None => {
                if let Some(ip) = v::ipv4(p) {
                    self.emit(out, K::Ipv4, v4_text(self.st(a, b), ip), a, b, false);
                }
            }
            Some(q) => {
                let prefix = &p[q + 1..];
                let Some(ip) = v::ipv4(&p[..q]) else { return };
                let ok = (1..=2).contains(&prefix.len()) && prefix.iter().all(u8::is_ascii_digit);
                let bits = if ok {
                    prefix
                        .iter()
                        .fold(0u32, |acc, &d| acc * 10 + u32::from(d - b'0'))
                } else {
                    u32::MAX
                };
                if ok && bits <= 32 {
                    let value = if canonical_num(prefix) && canonical_v4(&p[..q]) {
                        Cow::Borrowed(self.st(a, b))
                    } else {
                        Cow::Owned(format!("{ip}/{bits}"))
                    };
                    self.emit(out, K::Cidr, value, a, b, false);
                } else {
                    self.emit(
                        out,
                        K::Ipv4,
                        v4_text(self.st(a, a + q), ip),
                        a,
                        a + q,
                        false,
                    );
                }
            }
        }
    }

    pub(super) fn ipv6_or_cidr(&self, out: &mut Collector, p: &[u8], a: usize, b: usize) -> bool {
        let (addr, prefix) = match p.iter().position(|&c| c == b'/') {
            Some(q) => (&p[..q], Some(&p[q + 1..])),
            None => (p, None),
        };
        let Some(ip) = v::ipv6(addr) else {
            return false;
        };
        if let Some(m) = ip.to_ipv4_mapped() {
            self.emit(out, K::Ipv4, m.to_string(), a, a + addr.len(), false);
            return true;
        }
        match prefix {
            Some(pr) if (1..=3).contains(&pr.len()) && pr.iter().all(u8::is_ascii_digit) => {
                let bits = pr
                    .iter()
                    .fold(0u32, |acc, &d| acc * 10 + u32::from(d - b'0'));
                if bits <= 128 {
                    self.emit(
                        out,
                        K::Cidr,
                        format!("{}/{bits}", IpAddr::V6(ip)),
                        a,
                        b,
                        false,
                    );
                    return true;
                }
                self.emit(out, K::Ipv6, ip.to_string(), a, a + addr.len(), false);
            }
            _ => self.emit(out, K::Ipv6, ip.to_string(), a, a + addr.len(), false),
        }
        true
    }
}
