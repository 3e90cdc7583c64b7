//! Detectors: thresholds, one alert per episode, stable ids, event time.

mod support;

use chrono::{DateTime, Duration, Utc};
use soc_core::detect::{DetectConfig, DetectorSet, SshSummary};
use soc_core::model::{Alert, Event, EventOutcome, Origin};
use soc_core::parse::lines::LineReader;
use soc_core::parse::ssh::{SshOptions, SshParser};

fn t0() -> DateTime<Utc> {
    "2026-11-21T02:00:00Z".parse().unwrap()
}

fn fail(src: &str, user: &str, secs: i64) -> Event {
    support::failed_attempt(src, user, t0() + Duration::seconds(secs))
}

fn run(cfg: DetectConfig, events: &[Event]) -> Vec<Alert> {
    let mut d = DetectorSet::new(cfg);
    let mut out: Vec<Alert> = events.iter().flat_map(|e| d.observe(e)).collect();
    out.extend(d.finish());
    out
}

fn kinds(a: &[Alert], k: &str) -> usize {
    a.iter().filter(|x| x.kind == k).count()
}

#[test]
fn brute_force_threshold_and_one_alert_per_episode() {
    // 4 failures: below the default 5.
    let ev: Vec<Event> = (0..4)
        .map(|i| fail("198.51.100.1", "root", i * 30))
        .collect();
    assert_eq!(
        kinds(&run(DetectConfig::default(), &ev), "ssh.brute_force"),
        0
    );
    // 50 failures in one burst: one alert with the full count and bounded evidence.
    let ev: Vec<Event> = (0..50)
        .map(|i| fail("198.51.100.1", "root", i * 5))
        .collect();
    let a = run(DetectConfig::default(), &ev);
    let bf: Vec<&Alert> = a.iter().filter(|x| x.kind == "ssh.brute_force").collect();
    assert_eq!(bf.len(), 1);
    assert_eq!(bf[0].count, 50);
    assert_eq!(bf[0].events.len(), 20);
    assert_eq!(bf[0].first_seen, Some(t0()));
    assert_eq!(bf[0].last_seen, Some(t0() + Duration::seconds(245)));
    assert_eq!(bf[0].attack[0].technique_id, "T1110.001");
    assert_eq!(bf[0].user.as_deref(), Some("root"));
    // Two bursts a day apart: two episodes, two ids.
    let mut ev: Vec<Event> = (0..6).map(|i| fail("198.51.100.1", "root", i)).collect();
    ev.extend((0..6).map(|i| fail("198.51.100.1", "root", 86_400 + i)));
    let a = run(DetectConfig::default(), &ev);
    let ids: Vec<&str> = a
        .iter()
        .filter(|x| x.kind == "ssh.brute_force")
        .map(|x| x.id.as_str())
        .collect();
    assert_eq!(ids.len(), 2);
    assert_ne!(ids[0], ids[1]);
}

#[test]
fn spread_out_failures_are_slow_not_fast() {
    let ev: Vec<Event> = (0..25)
        .map(|i| fail("192.0.2.77", "root", i * 540))
        .collect();
    let a = run(DetectConfig::default(), &ev);
    assert_eq!(kinds(&a, "ssh.brute_force"), 0);
    assert_eq!(kinds(&a, "ssh.slow_brute_force"), 1);
}

#[test]
fn spraying_and_distributed() {
    let ev: Vec<Event> = (0..10)
        .map(|i| fail("198.51.100.23", &format!("user{i}"), i * 60))
        .collect();
    let a = run(
        DetectConfig {
            brute_force_threshold: 100,
            ..Default::default()
        },
        &ev,
    );
    let sp: Vec<&Alert> = a
        .iter()
        .filter(|x| x.kind == "ssh.password_spraying")
        .collect();
    assert_eq!(sp.len(), 1);
    assert_eq!(sp[0].attack[0].technique_id, "T1110.003");
    assert_eq!(sp[0].fields["users"].as_array().unwrap().len(), 10);

    let ev: Vec<Event> = (0..6)
        .map(|i| fail(&format!("203.0.113.{i}"), "admin", i * 60))
        .collect();
    let a = run(DetectConfig::default(), &ev);
    let d: Vec<&Alert> = a
        .iter()
        .filter(|x| x.kind == "ssh.distributed_attack")
        .collect();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].user.as_deref(), Some("admin"));
    assert_eq!(kinds(&a, "ssh.brute_force"), 0);
}

