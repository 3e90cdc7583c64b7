//! Expiry driven by time: the periodic sweep (every 1,024 events) visits
//! only the windows that expired, not every tracked key.
//!
//! Each kind of window (brute force, slow, spraying, scan and the recent
//! failures of a source; the distributed window of a user) has one queue of
//! `(last event time, slot)`, appended to whenever a window's last time
//! changes. A window expires when its last time falls out of its window, so
//! a sweep pops each queue's front while it is that old; an entry whose
//! window moved on since (or whose key was forgotten) is stale and skipped.
//! Event times of a log nearly always grow, so the queues stay sorted; when
//! one would not (a line older than the last, a restored state), the next
//! sweep visits every key as before and rebuilds the queues. The alerts are
//! the same either way.

use std::collections::VecDeque;

use chrono::{DateTime, Duration, Utc};

use super::keyed::KeyState;
use super::window::{cutoff, Episode, Windowed};
use super::{secs, DetectorSet, Rule, SourceWindows};

/// Queues of the source windows, in [`SourceWindows::by_queue`] order, then users.
const QUEUES: usize = 6;
/// The queue of users' windows.
const USERS: usize = 5;

/// The expiry queues (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct ExpiryQueues {
    queues: [VecDeque<(DateTime<Utc>, u32)>; QUEUES],
    /// A queue lost its order, or the state was replaced: the next sweep
    /// visits every key.
    full: bool,
    /// Every sweep visits every key (tests compare both ways).
    #[cfg(test)]
    always_full: bool,
    /// Sweeps that went through the queues.
    #[cfg(test)]
    queued: u64,
}

impl ExpiryQueues {
    /// Records that window `queue` of slot `id` last saw an event at `last`.
    pub fn touched(&mut self, queue: usize, id: u32, last: DateTime<Utc>) {
        let q = &mut self.queues[queue];
        if q.back().is_some_and(|b| last < b.0) {
            self.full = true;
        }
        q.push_back((last, id));
    }

    /// The next sweep must visit every key (after a restore).
    pub fn invalidate(&mut self) {
        self.full = true;
    }
}

impl SourceWindows {
    /// The windows with an expiry queue, with their rule (`None`: the
    /// recent failures, which raise no episode).
    pub(super) fn by_queue(&mut self) -> [(Option<Rule>, &mut Windowed); 5] {
        [
            (Some(Rule::Brute), &mut self.brute),
            (Some(Rule::Slow), &mut self.slow),
            (Some(Rule::Spray), &mut self.spray),
            (Some(Rule::Scan), &mut self.scan),
            (None, &mut self.failures),
        ]
    }
}

/// Queues window `queue` of slot `id` when its last time moved from `before`.
pub(crate) fn touched_if_moved(
    q: &mut ExpiryQueues,
    queue: usize,
    id: u32,
    before: Option<DateTime<Utc>>,
    w: &Windowed,
) {
    if let Some(l) = w.last_time().filter(|l| before != Some(*l)) {
        q.touched(queue, id, l);
    }
}

/// The front entry of `q` when it is older than `cut`, taken off.
fn pop_expired(
    q: &mut VecDeque<(DateTime<Utc>, u32)>,
    cut: DateTime<Utc>,
) -> Option<(DateTime<Utc>, u32)> {
    q.front().filter(|e| e.0 < cut)?;
    q.pop_front()
}

/// Where the full sweep lists a rule's episodes among those of one key.
fn sweep_order(r: Rule) -> u8 {
    match r {
        Rule::Brute => 0,
        Rule::Slow => 1,
        Rule::Spray => 2,
        Rule::Scan => 3,
        Rule::Distributed => 4,
    }
}

impl DetectorSet {
    /// The windows of each queue, in queue order.
    fn queue_windows(&self) -> [Duration; QUEUES] {
        [
            self.params(Rule::Brute).0,
            self.params(Rule::Slow).0,
            self.params(Rule::Spray).0,
            self.params(Rule::Scan).0,
            secs(self.cfg.success_window_secs),
            self.params(Rule::Distributed).0,
        ]
    }

