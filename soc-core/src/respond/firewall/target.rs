//! What a block applies to: one address, or a network (an IPv6 /64 from an
//! alert's `src_prefix`, or `soc block 2001:db8::/64`).
//!
//! A network is refused when it is wider than [`MIN_PREFIX_V4`] /
//! [`MIN_PREFIX_V6`], when it is written with host bits set (a typo would
//! otherwise block something else than what was meant), and when it
//! contains *any* protected address: every rule of the [`TargetPolicy`]
//! applies to the whole network, not only to its first address.
//!
//! ```
//! use soc_core::respond::firewall::{BlockTarget, TargetPolicy};
//! let policy = TargetPolicy::new(&["2001:db8:0:7::1".to_string()], false).unwrap();
//! let t = BlockTarget::parse("2001:db8:0:5::/64").unwrap();
//! assert!(t.is_network());
//! assert_eq!(policy.check_block_target(&t).unwrap().to_string(), "2001:db8:0:5::/64");
//! // The allow-listed address lies inside this /64: refused.
//! let t = BlockTarget::parse("2001:db8:0:7::/64").unwrap();
//! assert!(policy.check_block_target(&t).is_err());
//! // A single address is still a plain address.
//! assert_eq!(BlockTarget::parse("198.51.100.7").unwrap().to_string(), "198.51.100.7");
//! assert!(BlockTarget::parse("2001:db8::5/64").is_err(), "host bits set");
//! ```

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnetwork::IpNetwork;

use super::policy::{parse_ip, TargetPolicy};
use crate::error::RespondError;
use crate::model::Alert;

/// The widest IPv4 network soc blocks (/16).
pub const MIN_PREFIX_V4: u8 = 16;
/// The widest IPv6 network soc blocks (/32).
pub const MIN_PREFIX_V6: u8 = 32;

/// One address or one network to block. Displayed as the bare address for
/// a full-length prefix (`/32`, `/128`), else as `network/len`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BlockTarget(IpNetwork);

impl BlockTarget {
    /// One address (IPv4-mapped IPv6 becomes IPv4).
    pub fn addr(ip: IpAddr) -> Self {
        BlockTarget(IpNetwork::from(ip.to_canonical()))
    }

    /// Parses an address or a CIDR network (`2001:db8::/64`). A network with
    /// host bits set, or wider than the minimum prefix, is refused.
    pub fn parse(input: &str) -> Result<Self, RespondError> {
        let s = input.trim();
        let Some((addr, len)) = s.split_once('/') else {
            return parse_ip(input).map(Self::addr);
        };
        let invalid = || RespondError::InvalidTarget {
            input: input.to_string(),
        };
        let ip = parse_ip(addr).map_err(|_| invalid())?;
        if len.is_empty() || !len.bytes().all(|b| b.is_ascii_digit()) || len.len() > 3 {
            return Err(invalid());
        }
        let len: u8 = len.parse().map_err(|_| invalid())?;
        // `::ffff:a.b.c.d/len` is an IPv4 network of len - 96.
        let len = match (addr.trim().parse::<IpAddr>(), ip) {
            (Ok(IpAddr::V6(_)), IpAddr::V4(_)) => len.checked_sub(96).ok_or_else(invalid)?,
            _ => len,
        };
        let net = IpNetwork::new(ip, len).map_err(|_| invalid())?;
        if net.network() != ip {
            return Err(RespondError::Refused {
                target: input.to_string(),
                reason: format!(
                    "{s} has host bits set; the network is {}/{len}",
                    net.network()
                ),
            });
        }
        let min = if ip.is_ipv4() {
            MIN_PREFIX_V4
        } else {
            MIN_PREFIX_V6
        };
        if len < min {
            return Err(RespondError::Refused {
                target: input.to_string(),
                reason: format!("networks wider than /{min} are never blocked"),
            });
        }
        Ok(BlockTarget(net))
    }

    /// The network (a /32 or /128 for one address).
    pub fn network(&self) -> IpNetwork {
        self.0
    }

    /// The first address.
    pub fn ip(&self) -> IpAddr {
        self.0.network()
    }

    /// Whether it is IPv4.
    pub fn is_ipv4(&self) -> bool {
        self.0.is_ipv4()
    }

    /// Whether it is a network (a shorter prefix than one address).
    pub fn is_network(&self) -> bool {
        self.0.prefix() < if self.is_ipv4() { 32 } else { 128 }
    }

