//! Firewall configuration: the backend and the `[firewall]` section.
//!
//! ```
//! use soc_core::respond::firewall::{Backend, FirewallConfig};
//! let cfg: FirewallConfig = toml::from_str("backend = \"ipset\"\ndefault_duration = \"2d\"").unwrap();
//! assert_eq!(cfg.backend, Backend::Ipset);
//! assert!(!cfg.permit_private);
//! assert_eq!("nft".parse::<Backend>().unwrap(), Backend::Nftables);
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::RespondError;

/// Which firewall does the blocking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// nftables: table `inet soc`, sets `block4`/`block6` with timeouts. The default.
    #[default]
    #[serde(alias = "nft")]
    Nftables,
    /// ipset `soc-block4`/`soc-block6` with timeouts, matched by one iptables rule.
    Ipset,
    /// Plain iptables chain `soc-block`; expiry via [`Firewall::expire`](super::Firewall::expire).
    Iptables,
}

impl Backend {
    /// The name used in config, the state store and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Nftables => "nftables",
            Backend::Ipset => "ipset",
            Backend::Iptables => "iptables",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Backend {
    type Err = RespondError;

    /// Parses `nft`/`nftables`, `ipset`, `iptables` (case-insensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "nft" | "nftables" => Ok(Backend::Nftables),
            "ipset" => Ok(Backend::Ipset),
            "iptables" => Ok(Backend::Iptables),
            _ => Err(RespondError::Config {
                responder: "firewall".into(),
                message: format!("unknown backend '{s}'; use nftables, ipset or iptables"),
            }),
        }
    }
}

/// Firewall configuration (`[firewall]` in `soc.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FirewallConfig {
    /// The backend (`nftables`, `ipset`, `iptables`).
    pub backend: Backend,
    /// Duration of a block when none is given (`1h`; `0`/`permanent` never expires).
    pub default_duration: String,
    /// Addresses and CIDRs that are never blocked (admins, gateways, resolvers).
    pub allow: Vec<String>,
    /// Allow blocking RFC 1918 / RFC 4193 private addresses.
    pub permit_private: bool,
    /// Run every command inside this network namespace (`ip netns exec NS ...`).
    pub netns: Option<String>,
    /// Block an alert's aggregated IPv6 source network (`src_prefix`, the
    /// detectors' /64 by default) rather than its single address (true).
    pub block_src_prefix: bool,
}

impl Default for FirewallConfig {
    fn default() -> Self {
        FirewallConfig {
            backend: Backend::Nftables,
            default_duration: "1h".into(),
            allow: Vec::new(),
            permit_private: false,
            netns: None,
            block_src_prefix: true,
        }
    }
}
