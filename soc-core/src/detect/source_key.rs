//! An event's source as the detectors key it: the address as text, an IPv6
//! address aggregated to its network (`2001:db8:1:2::/64`: one attacker
//! owns a whole /64 and rotates through it), else the host name. Formatted
//! on the stack, so keying an event allocates nothing.

use std::io::Write as _;
use std::net::{IpAddr, Ipv6Addr};

use super::maps::Map;
use super::sighting::Src;

/// A detector source key (see the module docs).
pub(crate) enum SourceKey<'e> {
    Ip([u8; 52], usize),
    Name(&'e str),
}

/// `ip` with only its first `prefix` bits kept, when it is an IPv6 address
/// (not IPv4-mapped) and `prefix < 128`; `None` otherwise.
pub(crate) fn ipv6_network(ip: IpAddr, prefix: u8) -> Option<Ipv6Addr> {
    match ip {
        IpAddr::V6(v6) if prefix < 128 && v6.to_ipv4_mapped().is_none() => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            Some(Ipv6Addr::from(u128::from(v6) & mask))
        }
        _ => None,
    }
}

impl<'e> SourceKey<'e> {
    pub fn ip(ip: IpAddr, ipv6_prefix: u8) -> SourceKey<'static> {
        let mut buf = [0u8; 52];
        let mut w = &mut buf[..];
        // An address is at most 45 bytes of text, plus "/128".
        let _ = match ipv6_network(ip, ipv6_prefix) {
            Some(net) => write!(w, "{net}/{ipv6_prefix}"),
            None => write!(w, "{ip}"),
        };
        let len = 52 - w.len();
        SourceKey::Ip(buf, len)
    }

    pub fn as_str(&self) -> &str {
        match self {
            SourceKey::Ip(buf, len) => std::str::from_utf8(&buf[..*len]).unwrap_or(""),
            SourceKey::Name(h) => h,
        }
    }
}

/// Source keys of addresses, formatted once per address: formatting an
/// address costs more than the rest of detecting on its event. Bounded:
/// past `cap` addresses the cache starts over.
///
/// Each address also remembers the detectors' state slot of its key
/// ([`SlotRef`]), so a known source is found by one hash of its address,
/// not a second hash and comparison of its key text.
#[derive(Debug)]
pub(crate) struct KeyTexts {
    texts: Map<IpAddr, KeyText>,
    cap: usize,
    ipv6_prefix: u8,
}

/// A slot of the per-source state and the generation it had when cached
/// (see `KeyedState::generation`): valid while the generation is unchanged.
pub(crate) type SlotRef = (u32, u32);

/// The cached key of one address.
#[derive(Debug, Clone, Copy)]
struct KeyText {
    text: [u8; 52],
    len: u8,
    slot: Option<SlotRef>,
}

impl KeyTexts {
    /// An empty cache of at most `cap` addresses, for keys aggregating
    /// IPv6 to `/ipv6_prefix`.
    pub fn new(cap: usize, ipv6_prefix: u8) -> KeyTexts {
        KeyTexts {
            texts: Map::default(),
            cap: cap.max(1),
            ipv6_prefix,
        }
    }

