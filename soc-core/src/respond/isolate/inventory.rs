//! The isolation inventory: the only hosts soc may isolate, and the explicit
//! rule that picks one of them from an alert.
//!
//! Log text never names the machine soc logs into: an alert's destination
//! address is never used (for a Suricata alert from 10.0.2.5 to a C2 server
//! it is the C2 server), and the alert's log host (the machine that wrote
//! the line, often the victim of a brute force) is used only when the
//! configured rule says so. A host is isolated only when the rule matches
//! an inventory entry, and the SSH connection goes to the entry's configured
//! address, never to text from the alert. Loopback and the management
//! address can be neither an entry nor a match.
//!
//! ```
//! use soc_core::respond::isolate::{Inventory, InventoryHost, MatchRule};
//! use soc_core::{Alert, Severity};
//!
//! let hosts = vec![InventoryHost { name: "ws17".into(), address: "10.0.2.5".into() }];
//! let inv = Inventory::new(&hosts, &[MatchRule::SourceAddress], "192.0.2.10".parse().unwrap()).unwrap();
//! let mut alert = Alert::new("suricata.alert", "k", "ET MALWARE C2", Severity::High);
//! alert.src_ip = Some("10.0.2.5".parse().unwrap());
//! alert.dst_ip = Some("198.51.100.66".parse().unwrap());
//! assert_eq!(inv.resolve(&alert).unwrap().name, "ws17");
//! alert.src_ip = Some("198.51.100.66".parse().unwrap());
//! assert!(inv.resolve(&alert).is_err(), "only inventory hosts are isolated");
//! ```

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::error::RespondError;
use crate::model::Alert;

/// One host soc may isolate (`[[isolate.inventory]]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InventoryHost {
    /// The host's name as logs name it (the syslog host field), e.g. `web01`.
    pub name: String,
    /// The address soc connects to over SSH (and matches alert sources
    /// against).
    pub address: String,
}

/// How an alert is matched to an inventory host (`isolate.match_by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchRule {
    /// The alert's source address equals an entry's address (the default:
    /// the internal machine that attacked or beaconed).
    SourceAddress,
    /// The alert's log host (the machine that wrote the log line, e.g. the
    /// target of a brute force) equals an entry's name.
    LogHost,
}

/// A validated inventory host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    /// Lower-case name.
    pub name: String,
    /// The SSH address.
    pub address: IpAddr,
}

/// The validated inventory plus its match rules.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    hosts: Vec<Host>,
    rules: Vec<MatchRule>,
}

fn config_err(message: String) -> RespondError {
    RespondError::Config {
        responder: "isolate".into(),
        message,
    }
}

/// Whether a host name means this machine (`localhost`, `*.localhost`,
/// `localhost.localdomain`, a loopback or unspecified address literal).
pub fn is_loopback_name(name: &str) -> bool {
    let n = name.trim().trim_end_matches('.').to_ascii_lowercase();
    if let Ok(ip) = n.trim_matches(['[', ']']).parse::<IpAddr>() {
        let ip = ip.to_canonical();
        return ip.is_loopback() || ip.is_unspecified();
    }
    n == "localhost" || n.ends_with(".localhost") || n == "localhost.localdomain"
}

impl Inventory {
    /// Validates entries: names are DNS names and unique, addresses parse,
    /// nothing is loopback, unspecified or the management address `mgmt`.
    pub fn new(
        hosts: &[InventoryHost],
        rules: &[MatchRule],
        mgmt: IpAddr,
    ) -> Result<Self, RespondError> {
        let mut out: Vec<Host> = Vec::with_capacity(hosts.len());
        for h in hosts {
            let name = h.name.trim().to_ascii_lowercase();
            if !valid_hostname(&name) {
                return Err(config_err(format!(
                    "inventory: '{}' is not a valid host name",
                    h.name.escape_debug()
                )));
            }
            let address = h
                .address
                .trim()
                .parse::<IpAddr>()
                .map_err(|_| {
                    config_err(format!(
                        "inventory: {name}: address '{}' is not an IP address",
                        h.address.escape_debug()
                    ))
                })?
                .to_canonical();
            if is_loopback_name(&name) || address.is_loopback() || address.is_unspecified() {
                return Err(config_err(format!(
                    "inventory: {name} ({address}) is this machine (loopback); soc never isolates it"
                )));
            }
            if address == mgmt {
                return Err(config_err(format!(
                    "inventory: {name} has the management address {address}"
                )));
            }
            if out.iter().any(|o| o.name == name || o.address == address) {
                return Err(config_err(format!(
                    "inventory: {name} ({address}) is listed twice"
                )));
            }
            out.push(Host { name, address });
        }
        Ok(Inventory {
            hosts: out,
            rules: rules.to_vec(),
        })
    }

