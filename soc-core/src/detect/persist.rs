//! Persisting the detectors' open windows, so that detection does not
//! forget between runs: any split of a log into runs (cron `--once` every
//! minute, a restarted `--follow`) gives the same alerts as one pass.
//!
//! [`DetectorSet::take_changes`] returns the windows changed since the last
//! call as [`StateChange`] rows (a detector name, a key, and the window as
//! JSON, or `None` when the key was forgotten); the pipeline writes them in
//! the transaction that commits the batch's checkpoints, and
//! [`DetectorSet::restore`] loads them at the start of the next run. The
//! state is bounded like the live one (`max_tracked_keys`, items per
//! window) and expires by event time: a restored window older than its
//! detector's window is dropped at the first sweep.
//!
//! ```
//! use soc_core::detect::{DetectConfig, DetectorSet};
//! use soc_core::model::Event;
//! let t0: chrono::DateTime<chrono::Utc> = "2026-11-21T02:00:00Z".parse().unwrap();
//! let fail = |i: i64| {
//!     let mut e = Event::new("ssh", "ssh.failed_auth");
//!     e.time = Some(t0 + chrono::Duration::seconds(i));
//!     e.src_ip = Some("203.0.113.45".parse().unwrap());
//!     e.fields.insert("attempt".into(), true.into());
//!     e
//! };
//! // Run 1 sees three failures, run 2 (a new process) two more.
//! let mut run1 = DetectorSet::new(DetectConfig::default());
//! (0..3).for_each(|i| { run1.observe(&fail(i)); });
//! assert!(run1.flush().is_empty());
//! assert!(run1.has_unsaved_state());
//! let rows: Vec<_> = run1.take_changes().into_iter()
//!     .filter_map(|c| Some((c.detector, c.key, c.state?))).collect();
//! assert!(!run1.has_unsaved_state());
//! let mut run2 = DetectorSet::new(DetectConfig::default());
//! assert_eq!(run2.restore(rows), 0);
//! (3..5).for_each(|i| { run2.observe(&fail(i)); });
//! let alerts = run2.finish();
//! assert_eq!(alerts[0].kind, "ssh.brute_force");
//! assert_eq!(alerts[0].count, 5);
//! ```

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::arena::{EvId, EvidenceArena};
use super::expiry::ExpiryQueues;
use super::failure_ring::{FailureRing, RULES};
use super::keyed::KeyedState;
use super::saved_window::{EventTable, SavedWindow, SavedWindowOut};
use super::set::DetectorSet;
use super::source_key::KeyTexts;
use super::source_windows::SourceWindows;
use super::window::Windowed;
use crate::model::Event;

/// Detector name of per-source windows.
const SOURCES: &str = "ssh.source";
/// Detector name of per-user windows.
const USERS: &str = "ssh.user";
/// Detector name of the event clock (key "").
const CLOCK: &str = "ssh.clock";

/// One change to the persisted detector state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateChange {
    /// Which detector's state (`ssh.source`, `ssh.user`, ...).
    pub detector: String,
    /// The key within it (a source, a user).
    pub key: String,
    /// The state as JSON; `None`: the key was forgotten.
    pub state: Option<String>,
}

/// One saved row: its windows (sources: brute, slow, spray, failures;
/// users: one) and their evidence, each event once.
#[derive(Debug, Serialize)]
struct RowOut<'a> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ev: Vec<Event>,
    w: Vec<SavedWindowOut<'a>>,
}

#[derive(Debug, Deserialize)]
struct RowIn {
    #[serde(default)]
    ev: Vec<Event>,
    #[serde(default)]
    w: Vec<SavedWindow>,
}

impl RowIn {
    /// A user's window (missing: empty); `None` when an evidence index is
    /// out of range.
    fn user(self, arena: &mut EvidenceArena) -> Option<Windowed> {
        let events: Vec<EvId> = self.ev.into_iter().map(|e| arena.event(e)).collect();
        let mut w = self.w.into_iter();
        let user = Windowed::restore(w.next().unwrap_or_default(), &events)?;
        w.try_for_each(|s| s.into_parts(&events).map(drop))?;
        Some(user)
    }

