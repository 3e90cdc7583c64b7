//! The detectors' thresholds ([`DetectConfig`], `[detect]` in `soc.toml`)
//! and their rules (kind, window and threshold of each).

use chrono::Duration;
use serde::{Deserialize, Serialize};

/// Thresholds of the detectors (embeddable in `soc.toml` as `[detect]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DetectConfig {
    /// Failures from one source within `brute_force_window_secs` (fail2ban maxretry). Default 5.
    pub brute_force_threshold: u32,
    /// Window of the brute-force detector in seconds (fail2ban findtime). Default 600.
    pub brute_force_window_secs: u64,
    /// Failures from one source within `slow_window_secs` for a slow brute force. Default 20.
    pub slow_threshold: u32,
    /// Window of the slow brute-force detector in seconds. Default 43200 (12 hours).
    pub slow_window_secs: u64,
    /// Distinct users tried by one source within `spray_window_secs`. Default 8.
    pub spray_users: u32,
    /// Window of the spraying detector in seconds. Default 3600.
    pub spray_window_secs: u64,
    /// Distinct sources failing on one user within `distributed_window_secs`. Default 5.
    pub distributed_sources: u32,
    /// Window of the distributed-attack detector in seconds. Default 3600.
    pub distributed_window_secs: u64,
    /// Failures from a source before a successful login from it that make it suspicious. Default 5.
    pub success_after_failures: u32,
    /// How far back failures count for success-after-failures, in seconds. Default 3600.
    pub success_window_secs: u64,
    /// Evidence events kept per alert (the count has the full number). Default 20.
    pub max_evidence: usize,
    /// Most sources, and most users, tracked at once. Past it the least
    /// recently active (by event time) are forgotten, an open episode
    /// first raising its alert; evictions are counted in the run metrics.
    /// Default 100000.
    pub max_tracked_keys: usize,
    /// IPv6 sources are one source per network of this prefix length
    /// (an attacker rotating through its /64 is one attacker), for
    /// detection and in the alert (`src_prefix`). 128 turns it off. Default 64.
    pub ipv6_prefix: u8,
    /// Probes from one source within `scan_window_secs` for `ssh.scan`. Default 10.
    pub scan_threshold: u32,
    /// Window of the scan detector in seconds. Default 600.
    pub scan_window_secs: u64,
}

impl Default for DetectConfig {
    fn default() -> Self {
        DetectConfig {
            brute_force_threshold: 5,
            brute_force_window_secs: 600,
            slow_threshold: 20,
            slow_window_secs: 43_200,
            spray_users: 8,
            spray_window_secs: 3600,
            distributed_sources: 5,
            distributed_window_secs: 3600,
            success_after_failures: 5,
            success_window_secs: 3600,
            max_evidence: 20,
            max_tracked_keys: 100_000,
            ipv6_prefix: 64,
            scan_threshold: 10,
            scan_window_secs: 600,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Rule {
    Brute,
    Slow,
    Spray,
    Distributed,
    Scan,
}

impl Rule {
    pub(crate) fn kind(self) -> &'static str {
        match self {
            Rule::Brute => "ssh.brute_force",
            Rule::Slow => "ssh.slow_brute_force",
            Rule::Spray => "ssh.password_spraying",
            Rule::Distributed => "ssh.distributed_attack",
            Rule::Scan => "ssh.scan",
        }
    }
}

impl DetectConfig {
    /// The window and threshold of `r`.
    pub(crate) fn params(&self, r: Rule) -> (Duration, u32) {
        match r {
            Rule::Brute => (
                secs(self.brute_force_window_secs),
                self.brute_force_threshold.max(1),
            ),
            Rule::Slow => (secs(self.slow_window_secs), self.slow_threshold.max(1)),
            Rule::Spray => (secs(self.spray_window_secs), self.spray_users.max(2)),
            Rule::Distributed => (
                secs(self.distributed_window_secs),
                self.distributed_sources.max(2),
            ),
            Rule::Scan => (secs(self.scan_window_secs), self.scan_threshold.max(1)),
        }
    }

    /// The window of success-after-failures.
    pub(crate) fn success_window(&self) -> Duration {
        secs(self.success_window_secs)
    }
}

/// `s` seconds, saturating far below chrono's limits.
pub(crate) fn secs(s: u64) -> Duration {
    Duration::seconds(
        i64::try_from(s)
            .unwrap_or(i64::MAX / 2_000)
            .min(i64::MAX / 2_000),
    )
}
