//! Which addresses may be blocked: the lock-out protection every firewall
//! action goes through first.
//!
//! Never blocked: the allow-list, loopback, this host's own addresses, its
//! DNS resolvers and default gateways, the client of the current SSH
//! session (`SSH_CONNECTION`), link-local,
//! multicast, reserved and unspecified addresses, and (unless permitted)
//! private ranges. Documentation ranges (RFC 5737, RFC 3849) are allowed
//! targets: demos and tests use them.
//!
//! ```
//! use soc_core::respond::firewall::TargetPolicy;
//! let policy = TargetPolicy::new(&["203.0.113.0/24".to_string()], false).unwrap();
//! assert!(policy.check("198.51.100.23").is_ok());
//! let err = policy.check("127.0.0.1").unwrap_err();
//! assert_eq!(err.to_string(), "refusing to act on 127.0.0.1: 127.0.0.1 is loopback");
//! assert!(policy.check("203.0.113.7").is_err());
//! assert!(policy.check("1.2.3.4; rm").is_err());
//! ```

use std::fmt;
use std::net::IpAddr;

use ipnetwork::IpNetwork;

use crate::error::RespondError;
use crate::model::AddrClass;

/// Why an address is protected from blocking.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Protection {
    /// 127.0.0.0/8 or ::1.
    Loopback,
    /// An address of this host (or of the configured network namespace).
    OwnAddress,
    /// The client of the SSH session running soc (`SSH_CONNECTION`).
    SshClient,
    /// A DNS resolver of this host (`/etc/resolv.conf`).
    Resolver,
    /// A default gateway of this host.
    Gateway,
    /// Inside an allow-list entry (the entry as written).
    AllowListed(String),
    /// RFC 1918 / RFC 4193 private range, and private targets are not permitted.
    Private,
    /// Link-local.
    LinkLocal,
    /// Multicast.
    Multicast,
    /// Unspecified, broadcast or another reserved range.
    Reserved,
}

impl fmt::Display for Protection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Protection::Loopback => f.write_str("loopback"),
            Protection::OwnAddress => f.write_str("an address of this host"),
            Protection::SshClient => f.write_str("the client of the current SSH session"),
            Protection::Resolver => f.write_str("a DNS resolver of this host"),
            Protection::Gateway => f.write_str("a default gateway of this host"),
            Protection::AllowListed(e) => write!(f, "allow-listed ({e})"),
            Protection::Private => f.write_str(
                "a private address (pass --permit-private / permit_private = true to allow)",
            ),
            Protection::LinkLocal => f.write_str("link-local"),
            Protection::Multicast => f.write_str("multicast"),
            Protection::Reserved => f.write_str("a reserved address"),
        }
    }
}

/// The protection rules applied before any block.
#[derive(Debug, Clone, Default)]
pub struct TargetPolicy {
    allow: Vec<(IpNetwork, String)>,
    permit_private: bool,
    own: Vec<IpAddr>,
    ssh_client: Option<IpAddr>,
    resolvers: Vec<IpAddr>,
    gateways: Vec<IpAddr>,
}

impl TargetPolicy {
    /// A policy with an allow-list (IPs or CIDRs) and the private-range switch.
    /// Own addresses and the SSH client are not filled in: see
    /// [`TargetPolicy::with_host_addresses`] and [`TargetPolicy::with_ssh_connection`].
    pub fn new(allow: &[String], permit_private: bool) -> Result<Self, RespondError> {
        let mut parsed = Vec::with_capacity(allow.len());
        for entry in allow {
            let e = entry.trim();
            let net = e
                .parse::<IpNetwork>()
                .or_else(|_| e.parse::<IpAddr>().map(IpNetwork::from))
                .map_err(|_| RespondError::Config {
                    responder: "firewall".into(),
                    message: format!("allow-list entry '{entry}' is not an IP address or CIDR"),
                })?;
            parsed.push((net, e.to_string()));
        }
        Ok(TargetPolicy {
            allow: parsed,
            permit_private,
            own: Vec::new(),
            ssh_client: None,
            resolvers: Vec::new(),
            gateways: Vec::new(),
        })
    }

