//! The attempt class of SSH events, counted per connection, and the alerts
//! it gives: one connection's lines count as the attempts it really made,
//! key-only guesses and scanners are seen, and no user name (attacker
//! text) changes the source an event is attributed to.

mod support;

use std::collections::BTreeMap;

use proptest::prelude::*;
use soc_core::detect::{DetectConfig, DetectorSet, SshSummary};
use soc_core::model::{Alert, Attempt, Event, Origin};
use soc_core::parse::ssh::{SshOptions, SshParser};

fn fixture(name: &str) -> String {
    let p = format!("{}/tests/fixtures/ssh/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn parser(stateful: bool) -> SshParser {
    SshParser::new(SshOptions {
        year: Some(2026),
        stateful,
        ..Default::default()
    })
}

fn events(text: &str) -> Vec<Event> {
    let mut p = parser(true);
    support::parse_each_line(&mut p, "t.log", text)
        .into_iter()
        .flatten()
        .collect()
}

fn alerts(evs: Vec<Event>) -> Vec<Alert> {
    let mut d = DetectorSet::new(DetectConfig::default());
    let mut out = Vec::new();
    for e in evs {
        out.extend(d.observe_owned(e));
    }
    out.extend(d.finish());
    out
}

/// Each line's class in `connections.log`: eight connections.
#[test]
fn one_connection_counts_the_attempts_it_made() {
    let evs = events(&fixture("connections.log"));
    let got: Vec<Option<&str>> = evs.iter().map(|e| e.attempt.map(|a| a.as_str())).collect();
    let (f, p, s) = (Some("failure"), Some("probe"), Some("success"));
    #[rustfmt::skip]
    let want = vec![
        // Invalid user + Failed password + Connection closed: one attempt
        f, None, None,
        // Invalid user + three Failed password + closed: three attempts
        f, None, f, f, None,
        // key-only server: a key refused, then closed [preauth]: one guess
        None, f,
        // PAM error + Failed keyboard-interactive, twice: two attempts
        f, None, f, None, None,
        // not allowed (no address) counts on the next line with one
        None, None, f,
        // a scanner: two lines, one probe, on the line with the address
        None, p,
        // a login and its session
        s, None, None, None, None,
        // Invalid user + Failed none (the method list) + two passwords
        f, None, None, f, None,
    ];
    assert_eq!(got, want);
    for e in &evs {
        assert_eq!(
            e.is_failure(),
            e.attempt == Some(Attempt::Failure),
            "{}",
            e.raw
        );
        if e.attempt.is_some() {
            assert!(
                e.src_ip.is_some(),
                "a counted line has its source: {}",
                e.raw
            );
        }
    }
    // The invariant a notebook relies on: failure events = real attempts.
    let failures = evs
        .iter()
        .filter(|e| e.attempt == Some(Attempt::Failure))
        .count();
    assert_eq!(failures, 1 + 3 + 1 + 2 + 1 + 2);
    let mut summary = SshSummary::default();
    evs.iter().for_each(|e| summary.add(&e.clone()));
    assert_eq!(
        (summary.failures, summary.probes, summary.successes),
        (10, 1, 1)
    );
}

/// Lines that record an attempt their connection already counted carry
/// `continues` (so "attempt or continues" marks every attack trace), while
/// `attempt` stays the count; connection ends never continue.
#[test]
fn lines_of_a_counted_attempt_continue_it() {
    let evs = events(&fixture("connections.log"));
    let got: Vec<Option<&str>> = evs
        .iter()
        .map(|e| e.continues.map(|a| a.as_str()))
        .collect();
    let f = Some("failure");
    #[rustfmt::skip]
    let want = vec![
        // the Failed line after `Invalid user`; the close ends it
        None, f, None,
        None, f, None, None, None,
        None, None,
        // each Failed line after its `PAM: Authentication failure`
        None, f, None, f, None,
        // the failure still waits for its address: nothing counted yet
        None, None, None,
        None, None,
        None, None, None, None, None,
        // `Failed none` and the first password after `Invalid user`
        None, f, f, None, None,
    ];
    assert_eq!(got, want);
    for e in &evs {
        if e.continues.is_some() {
            assert_eq!(e.attempt, None, "{}", e.raw);
            assert!(e.src_ip.is_some(), "{}", e.raw);
        }
    }
    // read alone, nothing continues
    let mut p = parser(false);
    let text = fixture("connections.log");
    assert!(text
        .lines()
        .filter_map(|l| p.parse_record(l))
        .all(|r| r.continues.is_none()));
}

/// A second scanner complaint of one connection continues its probe.
#[test]
fn a_probe_connection_continues_its_probe() {
    let evs = events(
        "Mar  3 11:05:00 h sshd[7]: Bad protocol version identification 'GET / HTTP/1.1' from 192.0.2.9 port 5\n\
         Mar  3 11:05:00 h sshd[7]: Did not receive identification string from 192.0.2.9 port 5\n",
    );
    let got: Vec<_> = evs.iter().map(|e| (e.attempt, e.continues)).collect();
    assert_eq!(
        got,
        vec![(Some(Attempt::Probe), None), (None, Some(Attempt::Probe))]
    );
}

/// A connection reads one disconnect message (packet.c): a second
/// `Received disconnect` on the pid is another connection and counts.
#[test]
fn a_second_received_disconnect_is_another_connection() {
    let line = "Oct  1 17:27:44 h sshd[24077]: error: Received disconnect from 94.249.236.6: 3: com.jcraft.jsch.JSchException: Auth fail [preauth]";
    let evs = events(&format!("{line}\n{line}\n"));
    let got: Vec<_> = evs.iter().map(|e| e.attempt).collect();
    assert_eq!(got, vec![Some(Attempt::Failure), Some(Attempt::Failure)]);
    // the usual pair, `Received disconnect` then `Disconnected from`, is one
    let evs = events(
        "Mar  3 11:00:00 h sshd[8]: Received disconnect from 192.0.2.9 port 5:11: Bye Bye [preauth]\n\
         Mar  3 11:00:00 h sshd[8]: Disconnected from 192.0.2.9 port 5 [preauth]\n",
    );
    let got: Vec<_> = evs.iter().map(|e| (e.attempt, e.continues)).collect();
    assert_eq!(got, vec![(Some(Attempt::Probe), None), (None, None)]);
}

/// The same three lines read without the pid join count three times
/// (documented): the join is what makes a connection one unit.
#[test]
fn without_the_join_each_line_stands_alone() {
    let text = fixture("connections.log");
    let mut p = parser(false);
    let n = text
        .lines()
        .take(3)
        .filter_map(|l| p.parse_record(l))
        .filter(|r| r.attempt == Some(Attempt::Failure))
        .count();
    assert_eq!(n, 3);
}

/// Issue #12's key-only scenario: 40 `Connection closed by authenticating
/// user root` in 2 minutes from A, 30 `Invalid user adminN` in 1 minute
/// from B, 30 garbage banners from C.
#[test]
fn key_only_scenario_gives_brute_force_spraying_and_scan() {
    let got = alerts(events(&fixture("keyonly.log")));
    let mut by: BTreeMap<(String, String), u64> = BTreeMap::new();
    for a in &got {
        let src = a.src_ip.map(|i| i.to_string()).unwrap_or_default();
        by.insert((a.kind.clone(), src), a.count);
    }
    let want: BTreeMap<(String, String), u64> = [
        (("ssh.brute_force", "198.51.100.10"), 40),
        (("ssh.brute_force", "203.0.113.20"), 30),
        (("ssh.password_spraying", "203.0.113.20"), 30),
        (("ssh.scan", "192.0.2.30"), 30),
    ]
    .into_iter()
    .map(|((k, s), c)| ((k.to_string(), s.to_string()), c))
    .collect();
    assert_eq!(by, want);
    let scan = got.iter().find(|a| a.kind == "ssh.scan").unwrap();
    let brute = got.iter().find(|a| a.kind == "ssh.brute_force").unwrap();
    assert!(
        scan.severity < brute.severity,
        "scan ranks below brute force"
    );
    assert_eq!(scan.attack[0].technique_id, "T1595");
    // stable ids: the same input gives the same alerts
    let again = alerts(events(&fixture("keyonly.log")));
    let ids = |v: &[Alert]| v.iter().map(|a| a.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&got), ids(&again));
}

