//! Detectors over normalized events: SSH brute force (fast and slow),
//! password spraying, distributed attacks on one account, and success after
//! failures; plus [`SshSummary`] statistics.
//!
//! Detectors run on event time, not wall time, so a historical file gives
//! the same answer as a live tail. Each episode gives one [`Alert`]:
//! threshold-window alerts are emitted when their episode ends (no new
//! evidence for one window) or at [`DetectorSet::finish`], with full counts;
//! success-after-failures alerts are emitted at once. Alert ids come from
//! `Alert::new(kind, "<key>|<episode start>")`, so re-running gives the
//! same ids.
//!
//! Which events count as a failed attempt: events with `attempt ==
//! Some(Attempt::Failure)` (the SSH parser counts each connection's real
//! attempts once, see [`crate::parse::ssh`]), or, for events without an
//! attempt class from other parsers, `outcome == failure`. Events with
//! `attempt == Some(Attempt::Probe)` feed the `ssh.scan` detector.
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
//! use soc_core::model::{Attempt, Event, EventOutcome};
//! let mut d = DetectorSet::new(DetectConfig::default());
//! let t0: chrono::DateTime<chrono::Utc> = "2026-11-21T02:00:00Z".parse().unwrap();
//! let mut alerts = Vec::new();
//! for i in 0..6 {
//!     let mut e = Event::new("ssh", "ssh.failed_auth");
//!     e.time = Some(t0 + chrono::Duration::seconds(10 * i));
//!     e.src_ip = Some("203.0.113.45".parse().unwrap());
//!     e.user = Some("root".into());
//!     e.outcome = EventOutcome::Failure;
//!     e.attempt = Some(Attempt::Failure); // as the SSH parser classifies guesses
//!     alerts.extend(d.observe(&e));
//! }
//! alerts.extend(d.finish());
//! let bf: Vec<_> = alerts.iter().filter(|a| a.kind == "ssh.brute_force").collect();
//! assert_eq!(bf.len(), 1);
//! assert_eq!(bf[0].count, 6);
//! ```

mod scan;
mod summary;
mod window;

use std::collections::{HashMap, HashSet};
use std::io::Write as _;
use std::net::IpAddr;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

pub use summary::SshSummary;

use crate::model::{
    Alert, AttackRef, Attempt, Event, EventOutcome, Indicator, IndicatorKind, Severity,
};
use window::{Episode, Windowed};

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
            scan_threshold: 10,
            scan_window_secs: 600,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Rule {
    Brute,
    Slow,
    Spray,
    Distributed,
}

impl Rule {
    const ALL: [Rule; 4] = [Rule::Brute, Rule::Slow, Rule::Spray, Rule::Distributed];

    fn index(self) -> usize {
        self as usize
    }

    fn kind(self) -> &'static str {
        match self {
            Rule::Brute => "ssh.brute_force",
            Rule::Slow => "ssh.slow_brute_force",
            Rule::Spray => "ssh.password_spraying",
            Rule::Distributed => "ssh.distributed_attack",
        }
    }
}

/// All detectors, fed one event at a time.
#[derive(Debug)]
pub struct DetectorSet {
    cfg: DetectConfig,
    /// One map per rule (indexed by [`Rule::index`]), keyed by source or user.
    state: [Map<String, Windowed>; 4],
    /// Failure times per source, for success-after-failures.
    recent_failures: Map<String, Windowed>,
    /// `ssh.scan` (probes per source).
    scan: scan::ScanDetector,
    now: Option<DateTime<Utc>>,
    seen: u64,
}

/// Whether the event is one failed attempt (see the module docs). Events
/// without an attempt class may still carry the older `fields.attempt ==
/// true` mark.
pub fn is_attempt(e: &Event) -> bool {
    match (e.attempt, e.fields.get("attempt")) {
        (Some(a), _) => a == Attempt::Failure,
        (None, Some(v)) => v.as_bool().unwrap_or(false),
        (None, None) => e.source != "ssh" && e.outcome == EventOutcome::Failure,
    }
}

/// Maps of the detectors: keys are user names and addresses an attacker
/// chooses, so the hash is seeded per process (foldhash: much cheaper than
/// SipHash on short keys, still not predictable from outside).
pub(crate) type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
pub(crate) type Set<T> = HashSet<T, foldhash::fast::RandomState>;

