//! Source addresses as sshd writes them: IPv4, IPv6 (with zone ids,
//! v4-mapped, expanded), or host names when `UseDNS` is on.

use std::borrow::Cow;
use std::net::IpAddr;

use serde::Serialize;

use super::header::{find_byte, leading_digits};
pub(crate) use crate::parse::dotted_quad::{ipv4, ipv4_prefix};

/// Where an sshd message says the client came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum Remote {
    /// An address (v4-mapped IPv6 folded to IPv4, zone id removed).
    Ip(IpAddr),
    /// A host name (or any other non-address token, kept as written).
    Name(String),
}

impl Remote {
    /// The address, when it is one.
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Remote::Ip(ip) => Some(*ip),
            Remote::Name(_) => None,
        }
    }
}

impl std::fmt::Display for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Remote::Ip(ip) => write!(f, "{ip}"),
            Remote::Name(n) => f.write_str(n),
        }
    }
}

/// A [`Remote`] that borrows its host name from the line (or owns it, when
/// it came from elsewhere); what the allocation-free path produces.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RemoteRef<'a> {
    /// An address (v4-mapped IPv6 folded to IPv4, zone id removed).
    Ip(IpAddr),
    /// A host name as written.
    Name(Cow<'a, str>),
}

impl RemoteRef<'_> {
    /// The address, when it is one.
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            RemoteRef::Ip(ip) => Some(*ip),
            RemoteRef::Name(_) => None,
        }
    }

    /// The owned [`Remote`].
    pub fn to_remote(&self) -> Remote {
        match self {
            RemoteRef::Ip(ip) => Remote::Ip(*ip),
            RemoteRef::Name(n) => Remote::Name(n.to_string()),
        }
    }

    /// The same remote, owning its name.
    pub fn into_static(self) -> RemoteRef<'static> {
        match self {
            RemoteRef::Ip(ip) => RemoteRef::Ip(ip),
            RemoteRef::Name(n) => RemoteRef::Name(Cow::Owned(n.into_owned())),
        }
    }
}

impl Remote {
    /// A [`RemoteRef`] borrowing this one.
    pub fn as_ref(&self) -> RemoteRef<'_> {
        match self {
            Remote::Ip(ip) => RemoteRef::Ip(*ip),
            Remote::Name(n) => RemoteRef::Name(Cow::Borrowed(n)),
        }
    }
}

/// Parses one host token. `::ffff:1.2.3.4` becomes `1.2.3.4`, `fe80::1%eth0`
/// loses its zone, `[::1]` its brackets. Returns `None` for tokens that are
/// neither an address nor a plausible host name.
///
/// ```
/// use soc_core::parse::ssh::{parse_remote, Remote};
/// assert_eq!(parse_remote("::ffff:1.2.3.4"), Some(Remote::Ip("1.2.3.4".parse().unwrap())));
/// assert_eq!(parse_remote("fe80::1%eth0"), Some(Remote::Ip("fe80::1".parse().unwrap())));
/// assert_eq!(parse_remote("example.com"), Some(Remote::Name("example.com".into())));
/// assert_eq!(parse_remote("a b"), None);
/// ```
pub fn parse_remote(tok: &str) -> Option<Remote> {
    parse_remote_ref(tok).map(|r| r.to_remote())
}

/// [`parse_remote`] without allocating: host names borrow from `tok`.
pub fn parse_remote_ref(tok: &str) -> Option<RemoteRef<'_>> {
    let tok = tok
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(tok);
    if tok.is_empty() || tok.len() > 255 {
        return None;
    }
    let b = tok.as_bytes();
    // Fast IPv4 path.
    if b[0].is_ascii_digit() {
        if let Some(v4) = ipv4(b) {
            return Some(RemoteRef::Ip(IpAddr::V4(v4)));
        }
    }
    if find_byte(b, b':').is_some() {
        let no_zone = match find_byte(b, b'%') {
            Some(i) => &tok[..i],
            None => tok,
        };
        if let Some(v6) = super::ipv6::ipv6(no_zone.as_bytes()) {
            return Some(RemoteRef::Ip(IpAddr::V6(v6).to_canonical()));
        }
        return None;
    }
    if b.iter()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_'))
    {
        Some(RemoteRef::Name(Cow::Borrowed(tok)))
    } else {
        None
    }
}

