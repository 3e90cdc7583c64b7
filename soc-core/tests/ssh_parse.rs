//! OpenSSH parser: every message kind, every prefix format, injection
//! resistance, year handling and the stateful pid join.

use soc_core::model::{Attempt, Event, EventOutcome, Origin};
use soc_core::parse::ssh::{SshKind, SshOptions, SshParser};

fn parser() -> SshParser {
    SshParser::new(SshOptions {
        year: Some(2024),
        ..Default::default()
    })
}

fn o() -> Origin {
    Origin {
        file: "t".into(),
        line: 1,
    }
}

/// The event `p` reads from `line` (at [`o`]); fails when there is none.
fn event(p: &mut SshParser, line: &str) -> Event {
    p.parse_line(line, o())
        .unwrap_or_else(|| panic!("no event from {line:?}"))
}

/// The event `p` reads from a "Too many authentication failures" line
/// after the connection line of the same pid named the client.
fn too_many_failures_after_connection(mut p: SshParser) -> Event {
    event(
        &mut p,
        "Mar  1 10:00:00 h sshd[8]: Connection from 192.0.2.5 port 1 on 10.0.0.1 port 22",
    );
    event(
        &mut p,
        "Mar  1 10:00:01 h sshd[8]: Disconnecting: Too many authentication failures [preauth]",
    )
}

/// (message, kind, user, host, port, attempt class of the line read alone)
type Case = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Option<u16>,
    Option<Attempt>,
);

