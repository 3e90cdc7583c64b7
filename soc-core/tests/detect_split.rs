//! Detection does not forget between runs (#14 item 2): the detectors'
//! windows are saved as state rows and restored by the next run, so any
//! split of a log into runs gives the alerts of one pass (same ids, counts,
//! first and last seen, evidence), and the state stays bounded (#14 item 9).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use soc_core::detect::{DetectConfig, DetectorSet};
use soc_core::model::{Alert, Event, EventOutcome, Origin};
use soc_core::parse::lines::LineReader;
use soc_core::parse::ssh::{SshOptions, SshParser};

/// What must agree between one pass and split runs, per alert id.
type Summary = BTreeMap<
    String,
    (
        String,
        u64,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        usize,
    ),
>;

/// The final state of each alert id (a later emission of an id replaces
/// the earlier one, as the store's upsert does).
fn summarize(alerts: &[Alert]) -> Summary {
    alerts
        .iter()
        .map(|a| {
            (
                a.id.clone(),
                (
                    a.kind.clone(),
                    a.count,
                    a.first_seen,
                    a.last_seen,
                    a.events.len(),
                ),
            )
        })
        .collect()
}

/// The state store's detector table, simulated: upserts and deletions.
type Saved = BTreeMap<(String, String), String>;

fn save(d: &mut DetectorSet, saved: &mut Saved) {
    for c in d.take_changes() {
        let k = (c.detector, c.key);
        match c.state {
            Some(s) => saved.insert(k, s),
            None => saved.remove(&k),
        };
    }
}

fn one_pass(cfg: &DetectConfig, events: &[Event]) -> Vec<Alert> {
    let mut d = DetectorSet::new(cfg.clone());
    let mut out: Vec<Alert> = events.iter().flat_map(|e| d.observe(e)).collect();
    out.extend(d.finish());
    out
}

/// Runs `events` as separate runs cut at `cuts` (sorted indexes): each run
/// is a new `DetectorSet` restored from the previous run's saved rows, and
/// flushes its open episodes at its end like `soc run --once`.
fn split_runs(cfg: &DetectConfig, events: &[Event], cuts: &[usize]) -> Vec<Alert> {
    let mut saved = Saved::new();
    let mut out = Vec::new();
    let mut bounds = vec![0];
    bounds.extend(cuts.iter().copied());
    bounds.push(events.len());
    for w in bounds.windows(2) {
        let mut d = DetectorSet::new(cfg.clone());
        let rows = saved
            .iter()
            .map(|((a, b), s)| (a.clone(), b.clone(), s.clone()));
        assert_eq!(d.restore(rows), 0, "every saved row decodes");
        for e in &events[w[0]..w[1]] {
            out.extend(d.observe(e));
        }
        out.extend(d.flush());
        save(&mut d, &mut saved);
    }
    out
}

fn sample_events() -> Vec<Event> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/data/auth.log");
    let mut p = SshParser::new(SshOptions {
        year: Some(2026),
        ..Default::default()
    });
    let mut v = Vec::new();
    for (no, l) in LineReader::open(path).unwrap() {
        let origin = Origin {
            file: "auth.log".into(),
            line: no,
        };
        v.extend(p.parse_line(&l.unwrap(), origin));
    }
    v
}

#[test]
fn every_split_of_the_sample_log_gives_the_one_pass_alerts() {
    let cfg = DetectConfig::default();
    let events = sample_events();
    let whole = summarize(&one_pass(&cfg, &events));
    assert!(whole.len() >= 5, "the sample log raises alerts: {whole:?}");
    for cut in 0..=events.len() {
        let split = summarize(&split_runs(&cfg, &events, &[cut]));
        assert_eq!(split, whole, "split after event {cut}");
    }
}

/// The issue's reproduction: cron runs of a few failures each.
#[test]
fn brute_force_and_success_after_failures_across_cron_runs() {
    let t0: DateTime<Utc> = "2026-11-21T02:00:00Z".parse().unwrap();
    let ev = |i: i64, ok: bool| {
        let mut e = Event::new(
            "ssh",
            if ok {
                "ssh.accepted"
            } else {
                "ssh.failed_auth"
            },
        );
        e.time = Some(t0 + Duration::seconds(i * 10));
        e.src_ip = Some("203.0.113.5".parse().unwrap());
        e.user = Some("root".into());
        if ok {
            e.outcome = EventOutcome::Success;
        } else {
            e.outcome = EventOutcome::Failure;
            e.fields.insert("attempt".into(), true.into());
        }
        e
    };
    // 8 failures in one run, the successful login in the next.
    let mut events: Vec<Event> = (0..8).map(|i| ev(i, false)).collect();
    events.push(ev(8, true));
    let alerts = split_runs(&DetectConfig::default(), &events, &[8]);
    assert!(alerts
        .iter()
        .any(|a| a.kind == "ssh.success_after_failures" && a.count == 9));
    // Five runs of 4 failures: one brute force of 20.
    let events: Vec<Event> = (0..20).map(|i| ev(i, false)).collect();
    let alerts = summarize(&split_runs(
        &DetectConfig::default(),
        &events,
        &[4, 8, 12, 16],
    ));
    let bf: Vec<_> = alerts
        .values()
        .filter(|a| a.0 == "ssh.brute_force")
        .collect();
    assert_eq!(bf.len(), 1);
    assert_eq!(bf[0].1, 20);
}