    /// Whether `ip` lies inside.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.0, ip.to_canonical()) {
            (IpNetwork::V4(n), IpAddr::V4(a)) => n.contains(a),
            (IpNetwork::V6(n), IpAddr::V6(a)) => n.contains(a),
            _ => false,
        }
    }

    /// The last address.
    fn last(&self) -> IpAddr {
        match self.0 {
            IpNetwork::V4(n) => IpAddr::V4(n.broadcast()),
            IpNetwork::V6(n) => {
                let host = u128::MAX.checked_shr(u32::from(n.prefix())).unwrap_or(0);
                IpAddr::V6(Ipv6Addr::from(u128::from(n.network()) | host))
            }
        }
    }
}

impl std::str::FromStr for BlockTarget {
    type Err = RespondError;

    /// As [`BlockTarget::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for BlockTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_network() {
            write!(f, "{}/{}", self.0.network(), self.0.prefix())
        } else {
            write!(f, "{}", self.0.network())
        }
    }
}

/// The first address of every special-purpose range the policy knows
/// (loopback, private, link-local, multicast, reserved): a network
/// contains such a range exactly when it contains the range's first
/// address or lies inside the range.
fn special_range_starts() -> Vec<IpAddr> {
    let v4 = |a, b, c, d| IpAddr::V4(Ipv4Addr::new(a, b, c, d));
    let v6 = |s0| IpAddr::V6(Ipv6Addr::new(s0, 0, 0, 0, 0, 0, 0, 0));
    vec![
        v4(0, 0, 0, 0),
        v4(10, 0, 0, 0),
        v4(100, 64, 0, 0),
        v4(127, 0, 0, 0),
        v4(169, 254, 0, 0),
        v4(172, 16, 0, 0),
        v4(192, 0, 0, 0),
        v4(192, 168, 0, 0),
        v4(198, 18, 0, 0),
        v4(224, 0, 0, 0),
        v4(240, 0, 0, 0),
        v6(0),
        IpAddr::V6(Ipv6Addr::LOCALHOST),
        v6(0x2001),
        v6(0xfc00),
        v6(0xfe80),
        v6(0xff00),
    ]
}

impl TargetPolicy {
    /// Applies the policy to a whole target: an address as
    /// [`TargetPolicy::check`] does; a network is refused when any address
    /// inside it is protected (its first and last address, every pinned
    /// address such as this host's or the SSH client's, every allow-list
    /// entry and special range that overlaps it).
    pub fn check_block_target(&self, target: &BlockTarget) -> Result<BlockTarget, RespondError> {
        if !target.is_network() {
            return self.check(&target.ip().to_string()).map(BlockTarget::addr);
        }
        let mut candidates = vec![target.ip(), target.last()];
        candidates.extend(self.pinned_addresses().filter(|a| target.contains(*a)));
        candidates.extend(
            special_range_starts()
                .into_iter()
                .filter(|a| target.contains(*a)),
        );
        for (net, entry) in self.allow_entries() {
            if target.contains(net.network()) || net_contains(net, target.ip()) {
                return Err(RespondError::Refused {
                    target: target.to_string(),
                    reason: format!("{target} overlaps the allow-list entry {entry}"),
                });
            }
        }
        for a in candidates {
            if let Some(p) = self.protection(a) {
                return Err(RespondError::Refused {
                    target: target.to_string(),
                    reason: format!("{target} contains {a}, which is {p}"),
                });
            }
        }
        Ok(*target)
    }
}

fn net_contains(net: &IpNetwork, ip: IpAddr) -> bool {
    BlockTarget(*net).contains(ip)
}

/// The narrowest IPv6 aggregation an alert's `src_prefix` may ask for: a
/// wider one falls back to the single source address.
pub const ALERT_PREFIX_MIN_V6: u8 = 48;