const CASES: &[Case] = &[
    ("Failed password for root from 203.0.113.9 port 4242 ssh2", "failed_auth", Some("root"), Some("203.0.113.9"), Some(4242), Some(Attempt::Failure)),
    ("Failed password for invalid user admin from 2001:db8::1 port 22 ssh2", "failed_auth", Some("admin"), Some("2001:db8::1"), Some(22), Some(Attempt::Failure)),
    ("Failed publickey for git from 192.0.2.1 port 57904 ssh2: RSA SHA256:abc", "failed_auth", Some("git"), Some("192.0.2.1"), Some(57904), None),
    ("Failed publickey for invalid user bob from 192.0.2.1 port 1 ssh2: RSA SHA256:abc", "failed_auth", Some("bob"), Some("192.0.2.1"), Some(1), Some(Attempt::Failure)),
    ("Failed keyboard-interactive/pam for invalid user x from 192.0.2.2 port 2 ssh2", "failed_auth", Some("x"), Some("192.0.2.2"), Some(2), Some(Attempt::Failure)),
    ("Failed none for invalid user  from 192.0.2.3 port 3 ssh2", "failed_auth", Some(""), Some("192.0.2.3"), Some(3), Some(Attempt::Failure)),
    ("Failed hostbased for dan from 127.0.0.1 port 45785 ssh2: RSA 8c:e3", "failed_auth", Some("dan"), Some("127.0.0.1"), Some(45785), Some(Attempt::Failure)),
    ("Invalid user oracle from 198.51.100.23 port 5000", "invalid_user", Some("oracle"), Some("198.51.100.23"), Some(5000), Some(Attempt::Failure)),
    ("Illegal user test from 198.51.100.24", "invalid_user", Some("test"), Some("198.51.100.24"), None, Some(Attempt::Failure)),
    ("Invalid user  from 192.0.2.68 port 34916", "invalid_user", Some(""), Some("192.0.2.68"), Some(34916), Some(Attempt::Failure)),
    ("Accepted password for deploy from 203.0.113.200 port 48822 ssh2", "accepted", Some("deploy"), Some("203.0.113.200"), Some(48822), Some(Attempt::Success)),
    ("Accepted publickey for alice from 10.0.1.15 port 5 ssh2: ED25519 SHA256:x", "accepted", Some("alice"), Some("10.0.1.15"), Some(5), Some(Attempt::Success)),
    ("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.45  user=root", "pam_auth_failure", Some("root"), Some("203.0.113.45"), None, None),
    ("error: PAM: Authentication failure for james from example.com via 192.168.1.201", "pam_error", Some("james"), Some("example.com"), None, Some(Attempt::Failure)),
    ("Connection closed by authenticating user root 192.0.2.10 port 33 [preauth]", "connection_closed", Some("root"), Some("192.0.2.10"), Some(33), Some(Attempt::Failure)),
    ("Connection reset by invalid user admin 192.0.2.20 port 44 [preauth]", "connection_reset", Some("admin"), Some("192.0.2.20"), Some(44), Some(Attempt::Failure)),
    ("Disconnected from invalid user admin 192.0.2.6 port 3 [preauth]", "disconnected", Some("admin"), Some("192.0.2.6"), Some(3), Some(Attempt::Failure)),
    ("error: maximum authentication attempts exceeded for invalid user xxx from 192.0.2.7 port 49941 ssh2 [preauth]", "max_auth_attempts", Some("xxx"), Some("192.0.2.7"), Some(49941), Some(Attempt::Failure)),
    ("Disconnecting invalid user xxx 192.0.2.7 port 49941: Too many authentication failures [preauth]", "too_many_auth_failures", Some("xxx"), Some("192.0.2.7"), Some(49941), Some(Attempt::Failure)),
    ("Did not receive identification string from 198.51.100.99 port 61000", "no_identification", None, Some("198.51.100.99"), Some(61000), Some(Attempt::Probe)),
    ("Bad protocol version identification 'GET / HTTP/1.1' from 198.51.100.99 port 61088", "bad_protocol_version", None, Some("198.51.100.99"), Some(61088), Some(Attempt::Probe)),
    ("error: kex_exchange_identification: Connection closed by remote host", "kex_exchange_identification", None, None, None, Some(Attempt::Probe)),
    ("banner exchange: Connection from 192.0.2.12 port 44105: invalid format", "banner_exchange_invalid", None, Some("192.0.2.12"), Some(44105), Some(Attempt::Probe)),
    ("Unable to negotiate with 192.0.2.4 port 50404: no matching host key type found. Their offer: ssh-dss [preauth]", "unable_to_negotiate", None, Some("192.0.2.4"), Some(50404), Some(Attempt::Probe)),
    ("ssh_dispatch_run_fatal: Connection from 192.0.2.13 port 52451: message authentication code incorrect [preauth]", "dispatch_run_fatal", None, Some("192.0.2.13"), Some(52451), Some(Attempt::Probe)),
    ("fatal: Timeout before authentication for 192.0.2.14 port 55555", "auth_timeout", None, Some("192.0.2.14"), Some(55555), Some(Attempt::Probe)),
    ("ROOT LOGIN REFUSED FROM ::ffff:1.2.3.4", "root_login_refused", Some("root"), Some("1.2.3.4"), None, Some(Attempt::Failure)),
    ("User root from 46.45.128.3 not allowed because listed in DenyUsers", "not_allowed", Some("root"), Some("46.45.128.3"), None, Some(Attempt::Failure)),
    ("refused connect from _U2FsdGVk_@::ffff:218.249.210.161 (::ffff:218.249.210.161)", "refused_connect", None, Some("218.249.210.161"), None, Some(Attempt::Probe)),
    ("Received disconnect from 198.51.100.76 port 58846:11: Bye Bye [preauth]", "received_disconnect", None, Some("198.51.100.76"), Some(58846), Some(Attempt::Probe)),
    ("Received disconnect from 10.0.1.15 port 6:11: disconnected by user", "received_disconnect", None, Some("10.0.1.15"), Some(6), None),
    ("reverse mapping checking getaddrinfo for scanner.example.net [198.51.100.98] failed - POSSIBLE BREAK-IN ATTEMPT!", "possible_break_in", None, Some("198.51.100.98"), None, None),
    ("pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)", "session_opened", Some("alice"), None, None, None),
    ("pam_unix(sshd:session): session closed for user alice", "session_closed", Some("alice"), None, None, None),
    ("Server listening on 0.0.0.0 port 22.", "other", None, None, None, None),
    ("Failed password for invalid user a from 10.0.0.1 port 22 from 203.0.113.5 port 4000 ssh2", "failed_auth", Some("a from 10.0.0.1 port 22"), Some("203.0.113.5"), Some(4000), Some(Attempt::Failure)),
    ("Failed password for root from fe80::1%eth0 port 22 ssh2", "failed_auth", Some("root"), Some("fe80::1"), Some(22), Some(Attempt::Failure)),
];

#[test]
fn every_message_kind() {
    for (msg, kind, user, host, port, attempt) in CASES {
        let line = format!("Mar  1 10:00:00 web01 sshd[42]: {msg}");
        let e = SshParser::new(SshOptions {
            year: Some(2024),
            stateful: false,
            ..Default::default()
        })
        .parse_line(&line, o())
        .unwrap_or_else(|| panic!("no event for {msg}"));
        assert_eq!(e.kind, format!("ssh.{kind}"), "{msg}");
        assert_eq!(e.user.as_deref(), *user, "{msg}");
        let h = e.src_ip.map(|i| i.to_string()).or(e.src_host.clone());
        assert_eq!(h.as_deref(), *host, "{msg}");
        assert_eq!(e.src_port, *port, "{msg}");
        assert_eq!(e.attempt, *attempt, "{msg}");
        assert_eq!(e.is_failure(), *attempt == Some(Attempt::Failure), "{msg}");
    }
}

