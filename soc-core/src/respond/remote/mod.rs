//! One block decision enforced on many firewalls: this host's and remote
//! hosts' over SSH (`[[response.firewall.remote]]`, `soc block IP --host
//! web1,web2`).
//!
//! Each remote host gets the same [`Firewall`](crate::respond::firewall::Firewall) logic as this host (set with
//! timeout, IPv4/IPv6, networks, idempotent probe, expiry, protected
//! ranges) with its commands run over SSH by [`SshRunner`], which
//! guarantees that the remote shell interprets nothing (see [`ssh`]).
//! Blocks are stored per host (`nftables@web1`).
//!
//! * Protected on every host, besides the `[firewall]` allow-list and the
//!   usual ranges: this host's addresses (the SSH path starts here), every
//!   configured remote host's address, and, before the first live change,
//!   the host's own addresses (`ip -o addr show`) and the address it sees
//!   soc's SSH connection come from (`SSH_CONNECTION`, e.g. behind NAT).
//!   If these cannot be read, nothing is changed on that host.
//! * Hosts are worked on concurrently, at most `concurrency` at once; one
//!   host down never stops the others. Each host has its own record
//!   (responder `firewall@web1`); the pipeline's record lists every host's
//!   outcome in its detail.
//! * A live block or unblock that fails on a host is stored as pending
//!   (`retry-block@web1`, `retry-unblock@web1` in the blocks table, visible
//!   in `soc block list`) and retried by [`RemoteFirewalls::retry_pending`]
//!   on the next run or `soc block sweep`; it is dropped only once applied,
//!   cancelled by the opposite action, or past its expiry.
//!
//! ```
//! use soc_core::respond::remote::{RemoteFirewallConfig, RemoteFirewalls};
//! use soc_core::respond::firewall::FirewallConfig;
//! use soc_core::Mode;
//! let section: RemoteFirewallConfig = toml::from_str(
//!     "[[remote]]\nname = \"web1\"\nhost = \"192.0.2.21\"").unwrap();
//! let fleet = RemoteFirewalls::new(section, FirewallConfig::default(), None, None).unwrap();
//! let rt = tokio::runtime::Runtime::new().unwrap();
//! let recs = rt.block_on(fleet.block("198.51.100.7", &["web1".into()], None, Mode::DryRun, "demo")).unwrap();
//! assert_eq!(recs[0].responder, "firewall@web1");
//! assert!(recs[0].commands.last().unwrap().join(" ").contains(
//!     "-- 192.0.2.21 nft -f - <<< add element inet soc block4 { 198.51.100.7 timeout 3600s }"));
//! // A configured host's own address is never blocked anywhere.
//! let recs = rt.block_on(fleet.block("192.0.2.21", &["web1".into()], None, Mode::DryRun, "demo")).unwrap();
//! assert!(matches!(recs[0].outcome, soc_core::ActionOutcome::Skipped(_)));
//! ```

mod config;
mod fleet;
mod retry;
pub mod ssh;
mod summary;

pub use config::{HostSpec, RemoteFirewallConfig, RemoteTarget};
pub use fleet::RemoteFirewalls;
pub use ssh::SshRunner;
pub use summary::{summarize, LOCAL};