/// What an alert's block applies to: its IPv6 source network when the
/// detector aggregated the source (`src_prefix`, e.g. `2001:db8:1:2::/64`)
/// and `use_prefix` is on, else its source address. The network is used
/// only when it is IPv6, at least /[`ALERT_PREFIX_MIN_V6`] and contains the
/// alert's own source address, so a field cannot redirect the block.
///
/// ```
/// use soc_core::respond::firewall::alert_block_target;
/// use soc_core::{Alert, Severity};
/// let mut a = Alert::new("ssh.brute_force", "k", "t", Severity::High);
/// a.src_ip = Some("2001:db8:1:2::77".parse().unwrap());
/// a.fields.insert("src_prefix".into(), "2001:db8:1:2::/64".into());
/// assert_eq!(alert_block_target(&a, true).unwrap().to_string(), "2001:db8:1:2::/64");
/// assert_eq!(alert_block_target(&a, false).unwrap().to_string(), "2001:db8:1:2::77");
/// a.fields.insert("src_prefix".into(), "2001:db8:9:9::/64".into());
/// assert_eq!(alert_block_target(&a, true).unwrap().to_string(), "2001:db8:1:2::77");
/// ```
pub fn alert_block_target(alert: &Alert, use_prefix: bool) -> Option<BlockTarget> {
    let src = alert.src_ip?;
    let prefix = alert
        .fields
        .get("src_prefix")
        .and_then(|v| v.as_str())
        .filter(|_| use_prefix)
        .and_then(|p| BlockTarget::parse(p).ok())
        .filter(|t| !t.is_ipv4() && t.network().prefix() >= ALERT_PREFIX_MIN_V6 && t.contains(src));
    Some(prefix.unwrap_or_else(|| BlockTarget::addr(src)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(r: Result<BlockTarget, RespondError>) -> String {
        match r {
            Err(RespondError::Refused { reason, .. }) => reason,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn parses_addresses_and_networks() {
        let t = BlockTarget::parse(" 2001:db8:1:2::/64 ").unwrap();
        assert!(t.is_network() && !t.is_ipv4());
        assert_eq!(t.to_string(), "2001:db8:1:2::/64");
        assert_eq!(t.last().to_string(), "2001:db8:1:2:ffff:ffff:ffff:ffff");
        assert!(t.contains("2001:db8:1:2::99".parse().unwrap()));
        assert!(!t.contains("2001:db8:1:3::1".parse().unwrap()));
        assert_eq!(
            BlockTarget::parse("198.51.100.0/24").unwrap().to_string(),
            "198.51.100.0/24"
        );
        // Full-length prefixes are plain addresses.
        assert_eq!(
            BlockTarget::parse("198.51.100.7/32").unwrap().to_string(),
            "198.51.100.7"
        );
        assert_eq!(
            BlockTarget::parse("::ffff:198.51.100.0/120")
                .unwrap()
                .to_string(),
            "198.51.100.0/24"
        );
        for bad in [
            "",
            "/64",
            "2001:db8::/",
            "2001:db8::/129",
            "1.2.3.0/33",
            "1.2.3.0/-1",
            "1.2.3.0/24; rm",
            "x/24",
            "1.2.3.0/+24",
        ] {
            assert!(
                matches!(
                    BlockTarget::parse(bad),
                    Err(RespondError::InvalidTarget { .. })
                ),
                "{bad}"
            );
        }
        assert!(reason(BlockTarget::parse("2001:db8::5/64")).contains("host bits"));
        assert!(reason(BlockTarget::parse("2001::/16")).contains("wider than /32"));
        assert!(reason(BlockTarget::parse("198.0.0.0/8")).contains("wider than /16"));
    }

    #[test]
    fn a_network_is_refused_when_anything_inside_is_protected() {
        let p = TargetPolicy::new(&["198.51.100.77".into(), "2001:db8:9::/48".into()], false)
            .unwrap()
            .with_ssh_connection(Some("203.0.113.200 5 192.0.2.1 22"))
            .with_own_addresses(["2001:db8:5::1".parse().unwrap()]);
        let check = |s: &str| p.check_block_target(&BlockTarget::parse(s).unwrap());
        assert!(check("2001:db8:4::/64").is_ok());
        assert!(check("198.51.100.0/25")
            .unwrap_err()
            .to_string()
            .contains("allow-list"));
        // A network inside an allow-listed one, and one containing it.
        assert!(check("2001:db8:9:1::/64").is_err());
        assert!(check("2001:db8::/40").is_err());
        assert!(reason(check("203.0.113.128/25")).contains("client of the current SSH session"));
        assert!(reason(check("2001:db8:5::/64")).contains("an address of this host"));
        // Special ranges anywhere inside, or around the whole network.
        assert!(reason(check("10.0.0.0/16")).contains("private"));
        assert!(reason(check("127.0.0.0/16")).contains("loopback"));
        assert!(reason(check("fe80::/64")).contains("link-local"));
        assert!(reason(check("fd00:1::/64")).contains("private"));
        assert!(reason(check("2001::/32")).contains("reserved"));
        // A single address goes through the plain check.
        assert!(check("198.51.100.77").is_err());
        assert!(check("198.51.100.78").is_ok());
    }
}