    /// A source's windows: brute force, slow, spraying, recent failures,
    /// scan (missing ones empty).
    fn source(self, arena: &mut EvidenceArena) -> Option<SourceWindows> {
        let events: Vec<EvId> = self.ev.into_iter().map(|e| arena.event(e)).collect();
        let mut w = self.w.into_iter();
        let mut next = || w.next().unwrap_or_default();
        let rules = [next(), next(), next(), next()];
        let scan = next();
        let ring = FailureRing::restore(rules, &events)?;
        let scan = Windowed::restore(scan, &events)?;
        w.try_for_each(|s| s.into_parts(&events).map(drop))?;
        Some(SourceWindows { ring, scan })
    }
}

/// The row of one user's window.
fn user_row(w: &Windowed, arena: &EvidenceArena) -> Option<String> {
    let mut table = EventTable::default();
    let w = vec![w.save(&mut table)];
    json(&RowOut {
        ev: arena.events(&table.events),
        w,
    })
}

/// The row of one source's windows (in [`RowIn::source`] order).
fn source_row(sw: &SourceWindows, arena: &EvidenceArena) -> Option<String> {
    let mut table = EventTable::default();
    let mut w: Vec<_> = (0..RULES).map(|r| sw.ring.save(r, &mut table)).collect();
    w.push(sw.scan.save(&mut table));
    json(&RowOut {
        ev: arena.events(&table.events),
        w,
    })
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct SavedClock {
    now: Option<DateTime<Utc>>,
    seen: u64,
}

fn json<T: Serialize>(v: &T) -> Option<String> {
    // Plain data (strings, numbers, dates): serialization cannot fail.
    serde_json::to_string(v).ok()
}

impl DetectorSet {
    /// The windows changed since the last call, for the state store (see
    /// the module docs). Cheap when little changed.
    pub fn take_changes(&mut self) -> Vec<StateChange> {
        let mut out = Vec::new();
        let arena = &self.arena;
        for (key, v) in self.sources.take_changes() {
            let state = v.and_then(|sw| source_row(sw, arena));
            out.push(StateChange {
                detector: SOURCES.into(),
                key,
                state,
            });
        }
        for (key, v) in self.users.take_changes() {
            out.push(StateChange {
                detector: USERS.into(),
                key,
                state: v.and_then(|w| user_row(w, arena)),
            });
        }
        if !out.is_empty() || self.seen != self.saved_seen {
            self.saved_seen = self.seen;
            out.push(StateChange {
                detector: CLOCK.into(),
                key: String::new(),
                state: json(&SavedClock {
                    now: self.now,
                    seen: self.seen,
                }),
            });
        }
        out
    }

    /// Replaces the state with rows `(detector, key, state)` saved by
    /// [`take_changes`](Self::take_changes). Rows of other detectors are
    /// ignored; rows that do not decode are skipped (and logged). Returns
    /// how many were skipped.
    pub fn restore(&mut self, rows: impl IntoIterator<Item = (String, String, String)>) -> usize {
        let cap = self.cfg.max_tracked_keys;
        self.sources = KeyedState::new(cap);
        self.users = KeyedState::new(cap);
        // Its cached slots name slots of the map just dropped.
        self.key_texts = KeyTexts::new(cap, self.cfg.ipv6_prefix);
        self.arena = EvidenceArena::default();
        self.now = None;
        self.seen = 0;
        self.saved_seen = 0;
        self.expiry = ExpiryQueues::default();
        self.expiry.invalidate();
        let mut bad = 0;
        for (detector, key, state) in rows {
            let ok = match detector.as_str() {
                SOURCES => serde_json::from_str::<RowIn>(&state)
                    .ok()
                    .and_then(|r| r.source(&mut self.arena))
                    .map(|sw| self.sources.restore(key.clone(), sw))
                    .is_some(),
                USERS => serde_json::from_str::<RowIn>(&state)
                    .ok()
                    .and_then(|r| r.user(&mut self.arena))
                    .map(|w| self.users.restore(key.clone(), w))
                    .is_some(),
                CLOCK => serde_json::from_str::<SavedClock>(&state)
                    .map(|c| {
                        self.now = c.now;
                        self.seen = c.seen;
                        self.saved_seen = c.seen;
                    })
                    .is_ok(),
                _ => true,
            };
            if !ok {
                bad += 1;
                tracing::warn!(detector = %detector, "skipping a saved detector window that does not decode");
            }
        }
        bad
    }
}
