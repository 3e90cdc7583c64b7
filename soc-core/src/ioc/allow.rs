//! Allow-lists: networks and domains whose indicators are not reported
//! (the company's own ranges and domains, well-known services, ...).

use std::net::IpAddr;
use std::path::Path;

use ipnetwork::IpNetwork;

use crate::error::IocError;
use crate::model::{Indicator, IndicatorKind};

/// A set of CIDRs, addresses and domains to leave out of the results.
/// A domain entry also covers its subdomains.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AllowList {
    nets: Vec<IpNetwork>,
    domains: Vec<String>,
}

impl AllowList {
    /// Parses an allow-list: one entry per line (or several separated by
    /// spaces or commas), `#` starts a comment. Entries may be defanged.
    ///
    /// ```
    /// use soc_core::ioc::AllowList;
    /// use soc_core::model::{Indicator, IndicatorKind};
    /// let allow = AllowList::parse("10.0.0.0/8  # ours\nexample.com\n", "allow.txt").unwrap();
    /// assert!(allow.contains(&Indicator::new(IndicatorKind::Ipv4, "10.1.2.3")));
    /// assert!(allow.contains(&Indicator::new(IndicatorKind::Domain, "mail.example.com")));
    /// assert!(!allow.contains(&Indicator::new(IndicatorKind::Domain, "notexample.com")));
    /// assert!(AllowList::parse("not an entry!", "x").is_err());
    /// ```
    pub fn parse(text: &str, source_name: &str) -> Result<Self, IocError> {
        let mut list = AllowList::default();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("");
            for entry in line
                .split(|c: char| c.is_whitespace() || c == ',')
                .filter(|e| !e.is_empty())
            {
                let refanged = super::refang::refang(entry);
                let e = refanged.trim_start_matches("*.").trim_end_matches('.');
                if let Ok(net) = e.parse::<IpNetwork>() {
                    list.nets.push(net);
                } else if is_domain_name(e) {
                    list.domains.push(e.to_ascii_lowercase());
                } else {
                    return Err(IocError::BadAllowEntry {
                        path: source_name.to_string(),
                        line: n + 1,
                        entry: entry.to_string(),
                    });
                }
            }
        }
        Ok(list)
    }

    /// Reads and parses an allow-list file.
    ///
    /// ```
    /// use soc_core::ioc::AllowList;
    /// assert!(AllowList::from_file("/nonexistent/allow.txt").is_err());
    /// ```
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, IocError> {
        let path = path.as_ref();
        let text = std::fs::read(path).map_err(|source| IocError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&String::from_utf8_lossy(&text), &path.display().to_string())
    }

    /// True when the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.nets.is_empty() && self.domains.is_empty()
    }

    /// Whether the indicator is covered: an IP or CIDR inside an allowed
    /// network, or a domain, URL host or e-mail domain equal to or under an
    /// allowed domain.
    pub fn contains(&self, ind: &Indicator) -> bool {
        self.covers(ind.kind, &ind.value)
    }

    /// [`AllowList::contains`] for an indicator of `kind` with `value`.
    pub(crate) fn covers(&self, kind: IndicatorKind, value: &str) -> bool {
        if self.is_empty() {
            return false;
        }
        match kind {
            IndicatorKind::Ipv4 | IndicatorKind::Ipv6 => {
                value.parse::<IpAddr>().is_ok_and(|ip| self.has_ip(ip))
            }
            IndicatorKind::Cidr => value.parse::<IpNetwork>().is_ok_and(|n| {
                self.nets
                    .iter()
                    .any(|a| a.prefix() <= n.prefix() && a.contains(n.network()))
            }),
            IndicatorKind::Domain | IndicatorKind::Onion => self.has_domain(value),
            IndicatorKind::Email => value.rsplit('@').next().is_some_and(|d| self.has_domain(d)),
            IndicatorKind::Url => {
                let rest = value.split("://").nth(1).unwrap_or("");
                let auth = rest.split(['/', '?', '#']).next().unwrap_or("");
                let host = auth.rsplit('@').next().unwrap_or("");
                let host = if let Some(h) = host.strip_prefix('[') {
                    h.split(']').next().unwrap_or("")
                } else {
                    host.split(':').next().unwrap_or("")
                };
                match host.parse::<IpAddr>() {
                    Ok(ip) => self.has_ip(ip),
                    Err(_) => self.has_domain(host),
                }
            }
            _ => false,
        }
    }

    fn has_ip(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        self.nets.iter().any(|n| n.contains(ip))
    }

    fn has_domain(&self, d: &str) -> bool {
        let d = d.to_ascii_lowercase();
        self.domains.iter().any(|a| {
            d == *a
                || (d.len() > a.len()
                    && d.ends_with(a.as_str())
                    && d.as_bytes()[d.len() - a.len() - 1] == b'.')
        })
    }
}

fn is_domain_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        })
        && s.bytes().any(|c| c.is_ascii_alphabetic())
}
