//! Syslog dialects (a fixture each under `fixtures/ssh/dialects/`) and
//! probe kinds (a fixture each under `fixtures/ssh/probes/`).

mod support;

use soc_core::model::{Attempt, Event, Origin};
use soc_core::parse::ssh::{SshOptions, SshParser};

fn read(dir: &str, name: &str) -> Vec<Option<Event>> {
    let p = format!(
        "{}/tests/fixtures/ssh/{dir}/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"));
    let mut parser = SshParser::new(SshOptions {
        year: Some(2026),
        ..Default::default()
    });
    support::parse_each_line(&mut parser, name, &text)
}

/// (fixture, events expected per line: kind or None for a skipped line)
const DIALECTS: &[(&str, &[Option<&str>])] = &[
    ("facility_before_program.log", &[Some("ssh.failed_auth")]),
    ("facility_instead_of_host.log", &[Some("ssh.failed_auth")]),
    (
        "facility_without_program.log",
        &[Some("ssh.invalid_user"), None],
    ),
    (
        "pri_after_timestamp.log",
        &[Some("ssh.failed_auth"), Some("ssh.failed_auth")],
    ),
    ("pid_without_colon.log", &[Some("ssh.max_auth_attempts")]),
    ("multilog_tai64n.log", &[Some("ssh.invalid_user"), None]),
    ("tai64nlocal.log", &[Some("ssh.invalid_user")]),
    ("iso_fraction_digits.log", &[Some("ssh.failed_auth"); 11]),
    ("sshd_auth_program.log", &[Some("ssh.failed_auth")]),
];

#[test]
fn every_dialect_gives_the_sshd_event() {
    let t0: chrono::DateTime<chrono::Utc> = "2026-03-03T10:00:00Z".parse().unwrap();
    for (name, want) in DIALECTS {
        let got = read("dialects", name);
        assert_eq!(got.len(), want.len(), "{name}");
        for (i, (e, k)) in got.iter().zip(want.iter()).enumerate() {
            let ctx = format!("{name}:{}", i + 1);
            match (e, k) {
                (None, None) => {}
                (Some(e), Some(k)) => {
                    assert_eq!(e.kind, *k, "{ctx}");
                    assert_eq!(e.src_ip, Some("203.0.113.9".parse().unwrap()), "{ctx}");
                    assert_eq!(e.src_port, Some(4242), "{ctx}");
                    assert_eq!(e.attempt, Some(Attempt::Failure), "{ctx}");
                    let t = e.time.unwrap_or_else(|| panic!("{ctx}: no time"));
                    let off = (t - t0).num_milliseconds();
                    assert!((0..1000).contains(&off), "{ctx}: time {t}");
                }
                (e, k) => panic!("{ctx}: want {k:?}, got {:?}", e.as_ref().map(|e| &e.kind)),
            }
        }
    }
}

#[test]
fn dialect_details() {
    let e = read("dialects", "facility_before_program.log")[0]
        .clone()
        .unwrap();
    assert_eq!(e.host.as_deref(), Some("web01"));
    let e = read("dialects", "facility_instead_of_host.log")[0]
        .clone()
        .unwrap();
    assert_eq!(e.host, None);
    let e = read("dialects", "multilog_tai64n.log")[0].clone().unwrap();
    assert_eq!(e.time.unwrap().timestamp_subsec_nanos(), 500);
    let fr = read("dialects", "iso_fraction_digits.log");
    let nanos: Vec<u32> = fr
        .iter()
        .map(|e| e.as_ref().unwrap().time.unwrap().timestamp_subsec_nanos())
        .collect();
    assert_eq!(
        nanos,
        [
            0,
            100_000_000,
            120_000_000,
            123_000_000,
            123_400_000,
            123_450_000,
            123_456_000,
            123_456_700,
            123_456_780,
            123_456_789,
            123_456_789
        ]
    );
}

/// A line without a program name is accepted only for a known sshd
/// message; everything else stays skipped.
#[test]
fn program_less_lines_need_a_known_sshd_message() {
    let mut p = SshParser::new(SshOptions {
        year: Some(2026),
        ..Default::default()
    });
    let o = || Origin {
        file: "t".into(),
        line: 1,
    };
    for skipped in [
        "2026-03-03T10:00:00.1 auth.info: Accepted connection from 1.2.3.4",
        "2026-03-03T10:00:00.1 auth.info: Server listening on 0.0.0.0 port 22.",
        "@4000000069a6b12a000001f4 cron: job started",
        "2026-03-03 10:00:00.000000500 sudo: pam_unix(sudo:session): session opened",
    ] {
        assert!(p.parse_line(skipped, o()).is_none(), "{skipped}");
    }
}

/// (fixture, class of each line in order)
const PROBES: &[(&str, &[Option<Attempt>])] = &[
    ("no_identification.log", &[Some(Attempt::Probe)]),
    ("bad_protocol_version.log", &[Some(Attempt::Probe)]),
    (
        "kex_exchange_identification.log",
        &[None, Some(Attempt::Probe)],
    ),
    ("banner_exchange.log", &[None, Some(Attempt::Probe)]),
    ("unable_to_negotiate.log", &[Some(Attempt::Probe)]),
    ("dispatch_run_fatal.log", &[Some(Attempt::Probe)]),
    ("auth_timeout.log", &[Some(Attempt::Probe)]),
    ("closed_preauth.log", &[Some(Attempt::Probe)]),
    (
        "received_disconnect_preauth.log",
        &[Some(Attempt::Probe), None],
    ),
    ("maxstartups_drop.log", &[Some(Attempt::Probe)]),
    ("penalty_drop.log", &[Some(Attempt::Probe)]),
    ("tcpwrappers_refused.log", &[Some(Attempt::Probe)]),
];

/// Each probe kind is one probe from its source (one per connection), and
/// never a failure.
#[test]
fn every_probe_kind_counts_once() {
    for (name, want) in PROBES {
        let got: Vec<Option<Attempt>> = read("probes", name)
            .into_iter()
            .map(|e| {
                e.unwrap_or_else(|| panic!("{name}: a line gave no event"))
                    .attempt
            })
            .collect();
        assert_eq!(&got, want, "{name}");
        let ev = read("probes", name);
        let probe = ev
            .iter()
            .flatten()
            .find(|e| e.attempt == Some(Attempt::Probe))
            .unwrap();
        assert_eq!(
            probe.src_ip,
            Some("198.51.100.50".parse().unwrap()),
            "{name}"
        );
    }
}