    /// The key of `src` (see the module docs).
    #[cfg(test)]
    pub fn key<'e>(&mut self, src: Src<'e>) -> SourceKey<'e> {
        self.key_and_slot(src).0
    }

    /// The key of `src` and the state slot last cached for it
    /// ([`set_slot`](Self::set_slot)), if any.
    pub fn key_and_slot<'e>(&mut self, src: Src<'e>) -> (SourceKey<'e>, Option<SlotRef>) {
        let ip = match src {
            Src::Ip(ip) => ip,
            Src::Name(h) => return (SourceKey::Name(h), None),
        };
        if self.texts.len() >= self.cap && !self.texts.contains_key(&ip) {
            self.texts.clear();
        }
        let prefix = self.ipv6_prefix;
        let k = *self.texts.entry(ip).or_insert_with(|| {
            match SourceKey::ip(ip, prefix) {
                // At most 52 bytes: the length fits a u8.
                SourceKey::Ip(text, len) => KeyText {
                    text,
                    len: len as u8,
                    slot: None,
                },
                SourceKey::Name(_) => KeyText {
                    text: [0; 52],
                    len: 0,
                    slot: None,
                },
            }
        });
        (SourceKey::Ip(k.text, usize::from(k.len)), k.slot)
    }

    /// Caches `slot` as the state slot of address `src`'s key.
    pub fn set_slot(&mut self, src: Src<'_>, slot: SlotRef) {
        if let Src::Ip(ip) = src {
            if let Some(k) = self.texts.get_mut(&ip) {
                k.slot = Some(slot);
            }
        }
    }
}

/// The address a source key names (the network address for an aggregated
/// IPv6 key), and the prefix length when aggregated.
pub(crate) fn key_address(key: &str) -> (Option<IpAddr>, Option<u8>) {
    match key.split_once('/') {
        Some((addr, len)) => (addr.parse().ok(), len.parse().ok()),
        None => (key.parse().ok(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stack-formatted source key is the address's `to_string()`, the
    /// longest forms included; IPv6 is aggregated only below /128.
    #[test]
    fn source_key_is_the_address_text() {
        for ip in [
            "203.0.113.7",
            "255.255.255.255",
            "2001:db8::1",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "::ffff:255.255.255.255",
            "1:2:3:4:5:6:7:8",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(SourceKey::ip(ip, 128).as_str(), ip.to_string());
        }
        let ip: IpAddr = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff".parse().unwrap();
        assert_eq!(
            SourceKey::ip(ip, 127).as_str(),
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127"
        );
        assert_eq!(
            KeyTexts::new(1, 64)
                .key(Src::Name("scanner.example.net"))
                .as_str(),
            "scanner.example.net"
        );
    }

    /// Cached keys are the formatted ones, also past the cache's bound.
    #[test]
    fn cached_keys_are_the_formatted_keys() {
        let mut cache = KeyTexts::new(2, 64);
        for ip in [
            "203.0.113.7",
            "2001:db8:1:2::1",
            "198.51.100.1",
            "203.0.113.7",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            let want = SourceKey::ip(ip, 64).as_str().to_string();
            assert_eq!(cache.key(Src::Ip(ip)).as_str(), want);
            assert_eq!(cache.key(Src::Ip(ip)).as_str(), want);
        }
        assert!(cache.texts.len() <= 2);
        assert_eq!(cache.key(Src::Name("h.example")).as_str(), "h.example");
    }

    #[test]
    fn ipv6_is_aggregated_to_its_prefix_and_ipv4_never() {
        let k = |s: &str, p| SourceKey::ip(s.parse().unwrap(), p).as_str().to_string();
        assert_eq!(k("2001:db8:1:2:aaaa::1", 64), "2001:db8:1:2::/64");
        assert_eq!(k("2001:db8:1:2:bbbb::9", 64), "2001:db8:1:2::/64");
        assert_eq!(k("2001:db8:1:3::1", 64), "2001:db8:1:3::/64");
        assert_eq!(k("2001:db8:1:2::1", 48), "2001:db8:1::/48");
        assert_eq!(k("2001:db8::1", 0), "::/0");
        assert_eq!(k("203.0.113.7", 64), "203.0.113.7");
        assert_eq!(k("::ffff:203.0.113.7", 64), "::ffff:203.0.113.7");
        assert_eq!(
            key_address("2001:db8:1:2::/64"),
            (Some("2001:db8:1:2::".parse().unwrap()), Some(64))
        );
        assert_eq!(
            key_address("203.0.113.7"),
            (Some("203.0.113.7".parse().unwrap()), None)
        );
    }
}