    /// Adds this host's own interface addresses (via `if-addrs`).
    pub fn with_host_addresses(mut self) -> Self {
        if let Ok(ifs) = if_addrs::get_if_addrs() {
            self.own.extend(ifs.iter().map(|i| i.ip().to_canonical()));
        }
        self
    }

    /// Protects this host's DNS resolvers (`/etc/resolv.conf`) and default
    /// gateways (`/proc/net/route`, `/proc/net/ipv6_route`): blocking them
    /// would cut the host off.
    pub fn with_infrastructure(mut self) -> Self {
        let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
        self.resolvers
            .extend(resolv_conf_nameservers(&read("/etc/resolv.conf")));
        self.gateways
            .extend(route_gateways_v4(&read("/proc/net/route")));
        self.gateways
            .extend(route_gateways_v6(&read("/proc/net/ipv6_route")));
        self
    }

    /// Adds explicit own addresses (e.g. those of a network namespace).
    pub fn with_own_addresses(mut self, addrs: impl IntoIterator<Item = IpAddr>) -> Self {
        self.own.extend(addrs.into_iter().map(|a| a.to_canonical()));
        self
    }

    /// Protects the client of an SSH session, given the value of
    /// `SSH_CONNECTION` (`client_ip client_port server_ip server_port`).
    pub fn with_ssh_connection(mut self, value: Option<&str>) -> Self {
        self.ssh_client = value
            .and_then(|v| v.split_whitespace().next())
            .and_then(|ip| ip.parse::<IpAddr>().ok())
            .map(|ip| ip.to_canonical());
        self
    }

    /// Whether private ranges may be blocked.
    pub fn permit_private(&self) -> bool {
        self.permit_private
    }

    /// Why `ip` is protected, or `None` when it may be blocked.
    pub fn protection(&self, ip: IpAddr) -> Option<Protection> {
        let ip = ip.to_canonical();
        if let Some((_, entry)) = self.allow.iter().find(|(net, _)| net_contains(net, ip)) {
            return Some(Protection::AllowListed(entry.clone()));
        }
        if self.ssh_client == Some(ip) {
            return Some(Protection::SshClient);
        }
        let class = AddrClass::of(ip);
        if class == AddrClass::Loopback {
            return Some(Protection::Loopback);
        }
        if self.own.contains(&ip) {
            return Some(Protection::OwnAddress);
        }
        if self.resolvers.contains(&ip) {
            return Some(Protection::Resolver);
        }
        if self.gateways.contains(&ip) {
            return Some(Protection::Gateway);
        }
        match class {
            AddrClass::Private if !self.permit_private => Some(Protection::Private),
            AddrClass::LinkLocal => Some(Protection::LinkLocal),
            AddrClass::Multicast => Some(Protection::Multicast),
            AddrClass::Reserved => Some(Protection::Reserved),
            AddrClass::Public
            | AddrClass::Documentation
            | AddrClass::Private
            | AddrClass::Loopback => None,
        }
    }

    /// Parses `input` as one IP address (IPv4-mapped IPv6 becomes IPv4) and
    /// applies the policy: `InvalidTarget` for anything that is not exactly an
    /// address, `Refused` (saying why) for a protected one.
    pub fn check(&self, input: &str) -> Result<IpAddr, RespondError> {
        let ip = parse_ip(input)?;
        match self.protection(ip) {
            Some(p) => Err(RespondError::refused(ip, &p.to_string())),
            None => Ok(ip),
        }
    }

    /// Every single address this policy pins (own, SSH client, resolvers,
    /// gateways): a network containing one of them is refused.
    pub(super) fn pinned_addresses(&self) -> impl Iterator<Item = IpAddr> + '_ {
        self.own
            .iter()
            .chain(&self.ssh_client)
            .chain(&self.resolvers)
            .chain(&self.gateways)
            .copied()
    }

    /// The allow-list entries, parsed and as written.
    pub(super) fn allow_entries(&self) -> impl Iterator<Item = (&IpNetwork, &str)> + '_ {
        self.allow.iter().map(|(n, e)| (n, e.as_str()))
    }
}

/// Parses one IP address strictly (surrounding whitespace allowed; IPv4-mapped
/// IPv6 is returned as IPv4).
pub fn parse_ip(input: &str) -> Result<IpAddr, RespondError> {
    input
        .trim()
        .parse::<IpAddr>()
        .map(|ip| ip.to_canonical())
        .map_err(|_| RespondError::InvalidTarget {
            input: input.to_string(),
        })
}