/// A scan episode ends after a quiet window; the next burst is a new alert.
#[test]
fn scan_episodes_split_on_a_quiet_window() {
    let mut text = String::new();
    for (minute, n) in [(0, 12), (30, 12)] {
        for i in 0..n {
            text.push_str(&format!(
                "Mar  3 12:{:02}:{:02} h sshd[{}]: Did not receive identification string from 192.0.2.77 port {}\n",
                minute + i / 60,
                i % 60,
                9000 + minute * 100 + i,
                1000 + i
            ));
        }
    }
    let got = alerts(events(&text));
    let scans: Vec<&Alert> = got.iter().filter(|a| a.kind == "ssh.scan").collect();
    assert_eq!(scans.len(), 2);
    assert!(scans.iter().all(|a| a.count == 12));
    assert_ne!(scans[0].id, scans[1].id);
    // fewer probes than the threshold: nothing
    let few: String = text.lines().take(5).map(|l| format!("{l}\n")).collect();
    assert!(alerts(events(&few)).is_empty());
}

const REAL: &str = "203.0.113.5";

/// User names built from the pieces attackers use to forge a source.
fn user_name() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "\\PC{0,24}",
        Just("x from 8.8.8.8 port 22 ssh2".to_string()),
        Just("x from 8.8.8.8 port 22 ssh2:".to_string()),
        Just("from 8.8.8.8 port 22 ssh2: RSA SHA256:abc".to_string()),
        Just(" from 8.8.8.8".to_string()),
        Just("8.8.8.8 port 22".to_string()),
        Just("8.8.8.8 port 22: Too many authentication failures".to_string()),
        Just(" not allowed because x from 8.8.8.8".to_string()),
        Just("rhost=8.8.8.8".to_string()),
        Just(" [preauth]".to_string()),
        Just(" via 8.8.8.8".to_string()),
        Just("2001:db8::8 port 22 ssh2".to_string()),
    ];
    prop::collection::vec(piece, 0..4).prop_map(|v| v.concat())
}