#[test]
fn success_after_failures() {
    let mut ev: Vec<Event> = (0..6)
        .map(|i| fail("203.0.113.200", "deploy", i * 10))
        .collect();
    let mut ok = Event::new("ssh", "ssh.accepted");
    ok.time = Some(t0() + Duration::seconds(70));
    ok.src_ip = Some("203.0.113.200".parse().unwrap());
    ok.user = Some("deploy".into());
    ok.outcome = EventOutcome::Success;
    ev.push(ok.clone());
    let mut d = DetectorSet::new(DetectConfig::default());
    let mut immediate = Vec::new();
    for e in &ev {
        immediate.extend(d.observe(e));
    }
    // Emitted at once, not only at finish.
    let s: Vec<&Alert> = immediate
        .iter()
        .filter(|x| x.kind == "ssh.success_after_failures")
        .collect();
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].attack[0].technique_id, "T1078");
    assert_eq!(s[0].fields["failures"], 6);
    // Fewer failures than the threshold: nothing.
    let mut ev: Vec<Event> = (0..2).map(|i| fail("203.0.113.201", "carol", i)).collect();
    ok.src_ip = Some("203.0.113.201".parse().unwrap());
    ev.push(ok);
    assert_eq!(
        kinds(
            &run(DetectConfig::default(), &ev),
            "ssh.success_after_failures"
        ),
        0
    );
}

fn sample_alerts() -> Vec<Alert> {
    sample_alerts_with(false)
}

/// Alerts of the sample log, feeding events by reference or by value.
fn sample_alerts_with(owned: bool) -> Vec<Alert> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/data/auth.log");
    let mut p = SshParser::new(SshOptions {
        year: Some(2026),
        ..Default::default()
    });
    let mut d = DetectorSet::new(DetectConfig::default());
    let mut out = Vec::new();
    for (no, l) in LineReader::open(path).unwrap() {
        if let Some(e) = p.parse_line(
            &l.unwrap(),
            Origin {
                file: "auth.log".into(),
                line: no,
            },
        ) {
            out.extend(if owned {
                d.observe_owned(e)
            } else {
                d.observe(&e)
            });
        }
    }
    out.extend(d.finish());
    out
}

/// The pipeline hands events over by value; the alerts, counts and
/// evidence must be exactly those of `observe`.
#[test]
fn observe_owned_gives_the_same_alerts_as_observe() {
    let by_ref = sample_alerts_with(false);
    let by_value = sample_alerts_with(true);
    assert!(by_ref.len() >= 5);
    assert!(by_ref.iter().all(|a| !a.events.is_empty()));
    assert_eq!(by_ref, by_value);
}

#[test]
fn sample_log_alerts_are_stable_across_runs() {
    let a = sample_alerts();
    let b = sample_alerts();
    let ids = |v: &[Alert]| {
        let mut x: Vec<String> = v.iter().map(|a| format!("{} {}", a.kind, a.id)).collect();
        x.sort();
        x
    };
    assert_eq!(ids(&a), ids(&b));
    let src = |k: &str| -> Vec<String> {
        a.iter()
            .filter(|x| x.kind == k)
            .filter_map(|x| x.src_ip.map(|i| i.to_string()))
            .collect()
    };
    assert!(src("ssh.brute_force").contains(&"203.0.113.45".to_string()));
    assert!(src("ssh.brute_force").contains(&"2001:db8:dead:beef::66".to_string()));
    assert_eq!(src("ssh.password_spraying"), vec!["198.51.100.23"]);
    assert_eq!(src("ssh.slow_brute_force"), vec!["192.0.2.77"]);
    assert_eq!(src("ssh.success_after_failures"), vec!["203.0.113.200"]);
}

#[test]
fn events_without_time_or_source_do_not_alert() {
    let mut e = Event::new("ssh", "ssh.failed_auth");
    e.outcome = EventOutcome::Failure;
    let a = run(DetectConfig::default(), &vec![e; 50]);
    assert!(a.is_empty());
}

#[test]
fn summary_counts() {
    let mut s = SshSummary::default();
    for i in 0..3 {
        s.add(&fail("198.51.100.1", "root", i));
    }
    s.add(&fail("198.51.100.2", "admin", 3600));
    assert_eq!(s.failures, 4);
    assert_eq!(s.top_sources(1), vec![("198.51.100.1".to_string(), 3)]);
    assert_eq!(s.top_users(5)[1], ("admin".to_string(), 1));
    assert_eq!(s.failures_per_hour().len(), 2);
    assert_eq!(s.by_kind()["ssh.failed_auth"], 4);
}

#[test]
fn config_is_strict_toml() {
    let c: DetectConfig = toml::from_str("brute_force_threshold = 3").unwrap();
    assert_eq!(c.brute_force_threshold, 3);
    assert_eq!(c.brute_force_window_secs, 600);
    assert!(toml::from_str::<DetectConfig>("bogus = 1").is_err());
}