/// An event's source as the detectors key it: the address as text, else
/// the host name; formatted on the stack (no allocation per event).
enum SourceKey<'e> {
    Ip([u8; 48], usize),
    Name(&'e str),
}

impl<'e> SourceKey<'e> {
    fn of(e: &'e Event) -> Option<SourceKey<'e>> {
        match (e.src_ip, e.src_host.as_deref()) {
            (Some(ip), _) => Some(Self::ip(ip)),
            (None, Some(h)) => Some(SourceKey::Name(h)),
            (None, None) => None,
        }
    }

    fn ip(ip: IpAddr) -> SourceKey<'static> {
        let mut buf = [0u8; 48];
        let mut w = &mut buf[..];
        // An address is at most 45 bytes of text.
        let _ = write!(w, "{ip}");
        let len = 48 - w.len();
        SourceKey::Ip(buf, len)
    }

    fn as_str(&self) -> &str {
        match self {
            SourceKey::Ip(buf, len) => std::str::from_utf8(&buf[..*len]).unwrap_or(""),
            SourceKey::Name(h) => h,
        }
    }
}

impl DetectorSet {
    /// Detectors with `cfg`.
    pub fn new(cfg: DetectConfig) -> DetectorSet {
        DetectorSet {
            cfg,
            state: Default::default(),
            recent_failures: Map::default(),
            scan: scan::ScanDetector::default(),
            now: None,
            seen: 0,
        }
    }

    fn params(&self, r: Rule) -> (Duration, u32, bool) {
        let c = &self.cfg;
        let d = |s: u64| Duration::seconds(i64::try_from(s).unwrap_or(i64::MAX / 2_000));
        match r {
            Rule::Brute => (
                d(c.brute_force_window_secs),
                c.brute_force_threshold.max(1),
                false,
            ),
            Rule::Slow => (d(c.slow_window_secs), c.slow_threshold.max(1), false),
            Rule::Spray => (d(c.spray_window_secs), c.spray_users.max(2), true),
            Rule::Distributed => (
                d(c.distributed_window_secs),
                c.distributed_sources.max(2),
                true,
            ),
        }
    }

    /// Feeds one event; returns the alerts that became final.
    pub fn observe(&mut self, e: &Event) -> Vec<Alert> {
        self.observe_shared(e, None)
    }

    /// Like [`observe`](Self::observe) for an event the caller no longer
    /// needs: it becomes the shared evidence copy without being cloned.
    ///
    /// ```
    /// use soc_core::detect::{DetectConfig, DetectorSet};
    /// use soc_core::model::Event;
    /// let mut d = DetectorSet::new(DetectConfig::default());
    /// assert!(d.observe_owned(Event::new("ssh", "ssh.failed_auth")).is_empty());
    /// ```
    pub fn observe_owned(&mut self, e: Event) -> Vec<Alert> {
        let shared = Arc::new(e);
        self.observe_shared(&shared, Some(shared.clone()))
    }

