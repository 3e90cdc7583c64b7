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
mod collect;
mod evidence;
mod expiry;
mod keyed;
mod persist;
mod sighting;
mod source_key;
mod summary;
mod window;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

pub use collect::{alerts_of, AlertCollector};
pub use persist::StateChange;
pub use summary::{SshSummary, SummaryRow};

use crate::model::{Alert, Attempt, Event, EventOutcome, Origin};
use crate::parse::ssh::SshRecordRef;
use evidence::{Evidence, Kept, LineRecord};
use expiry::{touched_if_moved, ExpiryQueues};
use keyed::{KeyState, KeyedState};
use sighting::{Class, Sighting};
use source_key::KeyTexts;
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
enum Rule {
    Brute,
    Slow,
    Spray,
    Distributed,
    Scan,
}

impl Rule {
    fn kind(self) -> &'static str {
        match self {
            Rule::Brute => "ssh.brute_force",
            Rule::Slow => "ssh.slow_brute_force",
            Rule::Spray => "ssh.password_spraying",
            Rule::Distributed => "ssh.distributed_attack",
            Rule::Scan => "ssh.scan",
        }
    }
}

/// The windows of one source: brute force and slow brute force share its
/// failures (one map look-up per event for all of them).
#[derive(Debug, Default)]
pub(crate) struct SourceWindows {
    brute: Windowed,
    slow: Windowed,
    spray: Windowed,
    /// Probes, for `ssh.scan`.
    scan: Windowed,
    /// Failure times, for success-after-failures.
    failures: Windowed,
}

impl SourceWindows {
    fn rules_mut(&mut self) -> [(Rule, &mut Windowed); 4] {
        [
            (Rule::Brute, &mut self.brute),
            (Rule::Slow, &mut self.slow),
            (Rule::Spray, &mut self.spray),
            (Rule::Scan, &mut self.scan),
        ]
    }
}

impl KeyState for SourceWindows {
    fn last_time(&self) -> Option<DateTime<Utc>> {
        [
            &self.brute,
            &self.slow,
            &self.spray,
            &self.scan,
            &self.failures,
        ]
        .iter()
        .filter_map(|w| w.last_time())
        .max()
    }
}

impl KeyState for Windowed {
    fn last_time(&self) -> Option<DateTime<Utc>> {
        Windowed::last_time(self)
    }
}

/// All detectors, fed one event at a time.
#[derive(Debug)]
pub struct DetectorSet {
    cfg: DetectConfig,
    /// Brute force, slow brute force, spraying and recent failures, by source.
    sources: KeyedState<SourceWindows>,
    /// Distributed attacks, by user.
    users: KeyedState<Windowed>,
    /// Source keys by address.
    key_texts: KeyTexts,
    now: Option<DateTime<Utc>>,
    seen: u64,
    /// `seen` as last handed to the state store.
    saved_seen: u64,
    /// The input file name of the last line kept as evidence (shared by
    /// the evidence of that file).
    file: Option<Arc<str>>,
    /// Windows by last event time, for the sweeps.
    expiry: ExpiryQueues,
}

/// Whether the event is one failed attempt (see the module docs).
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

fn secs(s: u64) -> Duration {
    Duration::seconds(
        i64::try_from(s)
            .unwrap_or(i64::MAX / 2_000)
            .min(i64::MAX / 2_000),
    )
}

impl DetectorSet {
    /// Detectors with `cfg`.
    pub fn new(cfg: DetectConfig) -> DetectorSet {
        let cap = cfg.max_tracked_keys;
        let key_texts = KeyTexts::new(cap, cfg.ipv6_prefix);
        DetectorSet {
            cfg,
            sources: KeyedState::new(cap),
            users: KeyedState::new(cap),
            key_texts,
            now: None,
            seen: 0,
            saved_seen: 0,
            file: None,
            expiry: ExpiryQueues::default(),
        }
    }

    /// Whether the state changed since the last
    /// [`take_changes`](Self::take_changes) (or restore): an input position
    /// past this point must not be saved without the state.
    pub fn has_unsaved_state(&self) -> bool {
        self.seen != self.saved_seen || self.sources.has_changes() || self.users.has_changes()
    }