/// State rows as the detectors wrote them before the evidence arena and
/// integer window times (#16, 2026-12-07): the persisted format did not
/// change, so they load and the episode goes on (three saved failures of
/// a source, two more after the restart: one brute force of five, its
/// first evidence the saved event).
#[test]
fn state_rows_of_the_earlier_format_load() {
    let ev = r#"{"time":"2026-11-21T02:00:00Z","source":"ssh","kind":"ssh.failed_auth","src_ip":"203.0.113.45","user":"root","outcome":"failure","raw":"Failed password for root","fields":{"attempt":true}}"#;
    let times = r#"["2026-11-21T02:00:00Z","2026-11-21T02:00:01Z","2026-11-21T02:00:02Z"]"#;
    let w = format!(r#"{{"t":{times},"e":[0],"last":"2026-11-21T02:00:02Z"}}"#);
    let source = format!(r#"{{"ev":[{ev}],"w":[{w},{w},{w},{w},{{}}]}}"#);
    let rows = vec![
        ("ssh.source".to_string(), "203.0.113.45".to_string(), source),
        (
            "ssh.clock".to_string(),
            String::new(),
            r#"{"now":"2026-11-21T02:00:02Z","seen":3}"#.to_string(),
        ),
    ];
    let mut d = DetectorSet::new(DetectConfig::default());
    assert_eq!(d.restore(rows), 0, "every row decodes");
    assert_eq!(d.tracked_keys(), 1);
    let t0: DateTime<Utc> = "2026-11-21T02:00:00Z".parse().unwrap();
    for i in 3..5 {
        let mut e = Event::new("ssh", "ssh.failed_auth");
        e.time = Some(t0 + Duration::seconds(i));
        e.src_ip = Some("203.0.113.45".parse().unwrap());
        e.user = Some("root".into());
        e.outcome = EventOutcome::Failure;
        e.fields.insert("attempt".into(), true.into());
        d.observe(&e);
    }
    let alerts = d.finish();
    let bf: Vec<&Alert> = alerts
        .iter()
        .filter(|a| a.kind == "ssh.brute_force")
        .collect();
    assert_eq!(bf.len(), 1, "{alerts:?}");
    assert_eq!(bf[0].count, 5);
    assert_eq!(bf[0].first_seen, Some(t0));
    assert_eq!(
        bf[0].events.len(),
        3,
        "the saved event and the two new ones"
    );
    assert_eq!(bf[0].events[0].time, Some(t0));
}

/// A generated log: `n` events from a pool of sources (IPv4 and IPv6) and
/// users, seconds to minutes apart, some successes.
fn generated(seed: u64, n: usize) -> Vec<Event> {
    let t0: DateTime<Utc> = "2026-11-21T00:00:00Z".parse().unwrap();
    let mut x = seed | 1;
    let mut next = move || {
        // xorshift64: deterministic per seed.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut t = 0i64;
    (0..n)
        .map(|_| {
            t += (next() % 90) as i64;
            let s = next() % 40;
            let mut e = Event::new("ssh", "ssh.failed_auth");
            e.time = Some(t0 + Duration::seconds(t));
            e.src_ip = Some(if s % 5 == 0 {
                format!("2001:db8:{}::{}", s % 3, s).parse().unwrap()
            } else {
                format!("198.51.100.{s}").parse().unwrap()
            });
            e.user = Some(
                [
                    "root", "admin", "oracle", "git", "pi", "test", "deploy", "ubuntu", "x",
                ][(next() % 9) as usize]
                    .into(),
            );
            if next() % 25 == 0 {
                e.outcome = EventOutcome::Success;
            } else {
                e.outcome = EventOutcome::Failure;
                e.fields.insert("attempt".into(), true.into());
            }
            e
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Random cuts of a large generated log give the one-pass alerts.
    #[test]
    fn random_splits_of_a_generated_log_give_the_one_pass_alerts(
        seed in any::<u64>(),
        mut cuts in proptest::collection::vec(0usize..3000, 1..6),
    ) {
        let cfg = DetectConfig {
            slow_threshold: 12,
            ..Default::default()
        };
        let events = generated(seed, 3000);
        cuts.sort_unstable();
        let whole = summarize(&one_pass(&cfg, &events));
        prop_assert!(!whole.is_empty());
        prop_assert_eq!(summarize(&split_runs(&cfg, &events, &cuts)), whole);
    }
}

/// A save of hundreds of windows: each row under its own key, and a split
/// run still gives the one-pass alerts.
#[test]
fn a_large_save_keeps_every_row_with_its_key() {
    let t0: DateTime<Utc> = "2026-11-21T00:00:00Z".parse().unwrap();
    let mut events = Vec::new();
    for round in 0..6i64 {
        for s in 0..400u32 {
            let mut e = Event::new("ssh", "ssh.failed_auth");
            e.time = Some(t0 + Duration::seconds(round * 20 + i64::from(s % 7)));
            e.src_ip = Some(format!("10.{}.{}.7", s / 200, s % 200).parse().unwrap());
            e.user = Some(format!("u{}", s % 300));
            e.outcome = EventOutcome::Failure;
            e.fields.insert("attempt".into(), true.into());
            events.push(e);
        }
    }
    events.sort_by_key(|e| e.time);
    let cfg = DetectConfig::default();
    let mut d = DetectorSet::new(cfg.clone());
    for e in &events {
        d.observe(e);
    }
    let mut saved = Saved::new();
    save(&mut d, &mut saved);
    let sources: Vec<_> = saved.keys().filter(|(d, _)| d == "ssh.source").collect();
    assert_eq!(sources.len(), 400);
    for ((detector, key), state) in &saved {
        if detector == "ssh.source" || detector == "ssh.user" {
            let field = if detector == "ssh.source" {
                "src_ip"
            } else {
                "user"
            };
            let needle = format!("\"{field}\":\"{key}\"");
            assert!(state.contains(&needle), "row of {key} holds {needle}");
        }
    }
    let whole = summarize(&one_pass(&cfg, &events));
    assert!(!whole.is_empty());
    assert_eq!(summarize(&split_runs(&cfg, &events, &[1200])), whole);
}
