//! Expiry driven by time: the periodic sweep (every 1,024 events) visits
//! only the windows that expired, not every tracked key (the sweep itself
//! is in [`super::sweep`]).
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

use super::stamp::Stamp;
use super::window::Windowed;

/// Queues of the source windows, in `SourceWindows::by_queue` order, then users.
pub(crate) const QUEUES: usize = 6;
/// The queue of users' windows.
pub(crate) const USERS: usize = 5;

/// The expiry queues (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct ExpiryQueues {
    pub queues: [VecDeque<(Stamp, u32)>; QUEUES],
    /// A queue lost its order, or the state was replaced: the next sweep
    /// visits every key.
    pub full: bool,
    /// Every sweep visits every key (tests compare both ways).
    #[cfg(test)]
    pub always_full: bool,
    /// Sweeps that went through the queues.
    #[cfg(test)]
    pub queued: u64,
}

impl ExpiryQueues {
    /// Records that window `queue` of slot `id` last saw an event at `last`.
    pub fn touched(&mut self, queue: usize, id: u32, last: Stamp) {
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

/// Queues window `queue` of slot `id` when its last time moved from `before`.
pub(crate) fn touched_if_moved(
    q: &mut ExpiryQueues,
    queue: usize,
    id: u32,
    before: Option<Stamp>,
    w: &Windowed,
) {
    if let Some(l) = w.last_time().filter(|l| before != Some(*l)) {
        q.touched(queue, id, l);
    }
}

/// The front entry of `q` when it is older than `cut`, taken off.
pub(crate) fn pop_expired(q: &mut VecDeque<(Stamp, u32)>, cut: Stamp) -> Option<(Stamp, u32)> {
    q.front().filter(|e| e.0 < cut)?;
    q.pop_front()
}

#[cfg(test)]
mod tests {
    use crate::detect::{DetectConfig, DetectorSet};
    use crate::model::{Alert, Attempt, Event, EventOutcome};
    use chrono::{DateTime, Duration, Utc};

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