    fn observe_shared(&mut self, e: &Event, mut shared: Option<Arc<Event>>) -> Vec<Alert> {
        let mut out = Vec::new();
        let Some(t) = e.time.or(self.now) else {
            return out;
        };
        if self.now.is_none_or(|n| t > n) {
            self.now = Some(t);
        }
        self.seen += 1;
        if self.seen % 1024 == 0 {
            out.extend(self.sweep(false));
        }
        let attempt = is_attempt(e);
        let probe = e.attempt == Some(Attempt::Probe);
        if !attempt && !probe && e.outcome != EventOutcome::Success {
            return out;
        }
        let Some(key) = SourceKey::of(e) else {
            return out;
        };
        let src = key.as_str();
        if probe {
            let window =
                Duration::seconds(i64::try_from(self.cfg.scan_window_secs).unwrap_or(86_400));
            let mut evidence = || shared.get_or_insert_with(|| Arc::new(e.clone())).clone();
            let (threshold, max_ev) = (self.cfg.scan_threshold, self.cfg.max_evidence);
            out.extend(
                self.scan
                    .probe(src, t, &mut evidence, window, threshold, max_ev),
            );
            return out;
        }
        if !attempt {
            out.extend(self.success(src, t, e));
            return out;
        }
        let user = e.user.as_deref().unwrap_or_default();
        let mut evidence = || shared.get_or_insert_with(|| Arc::new(e.clone())).clone();
        let max_ev = self.cfg.max_evidence;
        for rule in Rule::ALL {
            let (key, distinct) = match rule {
                Rule::Brute | Rule::Slow => (src, ""),
                Rule::Spray => (src, user),
                Rule::Distributed if user.is_empty() => continue,
                Rule::Distributed => (user, src),
            };
            let (window, threshold, _) = self.params(rule);
            let map = &mut self.state[rule.index()];
            let w = match map.get_mut(key) {
                Some(w) => w,
                None => map.entry(key.to_string()).or_default(),
            };
            let done = w.push(t, distinct, &mut evidence, window, threshold, max_ev);
            if let Some(ep) = done {
                out.extend(self.alert(rule, key, ep));
            }
        }
        let sw = Duration::seconds(i64::try_from(self.cfg.success_window_secs).unwrap_or(86_400));
        let w = match self.recent_failures.get_mut(src) {
            Some(w) => w,
            None => self.recent_failures.entry(src.to_string()).or_default(),
        };
        w.push(t, user, &mut evidence, sw, u32::MAX, max_ev);
        out
    }

    fn success(&mut self, src: &str, t: DateTime<Utc>, e: &Event) -> Option<Alert> {
        let sw = Duration::seconds(i64::try_from(self.cfg.success_window_secs).unwrap_or(86_400));
        let n = self.cfg.success_after_failures.max(1) as usize;
        let w = self.recent_failures.get_mut(src)?;
        w.prune(t, sw);
        if w.len() < n {
            return None;
        }
        let first = w.first_time()?;
        let mut ev: Vec<Event> = w
            .take_evidence()
            .into_iter()
            .map(Arc::unwrap_or_clone)
            .collect();
        let failures = w.len() as u64;
        w.clear();
        ev.push(e.clone());
        let key = format!("{src}|{}", first.to_rfc3339());
        let user = e.user.clone().unwrap_or_default();
        let mut a = Alert::new(
            "ssh.success_after_failures",
            &key,
            format!("Successful SSH login as {user} from {src} after {failures} failures"),
            Severity::Critical,
        );
        a.source = "detect".into();
        a.src_ip = e.src_ip;
        a.user = e.user.clone();
        a.host = e.host.clone();
        a.first_seen = Some(first);
        a.last_seen = Some(t);
        a.count = failures + 1;
        a.attack = vec![attack(
            "T1078",
            "Valid Accounts",
            "TA0001",
            "initial-access",
        )];
        a.indicators = indicators(e.src_ip);
        a.events = ev;
        a.fields.insert("failures".into(), failures.into());
        Some(a)
    }

    /// The alert of a finished episode; `None` for a slow brute force that
    /// is really a fast one (it spans no more than the fast window, so the
    /// brute-force alert already covers it).
    fn alert(&self, rule: Rule, key: &str, ep: Episode) -> Option<Alert> {
        if rule == Rule::Slow {
            let fast = self.params(Rule::Brute).0;
            if ep.last - ep.first <= fast {
                return None;
            }
        }
        let first = ep.first;
        let id_key = format!("{key}|{}", first.to_rfc3339());
        let (title, sev, att) = match rule {
            Rule::Brute => (
                format!("SSH brute force from {key}: {} failures", ep.count),
                Severity::High,
                attack(
                    "T1110.001",
                    "Password Guessing",
                    "TA0006",
                    "credential-access",
                ),
            ),
            Rule::Slow => (
                format!("Slow SSH brute force from {key}: {} failures", ep.count),
                Severity::Medium,
                attack(
                    "T1110.001",
                    "Password Guessing",
                    "TA0006",
                    "credential-access",
                ),
            ),
            Rule::Spray => (
                format!(
                    "SSH password spraying from {key}: {} users",
                    ep.distinct.len()
                ),
                Severity::High,
                attack(
                    "T1110.003",
                    "Password Spraying",
                    "TA0006",
                    "credential-access",
                ),
            ),
            Rule::Distributed => (
                format!(
                    "Distributed SSH attack on user {key}: {} sources",
                    ep.distinct.len()
                ),
                Severity::High,
                attack(
                    "T1110.001",
                    "Password Guessing",
                    "TA0006",
                    "credential-access",
                ),
            ),
        };
        let mut a = Alert::new(rule.kind(), &id_key, title, sev);
        a.source = "detect".into();
        a.first_seen = Some(ep.first);
        a.last_seen = Some(ep.last);
        a.count = ep.count;
        a.attack = vec![att];
        a.host = ep.events.first().and_then(|e| e.host.clone());
        let mut distinct: Vec<String> = ep.distinct.into_iter().collect();
        distinct.sort();
        if rule == Rule::Distributed {
            a.user = Some(key.to_string());
            a.fields.insert("sources".into(), distinct.into());
        } else {
            let ip = key.parse().ok();
            a.src_ip = ip;
            a.indicators = indicators(ip);
            if rule == Rule::Spray {
                a.fields.insert("users".into(), distinct.into());
            } else {
                let users: std::collections::BTreeSet<String> =
                    ep.events.iter().filter_map(|e| e.user.clone()).collect();
                if users.len() == 1 {
                    a.user = users.into_iter().next();
                }
            }
        }
        a.events = ep.events.into_iter().map(Arc::unwrap_or_clone).collect();
        Some(a)
    }

