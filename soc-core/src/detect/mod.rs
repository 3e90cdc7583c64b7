//! Detectors over normalized events: SSH brute force (fast and slow),
//! password spraying, distributed attacks on one account, and success after
//! failures; plus [`SshSummary`] statistics.
//!
//! Detectors run on event time, not wall time, so a historical file gives
//! the same answer as a live tail. Each episode gives one [`Alert`](crate::model::Alert):
//! threshold-window alerts are emitted when their episode ends (no new
//! evidence for one window) or at [`DetectorSet::finish`], with full counts;
//! success-after-failures alerts are emitted at once. Alert ids come from
//! `Alert::new(kind, "<key>|<episode start>")`, so re-running gives the
//! same ids.
//!
//! State: per-key windows live in bounded maps (`max_tracked_keys`, least
//! recently active keys evicted first, see `keyed`); IPv6 sources are keyed
//! by their network (`ipv6_prefix`, /64 by default); the windows can be
//! saved and restored between runs ([`DetectorSet::take_changes`],
//! [`DetectorSet::restore`]), and [`DetectorSet::flush`] reports open
//! episodes at the end of a run without ending them.
//!
//! Which events count as a failed attempt: events with `attempt ==
//! Some(Attempt::Failure)` (the SSH parser counts each connection's real
//! attempts once, see [`crate::parse::ssh`]), or, for events without an
//! attempt class from other parsers, `outcome == failure` (or the older
//! `fields.attempt == true` mark). Events with `attempt ==
//! Some(Attempt::Probe)` feed the `ssh.scan` detector, which shares the
//! per-source windows (and so their persistence and bounds).
//!
//! | kind | key | ATT&CK |
//! |---|---|---|
//! | `ssh.brute_force` | source | T1110.001 |
//! | `ssh.slow_brute_force` | source | T1110.001 |
//! | `ssh.password_spraying` | source (many users) | T1110.003 |
//! | `ssh.distributed_attack` | user (many sources) | T1110.001 |
//! | `ssh.success_after_failures` | source | T1078 |
//! | `ssh.scan` | source (probes) | T1595 |
//!
//! ```
//! use soc_core::detect::{DetectConfig, DetectorSet};
//! use soc_core::model::{Event, EventOutcome};
//! let mut d = DetectorSet::new(DetectConfig::default());
//! let t0: chrono::DateTime<chrono::Utc> = "2026-11-21T02:00:00Z".parse().unwrap();
//! let mut alerts = Vec::new();
//! for i in 0..6 {
//!     let mut e = Event::new("ssh", "ssh.failed_auth");
//!     e.time = Some(t0 + chrono::Duration::seconds(10 * i));
//!     e.src_ip = Some("203.0.113.45".parse().unwrap());
//!     e.user = Some("root".into());
//!     e.outcome = EventOutcome::Failure;
//!     e.fields.insert("attempt".into(), true.into()); // as the SSH parser marks guesses
//!     alerts.extend(d.observe(&e));
//! }
//! alerts.extend(d.finish());
//! let bf: Vec<_> = alerts.iter().filter(|a| a.kind == "ssh.brute_force").collect();
//! assert_eq!(bf.len(), 1);
//! assert_eq!(bf[0].count, 6);
//! ```

mod alerts;
mod arena;
mod collect;
mod config;
mod distinct;
mod evidence;
mod expiry;
mod failure_ring;
mod keyed;
mod maps;
mod persist;
mod saved_window;
mod set;
mod shard;
mod sharded;
mod sighting;
mod source_key;
mod source_windows;
mod stamp;
mod summary;
mod sweep;
#[cfg(test)]
mod test_rng;
mod value_counts;
mod window;

pub use collect::{alert_order, alerts_of, AlertCollector};
pub use config::DetectConfig;
pub(crate) use maps::{Map, Set};
pub use persist::StateChange;
pub use set::DetectorSet;
pub use sharded::ShardedCollector;
pub use sighting::is_attempt;
pub use summary::{SshSummary, SummaryRow};