    /// Keys forgotten because of `max_tracked_keys`, since creation.
    pub fn evictions(&self) -> u64 {
        self.sources.evictions() + self.users.evictions()
    }

    /// Sources and users tracked now.
    pub fn tracked_keys(&self) -> usize {
        self.sources.len() + self.users.len()
    }

    fn params(&self, r: Rule) -> (Duration, u32) {
        let c = &self.cfg;
        match r {
            Rule::Brute => (
                secs(c.brute_force_window_secs),
                c.brute_force_threshold.max(1),
            ),
            Rule::Slow => (secs(c.slow_window_secs), c.slow_threshold.max(1)),
            Rule::Spray => (secs(c.spray_window_secs), c.spray_users.max(2)),
            Rule::Distributed => (
                secs(c.distributed_window_secs),
                c.distributed_sources.max(2),
            ),
            Rule::Scan => (secs(c.scan_window_secs), c.scan_threshold.max(1)),
        }
    }

    /// Feeds one event; returns the alerts that became final.
    pub fn observe(&mut self, e: &Event) -> Vec<Alert> {
        let mut shared = None;
        let mut evidence = || {
            shared
                .get_or_insert_with(|| Arc::new(Kept::Event(e.clone())))
                .clone()
        };
        self.observe_sighting(&Sighting::of(e), &mut evidence)
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
        let shared: Evidence = Arc::new(Kept::Event(e));
        let mut evidence = || shared.clone();
        match &*shared {
            Kept::Event(e) => self.observe_sighting(&Sighting::of(e), &mut evidence),
            Kept::Line(_) => Vec::new(),
        }
    }

    /// Feeds one parsed sshd line, the same as [`observe`](Self::observe)
    /// of `r.to_event(line, origin())`, but builds that event only when a
    /// window keeps it as evidence (an attacker past a threshold costs a
    /// few counters per line, not an event).
    ///
    /// ```
    /// use soc_core::detect::{DetectConfig, DetectorSet};
    /// use soc_core::model::Origin;
    /// use soc_core::parse::ssh::{SshOptions, SshParser};
    /// let line = "Jan  5 01:31:41 www sshd[9]: Failed password for root from 203.0.113.9 port 4242 ssh2";
    /// let mut p = SshParser::new(SshOptions { year: Some(2026), ..Default::default() });
    /// let r = p.parse_ref(line).unwrap();
    /// let mut d = DetectorSet::new(DetectConfig::default());
    /// let origin = || Origin { file: "auth.log".into(), line: 1 };
    /// assert!(d.observe_record(&r, line, origin).is_empty());
    /// ```
    pub fn observe_record(
        &mut self,
        r: &SshRecordRef<'_>,
        line: &str,
        origin: impl Fn() -> Origin,
    ) -> Vec<Alert> {
        let origin = || {
            let o = origin();
            (Cow::Owned(o.file), o.line)
        };
        self.observe_parsed(r, line, &origin)
    }

    /// Like [`observe_record`](Self::observe_record) with the origin given
    /// as the input's name and the line's number.
    ///
    /// ```
    /// use soc_core::detect::{DetectConfig, DetectorSet};
    /// use soc_core::parse::ssh::{SshOptions, SshParser};
    /// let line = "Jan  5 01:31:41 www sshd[9]: Failed password for root from 203.0.113.9 port 4242 ssh2";
    /// let mut p = SshParser::new(SshOptions { year: Some(2026), ..Default::default() });
    /// let r = p.parse_ref(line).unwrap();
    /// let mut d = DetectorSet::new(DetectConfig::default());
    /// assert!(d.observe_line(&r, "auth.log", 1, line).is_empty());
    /// ```
    pub fn observe_line(
        &mut self,
        r: &SshRecordRef<'_>,
        file: &str,
        line_no: u64,
        line: &str,
    ) -> Vec<Alert> {
        self.observe_parsed(r, line, &|| (Cow::Borrowed(file), line_no))
    }

