//! The clock rule of the detectors (#18): every expiry decision (closing
//! an episode, pruning a window's items) is taken against the detector
//! clock `now`, the running max of the event times seen, at a touch exactly
//! as in a sweep. Given the clock, a key's alerts depend on its own events
//! alone: not on when sweeps run, nor on which other keys' events are
//! interleaved with them. This is what lets `soc_core.spark.ssh_alerts`
//! run the detectors per partition (each holding some keys, each event
//! preceded by the global clock of its position) and still give the alerts
//! of one pass.
//!
//! The input is a small lake: several hosts' files covering the same days,
//! read in path order, so time goes back at every file boundary (and a few
//! lines come late within a file).

use std::collections::BTreeMap;
use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use soc_core::detect::{DetectConfig, DetectorSet};
use soc_core::model::{Alert, Attempt, Event, EventOutcome};

const DISTRIBUTED: &str = "ssh.distributed_attack";

/// A small deterministic generator (no dependency, same stream everywhere).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn t0() -> DateTime<Utc> {
    "2026-11-20T00:00:00Z".parse().unwrap()
}

/// Sources with their detector key (the IPv6 ones share a /64, so they are
/// one source for the detectors).
const SOURCES: [(&str, &str); 8] = [
    ("203.0.113.1", "203.0.113.1"),
    ("203.0.113.2", "203.0.113.2"),
    ("198.51.100.7", "198.51.100.7"),
    ("198.51.100.8", "198.51.100.8"),
    ("192.0.2.33", "192.0.2.33"),
    ("192.0.2.34", "192.0.2.34"),
    ("2001:db8:5:1::10", "2001:db8:5:1::/64"),
    ("2001:db8:5:1::99", "2001:db8:5:1::/64"),
];

const USERS: [&str; 10] = [
    "root", "admin", "oracle", "test", "ubuntu", "git", "pi", "guest", "alice", "deploy",
];

fn event(time: Option<DateTime<Utc>>, src: Option<&str>, user: Option<&str>, class: u64) -> Event {
    let mut e = Event::new("ssh", "ssh.failed_auth");
    e.time = time;
    e.src_ip = src.map(|s| s.parse::<IpAddr>().unwrap());
    e.user = user.map(str::to_string);
    e.host = Some("web".into());
    match class {
        0 => {
            e.attempt = Some(Attempt::Failure);
            e.outcome = EventOutcome::Failure;
        }
        1 => {
            e.kind = "ssh.probe".into();
            e.attempt = Some(Attempt::Probe);
        }
        2 => {
            e.kind = "ssh.login".into();
            e.attempt = Some(Attempt::Success);
            e.outcome = EventOutcome::Success;
        }
        _ => e.kind = "ssh.session_closed".into(),
    }
    e
}

/// One host's file: bursts of failures (one user or many), probes,
/// successes and other lines over two days, in time order but for a few
/// late lines.
fn host_file(rng: &mut Lcg) -> Vec<Event> {
    let mut rows: Vec<(i64, Event)> = Vec::new();
    for _ in 0..40 {
        let (src, _) = SOURCES[rng.below(SOURCES.len() as u64) as usize];
        let start = rng.below(2 * 86_400) as i64;
        let slow = rng.below(3) == 0;
        let step = 1 + rng.below(if slow { 3_000 } else { 90 }) as i64;
        let spray = rng.below(4) == 0;
        let class = match rng.below(10) {
            0 => 1,
            _ => 0,
        };
        for i in 0..(2 + rng.below(12)) as i64 {
            let s = start + i * step;
            let user = if spray {
                USERS[rng.below(USERS.len() as u64) as usize]
            } else {
                USERS[(start % 3) as usize]
            };
            rows.push((
                s,
                event(
                    Some(t0() + Duration::seconds(s)),
                    Some(src),
                    Some(user),
                    class,
                ),
            ));
        }
        if rng.below(3) == 0 {
            let s = start + 12 * step;
            let user = USERS[(start % 3) as usize];
            rows.push((
                s,
                event(Some(t0() + Duration::seconds(s)), Some(src), Some(user), 2),
            ));
        }
    }
    for _ in 0..60 {
        let s = rng.below(2 * 86_400) as i64;
        rows.push((s, event(Some(t0() + Duration::seconds(s)), None, None, 3)));
    }
    rows.sort_by_key(|r| r.0);
    // A few lines written late (an hour behind their neighbours).
    for row in &mut rows {
        if rng.below(40) == 0 {
            let late = row.0 - 3_600;
            row.1.time = Some(t0() + Duration::seconds(late.max(0)));
        }
    }
    rows.push((0, event(None, Some(SOURCES[0].0), Some("root"), 0)));
    rows.into_iter().map(|r| r.1).collect()
}