/// The `nameserver` addresses of a resolv.conf text.
fn resolv_conf_nameservers(text: &str) -> Vec<IpAddr> {
    text.lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            (w.next() == Some("nameserver")).then(|| w.next()).flatten()
        })
        // Scoped IPv6 (fe80::1%eth0) loses its zone.
        .filter_map(|a| a.split('%').next()?.parse::<IpAddr>().ok())
        .map(|a| a.to_canonical())
        .collect()
}

/// Gateways of `/proc/net/route` (hex, little-endian IPv4).
fn route_gateways_v4(text: &str) -> Vec<IpAddr> {
    text.lines()
        .skip(1)
        .filter_map(|l| u32::from_str_radix(l.split_whitespace().nth(2)?, 16).ok())
        .filter(|g| *g != 0)
        .map(|g| IpAddr::V4(std::net::Ipv4Addr::from(g.to_le_bytes())))
        .collect()
}

/// Next hops of `/proc/net/ipv6_route` (32 hex digits, network order).
fn route_gateways_v6(text: &str) -> Vec<IpAddr> {
    text.lines()
        .filter_map(|l| u128::from_str_radix(l.split_whitespace().nth(4)?, 16).ok())
        .filter(|g| *g != 0)
        .map(|g| IpAddr::V6(std::net::Ipv6Addr::from(g)).to_canonical())
        .collect()
}

