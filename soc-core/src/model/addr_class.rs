//! The one answer to "what kind of address is this?": [`AddrClass`].
//!
//! Every rule that asks whether an address is public (IOC extraction's
//! `no_private`, which indicators get enriched, the triage scorers'
//! "internal source", the firewall's protected ranges) asks it here, so the
//! rules cannot drift apart.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::IndicatorTag;

/// The class of an IP address, from the IANA special-purpose registries.
/// `::ffff:a.b.c.d` is classified as the IPv4 address it maps.
///
/// ```
/// use soc_core::model::AddrClass;
/// let class = |s: &str| AddrClass::of(s.parse().unwrap());
/// assert_eq!(class("10.1.2.3"), AddrClass::Private);
/// assert_eq!(class("::1"), AddrClass::Loopback);
/// assert_eq!(class("198.51.100.7"), AddrClass::Documentation);
/// assert_eq!(class("8.8.8.8"), AddrClass::Public);
/// assert!(class("198.51.100.7").is_public() && !class("224.0.0.1").is_public());
/// assert!(class("fe80::1").is_internal() && !class("240.0.0.1").is_internal());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddrClass {
    /// Globally routable unicast.
    Public,
    /// Documentation ranges (RFC 5737, RFC 3849): public by form, used by
    /// examples and tests for attackers, so treated as public.
    Documentation,
    /// Private (RFC 1918) and unique-local (fc00::/7) addresses.
    Private,
    /// Loopback (127/8, ::1).
    Loopback,
    /// Link-local (169.254/16, fe80::/10).
    LinkLocal,
    /// Multicast.
    Multicast,
    /// Other special-purpose ranges: unspecified, 0/8, 240/4, broadcast,
    /// CGNAT, benchmarking, IETF protocol assignments, IPv6 outside 2000::/3.
    Reserved,
}

impl AddrClass {
    /// The class of `ip`.
    pub fn of(ip: IpAddr) -> AddrClass {
        match ip {
            IpAddr::V4(a) => v4(a),
            IpAddr::V6(a) => v6(a),
        }
    }

    /// Whether the address can be a party on the internet (public or
    /// documentation): what may be enriched, reported by `no_private`
    /// extraction and, with the firewall's other protections, blocked.
    pub fn is_public(self) -> bool {
        matches!(self, AddrClass::Public | AddrClass::Documentation)
    }

    /// Whether the address belongs to one's own networks: private,
    /// loopback or link-local (the scorers' "internal source").
    pub fn is_internal(self) -> bool {
        matches!(
            self,
            AddrClass::Private | AddrClass::Loopback | AddrClass::LinkLocal
        )
    }

    /// The indicator tag of the class; `None` for public addresses.
    pub fn tag(self) -> Option<IndicatorTag> {
        match self {
            AddrClass::Public => None,
            AddrClass::Documentation => Some(IndicatorTag::Documentation),
            AddrClass::Private => Some(IndicatorTag::Private),
            AddrClass::Loopback => Some(IndicatorTag::Loopback),
            AddrClass::LinkLocal => Some(IndicatorTag::LinkLocal),
            AddrClass::Multicast => Some(IndicatorTag::Multicast),
            AddrClass::Reserved => Some(IndicatorTag::Reserved),
        }
    }

    /// The class a tag names (`None` for tags that are not address classes,
    /// such as `from_url`).
    pub fn from_tag(tag: IndicatorTag) -> Option<AddrClass> {
        match tag {
            IndicatorTag::Documentation => Some(AddrClass::Documentation),
            IndicatorTag::Private => Some(AddrClass::Private),
            IndicatorTag::Loopback => Some(AddrClass::Loopback),
            IndicatorTag::LinkLocal => Some(AddrClass::LinkLocal),
            IndicatorTag::Multicast => Some(AddrClass::Multicast),
            IndicatorTag::Reserved => Some(AddrClass::Reserved),
            IndicatorTag::FromUrl
            | IndicatorTag::Base64
            | IndicatorTag::Hex
            | IndicatorTag::PercentEncoded => None,
        }
    }
}