    /// The hosts.
    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }

    /// The inventory host `alert` designates under the match rules, tried in
    /// order, or why there is none. The alert's destination address is never
    /// considered.
    pub fn resolve(&self, alert: &Alert) -> Result<&Host, String> {
        let mut tried = Vec::new();
        for rule in &self.rules {
            match rule {
                MatchRule::SourceAddress => {
                    let Some(ip) = alert.src_ip.map(|ip| ip.to_canonical()) else {
                        tried.push("the alert has no source address".to_string());
                        continue;
                    };
                    if let Some(h) = self.hosts.iter().find(|h| h.address == ip) {
                        return Ok(h);
                    }
                    tried.push(format!("source {ip} is not in the isolation inventory"));
                }
                MatchRule::LogHost => {
                    let Some(name) = alert.host.as_deref().filter(|h| !h.trim().is_empty()) else {
                        tried.push("the alert has no log host".to_string());
                        continue;
                    };
                    if is_loopback_name(name) {
                        tried.push(format!(
                            "log host '{}' is this machine (loopback)",
                            name.escape_debug()
                        ));
                        continue;
                    }
                    let wanted = name.trim().trim_end_matches('.');
                    if let Some(h) = self
                        .hosts
                        .iter()
                        .find(|h| h.name.eq_ignore_ascii_case(wanted))
                    {
                        return Ok(h);
                    }
                    tried.push(format!(
                        "log host '{}' is not in the isolation inventory",
                        name.escape_debug()
                    ));
                }
            }
        }
        if tried.is_empty() {
            tried.push("no isolate.match_by rule is configured".into());
        }
        Err(tried.join("; "))
    }
}

/// Whether `host` is a valid DNS name (letters, digits, `-`, `.`; labels not
/// starting with `-`).
pub(crate) fn valid_hostname(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Severity;

    fn host(name: &str, address: &str) -> InventoryHost {
        InventoryHost {
            name: name.into(),
            address: address.into(),
        }
    }

    #[test]
    fn loopback_and_management_entries_are_refused() {
        let mgmt: IpAddr = "192.0.2.10".parse().unwrap();
        for bad in [
            host("localhost", "10.0.0.1"),
            host("web01", "127.0.0.1"),
            host("web01", "::1"),
            host("web01", "::ffff:127.0.0.2"),
            host("web01", "0.0.0.0"),
            host("web01", "192.0.2.10"),
            host("web 01", "10.0.0.1"),
            host("web01", "web01"),
        ] {
            assert!(
                Inventory::new(
                    std::slice::from_ref(&bad),
                    &[MatchRule::SourceAddress],
                    mgmt
                )
                .is_err(),
                "{bad:?}"
            );
        }
        let dup = [host("a", "10.0.0.1"), host("A", "10.0.0.2")];
        assert!(Inventory::new(&dup, &[], mgmt).is_err());
        assert!(is_loopback_name("LOCALHOST."));
        assert!(is_loopback_name("127.0.0.1"));
        assert!(is_loopback_name("[::1]"));
        assert!(!is_loopback_name("web01"));
    }

    #[test]
    fn log_host_is_used_only_when_the_rule_says_so() {
        let mgmt: IpAddr = "192.0.2.10".parse().unwrap();
        let hosts = [host("web01", "10.0.0.20")];
        let mut alert = Alert::new("ssh.brute_force", "k", "t", Severity::High);
        alert.src_ip = Some("10.0.0.7".parse().unwrap());
        alert.host = Some("WEB01".into());
        let by_source = Inventory::new(&hosts, &[MatchRule::SourceAddress], mgmt).unwrap();
        let why = by_source.resolve(&alert).unwrap_err();
        assert!(
            why.contains("10.0.0.7 is not in the isolation inventory"),
            "{why}"
        );
        let by_host = Inventory::new(&hosts, &[MatchRule::LogHost], mgmt).unwrap();
        assert_eq!(by_host.resolve(&alert).unwrap().name, "web01");
        alert.host = Some("localhost".into());
        assert!(by_host.resolve(&alert).unwrap_err().contains("loopback"));
        assert!(Inventory::new(&hosts, &[], mgmt)
            .unwrap()
            .resolve(&alert)
            .is_err());
    }
}