/// The lake: `hosts` files over the same two days, in path order.
fn lake(seed: u64, hosts: usize) -> Vec<Event> {
    let mut rng = Lcg(seed);
    (0..hosts).flat_map(|_| host_file(&mut rng)).collect()
}

/// The detector clock at each event: the running max of the event times
/// up to it (`None` before the first time).
fn clocks(events: &[Event]) -> Vec<Option<DateTime<Utc>>> {
    let mut now: Option<DateTime<Utc>> = None;
    events
        .iter()
        .map(|e| {
            now = now.max(e.time);
            now
        })
        .collect()
}

/// The alerts as their sorted JSON rows (every field: id, counts, first
/// and last seen, evidence). A multiset, not a map by id: in a lake whose
/// time goes back, two episodes of one key can start at the same second
/// (and so share an id); both must be there.
fn rows(alerts: &[Alert]) -> Vec<String> {
    let mut rows: Vec<String> = alerts
        .iter()
        .map(|a| serde_json::to_string(a).unwrap())
        .collect();
    rows.sort();
    rows
}

fn one_pass(events: &[Event]) -> Vec<Alert> {
    let mut d = DetectorSet::new(DetectConfig::default());
    let mut out: Vec<Alert> = events.iter().flat_map(|e| d.observe(e)).collect();
    out.extend(d.finish());
    out
}

fn source_key(e: &Event) -> Option<&'static str> {
    let ip = e.src_ip?;
    SOURCES
        .iter()
        .find(|s| s.0.parse::<IpAddr>().ok() == Some(ip))
        .map(|s| s.1)
}

/// One `DetectorSet` per key, fed only that key's events in stream order,
/// each preceded by `observe_time(global clock)`: by source (all but the
/// distributed attack) and by user of a failed attempt with a source (the
/// distributed attack), as `ssh_alerts` partitions them.
fn per_key(events: &[Event]) -> Vec<Alert> {
    let clock = clocks(events);
    let mut shards: BTreeMap<(bool, String), Vec<usize>> = BTreeMap::new();
    for (i, e) in events.iter().enumerate() {
        if let Some(k) = source_key(e) {
            shards.entry((false, k.to_string())).or_default().push(i);
            let failure = e.attempt == Some(Attempt::Failure);
            if let (true, Some(u)) = (failure, e.user.as_deref()) {
                shards.entry((true, u.to_string())).or_default().push(i);
            }
        }
    }
    let mut out = Vec::new();
    for ((by_user, _), ix) in shards {
        let mut d = DetectorSet::new(DetectConfig::default());
        let mut alerts = Vec::new();
        for i in ix {
            alerts.extend(d.observe_time(clock[i]));
            alerts.extend(d.observe(&events[i]));
        }
        alerts.extend(d.finish());
        out.extend(
            alerts
                .into_iter()
                .filter(|a| (a.kind == DISTRIBUTED) == by_user),
        );
    }
    out
}

#[test]
fn the_lake_goes_back_in_time_and_has_every_kind_of_alert() {
    let events = lake(1, 3);
    let backwards = events
        .windows(2)
        .filter(|w| matches!((w[0].time, w[1].time), (Some(a), Some(b)) if b < a))
        .count();
    assert!(backwards >= 2, "time goes back at the file boundaries");
    let kinds: std::collections::BTreeSet<String> = (1..=6)
        .flat_map(|s| one_pass(&lake(s, 3)))
        .map(|a| a.kind)
        .collect();
    for k in [
        "ssh.brute_force",
        "ssh.password_spraying",
        DISTRIBUTED,
        "ssh.success_after_failures",
        "ssh.scan",
    ] {
        assert!(kinds.contains(k), "{k} in {kinds:?}");
    }
}