/// The port number at the start of `b`: the run of ASCII digits read as
/// `str::parse::<u16>` reads it (leading zeros allowed, at most 65535),
/// and the run's length. `None` without a digit or when too large.
pub(crate) fn port_digits(b: &[u8]) -> Option<(u16, usize)> {
    // Up to 9 digits (a port and then some) are read exactly in one go.
    match leading_digits(b) {
        (_, 0) => return None,
        (v, n @ 1..=9) => return Some((u16::try_from(v).ok()?, n)),
        _ => {}
    }
    let mut v = 0u32;
    let mut n = 0;
    while let Some(&c) = b.get(n) {
        if !c.is_ascii_digit() {
            break;
        }
        v = v * 10 + u32::from(c - b'0');
        if v > 65_535 {
            return None;
        }
        n += 1;
    }
    if n == 0 {
        return None;
    }
    Some((u16::try_from(v).ok()?, n))
}

/// Parses `HOST[ port N][ ssh1| ssh2]` at the start of `s`; returns the
/// rest after it.
pub(crate) fn host_port(s: &str) -> Option<(RemoteRef<'_>, Option<u16>, &str)> {
    let b = s.as_bytes();
    // Fast path: a dotted quad ended by a space or the end (no ':' after it).
    if let Some((v4, n)) = ipv4_prefix(b) {
        if matches!(b.get(n), None | Some(b' ')) {
            return port_tail(RemoteRef::Ip(IpAddr::V4(v4)), &s[n..]);
        }
    }
    // The token runs to the first space (IPv6 addresses hold ':'s).
    let end = find_byte(b, b' ').unwrap_or(s.len());
    let (tok, mut rest) = s.split_at(end);
    // "1.2.3.4:" (old "Received disconnect from 1.2.3.4: 11: ...")
    let tok = if let Some(t) = tok.strip_suffix(':') {
        rest = &s[end - 1..];
        t
    } else {
        tok
    };
    port_tail(parse_remote_ref(tok)?, rest)
}

/// The `[ port N][ ssh1| ssh2]` after a host.
fn port_tail<'a>(
    remote: RemoteRef<'a>,
    rest: &'a str,
) -> Option<(RemoteRef<'a>, Option<u16>, &'a str)> {
    let b = rest.as_bytes();
    let mut i = 0;
    let mut port = None;
    if let Some(r) = b.strip_prefix(b" port ") {
        let (p, n) = port_digits(r)?;
        port = Some(p);
        i = 6 + n;
    }
    if let Some(t) = b.get(i..i + 5) {
        if t == b" ssh2" || t == b" ssh1" {
            i += 5;
        }
    }
    Some((remote, port, rest.get(i..)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_parsers_agree_with_std() {
        for t in [
            "1.2.3.4",
            "0.0.0.0",
            "255.255.255.255",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.",
            "1.2.3.4.5",
            "1..3.4",
            "1.2.3.4567",
            "1.2.3.04",
            "",
            "1",
            "1.2.3.-4",
            "9999.1.1.1",
        ] {
            assert_eq!(ipv4(t.as_bytes()), t.parse().ok(), "{t}");
        }
        for d in [
            "0", "22", "65535", "65536", "000022", "0000000", "00065536", "123456", "",
        ] {
            let want = d.parse().ok().map(|p| (p, d.len()));
            assert_eq!(port_digits(d.as_bytes()), want, "{d}");
            assert_eq!(port_digits(format!("{d} ssh2").as_bytes()), want, "{d}");
        }
    }

    #[test]
    fn host_port_variants() {
        let (r, p, rest) = host_port("2001:db8::1 port 22 ssh2").unwrap();
        assert_eq!(r.to_remote().to_string(), "2001:db8::1");
        assert_eq!((p, rest), (Some(22), ""));
        let (r, p, rest) = host_port("1.2.3.4: 11: Bye").unwrap();
        assert_eq!(
            (r.to_remote().to_string(), p, rest),
            ("1.2.3.4".into(), None, ": 11: Bye")
        );
        assert!(host_port("1.2.3.4 port x").is_none());
        assert!(host_port("1.2.3.4 port 99999").is_none());
    }
}
