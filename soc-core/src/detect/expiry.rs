//! Expiry driven by time: the periodic sweep (every 1,024 events) visits
//! only the windows that may have expired, not every tracked key, and an
//! event costs no queue entry (the sweep itself is in [`super::sweep`]).
//!
//! Each kind of window (brute force, slow, spraying, scan and the recent
//! failures of a source; the distributed window of a user) has one
//! [`Calendar`]: time buckets of `(queued at, slot)` entries. A window with
//! a last event time holds one entry, queued at or before that time (it
//! remembers when, `Windowed::queued`); an event that moves the window's
//! last time forward leaves the entry where it is. A sweep takes the
//! entries queued before the window's cutoff: a window whose last time is
//! before the cutoff has expired, any other is queued again at its last
//! time. So a source active all day is queued once per window length, not
//! once per event, and no order is needed (lines out of order and restored
//! windows just queue an entry at their own time). Entries whose window
//! was queued again, reset or forgotten since are stale and skipped.

use std::collections::VecDeque;

use super::source_windows::SweptWindow;
use super::stamp::Stamp;

/// Calendars of the source windows, in `SourceWindows::by_queue` order, then users.
pub(crate) const QUEUES: usize = 6;
/// The calendar of users' windows.
pub(crate) const USERS: usize = 5;

/// Seconds per calendar bucket, as a shift (64 s).
const BUCKET_SHIFT: u32 = 6;

/// Emptied bucket vectors kept for reuse, at most.
const SPARE_BUCKETS: usize = 256;

/// The bucket of time `t`.
fn bucket(t: Stamp) -> i64 {
    t.secs() >> BUCKET_SHIFT
}

/// Window slots by the time they were queued at (see the module docs): a
/// ring of consecutive time buckets from `base` on. An entry older than
/// `base` goes into the first bucket (checked at the next sweep, a little
/// early, which only re-queues it).
#[derive(Debug, Default)]
pub(crate) struct Calendar {
    buckets: VecDeque<Vec<(Stamp, u32)>>,
    /// The bucket number of `buckets[0]`.
    base: i64,
    spare: Vec<Vec<(Stamp, u32)>>,
}

/// Most buckets a calendar spans at once: past it, new entries go into
/// the last bucket (a window queued too early is only queued again).
const MAX_BUCKETS: i64 = 1 << 16;

impl Calendar {
    /// Queues slot `id` at time `at`.
    pub fn insert(&mut self, at: Stamp, id: u32) {
        let b = bucket(at);
        if self.buckets.is_empty() {
            self.base = b;
        }
        let i = b.saturating_sub(self.base).clamp(0, MAX_BUCKETS - 1) as usize;
        while self.buckets.len() <= i {
            let v = self.spare.pop().unwrap_or_default();
            self.buckets.push_back(v);
        }
        self.buckets[i].push((at, id));
    }

    /// Moves every entry queued before `cut` into `out`.
    pub fn take_due(&mut self, cut: Stamp, out: &mut Vec<(Stamp, u32)>) {
        let last = bucket(cut);
        while self.base < last {
            let Some(mut v) = self.buckets.pop_front() else {
                break;
            };
            // The whole bucket is before `cut`'s bucket.
            self.base += 1;
            out.append(&mut v);
            if self.spare.len() < SPARE_BUCKETS {
                self.spare.push(v);
            }
        }
        // `cut`'s own bucket (or a later one holding entries queued before
        // `base`): only its entries before `cut`.
        if let Some(v) = self.buckets.front_mut() {
            out.extend(v.iter().filter(|x| x.0 < cut));
            v.retain(|x| x.0 >= cut);
        }
    }

    /// Drops every entry.
    pub fn clear(&mut self) {
        self.buckets.clear();
    }

    /// Entries queued (live or stale).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.buckets.iter().map(Vec::len).sum()
    }
}

/// The expiry calendars (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct ExpiryQueues {
    pub queues: [Calendar; QUEUES],
    /// The state was replaced (restored): the next sweep visits every key
    /// and queues every window.
    pub full: bool,
    /// Every sweep visits every key (tests compare both ways).
    #[cfg(test)]
    pub always_full: bool,
    /// Sweeps that went through the calendars.
    #[cfg(test)]
    pub queued: u64,
}

impl ExpiryQueues {
    /// The next sweep must visit every key (after a restore).
    pub fn invalidate(&mut self) {
        self.full = true;
    }
}

/// Queues window `w` of slot `id` in calendar `queue` unless it holds an
/// entry queued at or before its last time already.
pub(crate) fn touched<W: SweptWindow + ?Sized>(
    q: &mut ExpiryQueues,
    queue: usize,
    id: u32,
    w: &mut W,
) {
    touched_in(&mut q.queues[queue], id, w);
}

/// [`touched`] with the calendar given.
pub(crate) fn touched_in<W: SweptWindow + ?Sized>(cal: &mut Calendar, id: u32, w: &mut W) {
    let Some(l) = w.last_time() else { return };
    let queued = w.queued();
    if queued.is_none_or(|at| at > l) {
        cal.insert(l, id);
        *queued = Some(l);
    }
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
        let mut next = crate::detect::test_rng::seeded(seed);
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
        let mut most = 0;
        for (i, e) in events.iter().enumerate() {
            out.extend(d.observe(e));
            if i % 5000 == 4999 {
                out.extend(d.flush());
            }
            if i % 1000 == 999 {
                most = most.max(d.expiry.queues.iter().map(|c| c.len()).sum::<usize>());
            }
        }
        // About one entry per live window, not one per window per event.
        assert!(always_full || most < events.len() / 4, "{most} entries");
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
