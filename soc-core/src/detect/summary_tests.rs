//! Tests of [`super`]: the summary of records agrees with the summary
//! of events, tops cut at ties, hours and host-name sources.

use super::*;
use crate::model::Origin;
use crate::parse::ssh::{SshOptions, SshParser};

/// The fast path counts exactly what the event path counts.
#[test]
fn add_record_agrees_with_add_on_the_sample_log() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/auth.log");
    let text = std::fs::read_to_string(path).unwrap();
    let opts = SshOptions {
        year: Some(2026),
        ..Default::default()
    };
    let (mut by_event, mut by_record) = (SshSummary::default(), SshSummary::default());
    let (mut p1, mut p2) = (SshParser::new(opts.clone()), SshParser::new(opts));
    for (i, line) in text.lines().enumerate() {
        let origin = Origin {
            file: String::new(),
            line: i as u64 + 1,
        };
        if let Some(e) = p1.parse_line(line, origin) {
            by_event.add(&e);
        }
        if let Some(r) = p2.parse_ref(line) {
            by_record.add_record(&r);
        }
    }
    assert!(by_event.failures > 10 && by_event.accepted > 0);
    assert_eq!(
        serde_json::to_value(&by_event).unwrap(),
        serde_json::to_value(&by_record).unwrap()
    );
    assert_eq!(by_event.top_sources(50), by_record.top_sources(50));
    assert_eq!(by_event.top_users(50), by_record.top_users(50));
    assert_eq!(by_event.distinct_sources(), by_record.distinct_sources());
}

/// Failures of an hour that comes back later (a log out of order, two
/// files) add up with its earlier ones.
#[test]
fn hours_add_up_out_of_order() {
    let mut s = SshSummary::default();
    for t in [
        "2026-03-01T10:05:00Z",
        "2026-03-01T11:00:00Z",
        "2026-03-01T10:59:59Z",
        "2026-03-01T10:00:00Z",
    ] {
        let mut e = Event::new("ssh", "ssh.failed_auth");
        e.attempt = Some(Attempt::Failure);
        e.time = Some(t.parse().unwrap());
        s.add(&e);
    }
    let hours: Vec<(String, u64)> = s.failures_per_hour().into_iter().collect();
    assert_eq!(
        hours,
        [
            ("2026-03-01T10".to_string(), 3),
            ("2026-03-01T11".to_string(), 1)
        ]
    );
}

/// Only the counts at the top are read as texts: ties at the cut
/// still go by name, addresses of both families count apart.
#[test]
fn tops_cut_at_ties_by_name() {
    let mut s = SshSummary::default();
    for (user, src) in [
        ("d", "2001:db8::1"),
        ("c", "::ffff:192.0.2.1"),
        ("a", "192.0.2.1"),
        ("b", "2001:db8::1"),
        ("a", "192.0.2.1"),
        ("e", "192.0.2.9"),
        ("c", "2001:db8::1"),
        ("b", "192.0.2.1"),
        ("a", "192.0.2.9"),
        ("d", "::ffff:192.0.2.1"),
    ] {
        let mut e = Event::new("ssh", "ssh.failed_auth");
        e.attempt = Some(Attempt::Failure);
        e.user = Some(user.into());
        e.src_ip = Some(src.parse().unwrap());
        s.add(&e);
    }
    let users = |n| -> Vec<String> { s.top_users(n).into_iter().map(|p| p.0).collect() };
    assert_eq!(users(0), Vec::<String>::new());
    assert_eq!(users(2), ["a", "b"]);
    assert_eq!(users(3), ["a", "b", "c"]);
    assert_eq!(users(9), ["a", "b", "c", "d", "e"]);
    assert_eq!(s.distinct_sources(), 4);
    assert_eq!(
        s.top_sources(4),
        [
            ("192.0.2.1".to_string(), 3),
            ("2001:db8::1".to_string(), 3),
            ("192.0.2.9".to_string(), 2),
            ("::ffff:192.0.2.1".to_string(), 2)
        ]
    );
}

#[test]
fn host_name_sources_count_beside_addresses() {
    let mut s = SshSummary::default();
    for src in ["198.51.100.1", "198.51.100.1", "attacker.example"] {
        let mut e = Event::new("ssh", "ssh.failed_auth");
        e.outcome = EventOutcome::Failure;
        e.attempt = Some(Attempt::Failure);
        match src.parse() {
            Ok(ip) => e.src_ip = Some(ip),
            Err(_) => e.src_host = Some(src.into()),
        }
        s.add(&e);
    }
    assert_eq!(s.distinct_sources(), 2);
    assert_eq!(
        s.top_sources(5),
        vec![
            ("198.51.100.1".to_string(), 2),
            ("attacker.example".to_string(), 1)
        ]
    );
}

/// The hour of a failure, from the day before or not, is its timestamp's
/// hour, on days before the epoch too.
#[test]
fn hours_of_failures_are_their_timestamps_hours() {
    let mut s = SshSummary::default();
    for t in [
        "2026-03-01T10:05:00Z",
        "2026-03-01T23:59:60Z",
        "2026-03-02T00:00:00Z",
        "2026-03-01T01:00:00Z",
        "1969-12-31T22:30:00Z",
        "1969-12-31T00:00:00Z",
        "1900-02-28T13:00:00Z",
    ] {
        let t: DateTime<Utc> = t.parse().unwrap();
        assert_eq!(s.hour_of(t), t.timestamp().div_euclid(3600), "{t}");
    }
}