#[test]
fn detectors_per_key_fed_the_global_clock_give_the_alerts_of_one_pass() {
    for seed in 1..=12 {
        let events = lake(seed, 3);
        let one = rows(&one_pass(&events));
        assert!(one.len() >= 5, "seed {seed}: {} alerts", one.len());
        assert_eq!(rows(&per_key(&events)), one, "seed {seed}");
    }
}

#[test]
fn sweeps_at_other_moments_give_the_same_alerts() {
    // `observe_time(None)` moves no clock but counts as an event, so 1,023
    // of them force a sweep right there (sweeps run every 1,024 events).
    for seed in 1..=12 {
        let events = lake(seed, 3);
        let one = rows(&one_pass(&events));
        for every in [1usize, 7, 50, 333] {
            let mut d = DetectorSet::new(DetectConfig::default());
            let mut out = Vec::new();
            for (i, e) in events.iter().enumerate() {
                if i % every == 0 {
                    for _ in 0..1023 {
                        out.extend(d.observe_time(None));
                    }
                }
                out.extend(d.observe(e));
            }
            out.extend(d.finish());
            assert_eq!(rows(&out), one, "seed {seed}, sweep every {every}");
        }
    }
}

fn fail(secs: i64, src: &str) -> Event {
    event(
        Some(t0() + Duration::seconds(secs)),
        Some(src),
        Some("root"),
        0,
    )
}

fn brute_counts(alerts: &[Alert]) -> Vec<u64> {
    alerts
        .iter()
        .filter(|a| a.kind == "ssh.brute_force")
        .map(|a| a.count)
        .collect()
}

#[test]
fn an_episode_ends_by_the_clock_even_for_a_late_line() {
    // Five failures open an episode; another host's line moves the clock an
    // hour on; a late failure of the same source (10 minutes after the
    // episode's last) comes after it. By the clock the episode had ended
    // (no evidence for a whole window): one alert of 5, not one of 6, with
    // or without a sweep in between.
    let mut events: Vec<Event> = (0..5).map(|i| fail(i, "203.0.113.1")).collect();
    events.push(event(Some(t0() + Duration::hours(1)), None, None, 3));
    events.push(fail(604, "203.0.113.1"));
    let alerts = one_pass(&events);
    assert_eq!(brute_counts(&alerts), vec![5]);
    let bf = alerts.iter().find(|a| a.kind == "ssh.brute_force").unwrap();
    assert_eq!(bf.last_seen, Some(t0() + Duration::seconds(4)));
}

#[test]
fn a_window_prunes_by_the_clock_even_for_a_late_line() {
    // Four failures, the clock an hour on, then a fifth failure written 100
    // s after the first: by its own time it would make five within 10
    // minutes, but by the clock the first four are older than the window.
    let mut events: Vec<Event> = (0..4).map(|i| fail(i, "198.51.100.7")).collect();
    events.push(event(Some(t0() + Duration::hours(1)), None, None, 3));
    events.push(fail(100, "198.51.100.7"));
    assert_eq!(brute_counts(&one_pass(&events)), Vec::<u64>::new());
}

#[test]
fn success_after_failures_counts_failures_by_the_clock() {
    // Five failures, the clock two hours on, then a success written a
    // minute after them: the failures are older than the success window
    // (an hour) by the clock, so no success-after-failures.
    let mut events: Vec<Event> = (0..5).map(|i| fail(i, "192.0.2.33")).collect();
    events.push(event(Some(t0() + Duration::hours(2)), None, None, 3));
    events.push(event(
        Some(t0() + Duration::seconds(60)),
        Some("192.0.2.33"),
        Some("root"),
        2,
    ));
    let alerts = one_pass(&events);
    assert!(alerts
        .iter()
        .all(|a| a.kind != "ssh.success_after_failures"));
    // In time order the same lines do give it (the rule changes nothing there).
    let mut ordered = events.clone();
    ordered.sort_by_key(|e| e.time);
    let alerts = one_pass(&ordered);
    assert!(alerts
        .iter()
        .any(|a| a.kind == "ssh.success_after_failures"));
}
