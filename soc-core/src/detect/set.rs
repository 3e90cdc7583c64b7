//! [`DetectorSet`]: every detector, fed one event at a time (see the
//! `detect` module docs for the rules). The step of one event: move the
//! clock, key the source (and user), push the failure into the source's
//! windows and the user's; the evidence is kept once in the
//! [`EvidenceArena`], and only when a window keeps it.

use chrono::{DateTime, Utc};

use super::arena::{EvId, EvidenceArena};
use super::config::{DetectConfig, Rule};
use super::expiry::{touched, ExpiryQueues, USERS};
use super::failure_ring::{Push, RULES};
use super::keyed::KeyedState;
use super::shard::Part;
use super::sighting::{Class, Route, Sighting};
use super::source_key::{KeyTexts, SlotRef};
use super::source_windows::SourceWindows;
use super::stamp::{Span, Stamp};
use super::window::{cutoff, Episode, Windowed};
use crate::model::{Alert, Event, Origin};
use crate::parse::ssh::SshRecordRef;

/// Makes the evidence of the event being observed (called at most once,
/// only when a window keeps it).
type MakeEvidence<'m> = dyn FnMut(&mut EvidenceArena) -> EvId + 'm;

/// All detectors, fed one event at a time.
#[derive(Debug)]
pub struct DetectorSet {
    pub(super) cfg: DetectConfig,
    /// Brute force, slow brute force, spraying and recent failures, by source.
    pub(super) sources: KeyedState<SourceWindows>,
    /// Distributed attacks, by user.
    pub(super) users: KeyedState<Windowed>,
    /// Source keys by address.
    pub(super) key_texts: KeyTexts,
    pub(super) now: Option<DateTime<Utc>>,
    pub(super) seen: u64,
    /// `seen` as last handed to the state store.
    pub(super) saved_seen: u64,
    /// The evidence the windows keep.
    pub(super) arena: EvidenceArena,
    /// Windows by last event time, for the sweeps.
    pub(super) expiry: ExpiryQueues,
    /// The windows and thresholds of the failure ring's rules (the recent
    /// failures never open an episode), from `cfg`.
    ring_params: ([Span; RULES], [u32; RULES]),
    /// The window and threshold of the scan detector, from `cfg`.
    scan: (Span, u32),
    /// The window and threshold of the distributed-attack detector, from `cfg`.
    distributed: (Span, u32),
    /// The sources and users this set keeps windows for (all by default).
    part: Part,
}

impl DetectorSet {
    /// Detectors with `cfg`.
    pub fn new(cfg: DetectConfig) -> DetectorSet {
        DetectorSet::part(cfg, Part::ALL)
    }