    /// The step of [`observe_record`](Self::observe_record): the line is
    /// kept as a [`LineRecord`] when a window keeps it.
    fn observe_parsed<'f>(
        &mut self,
        r: &SshRecordRef<'_>,
        line: &str,
        origin: &dyn Fn() -> (Cow<'f, str>, u64),
    ) -> Vec<Alert> {
        let mut file = self.file.take();
        let mut shared: Option<Evidence> = None;
        let mut evidence = || {
            shared
                .get_or_insert_with(|| {
                    let (name, line_no) = origin();
                    let f = match &file {
                        Some(f) if **f == *name => f.clone(),
                        _ => {
                            let f: Arc<str> = Arc::from(name.as_ref());
                            file = Some(f.clone());
                            f
                        }
                    };
                    Arc::new(Kept::Line(LineRecord::new(r, line, f, line_no)))
                })
                .clone()
        };
        let out = self.observe_sighting(&Sighting::of_record(r), &mut evidence);
        self.file = file;
        out
    }

    /// Feeds an event that is neither an attempt nor a success (an sshd
    /// event with `attempt == None`) by its time alone: it only moves the
    /// detectors' clock, so the caller need not build it. The same as
    /// [`observe`](Self::observe) of that event.
    ///
    /// ```
    /// use soc_core::detect::{DetectConfig, DetectorSet};
    /// let mut d = DetectorSet::new(DetectConfig::default());
    /// assert!(d.observe_time("2026-11-21T02:00:00Z".parse().ok()).is_empty());
    /// ```
    pub fn observe_time(&mut self, time: Option<DateTime<Utc>>) -> Vec<Alert> {
        let mut out = Vec::new();
        self.tick(time, &mut out);
        out
    }

    /// Moves the clock to an event at `time` (sweeping every 1,024 events);
    /// the time the event counts at, `None` when there is none yet.
    fn tick(&mut self, time: Option<DateTime<Utc>>, out: &mut Vec<Alert>) -> Option<DateTime<Utc>> {
        let t = time.or(self.now)?;
        if self.now.is_none_or(|n| t > n) {
            self.now = Some(t);
        }
        self.seen += 1;
        if self.seen % 1024 == 0 {
            out.extend(self.sweep(false));
        }
        Some(t)
    }