fn v4(ip: Ipv4Addr) -> AddrClass {
    let o = ip.octets();
    if ip.is_loopback() {
        AddrClass::Loopback
    } else if ip.is_private() {
        AddrClass::Private
    } else if ip.is_link_local() {
        AddrClass::LinkLocal
    } else if ip.is_multicast() {
        AddrClass::Multicast
    } else if ip.is_documentation() {
        AddrClass::Documentation
    } else if o[0] == 0
        || o[0] >= 240
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // 100.64/10 CGNAT
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // 192.0.0/24
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // 198.18/15 benchmarking
        || ip.is_broadcast()
    {
        AddrClass::Reserved
    } else {
        AddrClass::Public
    }
}

fn v6(ip: Ipv6Addr) -> AddrClass {
    if let Some(m) = ip.to_ipv4_mapped() {
        return v4(m);
    }
    let s = ip.segments();
    if ip.is_loopback() {
        AddrClass::Loopback
    } else if (s[0] & 0xfe00) == 0xfc00 {
        AddrClass::Private // fc00::/7 unique local
    } else if (s[0] & 0xffc0) == 0xfe80 {
        AddrClass::LinkLocal
    } else if ip.is_multicast() {
        AddrClass::Multicast
    } else if s[0] == 0x2001 && s[1] == 0x0db8 {
        AddrClass::Documentation
    } else if ip.is_unspecified()
        || (s[0] & 0xe000) != 0x2000 // outside 2000::/3 global unicast
        || (s[0] == 0x2001 && s[1] < 0x0200)
    // 2001::/23 IETF protocol assignments
    {
        AddrClass::Reserved
    } else {
        AddrClass::Public
    }
}

/// The tag of an address's [`AddrClass`]: private, loopback, link-local,
/// multicast, documentation or otherwise reserved. Public unicast
/// addresses get no tag.
///
/// `::ffff:a.b.c.d` is classified as the IPv4 address it maps.
///
/// ```
/// use soc_core::model::{ip_tags, IndicatorTag};
/// assert_eq!(ip_tags("10.1.2.3".parse().unwrap()), vec![IndicatorTag::Private]);
/// assert_eq!(ip_tags("::1".parse().unwrap()), vec![IndicatorTag::Loopback]);
/// assert_eq!(ip_tags("198.51.100.7".parse().unwrap()), vec![IndicatorTag::Documentation]);
/// assert!(ip_tags("8.8.8.8".parse().unwrap()).is_empty());
/// ```
pub fn ip_tags(ip: IpAddr) -> Vec<IndicatorTag> {
    AddrClass::of(ip).tag().into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each class's tag names it back, and the two predicates split the
    /// classes as documented (the table has an address of every class).
    #[test]
    fn tags_round_trip_and_predicates_partition() {
        use AddrClass::*;
        let mut seen = std::collections::HashSet::new();
        for (ip, class) in [
            ("0.0.0.0", Reserved),
            ("::", Reserved),
            ("255.255.255.255", Reserved),
            ("100.64.0.1", Reserved),
            ("::ffff:10.0.0.1", Private),
            ("fd00::1", Private),
            ("127.0.0.1", Loopback),
            ("fe80::1", LinkLocal),
            ("2001:db8::1", Documentation),
            ("2606:4700::1111", Public),
            ("ff02::1", Multicast),
        ] {
            let c = AddrClass::of(ip.parse().unwrap());
            assert_eq!(c, class, "{ip}");
            assert_eq!(c.tag().and_then(AddrClass::from_tag).unwrap_or(Public), c);
            assert!(!(c.is_public() && c.is_internal()), "{c:?}");
            seen.insert(c);
        }
        assert_eq!(seen.len(), 7, "every class is in the table");
    }
}