    /// Detectors with `cfg` for the sources and users of `part` only
    /// (each part bounded to its share of `max_tracked_keys`).
    pub(crate) fn part(cfg: DetectConfig, part: Part) -> DetectorSet {
        let cap = cfg.max_tracked_keys.div_ceil(part.count());
        let key_texts = KeyTexts::new(cap, cfg.ipv6_prefix);
        let rule = |r| {
            let (w, n) = cfg.params(r);
            (Span::of(w), n)
        };
        let [(bw, bt), (sw, st), (pw, pt)] = [Rule::Brute, Rule::Slow, Rule::Spray].map(rule);
        let ring_params = (
            [bw, sw, pw, Span::of(cfg.success_window())],
            [bt, st, pt, u32::MAX],
        );
        let scan = rule(Rule::Scan);
        let distributed = rule(Rule::Distributed);
        DetectorSet {
            ring_params,
            scan,
            distributed,
            cfg,
            sources: KeyedState::new(cap),
            users: KeyedState::new(cap),
            key_texts,
            now: None,
            seen: 0,
            saved_seen: 0,
            arena: EvidenceArena::default(),
            expiry: ExpiryQueues::default(),
            part,
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

    /// Feeds one event; returns the alerts that became final.
    pub fn observe(&mut self, e: &Event) -> Vec<Alert> {
        self.collect_evidence();
        self.observe_sighting(&Sighting::of(e), &mut |a| a.event(e.clone()))
    }

    /// Like [`observe`](Self::observe) for an event the caller no longer
    /// needs: it becomes the kept evidence without being cloned.
    ///
    /// ```
    /// use soc_core::detect::{DetectConfig, DetectorSet};
    /// use soc_core::model::Event;
    /// let mut d = DetectorSet::new(DetectConfig::default());
    /// assert!(d.observe_owned(Event::new("ssh", "ssh.failed_auth")).is_empty());
    /// ```
    pub fn observe_owned(&mut self, e: Event) -> Vec<Alert> {
        self.collect_evidence();
        // Kept before the step (which may keep it), so it moves only once;
        // the step reads a copy of the few fields it uses.
        let view = Sighting::of(&e).detach();
        let id = self.arena.event(e);
        self.observe_sighting(&view.view(), &mut |_| id)
    }

    /// Feeds one parsed sshd line, the same as [`observe`](Self::observe)
    /// of `r.to_event(line, origin())`, but builds that event only when an
    /// alert cites it (the line is kept as a compact record, and only when
    /// a window keeps it: an attacker past a threshold costs a few counters
    /// per line).
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
        self.collect_evidence();
        self.observe_sighting(&Sighting::of_record(r), &mut |a| {
            let o = origin();
            a.line(r, line, &o.file, o.line)
        })
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
        self.collect_evidence();
        self.observe_sighting(&Sighting::of_record(r), &mut |a| {
            a.line(r, line, file, line_no)
        })
    }

    /// [`observe_line`](Self::observe_line) of a line whose [`Route`]
    /// among the parts of a split set was computed already.
    pub(crate) fn observe_line_routed(
        &mut self,
        r: &SshRecordRef<'_>,
        file: &str,
        line_no: u64,
        line: &str,
        route: Route,
    ) -> Vec<Alert> {
        self.collect_evidence();
        let mut s = Sighting::of_record(r);
        s.route = Some(route);
        self.observe_sighting(&s, &mut |a| a.line(r, line, file, line_no))
    }

    /// Frees the evidence no window holds any more, when enough may have
    /// piled up (between events: no index is in flight then).
    fn collect_evidence(&mut self) {
        if !self.arena.wants_collect() {
            return;
        }
        let (sources, users) = (&self.sources, &self.users);
        self.arena.collect_marked(|marks| {
            sources.slots().for_each(|(_, sw)| sw.mark_evidence(marks));
            users.slots().for_each(|(_, w)| w.mark_evidence(marks));
        });
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

    /// The detectors' step for one event; `make` keeps it as evidence
    /// (called at most once, only when a window keeps it).
    fn observe_sighting(&mut self, s: &Sighting<'_>, make: &mut MakeEvidence<'_>) -> Vec<Alert> {
        let mut out = Vec::new();
        let Some(t) = self.tick(s.time, &mut out) else {
            return out;
        };
        if s.class == Class::Other {
            return out;
        }
        // clock rule: windows expire by the detector clock, not by `t`.
        let now = self.now.unwrap_or(t);
        let Some(src) = s.src else {
            return out;
        };
        let user = s
            .user
            .filter(|u| !u.is_empty() && s.class == Class::Failure);
        let (own_source, own_user) = match s.route {
            Some(r) => self.part.routed(r),
            None => (
                self.part.owns_source(src, self.cfg.ipv6_prefix),
                user.is_some_and(|u| self.part.owns_user(u)),
            ),
        };
        let user = user.filter(|_| own_user);
        if !own_source && user.is_none() {
            return out;
        }
        let (key, slot) = self.key_texts.key_and_slot(src);
        let src = key.as_str();
        let mut kept = None;
        let mut lazy = Lazy {
            id: &mut kept,
            make,
        };
        let (stamp, now) = (Stamp::of(t), Stamp::of(now));
        if own_source {
            if s.class == Class::Success {
                out.extend(self.success(src, t, &mut lazy));
                return out;
            }
            if self.sources.is_full() && self.sources.get_mut(src).is_none() {
                out.extend(self.make_room(true));
            }
            let done = self.push_source(s, stamp, now, (src, slot), &mut lazy);
            out.extend(
                done.into_iter()
                    .filter_map(|(r, ep)| self.alert(r, src, ep)),
            );
        }
        let Some(user) = user else {
            return out;
        };
        let t = stamp;
        let (dw, dt) = self.distributed;
        if self.users.is_full() && self.users.get_mut(user).is_none() {
            out.extend(self.make_room(false));
        }
        let max_ev = self.cfg.max_evidence;
        let arena = &mut self.arena;
        let mut evidence = || lazy.get(arena);
        let (id, w) = self.users.get_or_insert_id(user);
        let ep = w.push(t, now, src, &mut evidence, dw, dt, max_ev);
        touched(&mut self.expiry, USERS, id, w);
        if let Some(ep) = ep {
            out.extend(self.alert(Rule::Distributed, user, ep));
        }
        out
    }

    /// Pushes a failure (or probe) into the windows of source `src`,
    /// returning the episodes that ended, in alert order.
    fn push_source(
        &mut self,
        s: &Sighting<'_>,
        t: Stamp,
        now: Stamp,
        (src, slot): (&str, Option<SlotRef>),
        lazy: &mut Lazy<'_, '_>,
    ) -> Vec<(Rule, Episode)> {
        let id = match slot.filter(|&(id, g)| self.sources.get_cached(id, g).is_some()) {
            Some((id, _)) => id,
            None => {
                let id = self.sources.get_or_insert_id(src).0;
                if let Some(s) = s.src {
                    let g = self.sources.generation(id);
                    self.key_texts.set_slot(s, (id, g));
                }
                id
            }
        };
        let Some((_, w)) = self.sources.slot(id) else {
            return Vec::new();
        };
        let max_ev = self.cfg.max_evidence;
        let arena = &mut self.arena;
        let mut evidence = || lazy.get(arena);
        let q = &mut self.expiry;
        let mut done = Vec::new();
        if s.class == Class::Probe {
            let (cw, ct) = self.scan;
            let ep = w.scan.push(t, now, "", &mut evidence, cw, ct, max_ev);
            touched(q, 3, id, &mut w.scan);
            done.extend(ep.map(|ep| (Rule::Scan, ep)));
            return done;
        }
        // One cutoff per rule and event (clock rule: by `now`).
        let (spans, thresholds) = &self.ring_params;
        let push = Push {
            t,
            cuts: spans.map(|w| cutoff(now, w)),
            thresholds: *thresholds,
            user: s.user.unwrap_or_default(),
            max_evidence: max_ev,
        };
        w.ring.push(&push, &mut evidence, &mut done);
        for (r, rule) in w.ring.rules.iter_mut().enumerate() {
            touched(q, RING_QUEUES[r], id, rule);
        }
        done
    }
}

/// The expiry calendar of each rule of a source's failure ring.
const RING_QUEUES: [usize; RULES] = [0, 1, 2, 4];

/// The evidence of the event being observed, made on first use.
pub(super) struct Lazy<'a, 'm> {
    id: &'a mut Option<EvId>,
    make: &'a mut MakeEvidence<'m>,
}

impl Lazy<'_, '_> {
    pub fn get(&mut self, arena: &mut EvidenceArena) -> EvId {
        match *self.id {
            Some(id) => id,
            None => {
                let id = (self.make)(arena);
                *self.id = Some(id);
                id
            }
        }
    }
}