    /// The detectors' step for one event; `evidence` gives it as shared
    /// evidence (called only when a window keeps it).
    fn observe_sighting(
        &mut self,
        s: &Sighting<'_>,
        evidence: &mut dyn FnMut() -> Evidence,
    ) -> Vec<Alert> {
        let mut out = Vec::new();
        let Some(t) = self.tick(s.time, &mut out) else {
            return out;
        };
        if s.class == Class::Other {
            return out;
        }
        // clock rule: windows expire by the detector clock, not by `t`.
        let now = self.now.unwrap_or(t);
        let Some(key) = s.src.map(|src| self.key_texts.key(src)) else {
            return out;
        };
        let src = key.as_str();
        let max_ev = self.cfg.max_evidence;
        if s.class == Class::Probe {
            let (cw, ct) = self.params(Rule::Scan);
            if self.sources.is_full() && self.sources.get_mut(src).is_none() {
                out.extend(self.make_room(true));
            }
            let (id, w) = self.sources.get_or_insert_id(src);
            let before = w.scan.last_time();
            let ep = w.scan.push(t, now, "", evidence, cw, ct, max_ev);
            touched_if_moved(&mut self.expiry, 3, id, before, &w.scan);
            if let Some(ep) = ep {
                out.extend(self.alert(Rule::Scan, src, ep));
            }
            return out;
        }
        if s.class == Class::Success {
            out.extend(self.success(src, t, evidence));
            return out;
        }
        let user = s.user.unwrap_or_default();
        let (bw, bt) = self.params(Rule::Brute);
        let (sw, st) = self.params(Rule::Slow);
        let (pw, pt) = self.params(Rule::Spray);
        let fw = secs(self.cfg.success_window_secs);
        if self.sources.is_full() && self.sources.get_mut(src).is_none() {
            out.extend(self.make_room(true));
        }
        let (id, w) = self.sources.get_or_insert_id(src);
        let before = [
            w.brute.last_time(),
            w.slow.last_time(),
            w.spray.last_time(),
            w.failures.last_time(),
        ];
        let done = [
            (
                Rule::Brute,
                w.brute.push(t, now, "", evidence, bw, bt, max_ev),
            ),
            (
                Rule::Slow,
                w.slow.push(t, now, "", evidence, sw, st, max_ev),
            ),
            (
                Rule::Spray,
                w.spray.push(t, now, user, evidence, pw, pt, max_ev),
            ),
        ];
        // Success-after-failures counts failures: no distinct values.
        w.failures.push(t, now, "", evidence, fw, u32::MAX, max_ev);
        let q = &mut self.expiry;
        touched_if_moved(q, 0, id, before[0], &w.brute);
        touched_if_moved(q, 1, id, before[1], &w.slow);
        touched_if_moved(q, 2, id, before[2], &w.spray);
        touched_if_moved(q, 4, id, before[3], &w.failures);
        for (rule, ep) in done {
            if let Some(ep) = ep {
                out.extend(self.alert(rule, src, ep));
            }
        }
        if !user.is_empty() {
            let (dw, dt) = self.params(Rule::Distributed);
            if self.users.is_full() && self.users.get_mut(user).is_none() {
                out.extend(self.make_room(false));
            }
            let (id, w) = self.users.get_or_insert_id(user);
            let before = w.last_time();
            let ep = w.push(t, now, src, evidence, dw, dt, max_ev);
            touched_if_moved(&mut self.expiry, 5, id, before, w);
            if let Some(ep) = ep {
                out.extend(self.alert(Rule::Distributed, user, ep));
            }
        }
        out
    }

    /// Frees room for a new source (or user): expired windows first, then
    /// the least recently active keys, whose open episodes raise their alerts.
    fn make_room(&mut self, sources: bool) -> Vec<Alert> {
        let mut out = self.sweep(false);
        let mut done: Vec<(Rule, String, Episode)> = Vec::new();
        if sources {
            self.sources.make_room(|k, mut w| {
                for (rule, win) in w.rules_mut() {
                    if let Some(ep) = win.close() {
                        done.push((rule, k.clone(), ep));
                    }
                }
            });
        } else {
            self.users.make_room(|k, mut w| {
                if let Some(ep) = w.close() {
                    done.push((Rule::Distributed, k, ep));
                }
            });
        }
        out.extend(self.alerts_of(done));
        out
    }

    /// Alerts of finished episodes, oldest episode first (then by key).
    /// Episodes already reported with their final count are left out.
    fn alerts_of(&self, mut done: Vec<(Rule, String, Episode)>) -> Vec<Alert> {
        done.retain(|d| d.2.count != d.2.reported);
        done.sort_by(|a, b| a.2.first.cmp(&b.2.first).then(a.1.cmp(&b.1)));
        done.into_iter()
            .filter_map(|(r, k, ep)| self.alert(r, &k, ep))
            .collect()
    }

    /// Closes the episodes of windows with no evidence for a whole window
    /// (all of them with `all`) and forgets expired windows.
    fn sweep(&mut self, all: bool) -> Vec<Alert> {
        let done = self.sweep_episodes(all);
        self.alerts_of(done)
    }

    fn sweep_episodes(&mut self, all: bool) -> Vec<(Rule, String, Episode)> {
        if !all {
            if let Some(done) = self.sweep_queued() {
                return done;
            }
        }
        let done = self.sweep_all(all);
        self.rebuild_queues();
        done
    }

