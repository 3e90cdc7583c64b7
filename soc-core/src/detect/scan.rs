//! `ssh.scan`: many SSH probes from one source in a window.
//!
//! A probe is an event with `attempt == probe` (see
//! [`Attempt::Probe`](crate::model::Attempt::Probe)): a scanner's banner
//! grab, a garbage banner, a key-exchange mismatch, a connection that ends
//! before authentication without naming a user, a `MaxStartups` or penalty
//! drop. One probe is background noise on any Internet-facing server, so
//! the detector fires only on a burst from one source: by default 10
//! probes within 600 s (fail2ban's `ddos` mode uses the same 10-minute
//! window with 5 retries; twice that keeps single re-tries of a monitoring
//! system quiet). It reports ATT&CK T1595 (Active Scanning), severity low:
//! below brute force, because nothing was guessed.
//!
//! Episodes work like the other threshold detectors: the episode starts at
//! the first probe of the window that reached the threshold, keeps counting
//! while probes keep coming, and ends (giving one alert with the full count)
//! after one window without a probe, or at
//! [`DetectorSet::finish`](super::DetectorSet::finish). The alert id is
//! `Alert::new("ssh.scan", "<source>|<episode start>")`.

use std::collections::VecDeque;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::{attack, indicators, Map};
use crate::model::{Alert, Event, Severity};

/// Most sources tracked at once; past it, sources quiet for a window are
/// dropped first, then the oldest half.
const MAX_SOURCES: usize = 100_000;

/// One source's recent probes and open episode.
#[derive(Debug, Default)]
struct Source {
    /// Probe times inside the window (at most `threshold` kept).
    recent: VecDeque<DateTime<Utc>>,
    /// Start, count and evidence of the open episode.
    open: Option<(DateTime<Utc>, u64, Vec<Arc<Event>>)>,
    last: Option<DateTime<Utc>>,
}

/// The scan detector (part of [`DetectorSet`](super::DetectorSet)).
#[derive(Debug, Default)]
pub(crate) struct ScanDetector {
    sources: Map<String, Source>,
}

impl ScanDetector {
    /// Feeds one probe from `src` at `t`; `evidence` gives the shared copy
    /// of the event.
    pub(crate) fn probe(
        &mut self,
        src: &str,
        t: DateTime<Utc>,
        evidence: &mut dyn FnMut() -> Arc<Event>,
        window: Duration,
        threshold: u32,
        max_evidence: usize,
    ) -> Option<Alert> {
        if self.sources.len() >= MAX_SOURCES && !self.sources.contains_key(src) {
            self.shrink(t, window);
        }
        let s = match self.sources.get_mut(src) {
            Some(s) => s,
            None => self.sources.entry(src.to_string()).or_default(),
        };
        // An episode that has been quiet for a window is over.
        let mut done = None;
        if let Some(last) = s.last {
            if t - last > window {
                done = s.open.take().map(|ep| alert(src, ep, last));
                s.recent.clear();
            }
        }
        s.last = Some(s.last.map_or(t, |l| l.max(t)));
        while s.recent.front().is_some_and(|&f| t - f > window) {
            s.recent.pop_front();
        }
        s.recent.push_back(t);
        let threshold = threshold.max(1) as usize;
        while s.recent.len() > threshold {
            s.recent.pop_front();
        }
        match &mut s.open {
            Some((_, count, ev)) => {
                *count += 1;
                if ev.len() < max_evidence {
                    ev.push(evidence());
                }
            }
            None if s.recent.len() >= threshold => {
                let first = s.recent.front().copied().unwrap_or(t);
                let n = s.recent.len() as u64;
                let ev = if max_evidence > 0 {
                    vec![evidence()]
                } else {
                    Vec::new()
                };
                s.open = Some((first, n, ev));
            }
            None => {}
        }
        done
    }

    /// Ends the episodes quiet for a window at `now` (all of them with
    /// `all`) and returns their alerts, oldest first.
    pub(crate) fn sweep(
        &mut self,
        now: Option<DateTime<Utc>>,
        window: Duration,
        all: bool,
    ) -> Vec<Alert> {
        let mut out = Vec::new();
        self.sources.retain(|src, s| {
            let quiet = match (now, s.last) {
                (Some(n), Some(l)) => n - l > window,
                _ => true,
            };
            if all || quiet {
                if let Some(ep) = s.open.take() {
                    out.push(alert(src, ep, s.last.unwrap_or_default()));
                }
            }
            !(quiet || all)
        });
        out.sort_by(|a, b| a.first_seen.cmp(&b.first_seen).then(a.id.cmp(&b.id)));
        out
    }

    /// Drops quiet sources without an open episode, then (if still full)
    /// the half with the oldest last probe.
    fn shrink(&mut self, now: DateTime<Utc>, window: Duration) {
        self.sources
            .retain(|_, s| s.open.is_some() || s.last.is_some_and(|l| now - l <= window));
        if self.sources.len() >= MAX_SOURCES {
            let mut lasts: Vec<DateTime<Utc>> =
                self.sources.values().filter_map(|s| s.last).collect();
            lasts.sort_unstable();
            if let Some(&median) = lasts.get(lasts.len() / 2) {
                self.sources
                    .retain(|_, s| s.open.is_some() || s.last.is_some_and(|l| l > median));
            }
        }
    }
}

/// The alert of a finished episode.
fn alert(src: &str, ep: (DateTime<Utc>, u64, Vec<Arc<Event>>), last: DateTime<Utc>) -> Alert {
    let (first, count, events) = ep;
    let mut a = Alert::new(
        "ssh.scan",
        &format!("{src}|{}", first.to_rfc3339()),
        format!("SSH scanning from {src}: {count} probes"),
        Severity::Low,
    );
    a.source = "detect".into();
    a.first_seen = Some(first);
    a.last_seen = Some(last);
    a.count = count;
    a.attack = vec![attack(
        "T1595",
        "Active Scanning",
        "TA0043",
        "reconnaissance",
    )];
    a.host = events.first().and_then(|e| e.host.clone());
    let ip = src.parse().ok();
    a.src_ip = ip;
    a.indicators = indicators(ip);
    a.events = events.into_iter().map(Arc::unwrap_or_clone).collect();
    a
}