fn net_contains(net: &IpNetwork, ip: IpAddr) -> bool {
    match (net, ip) {
        (IpNetwork::V4(n), IpAddr::V4(a)) => n.contains(a),
        (IpNetwork::V6(n), IpAddr::V6(a)) => n.contains(a),
        (IpNetwork::V6(n), IpAddr::V4(a)) => n.contains(a.to_ipv6_mapped()),
        (IpNetwork::V4(_), IpAddr::V6(_)) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(p: &TargetPolicy, ip: &str) -> String {
        match p.check(ip) {
            Err(RespondError::Refused { reason, .. }) => reason,
            other => panic!("{ip}: expected refusal, got {other:?}"),
        }
    }

    /// Each address is refused with exactly its reason.
    fn assert_refused(p: &TargetPolicy, cases: &[(&str, &str)]) {
        for (ip, reason) in cases {
            assert_eq!(refused(p, ip), *reason, "{ip}");
        }
    }

    #[test]
    fn protected_ranges_are_refused_with_a_reason() {
        let p = TargetPolicy::new(&[], false).unwrap();
        assert!(refused(&p, "10.1.2.3").contains("private"));
        assert!(refused(&p, "192.168.1.1").contains("private"));
        assert!(refused(&p, "fd00::1").contains("private"));
        assert_refused(
            &p,
            &[
                ("127.0.0.1", "127.0.0.1 is loopback"),
                ("::1", "::1 is loopback"),
                ("::ffff:127.0.0.5", "127.0.0.5 is loopback"),
                ("169.254.1.1", "169.254.1.1 is link-local"),
                ("fe80::1", "fe80::1 is link-local"),
                ("224.0.0.1", "224.0.0.1 is multicast"),
                ("0.0.0.0", "0.0.0.0 is a reserved address"),
                ("::", ":: is a reserved address"),
                ("255.255.255.255", "255.255.255.255 is a reserved address"),
                ("100.64.0.1", "100.64.0.1 is a reserved address"),
            ],
        );
    }

    #[test]
    fn public_and_documentation_addresses_pass() {
        let p = TargetPolicy::new(&[], false).unwrap();
        for ip in [
            "198.51.100.23",
            "203.0.113.9",
            "192.0.2.1",
            "2001:db8::1",
            "8.8.8.8",
            "2606:4700::1111",
        ] {
            assert_eq!(p.check(ip).unwrap(), ip.parse::<IpAddr>().unwrap(), "{ip}");
        }
        assert_eq!(
            p.check(" 198.51.100.23\n").unwrap().to_string(),
            "198.51.100.23"
        );
    }

    #[test]
    fn permit_private_unlocks_only_private() {
        let p = TargetPolicy::new(&[], true).unwrap();
        assert!(p.check("10.1.2.3").is_ok());
        assert!(p.check("fd12::3").is_ok());
        assert!(p.check("127.0.0.1").is_err());
        assert!(p.check("169.254.0.1").is_err());
    }

    #[test]
    fn allow_list_ssh_client_and_own_addresses() {
        let p = TargetPolicy::new(&["203.0.113.0/24".into(), "2001:db8::7".into()], true)
            .unwrap()
            .with_ssh_connection(Some("198.51.100.77 51234 192.0.2.10 22"))
            .with_own_addresses(["192.0.2.10".parse().unwrap()]);
        assert_refused(
            &p,
            &[
                (
                    "203.0.113.200",
                    "203.0.113.200 is allow-listed (203.0.113.0/24)",
                ),
                ("2001:db8::7", "2001:db8::7 is allow-listed (2001:db8::7)"),
                (
                    "198.51.100.77",
                    "198.51.100.77 is the client of the current SSH session",
                ),
                ("192.0.2.10", "192.0.2.10 is an address of this host"),
            ],
        );
        assert!(p.check("2001:db8::8").is_ok());
        assert!(p.check("198.51.100.78").is_ok());
    }

    #[test]
    fn real_host_addresses_are_protected_even_when_private_is_permitted() {
        let p = TargetPolicy::new(&[], true).unwrap().with_host_addresses();
        let ifs = if_addrs::get_if_addrs().unwrap_or_default();
        let Some(own) = ifs.iter().map(|i| i.ip()).find(|ip| !ip.is_loopback()) else {
            eprintln!("skipping: no non-loopback interface");
            return;
        };
        assert!(p.check(&own.to_string()).is_err(), "{own}");
    }

    #[test]
    fn resolvers_and_gateways_are_parsed_and_protected() {
        let conf = "# comment\nnameserver 198.51.100.53\nnameserver fe80::1%eth0\nsearch example\nnameserver bogus\n";
        assert_eq!(
            resolv_conf_nameservers(conf),
            [
                "198.51.100.53".parse::<IpAddr>().unwrap(),
                "fe80::1".parse().unwrap()
            ]
        );
        let route = "Iface\tDestination\tGateway \tFlags\n\
                     eth0\t00000000\t010200C0\t0003\n\
                     eth0\t000200C0\t00000000\t0001\n";
        assert_eq!(
            route_gateways_v4(route),
            ["192.0.2.1".parse::<IpAddr>().unwrap()]
        );
        let route6 = "00000000000000000000000000000000 00 00000000000000000000000000000000 00 20010db8000000000000000000000001 00000400 00000002 00000000 00000003 eth0\n\
                      fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001 eth0\n";
        assert_eq!(
            route_gateways_v6(route6),
            ["2001:db8::1".parse::<IpAddr>().unwrap()]
        );

        let mut p = TargetPolicy::new(&[], false).unwrap();
        p.resolvers = resolv_conf_nameservers(conf);
        p.gateways = route_gateways_v6(route6);
        assert_refused(
            &p,
            &[
                (
                    "198.51.100.53",
                    "198.51.100.53 is a DNS resolver of this host",
                ),
                (
                    "2001:db8::1",
                    "2001:db8::1 is a default gateway of this host",
                ),
            ],
        );
        // The real host's files parse without panicking.
        let _ = TargetPolicy::new(&[], false).unwrap().with_infrastructure();
    }

    #[test]
    fn garbage_is_an_invalid_target() {
        let p = TargetPolicy::new(&[], false).unwrap();
        for input in [
            "1.2.3.4; rm",
            "",
            "1.2.3.4/32",
            "example.com",
            "1.2.3",
            "$(id)",
            "1.2.3.4 5.6.7.8",
        ] {
            let err = p.check(input).unwrap_err();
            assert!(
                matches!(err, RespondError::InvalidTarget { .. }),
                "{input}: {err}"
            );
        }
        assert_eq!(
            p.check("1.2.3.4; rm").unwrap_err().to_string(),
            "'1.2.3.4; rm' is not an IP address"
        );
    }

    #[test]
    fn bad_allow_entry_is_a_config_error() {
        let err = TargetPolicy::new(&["not-a-net".into()], false).unwrap_err();
        assert!(err.to_string().contains("not-a-net"), "{err}");
    }
}