#[test]
fn all_prefix_formats_give_the_same_event() {
    let msg = "Failed password for root from 203.0.113.9 port 4242 ssh2";
    let lines = [
        format!("Mar  1 10:00:00 web01 sshd[42]: {msg}"),
        format!("Mar  1 10:00:00 web01 sshd-session[42]: {msg}"),
        format!("Mar  1 10:00:00.123456 web01 sshd[42]: {msg}"),
        format!("Mar  1 10:00:00 sshd[42]: {msg}"),
        format!("Mar  1 10:00:00 web01 sshd: {msg}"),
        format!("2024-03-01T10:00:00.123456+00:00 web01 sshd[42]: {msg}"),
        format!("2024-03-01T11:00:00+0100 web01 sshd[42]: {msg}"),
        format!("<38>1 2024-03-01T10:00:00Z web01 sshd 42 - - {msg}"),
        format!("<38>Mar  1 10:00:00 web01 sshd[42]: {msg}"),
        format!("Mar  1 10:00:00 web01 sshd[42]: [ID 800047 auth.info] {msg}"),
        format!(
            r#"{{"MESSAGE":"{msg}","_PID":"42","_HOSTNAME":"web01","SYSLOG_IDENTIFIER":"sshd","__REALTIME_TIMESTAMP":"1709287200000000"}}"#
        ),
        msg.to_string(),
    ];
    for l in &lines {
        let e = parser()
            .parse_line(l, o())
            .unwrap_or_else(|| panic!("no event: {l}"));
        assert_eq!(e.kind, "ssh.failed_auth", "{l}");
        assert_eq!(e.src_ip, Some("203.0.113.9".parse().unwrap()), "{l}");
        assert_eq!(e.user.as_deref(), Some("root"), "{l}");
        if let Some(t) = e.time {
            assert_eq!(
                t.format("%Y-%m-%dT%H:%M:%S").to_string(),
                "2024-03-01T10:00:00",
                "{l}"
            );
        } else {
            assert_eq!(l, msg, "only bare lines lack a time");
        }
    }
}

#[test]
fn non_sshd_lines_are_skipped() {
    let mut p = parser();
    for l in [
        "Mar  1 10:00:00 web01 CRON[1]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
        "Mar  1 10:00:00 web01 sudo: pam_unix(sudo:auth): authentication failure; logname=alice uid=1000 euid=0 tty=/dev/pts/0 ruser=alice rhost=  user=alice",
        "",
        "just some text",
        r#"{"MESSAGE":"Failed password for root from 1.2.3.4 port 1 ssh2","SYSLOG_IDENTIFIER":"su"}"#,
        // `logger -t sshd` from a local account: journald's `_COMM` says who wrote it.
        r#"{"MESSAGE":"Failed password for root from 1.2.3.4 port 1 ssh2","SYSLOG_IDENTIFIER":"sshd","_COMM":"logger"}"#,
    ] {
        assert!(p.parse_line(l, o()).is_none(), "{l}");
    }
}

#[test]
fn time_zone_and_new_year() {
    let mut p = SshParser::new(SshOptions {
        year: Some(2023),
        tz: "Europe/Zurich".into(),
        ..Default::default()
    });
    let a = event(
        &mut p,
        "Dec 31 23:59:59 h sshd[1]: Failed password for root from 192.0.2.1 port 1 ssh2",
    );
    let b = event(
        &mut p,
        "Jan  1 00:00:05 h sshd[2]: Failed password for root from 192.0.2.1 port 1 ssh2",
    );
    assert_eq!(a.time.unwrap().to_rfc3339(), "2023-12-31T22:59:59+00:00");
    assert_eq!(b.time.unwrap().to_rfc3339(), "2023-12-31T23:00:05+00:00");
}

#[test]
fn stateful_join_fills_address_and_defers_failure() {
    let mut p = parser();
    let e = event(&mut p, "Mar  1 10:00:00 h sshd[7]: Disconnecting: Too many authentication failures for root [preauth]");
    assert_eq!(e.kind, "ssh.too_many_auth_failures");
    assert!(!e.is_failure(), "no address yet");
    let e = event(
        &mut p,
        "Mar  1 10:00:01 h sshd[7]: Connection closed by 61.0.0.1 [preauth]",
    );
    assert!(
        e.is_failure(),
        "the deferred failure lands on the line with the address"
    );
    assert_eq!(e.src_ip, Some("61.0.0.1".parse().unwrap()));

    let e = too_many_failures_after_connection(parser());
    assert!(e.is_failure());
    assert_eq!(e.src_ip, Some("192.0.2.5".parse().unwrap()));
    assert_eq!(e.fields.get("joined"), Some(&serde_json::Value::Bool(true)));

    let e = too_many_failures_after_connection(SshParser::new(SshOptions {
        stateful: false,
        ..Default::default()
    }));
    assert_eq!(e.src_ip, None);
}

