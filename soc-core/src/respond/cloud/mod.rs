//! Blocks on API-managed firewalls: Cloudflare IP Access Rules, OPNsense
//! and pfSense aliases, AWS WAF IP sets and VPC network ACLs
//! (`[[response.cloud.<kind>]]`, `soc block IP --cloud cloudflare,fw1`).
//!
//! Each backend is a [`BlockList`]: a list of blocked addresses and networks
//! behind an HTTP API, with a lookup, an add, a remove, a listing, and a
//! description of the exact requests an add or remove sends (secrets
//! redacted) for dry-run. Everything else is done once, for every backend,
//! by [`CloudResponder`]:
//!
//! * the protected-range policy of the local firewall ([`TargetPolicy`](crate::respond::firewall::TargetPolicy):
//!   allow-list, loopback, private and reserved ranges, this host's
//!   addresses, the SSH client, and the backend's own management address)
//!   applies before any request is made;
//! * dry-run (the default in the pipeline) sends nothing and shows the
//!   requests;
//! * idempotent: live, the list is looked up before anything is created;
//! * each block is recorded in the state store under the backend's id
//!   (`cloudflare@cloudflare`, `opnsense@fw1`) with its expiry, shown by
//!   `soc block list`, and removed from the backend by
//!   [`CloudResponder::sweep`] (`soc block sweep`) once expired;
//! * a live change that fails is stored as pending
//!   (`retry-cloud-block@opnsense@fw1`) and retried on the next run or sweep.
//!
//! HTTP goes through the crate's shared retrying client (backoff with
//! jitter, `Retry-After`); failures are typed [`CloudError`]s carrying the
//! status (401, 403, 404, 429 with its `Retry-After`, 5xx, timeout).
//!
//! ```
//! use soc_core::respond::cloud::{BlockList, CloudResponder, MemoryBlockList};
//! use soc_core::respond::firewall::FirewallConfig;
//! use soc_core::Mode;
//! let list = MemoryBlockList::new("demo@lab");
//! let cloud = CloudResponder::new(Box::new(list), &FirewallConfig::default(), None).unwrap();
//! let rt = tokio::runtime::Runtime::new().unwrap();
//! let rec = rt.block_on(cloud.block("198.51.100.7", None, Mode::DryRun, "demo")).unwrap();
//! assert_eq!(rec.responder, "demo@lab");
//! assert!(rec.requests[0].starts_with("POST memory://demo@lab/198.51.100.7"));
//! // Protected addresses are refused before any request.
//! assert!(rt.block_on(cloud.block("127.0.0.1", None, Mode::DryRun, "demo")).is_err());
//! ```

mod api;
mod appliance;
pub mod aws;
mod cloudflare;
mod config;
mod memory;
mod opnsense;
mod pfsense;
mod responder;
#[cfg(test)]
mod tests;

use std::net::IpAddr;

use async_trait::async_trait;

pub use crate::error::CloudError;
pub use api::{check_base_url, ApiClient, ApiReply, ApiRequest, HttpSettings, REDACTED};
pub use cloudflare::{Cloudflare, CloudflareConfig, CLOUDFLARE_API};
pub use config::CloudConfig;
pub use memory::MemoryBlockList;
pub use opnsense::{Opnsense, OpnsenseConfig};
pub use pfsense::{Pfsense, PfsenseConfig};
pub use responder::{CloudResponder, RETRY_CLOUD_BLOCK, RETRY_CLOUD_UNBLOCK};

use crate::respond::firewall::BlockTarget;

/// What a backend can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// IPv6 addresses.
    pub ipv6: bool,
    /// Networks (CIDR), not only single addresses.
    pub networks: bool,
    /// The most entries the list holds (a VPC network ACL: 20 rules).
    pub max_entries: Option<usize>,
}

impl Capabilities {
    /// IPv4 and IPv6 addresses and networks, no size limit.
    pub const ALL: Capabilities = Capabilities {
        ipv6: true,
        networks: true,
        max_entries: None,
    };
}

/// One entry of a backend's list, as [`BlockList::list`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedBlock {
    /// The address or network.
    pub target: BlockTarget,
    /// The note stored with it (Cloudflare `notes`), if the backend has one.
    pub note: Option<String>,
}

/// A block list behind an HTTP API: one backend (a Cloudflare zone, an
/// OPNsense alias, a WAF IP set...). Implementations only speak their API;
/// [`CloudResponder`] adds policy, dry-run, idempotency, expiry and retries.
///
/// Object-safe: backends are used as `Box<dyn BlockList>`.
#[async_trait]
pub trait BlockList: Send + Sync {
    /// The backend's id, `kind@name` (`cloudflare@cloudflare`,
    /// `opnsense@fw1`): the responder name and the state store key. Always
    /// contains `@`.
    fn name(&self) -> &str;

    /// What the backend can hold; by default [`Capabilities::ALL`].
    fn capabilities(&self) -> Capabilities {
        Capabilities::ALL
    }

    /// Why `target` cannot be held, if it cannot (IPv6, a network, a prefix
    /// length the API refuses). The default applies [`Self::capabilities`].
    fn unsupported(&self, target: &BlockTarget) -> Option<String> {
        let caps = self.capabilities();
        if !caps.ipv6 && !target.is_ipv4() {
            return Some("this backend holds IPv4 only".into());
        }
        if !caps.networks && target.is_network() {
            return Some("this backend holds single addresses only".into());
        }
        None
    }

    /// Addresses of the backend itself (an appliance's management address):
    /// never blocked on it.
    fn own_addresses(&self) -> Vec<IpAddr> {
        Vec::new()
    }

    /// Whether `target` is blocked (by soc or anyone else).
    async fn contains(&self, target: &BlockTarget) -> Result<bool, CloudError>;

    /// Blocks `target`; `note` (soc's marker and the reason) is stored
    /// where the backend keeps notes.
    async fn add(&self, target: &BlockTarget, note: &str) -> Result<(), CloudError>;

    /// Removes soc's block of `target`; `false` when there was none.
    async fn remove(&self, target: &BlockTarget) -> Result<bool, CloudError>;

    /// The entries soc manages on this backend.
    async fn list(&self) -> Result<Vec<ListedBlock>, CloudError>;

    /// The requests [`add`](Self::add) sends, secrets redacted (dry-run and
    /// audit); values known only at run time (a rule id, a lock token)
    /// appear as `{rule_id}`-style placeholders.
    fn describe_add(&self, target: &BlockTarget, note: &str) -> Vec<ApiRequest>;

    /// The requests [`remove`](Self::remove) sends, as [`describe_add`](Self::describe_add).
    fn describe_remove(&self, target: &BlockTarget) -> Vec<ApiRequest>;
}

/// The note soc stores with a block: `soc: <reason>`, reduced to printable
/// characters and at most 200 of them (the reason may come from an alert).
///
/// ```
/// use soc_core::respond::cloud::note_for;
/// assert_eq!(note_for("ssh brute force\n\u{1b}[31m"), "soc: ssh brute force [31m");
/// ```
pub fn note_for(reason: &str) -> String {
    let clean: String = reason
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let clean: String = clean.chars().take(200).collect();
    format!("{NOTE_MARKER} {clean}").trim_end().to_string()
}

/// The marker at the start of every note soc writes.
pub const NOTE_MARKER: &str = "soc:";