    fn sweep(&mut self, all: bool) -> Vec<Alert> {
        let now = self.now;
        let mut done = Vec::new();
        for rule in Rule::ALL {
            let (window, _, _) = self.params(rule);
            let cutoff = now.and_then(|n| window::cutoff(n, window));
            self.state[rule.index()].retain(|key, w| {
                let expired = match (now, w.last_time()) {
                    (Some(_), Some(l)) => cutoff.is_some_and(|c| l < c),
                    _ => true,
                };
                if all || expired {
                    if let Some(ep) = w.close() {
                        done.push((rule, key.clone(), ep));
                    }
                }
                !expired
            });
        }
        let sw = Duration::seconds(i64::try_from(self.cfg.success_window_secs).unwrap_or(86_400));
        if let Some(n) = now {
            let cutoff = window::cutoff(n, sw);
            self.recent_failures
                .retain(|_, w| w.last_time().is_some_and(|l| cutoff.is_none_or(|c| l >= c)));
        }
        done.sort_by(|a, b| a.2.first.cmp(&b.2.first).then(a.1.cmp(&b.1)));
        let mut out: Vec<Alert> = done
            .into_iter()
            .filter_map(|(r, k, ep)| self.alert(r, &k, ep))
            .collect();
        let scan_window =
            Duration::seconds(i64::try_from(self.cfg.scan_window_secs).unwrap_or(86_400));
        out.extend(self.scan.sweep(now, scan_window, all));
        out
    }

    /// Ends all open episodes and returns their alerts (call at end of input).
    pub fn finish(&mut self) -> Vec<Alert> {
        let out = self.sweep(true);
        self.state.iter_mut().for_each(Map::clear);
        out
    }
}

pub(crate) fn attack(tid: &str, tname: &str, aid: &str, aname: &str) -> AttackRef {
    AttackRef {
        technique_id: tid.into(),
        technique_name: Some(tname.into()),
        tactic_id: Some(aid.into()),
        tactic_name: Some(aname.into()),
    }
}

pub(crate) fn indicators(ip: Option<std::net::IpAddr>) -> Vec<Indicator> {
    ip.map(|ip| {
        let kind = if ip.is_ipv4() {
            IndicatorKind::Ipv4
        } else {
            IndicatorKind::Ipv6
        };
        vec![Indicator::new(kind, ip.to_string())]
    })
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stack-formatted source key is the address's `to_string()`, the
    /// longest forms included.
    #[test]
    fn source_key_is_the_address_text() {
        for ip in [
            "203.0.113.7",
            "255.255.255.255",
            "2001:db8::1",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "::ffff:255.255.255.255",
            "1:2:3:4:5:6:7:8",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(SourceKey::ip(ip).as_str(), ip.to_string());
        }
        let mut e = Event::new("ssh", "ssh.failed_auth");
        e.src_host = Some("scanner.example.net".into());
        assert_eq!(
            SourceKey::of(&e).map(|k| k.as_str().to_string()),
            Some("scanner.example.net".to_string())
        );
    }
}