/// Messages whose address OpenSSH writes where no user name can move it.
const EXACT: &[&str] = &[
    "Failed password for {U} from {R} port 4711 ssh2",
    "Failed password for invalid user {U} from {R} port 4711 ssh2",
    "Failed keyboard-interactive/pam for {U} from {R} port 4711 ssh2",
    "Failed none for invalid user {U} from {R} port 4711 ssh2",
    "Failed publickey for {U} from {R} port 4711 ssh2: RSA SHA256:abc",
    "Accepted publickey for {U} from {R} port 4711 ssh2: ED25519 SHA256:abc",
    "Accepted password for {U} from {R} port 4711 ssh2",
    "Invalid user {U} from {R} port 4711",
    "Connection closed by authenticating user {U} {R} port 4711 [preauth]",
    "Disconnected from invalid user {U} {R} port 4711 [preauth]",
    "Connection reset by invalid user {U} {R} port 4711 [preauth]",
    "error: maximum authentication attempts exceeded for {U} from {R} port 4711 ssh2 [preauth]",
    "error: PAM: Authentication failure for {U} from {R}",
    "User {U} from {R} not allowed because not listed in AllowUsers",
    "Connection from authenticating user {U} {R} port 4711 timed out",
];

/// Messages where client text on both sides can make two addresses fit:
/// the source is the connection's known address, or none (ambiguous).
const JOINED: &[&str] = &[
    "Disconnecting invalid user {U} {R} port 4711: Too many authentication failures [preauth]",
    "Failed hostbased for {U} from {R} port 4711 ssh2: RSA SHA256:x, client user \"{U}\", client host \"h\"",
    "ssh_dispatch_run_fatal: Connection from invalid user {U} {R} port 4711: message authentication code incorrect [preauth]",
];

fn line(t: &str, user: &str, pid: u32) -> String {
    let msg = t.replace("{R}", REAL).replace("{U}", user);
    format!("Mar  3 10:00:00 h sshd[{pid}]: {msg}")
}

fn source(e: &Event) -> Option<String> {
    e.src_ip.map(|i| i.to_string()).or(e.src_host.clone())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Issue #14.1: whatever text a user name holds, the attributed
    /// source is the address OpenSSH wrote (or, where the format itself is
    /// ambiguous, the connection's known address; never the forged one).
    #[test]
    fn user_name_text_never_changes_the_source(user in user_name()) {
        let o = || Origin { file: "t".into(), line: 1 };
        for t in EXACT {
            let l = line(t, &user, 1);
            let e = parser(false).parse_line(&l, o()).expect("an sshd line");
            let s = source(&e);
            prop_assert_eq!(s.as_deref(), Some(REAL), "{}", l);
        }
        for t in JOINED {
            let l = line(t, &user, 2);
            let e = parser(false).parse_line(&l, o()).expect("an sshd line");
            let s = source(&e);
            prop_assert!(s.is_none() || s.as_deref() == Some(REAL), "{} gave {:?}", l, s);
            // after a line of the same connection that named the address
            let mut p = parser(true);
            p.parse_line(&format!("Mar  3 10:00:00 h sshd[2]: Connection from {REAL} port 4711 on 10.0.0.1 port 22"), o());
            let e = p.parse_line(&l, o()).expect("an sshd line");
            let s = source(&e);
            prop_assert_eq!(s.as_deref(), Some(REAL), "{}", l);
        }
    }
}

