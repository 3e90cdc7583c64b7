//! `[response.firewall]`: the remote hosts whose firewalls soc drives over
//! SSH, and the defaults ad-hoc hosts (`--host root@web3:2222`) use.
//!
//! ```
//! use soc_core::respond::remote::RemoteFirewallConfig;
//! use soc_core::respond::firewall::Backend;
//! let cfg: RemoteFirewallConfig = toml::from_str(r#"
//!     key = "/etc/soc/id_ed25519"
//!     known_hosts = "/etc/soc/known_hosts"
//!     [[remote]]
//!     name = "web1"
//!     host = "192.0.2.21"
//!     [[remote]]
//!     name = "edge"
//!     host = "edge.example.net"
//!     port = 2222
//!     user = "soc"
//!     sudo = true
//!     backend = "ipset"
//! "#).unwrap();
//! assert_eq!(cfg.remote.len(), 2);
//! assert_eq!(cfg.remote[1].backend, Backend::Ipset);
//! assert_eq!(cfg.concurrency, 8);
//! let spec = cfg.resolve("edge").unwrap();
//! assert_eq!((spec.user.as_str(), spec.port, spec.sudo), ("soc", 2222, true));
//! let adhoc = cfg.resolve("admin@198.51.100.9:2200").unwrap();
//! assert_eq!(adhoc.name, "admin@198.51.100.9:2200");
//! assert!(cfg.resolve("web1; rm -rf /").is_err());
//! ```

use std::net::IpAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::RespondError;
use crate::respond::firewall::Backend;
use crate::respond::isolate::valid_hostname;

/// One remote firewall (`[[response.firewall.remote]]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoteTarget {
    /// The name `--host` and the state store use (`web1`).
    pub name: String,
    /// Address or DNS name soc connects to.
    pub host: String,
    /// SSH port (the section's `port`, 22).
    #[serde(default)]
    pub port: Option<u16>,
    /// Remote user (the section's `user`, `root`).
    #[serde(default)]
    pub user: Option<String>,
    /// Private key (the section's `key`).
    #[serde(default)]
    pub key: Option<PathBuf>,
    /// known_hosts file (the section's `known_hosts`).
    #[serde(default)]
    pub known_hosts: Option<PathBuf>,
    /// Firewall backend on that host (nftables).
    #[serde(default)]
    pub backend: Backend,
    /// Run the firewall tools through `sudo -n` (a non-root user with a
    /// NOPASSWD rule for nft/ipset/iptables).
    #[serde(default)]
    pub sudo: bool,
    /// Run soc's ssh client inside this local network namespace.
    #[serde(default)]
    pub netns: Option<String>,
}

/// The `[response.firewall]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RemoteFirewallConfig {
    /// The configured hosts.
    pub remote: Vec<RemoteTarget>,
    /// Default private key (`-i`); `None`: the ssh client's defaults.
    pub key: Option<PathBuf>,
    /// Default known_hosts; `None`: `~/.ssh/known_hosts`. Host keys are
    /// always checked strictly (no accept-new).
    pub known_hosts: Option<PathBuf>,
    /// Default remote user (`root`).
    pub user: String,
    /// Default SSH port (22).
    pub port: u16,
    /// How many hosts are worked on at once (8).
    pub concurrency: usize,
    /// Alerts block on this host's firewall too (`[firewall]`), besides the
    /// remote ones (true).
    pub local: bool,
    /// SSH connect timeout in seconds (10).
    pub connect_timeout_secs: u64,
    /// Timeout of one remote command in seconds (60).
    pub timeout_secs: u64,
    /// The ssh client program (`ssh`).
    pub ssh_program: String,
}

impl Default for RemoteFirewallConfig {
    fn default() -> Self {
        RemoteFirewallConfig {
            remote: Vec::new(),
            key: None,
            known_hosts: None,
            user: "root".into(),
            port: 22,
            concurrency: 8,
            local: true,
            connect_timeout_secs: 10,
            timeout_secs: 60,
            ssh_program: "ssh".into(),
        }
    }
}

/// A fully resolved host: every default filled in, every field validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostSpec {
    /// Configured name, or the ad-hoc `[user@]host[:port]` as given.
    pub name: String,
    /// Address or DNS name.
    pub host: String,
    /// Port.
    pub port: u16,
    /// User.
    pub user: String,
    /// Private key.
    pub key: Option<PathBuf>,
    /// known_hosts.
    pub known_hosts: Option<PathBuf>,
    /// Backend.
    pub backend: Backend,
    /// Through `sudo -n`.
    pub sudo: bool,
    /// Local namespace of the ssh client.
    pub netns: Option<String>,
}