#[test]
fn accepted_is_success_and_attempt_marks_guesses() {
    let mut p = parser();
    let e = event(
        &mut p,
        "Mar  1 10:00:00 h sshd[9]: Accepted password for a from 192.0.2.1 port 1 ssh2",
    );
    assert_eq!(e.outcome, EventOutcome::Success);
    assert_eq!(e.fields["method"], "password");
    let e = event(
        &mut p,
        "Mar  1 10:00:00 h sshd[10]: Failed password for a from 192.0.2.1 port 1 ssh2",
    );
    assert_eq!(e.attempt, Some(Attempt::Failure));
    // A connection announcing an invalid user: that line counts the
    // attempt and the Failed line of the same attempt does not.
    let e = event(
        &mut p,
        "Mar  1 10:00:00 h sshd[11]: Invalid user b from 192.0.2.1 port 1",
    );
    assert_eq!(e.attempt, Some(Attempt::Failure));
    let e = event(
        &mut p,
        "Mar  1 10:00:00 h sshd[11]: Failed password for invalid user b from 192.0.2.1 port 1 ssh2",
    );
    assert_eq!(e.attempt, None);
    assert!(!e.is_failure());
}

#[test]
fn bad_time_zone_is_rejected() {
    assert!(SshParser::try_new(SshOptions {
        tz: "Nowhere/City".into(),
        ..Default::default()
    })
    .is_err());
    assert_eq!(SshKind::FailedAuth.as_str(), "failed_auth");
}

#[test]
fn sample_auth_log_parses_completely() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/data/auth.log");
    let mut p = SshParser::new(SshOptions {
        year: Some(2026),
        ..Default::default()
    });
    let mut events = 0;
    let mut other = 0;
    for (no, l) in soc_core::parse::lines::LineReader::open(&path).unwrap() {
        if let Some(e) = p.parse_line(
            &l.unwrap(),
            Origin {
                file: "auth.log".into(),
                line: no,
            },
        ) {
            events += 1;
            if e.kind == "ssh.other" {
                other += 1;
            }
        }
    }
    assert!(events > 300, "{events}");
    assert!(other <= 2, "unexpected ssh.other events: {other}");
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,200}") {
            let mut p = parser();
            let _ = p.parse_line(&s, o());
            let _ = p.parse_line(&format!("Mar  1 10:00:00 h sshd[1]: {s}"), o());
            let _ = p.parse_line(&format!("Failed password for {s}"), o());
        }

        #[test]
        fn fast_path_agrees_with_owned_and_event_paths(
            lines in prop::collection::vec(
                prop_oneof![
                    "\\PC{0,120}",
                    "(Mar  1|Nov 12) 10:00:0[0-9] h sshd\\[[1-3]\\]: (Failed password for (invalid user )?[a-z ]{0,6} from (192.0.2.[0-9]|2001:db8::[0-9]|host[0-9]) port [0-9]{1,5} ssh2(: RSA x)?|Disconnecting: Too many authentication failures( for root)?( \\[preauth\\])?|Connection closed by [0-9.]{7,11} port 22|pam_unix\\(sshd:auth\\): authentication failure; rhost=192.0.2.1 user=[a-z]{1,3}|pam_unix\\(sshd:session\\): session closed for user a)",
                ],
                1..20,
            )
        ) {
            // Three parsers fed the same lines keep the same pid state.
            let (mut a, mut b, mut c) = (parser(), parser(), parser());
            for l in &lines {
                let fast = a.parse_ref(l).map(|r| (r.to_record(), r.to_event(l, o())));
                let owned = b.parse_record(l);
                let event = c.parse_line(l, o());
                prop_assert_eq!(fast.as_ref().map(|f| &f.0), owned.as_ref());
                prop_assert_eq!(fast.map(|f| f.1), event);
            }
        }

        #[test]
        fn injected_user_never_wins(user in "[a-z0-9 .:]{0,40}") {
            // A one-token user followed by what reads as OpenSSH's auth-info
            // separator is parsed the OpenSSH (and fail2ban) way; see
            // ssh_conformance.rs.
            prop_assume!(!(user.ends_with(':') || user.contains(": ")));
            let line = format!("Mar  1 10:00:00 h sshd[1]: Failed password for invalid user {user} from 203.0.113.77 port 999 ssh2");
            let e = parser().parse_line(&line, o()).unwrap();
            prop_assert_eq!(e.src_ip, Some("203.0.113.77".parse().unwrap()));
            prop_assert_eq!(e.src_port, Some(999));
        }
    }
}