    /// The sweep visiting every key (see [`expiry`] for the usual one).
    fn sweep_all(&mut self, all: bool) -> Vec<(Rule, String, Episode)> {
        let now = self.now;
        let cut = |w: Duration| now.and_then(|n| window::cutoff(n, w));
        let cuts = [
            cut(self.params(Rule::Brute).0),
            cut(self.params(Rule::Slow).0),
            cut(self.params(Rule::Spray).0),
            cut(self.params(Rule::Scan).0),
        ];
        let fcut = cut(secs(self.cfg.success_window_secs));
        let dcut = cut(self.params(Rule::Distributed).0);
        let mut done = Vec::new();
        let expired = |w: &Windowed, c: Option<DateTime<Utc>>| match (now, w.last_time()) {
            (Some(_), Some(l)) => c.is_some_and(|c| l < c),
            _ => true,
        };
        self.sources.retain(|key, sw| {
            let mut changed = false;
            for (i, (rule, w)) in sw.rules_mut().into_iter().enumerate() {
                let gone = expired(w, cuts[i]);
                if all || gone {
                    if let Some(ep) = w.close() {
                        done.push((rule, key.clone(), ep));
                        changed = true;
                    }
                }
                if gone && w.last_time().is_some() {
                    w.reset();
                    changed = true;
                }
            }
            if now.is_some()
                && sw
                    .failures
                    .last_time()
                    .is_some_and(|l| fcut.is_some_and(|c| l < c))
            {
                sw.failures.reset();
                changed = true;
            }
            (sw.last_time().is_some(), changed)
        });
        self.users.retain(|key, w| {
            let gone = expired(w, dcut);
            let mut changed = false;
            if all || gone {
                if let Some(ep) = w.close() {
                    done.push((Rule::Distributed, key.clone(), ep));
                    changed = true;
                }
            }
            (!gone, changed)
        });
        done
    }

    /// Ends all open episodes and returns their alerts (call at end of input).
    pub fn finish(&mut self) -> Vec<Alert> {
        let out = self.sweep(true);
        self.sources.clear();
        self.users.clear();
        out
    }

    /// Alerts for every episode still open, as they stand now, without
    /// ending them (call at the end of a run whose input continues in a
    /// later run: the episode keeps its alert id and grows). Episodes that
    /// did end are closed and reported as with [`finish`](Self::finish).
    ///
    /// ```
    /// use soc_core::detect::{DetectConfig, DetectorSet};
    /// use soc_core::model::{Event, EventOutcome};
    /// let t0: chrono::DateTime<chrono::Utc> = "2026-11-21T02:00:00Z".parse().unwrap();
    /// let fail = |i: i64| {
    ///     let mut e = Event::new("ssh", "ssh.failed_auth");
    ///     e.time = Some(t0 + chrono::Duration::seconds(i));
    ///     e.src_ip = Some("203.0.113.45".parse().unwrap());
    ///     e.fields.insert("attempt".into(), true.into());
    ///     e
    /// };
    /// let mut d = DetectorSet::new(DetectConfig::default());
    /// (0..5).for_each(|i| { d.observe(&fail(i)); });
    /// let first = d.flush();
    /// (5..8).for_each(|i| { d.observe(&fail(i)); });
    /// let last = d.finish();
    /// assert_eq!(first[0].id, last[0].id);
    /// assert_eq!((first[0].count, last[0].count), (5, 8));
    /// ```
    pub fn flush(&mut self) -> Vec<Alert> {
        let mut open = self.sweep_episodes(false);
        let mut touched: Vec<(bool, String)> = Vec::new();
        let mut report = |ep: &mut Episode, rule: Rule, k: &String, by_source: bool| {
            if ep.count != ep.reported {
                open.push((rule, k.clone(), ep.clone()));
                ep.reported = ep.count;
                touched.push((by_source, k.clone()));
            }
        };
        for (k, sw) in self.sources.iter_mut() {
            for (rule, w) in sw.rules_mut() {
                if let Some(ep) = w.peek_mut() {
                    report(ep, rule, k, true);
                }
            }
        }
        for (k, w) in self.users.iter_mut() {
            if let Some(ep) = w.peek_mut() {
                report(ep, Rule::Distributed, k, false);
            }
        }
        for (by_source, k) in touched {
            if by_source {
                self.sources.get_mut(&k);
            } else {
                self.users.get_mut(&k);
            }
        }
        self.alerts_of(open)
    }
}