pub(crate) fn config_err(message: impl Into<String>) -> RespondError {
    RespondError::Config {
        responder: "remote firewall".into(),
        message: message.into(),
    }
}

fn valid_word(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
}

/// Parses `host` as an address (brackets allowed for IPv6) or a DNS name.
fn valid_host(host: &str) -> Option<String> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    match bare.parse::<IpAddr>() {
        Ok(ip) => Some(ip.to_canonical().to_string()),
        Err(_) if valid_hostname(bare) => Some(bare.to_ascii_lowercase()),
        Err(_) => None,
    }
}

impl RemoteFirewallConfig {
    /// Validates every configured host (names unique, fields valid).
    pub fn validate(&self) -> Result<(), RespondError> {
        let mut seen = std::collections::BTreeSet::new();
        for t in &self.remote {
            self.spec(t)?;
            if !seen.insert(t.name.as_str()) {
                return Err(config_err(format!(
                    "remote host name '{}' is used twice",
                    t.name
                )));
            }
        }
        if self.concurrency == 0 {
            return Err(config_err("concurrency must be at least 1"));
        }
        Ok(())
    }

    fn spec(&self, t: &RemoteTarget) -> Result<HostSpec, RespondError> {
        if !valid_word(&t.name) {
            return Err(config_err(format!(
                "remote host name '{}' must be letters, digits, _ . - (not starting with -)",
                t.name
            )));
        }
        let host = valid_host(&t.host).ok_or_else(|| {
            config_err(format!(
                "{}: host '{}' is not an address or DNS name",
                t.name, t.host
            ))
        })?;
        let user = t.user.clone().unwrap_or_else(|| self.user.clone());
        if !valid_word(&user) {
            return Err(config_err(format!(
                "{}: user '{user}' is not a valid user name",
                t.name
            )));
        }
        let port = t.port.unwrap_or(self.port);
        if port == 0 {
            return Err(config_err(format!("{}: port must be 1-65535", t.name)));
        }
        if let Some(ns) = &t.netns {
            if !valid_word(ns) {
                return Err(config_err(format!(
                    "{}: netns '{ns}' is not a valid name",
                    t.name
                )));
            }
        }
        Ok(HostSpec {
            name: t.name.clone(),
            host,
            port,
            user,
            key: t.key.clone().or_else(|| self.key.clone()),
            known_hosts: t.known_hosts.clone().or_else(|| self.known_hosts.clone()),
            backend: t.backend,
            sudo: t.sudo,
            netns: t.netns.clone(),
        })
    }

    /// The host called `name` in the config, else `name` read as an ad-hoc
    /// `[user@]host[:port]` (IPv6 in brackets when a port is given) using
    /// the section's defaults and the nftables backend.
    pub fn resolve(&self, name: &str) -> Result<HostSpec, RespondError> {
        let name = name.trim();
        if let Some(t) = self.remote.iter().find(|t| t.name == name) {
            return self.spec(t);
        }
        let bad = || {
            config_err(format!(
                "'{name}' is neither a configured remote host nor [user@]host[:port]"
            ))
        };
        let (user, rest) = match name.split_once('@') {
            Some((u, r)) => (Some(u.to_string()), r),
            None => (None, name),
        };
        // `[v6]:port`, `v4:port`, `name:port`, or a bare v6 address.
        let (host, port) = if let Some(r) = rest.strip_prefix('[') {
            let (h, p) = r.split_once(']').ok_or_else(bad)?;
            let port = match p.strip_prefix(':') {
                Some(p) => Some(p.parse::<u16>().map_err(|_| bad())?),
                None if p.is_empty() => None,
                None => return Err(bad()),
            };
            (h, port)
        } else if rest.matches(':').count() == 1 {
            let (h, p) = rest.split_once(':').ok_or_else(bad)?;
            (h, Some(p.parse::<u16>().map_err(|_| bad())?))
        } else {
            (rest, None)
        };
        let t = RemoteTarget {
            name: "adhoc".into(),
            host: host.to_string(),
            port,
            user,
            key: None,
            known_hosts: None,
            backend: Backend::Nftables,
            sudo: false,
            netns: None,
        };
        let mut spec = self.spec(&t).map_err(|_| bad())?;
        spec.name = name.to_string();
        Ok(spec)
    }
}
