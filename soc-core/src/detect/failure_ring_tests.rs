//! The ring's rules against four separate windows fed the same failures.

use super::*;
use crate::detect::saved_window::{EventTable, SavedWindow};
use crate::detect::stamp::Span;
use crate::detect::window::{cutoff, Windowed};

/// A pseudo-random stream of `(time, user)` failures: bursts, quiet
/// spells, lines out of order and empty users.
fn failures(n: usize, seed: u64) -> Vec<(Stamp, String)> {
    let mut next = crate::detect::test_rng::seeded(seed);
    let mut t = 1_700_000_000i64;
    (0..n)
        .map(|_| {
            t += match next(100) {
                0..=2 => 300 * next(200) as i64,
                3 => -(next(900) as i64),
                _ => next(40) as i64,
            };
            let user = match next(10) {
                0 => String::new(),
                _ => format!("u{}", next(12)),
            };
            let at = chrono::DateTime::from_timestamp(t, 0).map(Stamp::of);
            (at.unwrap_or(Stamp::of(chrono::DateTime::UNIX_EPOCH)), user)
        })
        .collect()
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Every failure ends the same episodes, with the same evidence, and the
/// saved windows are the same, as with one `Windowed` per rule; a ring
/// restored from its saved windows goes on the same way.
#[test]
fn ring_rules_are_separate_windows() {
    let windows = [Span(600), Span(3 * 3600), Span(1800), Span(3600)];
    let thresholds = [5, 20, 4, u32::MAX];
    for seed in [1, 2, 3] {
        let mut ring = FailureRing::default();
        let mut alone: [Windowed; RULES] = Default::default();
        let mut now = None::<Stamp>;
        let evs = failures(3000, seed);
        for (i, (t, user)) in evs.iter().enumerate() {
            now = now.max(Some(*t));
            let n = now.unwrap_or(*t);
            let cuts = windows.map(|w| cutoff(n, w));
            let id = i as EvId;
            let p = Push {
                t: *t,
                cuts,
                thresholds,
                user,
                max_evidence: 3,
            };
            let mut ended = Vec::new();
            ring.push(&p, &mut || id, &mut ended);
            let mut got: [Option<Episode>; RULES] = Default::default();
            for (rule, ep) in ended {
                let r = [Rule::Brute, Rule::Slow, Rule::Spray]
                    .iter()
                    .position(|&x| x == rule)
                    .unwrap_or(3);
                got[r] = Some(ep);
            }
            for r in 0..RULES {
                let value = if r == SPRAY { user.as_str() } else { "" };
                let want = alone[r].push_cut(*t, cuts[r], value, &mut || id, thresholds[r], 3);
                let key = |e: &Option<Episode>| {
                    e.as_ref().map(|e| {
                        let mut d: Vec<String> = e.distinct.strings().collect();
                        d.sort();
                        format!(
                            "{:?} {:?} {} {d:?} {:?}",
                            e.first, e.last, e.count, e.events
                        )
                    })
                };
                assert_eq!(key(&got[r]), key(&want), "seed {seed} item {i} rule {r}");
                let mut a = EventTable::default();
                let mut b = EventTable::default();
                assert_eq!(
                    json(&ring.save(r, &mut a)),
                    json(&alone[r].save(&mut b)),
                    "seed {seed} item {i} rule {r}"
                );
            }
            if i % 997 == 0 {
                // Through the saved form and back.
                let mut table = EventTable::default();
                let saved = [0, 1, 2, 3].map(|r| {
                    let s = json(&ring.save(r, &mut table));
                    serde_json::from_str::<SavedWindow>(&s).unwrap_or_default()
                });
                ring = FailureRing::restore(saved, &table.events).expect("restores");
            }
        }
        assert!(ring.items.len() <= 4097, "{}", ring.items.len());
    }
}