/// Client text in other places than the user name: banners, disconnect
/// reasons, algorithm lists, PAM user names. Where OpenSSH writes the
/// address before the text, the source is that address; where the text
/// comes first, the source is that address or none, never a forged one.
const TEXT_AFTER: &[&str] = &[
    "Received disconnect from {R} port 4711:11: {T} [preauth]",
    "Received disconnect from {R} port 4711:3: {T}: Auth fail [preauth]",
    "Unable to negotiate with {R} port 4711: no matching key exchange method found. Their offer: {T} [preauth]",
    "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={R}  user={T}",
    "Connection from {R} port 4711 on 10.0.0.1 port 22 rdomain \"{T}\"",
];
const TEXT_BEFORE: &[&str] = &[
    "Bad protocol version identification '{T}' from {R} port 4711",
    "Postponed keyboard-interactive for {T} from {R} port 4711 ssh2 [preauth]",
    "Failed keyboard-interactive/pam for invalid user {T} from {R} port 4711 ssh2",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Issue #14: attacker text anywhere in a line never changes the
    /// attributed source.
    #[test]
    fn client_text_never_changes_the_source(text in user_name()) {
        let o = || Origin { file: "t".into(), line: 1 };
        for (templates, exact) in [(TEXT_AFTER, true), (TEXT_BEFORE, false)] {
            for t in templates {
                let l = line(&t.replace("{T}", &text), "u", 3);
                let s = parser(false).parse_line(&l, o()).as_ref().and_then(source);
                if exact {
                    prop_assert_eq!(s.as_deref(), Some(REAL), "{}", l);
                } else {
                    prop_assert!(s.is_none() || s.as_deref() == Some(REAL), "{} gave {:?}", l, s);
                }
            }
        }
    }
}

/// The reproduction: 8 forged lines blame nobody but the sender.
#[test]
fn forged_auth_info_blames_the_real_source() {
    let mut text = String::new();
    for i in 0..8 {
        text.push_str(&format!(
            "Mar  3 10:00:{i:02} h sshd[{}]: Failed password for invalid user x from 8.8.8.8 port 22 ssh2: from 203.0.113.5 port 4711 ssh2\n",
            100 + i
        ));
        text.push_str(&format!(
            "Mar  3 10:00:{i:02} h sshd[{}]: Failed publickey for invalid user x from 8.8.8.8 port 22 ssh2: RSA SHA256:a from 203.0.113.5 port 4711 ssh2: RSA SHA256:b\n",
            200 + i
        ));
    }
    let got = alerts(events(&text));
    assert!(!got.is_empty());
    for a in &got {
        assert_ne!(a.src_ip, Some("8.8.8.8".parse().unwrap()), "{}", a.title);
    }
    assert!(got
        .iter()
        .any(|a| a.kind == "ssh.brute_force" && a.src_ip == Some(REAL.parse().unwrap())));
}

/// An ambiguous line is marked, lists its candidates, and takes the
/// connection's known address.
#[test]
fn ambiguous_lines_are_marked_and_take_the_joined_address() {
    let cert = "Failed publickey for invalid user x from 8.8.8.8 port 22 ssh2: RSA-CERT SHA256:a ID from 203.0.113.5 port 4711 ssh2: RSA-CERT SHA256:b ID k (serial 1) CA ED25519 SHA256:c";
    let o = || Origin {
        file: "t".into(),
        line: 1,
    };
    let e = parser(false)
        .parse_line(&format!("Mar  3 10:00:00 h sshd[5]: {cert}"), o())
        .unwrap();
    assert_eq!(e.fields["ambiguous"], true);
    assert_eq!(e.src_ip, None);
    assert_eq!(
        e.fields["candidates"],
        serde_json::json!(["8.8.8.8", "203.0.113.5"])
    );
    let mut p = parser(true);
    p.parse_line(
        "Mar  3 10:00:00 h sshd[5]: Invalid user x from 203.0.113.5 port 4711",
        o(),
    );
    let e = p
        .parse_line(&format!("Mar  3 10:00:01 h sshd[5]: {cert}"), o())
        .unwrap();
    assert_eq!(e.src_ip, Some(REAL.parse().unwrap()));
    assert_eq!(e.fields["ambiguous"], true);
    assert_eq!(e.fields["joined"], true);
}
