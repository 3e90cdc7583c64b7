//! Ending episodes: the sweeps (every 1,024 events, see [`super::expiry`]),
//! room for new keys past `max_tracked_keys`, [`DetectorSet::finish`] and
//! [`DetectorSet::flush`], and the order their alerts come out in.

use chrono::Duration;

use super::config::Rule;
use super::expiry::{QUEUES, USERS};
use super::keyed::KeyState;
use super::set::DetectorSet;
use super::source_windows::{SweptWindow, FAILURES};
use super::stamp::{Span, Stamp};
use super::window::{cutoff, Episode};
use crate::model::Alert;

impl DetectorSet {
    /// Frees room for a new source (or user): expired windows first, then
    /// the least recently active keys, whose open episodes raise their alerts.
    pub(super) fn make_room(&mut self, sources: bool) -> Vec<Alert> {
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
    pub(super) fn alerts_of(&self, done: Vec<(Rule, String, Episode)>) -> Vec<Alert> {
        let mut out = Vec::new();
        self.each_alert_of(done, &mut |a| out.push(a));
        out
    }

    /// [`alerts_of`](Self::alerts_of), handing each alert to `each` as soon
    /// as it is built.
    fn each_alert_of(&self, mut done: Vec<(Rule, String, Episode)>, each: &mut dyn FnMut(Alert)) {
        done.retain(|d| d.2.count != d.2.reported);
        done.sort_by(|a, b| a.2.first.cmp(&b.2.first).then(a.1.cmp(&b.1)));
        for (r, k, ep) in done {
            if let Some(a) = self.alert(r, &k, ep) {
                each(a);
            }
        }
    }

    /// Closes the episodes of windows with no evidence for a whole window
    /// (all of them with `all`) and forgets expired windows.
    pub(super) fn sweep(&mut self, all: bool) -> Vec<Alert> {
        let done = self.sweep_episodes(all);
        self.alerts_of(done)
    }

    pub(super) fn sweep_episodes(&mut self, all: bool) -> Vec<(Rule, String, Episode)> {
        if !all {
            if let Some(done) = self.sweep_queued() {
                return done;
            }
        }
        let done = self.sweep_all(all);
        self.rebuild_queues();
        done
    }

    /// The sweep visiting every key (see [`super::expiry`] for the usual one).
    fn sweep_all(&mut self, all: bool) -> Vec<(Rule, String, Episode)> {
        let now = self.now;
        let now = now.map(Stamp::of);
        let cut = |w: Duration| now.and_then(|n| cutoff(n, Span::of(w)));
        let cuts = [
            cut(self.cfg.params(Rule::Brute).0),
            cut(self.cfg.params(Rule::Slow).0),
            cut(self.cfg.params(Rule::Spray).0),
            cut(self.cfg.params(Rule::Scan).0),
        ];
        let fcut = cut(self.cfg.success_window());
        let dcut = cut(self.cfg.params(Rule::Distributed).0);
        let mut done = Vec::new();
        let expired = |w: &dyn SweptWindow, c: Option<Stamp>| match (now, w.last_time()) {
            (Some(_), Some(l)) => c.is_some_and(|c| l < c),
            _ => true,
        };
        self.sources.retain(|key, sw| {
            let mut changed = false;
            for (i, (rule, w)) in sw.rules_mut().into_iter().enumerate() {
                let gone = expired(&*w, cuts[i]);
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
            let failures = &mut sw.ring.rules[FAILURES];
            if now.is_some()
                && failures
                    .last_time()
                    .is_some_and(|l| fcut.is_some_and(|c| l < c))
            {
                failures.reset();
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
        let mut out = Vec::new();
        self.finish_each(|a| out.push(a));
        out
    }

    /// Like [`finish`](Self::finish), handing each alert to `each` as soon
    /// as it is built (so a caller can encode one while the next is built).
    ///
    /// ```
    /// use soc_core::detect::{DetectConfig, DetectorSet};
    /// let mut d = DetectorSet::new(DetectConfig::default());
    /// let mut n = 0;
    /// d.finish_each(|_| n += 1);
    /// assert_eq!(n, 0);
    /// ```
    pub fn finish_each(&mut self, mut each: impl FnMut(Alert)) {
        let done = self.sweep_episodes(true);
        self.each_alert_of(done, &mut each);
        self.sources.clear();
        self.users.clear();
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

    /// The windows of each queue, in queue order.
    fn queue_windows(&self) -> [Span; QUEUES] {
        [
            self.cfg.params(Rule::Brute).0,
            self.cfg.params(Rule::Slow).0,
            self.cfg.params(Rule::Spray).0,
            self.cfg.params(Rule::Scan).0,
            self.cfg.success_window(),
            self.cfg.params(Rule::Distributed).0,
        ]
        .map(Span::of)
    }

    /// The non-final sweep through the calendars: the same episodes,
    /// resets and forgotten keys as the full sweep, `None` when the full
    /// sweep must run instead.
    pub(super) fn sweep_queued(&mut self) -> Option<Vec<(Rule, String, Episode)>> {
        let now = Stamp::of(self.now?);
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
        let mut due = Vec::new();
        for (qi, w) in windows.iter().enumerate().take(USERS) {
            let Some(cut) = cutoff(now, *w) else { continue };
            due.clear();
            self.expiry.queues[qi].take_due(cut, &mut due);
            for &(at, id) in &due {
                let Some((key, sw)) = self.sources.slot(id) else {
                    continue;
                };
                let Some((rule, win)) = sw.by_queue().into_iter().nth(qi) else {
                    continue;
                };
                if *win.queued() != Some(at) {
                    continue;
                }
                *win.queued() = None;
                let Some(last) = win.last_time() else {
                    continue;
                };
                if last >= cut {
                    // Active since it was queued: due again at its last time.
                    self.expiry.queues[qi].insert(last, id);
                    *win.queued() = Some(last);
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
        visited.dedup();
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
            due.clear();
            self.expiry.queues[USERS].take_due(cut, &mut due);
            for &(at, id) in &due {
                let Some((key, w)) = self.users.slot(id) else {
                    continue;
                };
                if w.queued != Some(at) {
                    continue;
                }
                w.queued = None;
                let Some(last) = w.last_time() else { continue };
                if last >= cut {
                    self.expiry.queues[USERS].insert(last, id);
                    w.queued = Some(last);
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
        Some(done)
    }

    /// Queues every live window afresh (after a full sweep).
    pub(super) fn rebuild_queues(&mut self) {
        let q = &mut self.expiry.queues;
        q.iter_mut().for_each(super::expiry::Calendar::clear);
        for (id, sw) in self.sources.slots_mut() {
            for (i, (_, w)) in sw.by_queue().into_iter().enumerate() {
                *w.queued() = None;
                super::expiry::touched_in(&mut q[i], id, w);
            }
        }
        for (id, w) in self.users.slots_mut() {
            w.queued = None;
            super::expiry::touched_in(&mut q[USERS], id, w);
        }
        self.expiry.full = false;
    }
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
