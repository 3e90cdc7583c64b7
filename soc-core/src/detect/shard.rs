//! Detectors split by key: a [`DetectorSet`](super::DetectorSet) can run
//! one [`Part`] of the detection, the sources and users whose key hashes
//! to its shard, while seeing every event's time. Every window lives in
//! exactly one part and each part's clock (and so its sweeps) is the one
//! the whole set would have, so the parts together raise the alerts of
//! the whole set (see `ShardedCollector`).
//!
//! A source's shard is a hash of the address its key names (an IPv6
//! address aggregated to its network, as the key is), so every address
//! of one key lands in the same shard; a host name that reads as such a
//! key lands with the address. The hash only balances the work (it is not
//! seeded: an attacker who piles sources into one shard only makes that
//! shard as slow as a single set).

use std::hash::BuildHasher;
use std::net::IpAddr;

use foldhash::fast::FixedState;

use super::sighting::{Class, Route, Sighting, Src};
use super::source_key::{ipv6_network, key_address, SourceKey};

/// Most parts: a part number fits in a byte, beside [`NONE`].
pub const MAX_PARTS: usize = 64;

/// No part (an event without a source, or without a user to count).
const NONE: u8 = u8::MAX;

/// Which sources and users a detector set keeps windows for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Part {
    index: u64,
    count: u64,
}

impl Part {
    /// Every source and user (a detector set of its own).
    pub const ALL: Part = Part { index: 0, count: 1 };

    /// Shard `index` of `count` (`count` from 1 to [`MAX_PARTS`], `index`
    /// taken modulo `count`).
    pub fn new(index: usize, count: usize) -> Part {
        let count = count.clamp(1, MAX_PARTS) as u64;
        Part {
            index: index as u64 % count,
            count,
        }
    }

    /// How many parts the keys are split into.
    pub fn count(&self) -> usize {
        self.count as usize
    }

    fn owns(&self, hash: u64) -> bool {
        self.count == 1 || self.of(hash) == self.index
    }

    /// The part of a key hashed to `hash` (its high bits are its best mixed).
    fn of(&self, hash: u64) -> u64 {
        (hash >> 32) % self.count
    }

    /// Where the windows of an event go among the parts, computed once
    /// for all of them: the part of its source and the part of its user,
    /// when it is a failure with one (see [`Route`]).
    pub fn route(&self, s: &Sighting<'_>, ipv6_prefix: u8) -> Route {
        let source = s
            .src
            .map_or(NONE, |src| self.of(source_hash(src, ipv6_prefix)) as u8);
        let user = s
            .user
            .filter(|u| !u.is_empty() && s.class == Class::Failure)
            .map_or(NONE, |u| self.of(FixedState::default().hash_one(u)) as u8);
        Route(u16::from(source) | u16::from(user) << 8)
    }

    /// Whether this part owns the source and the user of an event routed `r`.
    pub fn routed(&self, r: Route) -> (bool, bool) {
        let index = self.index as u8;
        ((r.0 & 0xff) as u8 == index, (r.0 >> 8) as u8 == index)
    }

    /// Whether the windows of source `src` (keyed with `ipv6_prefix`) are in this part.
    pub fn owns_source(&self, src: Src<'_>, ipv6_prefix: u8) -> bool {
        self.count == 1 || self.owns(source_hash(src, ipv6_prefix))
    }

    /// Whether the windows of user `user` are in this part.
    pub fn owns_user(&self, user: &str) -> bool {
        self.count == 1 || self.owns(FixedState::default().hash_one(user))
    }
}

/// The address a source key names, for hashing: the network of an
/// aggregated IPv6 address, else the address.
fn key_ip(ip: IpAddr, ipv6_prefix: u8) -> IpAddr {
    ipv6_network(ip, ipv6_prefix).map_or(ip, IpAddr::V6)
}

/// The hash of the key of `src` (equal keys, equal hashes).
fn source_hash(src: Src<'_>, ipv6_prefix: u8) -> u64 {
    let fixed = FixedState::default();
    match src {
        Src::Ip(ip) => fixed.hash_one(key_ip(ip, ipv6_prefix)),
        Src::Name(name) => match key_address(name) {
            // A name that is an address's key text keys the same windows.
            (Some(ip), _) if SourceKey::ip(ip, ipv6_prefix).as_str() == name => {
                fixed.hash_one(key_ip(ip, ipv6_prefix))
            }
            _ => fixed.hash_one(name),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::source_key::KeyTexts;

    /// Every key is in exactly one part, whatever address or name of it
    /// the event names, and the parts share the keys out.
    #[test]
    fn each_key_is_in_one_part() {
        let srcs = [
            "203.0.113.7",
            "203.0.113.8",
            "2001:db8:1:2::1",
            "2001:db8:1:2:ffff::9",
            "2001:db8:1:3::1",
            "::ffff:203.0.113.7",
            "10.0.0.1",
        ];
        for count in 1..5 {
            let parts: Vec<Part> = (0..count).map(|i| Part::new(i, count)).collect();
            let mut keys = std::collections::HashMap::new();
            let mut texts = KeyTexts::new(100, 64);
            for s in srcs {
                let ip: IpAddr = s.parse().unwrap();
                let key = texts.key(Src::Ip(ip)).as_str().to_string();
                let owners: Vec<usize> = (0..count)
                    .filter(|&i| parts[i].owns_source(Src::Ip(ip), 64))
                    .collect();
                assert_eq!(owners.len(), 1, "{s} in {count} parts");
                // The same key, the same part; its text as a host name too.
                assert_eq!(*keys.entry(key.clone()).or_insert(owners[0]), owners[0]);
                assert!(parts[owners[0]].owns_source(Src::Name(&key), 64), "{key}");
            }
            for user in ["root", "admin", "", "pi"] {
                let owners = parts.iter().filter(|p| p.owns_user(user)).count();
                assert_eq!(owners, 1, "{user:?}");
            }
        }
        let spread: std::collections::HashSet<u64> = (0..64)
            .map(|i| {
                let ip: IpAddr = format!("198.51.100.{i}").parse().unwrap();
                (0..4)
                    .find(|&p| Part::new(p, 4).owns_source(Src::Ip(ip), 64))
                    .unwrap() as u64
            })
            .collect();
        assert_eq!(spread.len(), 4, "64 sources over 4 parts use them all");
    }

    /// A route computed once says what each part would decide itself.
    #[test]
    fn routes_agree_with_each_part() {
        let ips: Vec<IpAddr> = ["203.0.113.7", "2001:db8:1:2::1", "198.51.100.4", "::1"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        for count in 1..6 {
            for (i, ip) in ips.iter().enumerate() {
                for (class, user) in [
                    (Class::Failure, Some("root")),
                    (Class::Failure, Some("")),
                    (Class::Probe, Some("admin")),
                    (Class::Success, None),
                ] {
                    let srcs = [Src::Ip(*ip), Src::Name("scan.example.net")];
                    let s = Sighting {
                        time: None,
                        class,
                        src: Some(srcs[i % 2]),
                        user,
                        route: None,
                    };
                    let route = Part::new(0, count).route(&s, 64);
                    for p in (0..count).map(|k| Part::new(k, count)) {
                        let counted = user.filter(|u| !u.is_empty() && class == Class::Failure);
                        let want = (
                            p.owns_source(srcs[i % 2], 64),
                            counted.is_some_and(|u| p.owns_user(u)),
                        );
                        assert_eq!(p.routed(route), want, "{count} parts, {s:?}");
                    }
                }
            }
        }
    }
}