    /// The non-final sweep through the queues: the same episodes, resets
    /// and forgotten keys as the full sweep, `None` when the full sweep
    /// must run instead.
    pub(super) fn sweep_queued(&mut self) -> Option<Vec<(Rule, String, Episode)>> {
        let now = self.now?;
        #[cfg(test)]
        if self.expiry.always_full {
            return None;
        }
        if self.expiry.full {
            return None;
        }
        #[cfg(test)]
        {
            self.expiry.queued += 1;
        }
        let windows = self.queue_windows();
        let mut done = Vec::new();
        let mut visited: Vec<u32> = Vec::new();
        for (qi, w) in windows.iter().enumerate().take(USERS) {
            let Some(cut) = cutoff(now, *w) else { continue };
            while let Some((l, id)) = pop_expired(&mut self.expiry.queues[qi], cut) {
                let Some((key, sw)) = self.sources.slot(id) else {
                    continue;
                };
                let Some((rule, win)) = sw.by_queue().into_iter().nth(qi) else {
                    continue;
                };
                if win.last_time() != Some(l) {
                    continue;
                }
                if let Some(rule) = rule {
                    if let Some(ep) = win.close() {
                        done.push((rule, key.clone(), ep));
                    }
                }
                win.reset();
                self.sources.mark_changed(id);
                visited.push(id);
            }
        }
        for id in visited {
            let empty = self
                .sources
                .slot(id)
                .is_some_and(|(_, sw)| KeyState::last_time(sw).is_none());
            if empty {
                self.sources.remove(id);
            }
        }
        if let Some(cut) = cutoff(now, windows[USERS]) {
            while let Some((l, id)) = pop_expired(&mut self.expiry.queues[USERS], cut) {
                let Some((key, w)) = self.users.slot(id) else {
                    continue;
                };
                if w.last_time() != Some(l) {
                    continue;
                }
                if let Some(ep) = w.close() {
                    done.push((Rule::Distributed, key.clone(), ep));
                }
                self.users.remove(id);
            }
        }
        // The full sweep's order: by key, then rule (users after sources).
        done.sort_by(|a, b| {
            (a.2.first, &a.1, sweep_order(a.0)).cmp(&(b.2.first, &b.1, sweep_order(b.0)))
        });
        let live = self.sources.len() + self.users.len();
        if self.expiry.queues.iter().any(|q| q.len() > 2 * live + 4096) {
            self.rebuild_queues();
        }
        Some(done)
    }

    /// Queues every live window afresh (after a full sweep, or when the
    /// queues hold too many stale entries).
    pub(super) fn rebuild_queues(&mut self) {
        let mut q: [Vec<(DateTime<Utc>, u32)>; QUEUES] = Default::default();
        for (id, sw) in self.sources.slots() {
            let lasts = [
                sw.brute.last_time(),
                sw.slow.last_time(),
                sw.spray.last_time(),
                sw.scan.last_time(),
                sw.failures.last_time(),
            ];
            for (i, l) in lasts.into_iter().enumerate() {
                if let Some(l) = l {
                    q[i].push((l, id));
                }
            }
        }
        for (id, w) in self.users.slots() {
            if let Some(l) = w.last_time() {
                q[USERS].push((l, id));
            }
        }
        for (i, mut v) in q.into_iter().enumerate() {
            v.sort_unstable();
            self.expiry.queues[i] = v.into();
        }
        self.expiry.full = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::DetectConfig;
    use crate::model::{Alert, Attempt, Event, EventOutcome};

    /// A pseudo-random stream of failures, probes and successes from a few
    /// hundred sources on a few dozen users over days, with bursts, quiet
    /// spells and some lines older than the one before.
    fn events(n: usize, seed: u64) -> Vec<Event> {
        let mut x = seed;
        let mut next = move |m: u64| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) % m
        };
        let t0: DateTime<Utc> = "2026-11-21T00:00:00Z".parse().unwrap();
        let mut t = 0i64;
        (0..n)
            .map(|_| {
                t += match next(1000) {
                    0..=1 => 600 * next(80) as i64,
                    2 => -(next(120) as i64),
                    _ => next(4) as i64,
                };
                let mut e = Event::new("ssh", "ssh.failed_auth");
                e.time = Some(t0 + Duration::seconds(t));
                let src = if next(3) == 0 { next(5) } else { next(300) };
                e.src_ip = Some(if src % 7 == 0 {
                    format!("2001:db8:{src}::{}", next(9)).parse().unwrap()
                } else {
                    format!("198.51.{}.{}", src / 250, src % 250)
                        .parse()
                        .unwrap()
                });
                e.user = Some(format!("u{}", next(40)));
                let (attempt, outcome) = match next(20) {
                    0 => (Attempt::Success, EventOutcome::Success),
                    1 | 2 => (Attempt::Probe, EventOutcome::Unknown),
                    _ => (Attempt::Failure, EventOutcome::Failure),
                };
                e.attempt = Some(attempt);
                e.outcome = outcome;
                e
            })
            .collect()
    }

    fn run(events: &[Event], cfg: &DetectConfig, always_full: bool) -> (Vec<Alert>, u64) {
        let mut d = DetectorSet::new(cfg.clone());
        d.expiry.always_full = always_full;
        let mut out = Vec::new();
        for (i, e) in events.iter().enumerate() {
            out.extend(d.observe(e));
            if i % 5000 == 4999 {
                out.extend(d.flush());
            }
        }
        out.extend(d.finish());
        (out, d.expiry.queued)
    }

    /// The queued sweeps give the alerts of sweeps over every key, in the
    /// same order, with small windows and a small key bound too.
    #[test]
    fn queued_sweeps_are_the_full_sweeps() {
        let evs = events(20_000, 7);
        let small = DetectConfig {
            brute_force_window_secs: 60,
            slow_window_secs: 900,
            max_tracked_keys: 50,
            ..DetectConfig::default()
        };
        for cfg in [DetectConfig::default(), small] {
            let (queued, sweeps) = run(&evs, &cfg, false);
            assert!(queued.len() > 100, "{}", queued.len());
            assert!(sweeps > 5, "{sweeps} sweeps through the queues");
            let (full, none) = run(&evs, &cfg, true);
            assert_eq!(none, 0);
            assert_eq!(queued, full);
        }
    }
}
