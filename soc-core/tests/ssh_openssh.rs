//! Conformance with OpenSSH's own messages: one line per message that
//! OpenSSH (openssh-portable, 3.x to 10.x) logs about a remote host at the
//! default (INFO) and VERBOSE levels, as its format strings write it, with
//! the kind, the attempt class of the line read alone, and the source.
//! Built from sshd.c, sshd-session.c, auth.c, auth2*.c, packet.c, kex.c,
//! srclimit.c and session.c; programs `sshd`, `sshd-session` (9.8+) and
//! `sshd-auth` (10.0+).

use soc_core::model::{Attempt, Origin};
use soc_core::parse::ssh::{SshOptions, SshParser};

const F: Option<Attempt> = Some(Attempt::Failure);
const P: Option<Attempt> = Some(Attempt::Probe);
const S: Option<Attempt> = Some(Attempt::Success);
const N: Option<Attempt> = None;

/// (source file, program, message, kind, class alone, source host)
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<Attempt>,
    Option<&'static str>,
);

#[rustfmt::skip]
const OPENSSH: &[Row] = &[
    // auth.c auth_log: "%s %s%s%s for %s%.100s from %.200s port %d ssh2%s%s"
    ("auth.c", "sshd-session", "Failed password for root from 198.51.100.1 port 22 ssh2", "failed_auth", F, Some("198.51.100.1")),
    ("auth.c", "sshd-session", "Failed password for invalid user admin from 198.51.100.1 port 22 ssh2", "failed_auth", F, Some("198.51.100.1")),
    ("auth.c", "sshd-auth", "Failed keyboard-interactive/pam for root from 198.51.100.1 port 22 ssh2", "failed_auth", F, Some("198.51.100.1")),
    ("auth.c", "sshd", "Failed none for invalid user admin from 198.51.100.1 port 22 ssh2", "failed_auth", F, Some("198.51.100.1")),
    ("auth2-pubkey.c", "sshd-session", "Failed publickey for root from 198.51.100.1 port 22 ssh2: ED25519 SHA256:8Kq0mEJ6dX1kzjTQ8r8yQ4sJg3m0aY9m2T1s3fH7w2c", "failed_auth", N, Some("198.51.100.1")),
    ("auth2-pubkey.c", "sshd-session", "Failed publickey for invalid user git from 198.51.100.1 port 22 ssh2: RSA SHA256:8Kq0mEJ6dX1kzjTQ8r8yQ4sJg3m0aY9m2T1s3fH7w2c", "failed_auth", F, Some("198.51.100.1")),
    ("auth2-pubkey.c", "sshd-session", "Accepted publickey for alice from 2001:db8::7 port 50022 ssh2: ED25519-CERT SHA256:abc ID alice@corp (serial 7) CA ED25519 SHA256:def", "accepted", S, Some("2001:db8::7")),
    ("auth2-hostbased.c", "sshd", "Failed hostbased for dan from 198.51.100.2 port 22 ssh2: RSA SHA256:abc, client user \"dan\", client host \"ws1.example\"", "failed_auth", F, Some("198.51.100.2")),
    ("auth2-gss.c", "sshd", "Failed gssapi-with-mic for bob from 198.51.100.3 port 22 ssh2", "failed_auth", F, Some("198.51.100.3")),
    ("auth.c", "sshd-session", "Accepted password for deploy from 10.0.0.5 port 50100 ssh2", "accepted", S, Some("10.0.0.5")),
    ("auth.c", "sshd-session", "Postponed keyboard-interactive for root from 198.51.100.1 port 22 ssh2 [preauth]", "postponed", N, Some("198.51.100.1")),
    ("auth.c", "sshd-session", "Partial publickey for alice from 10.0.0.5 port 50100 ssh2: ED25519 SHA256:abc", "postponed", N, Some("10.0.0.5")),
    // auth.c getpwnamallow / allowed_user / auth_root_allowed / auth_maxtries_exceeded
    ("auth.c", "sshd-session", "Invalid user oracle from 198.51.100.4 port 41000", "invalid_user", F, Some("198.51.100.4")),
    ("auth.c", "sshd", "User root from 198.51.100.5 not allowed because not listed in AllowUsers", "not_allowed", F, Some("198.51.100.5")),
    ("auth.c", "sshd", "User bin from 198.51.100.5 not allowed because shell /usr/sbin/nologin does not exist", "not_allowed", F, Some("198.51.100.5")),
    ("auth.c", "sshd", "User root not allowed because account is locked", "not_allowed", F, None),
    ("auth.c", "sshd", "ROOT LOGIN REFUSED FROM 198.51.100.6 port 41000", "root_login_refused", F, Some("198.51.100.6")),
    ("auth.c", "sshd-session", "error: maximum authentication attempts exceeded for root from 198.51.100.7 port 41000 ssh2 [preauth]", "max_auth_attempts", F, Some("198.51.100.7")),
    ("auth.c", "sshd", "reverse mapping checking getaddrinfo for host.example [198.51.100.8] failed - POSSIBLE BREAK-IN ATTEMPT!", "possible_break_in", N, Some("198.51.100.8")),
    ("auth.c", "sshd", "Address 198.51.100.8 maps to host.example, but this does not map back to the address - POSSIBLE BREAK-IN ATTEMPT!", "possible_break_in", N, Some("198.51.100.8")),
    // auth2.c
    ("auth2.c", "sshd", "input_userauth_request: invalid user oracle [preauth]", "invalid_user", F, None),
    ("auth2.c", "sshd-session", "Disconnecting invalid user admin 198.51.100.9 port 41000: Change of username or service not allowed: (admin,ssh-connection) -> (root,ssh-connection) [preauth]", "disconnecting", F, Some("198.51.100.9")),
    ("auth2.c", "sshd-session", "Disconnecting authenticating user root 198.51.100.9 port 41000: Too many authentication failures [preauth]", "too_many_auth_failures", F, Some("198.51.100.9")),
    ("auth2.c", "sshd", "Disconnecting: Too many authentication failures for root [preauth]", "too_many_auth_failures", F, None),
    // PAM (auth-pam.c)
    ("auth-pam.c", "sshd", "error: PAM: Authentication failure for root from 198.51.100.10", "pam_error", F, Some("198.51.100.10")),
    ("auth-pam.c", "sshd", "error: PAM: User not known to the underlying authentication module for illegal user x from 198.51.100.10", "pam_error", F, Some("198.51.100.10")),
    ("pam_unix", "sshd", "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=198.51.100.10  user=root", "pam_auth_failure", N, Some("198.51.100.10")),
    // packet.c sshpkt_fatal / ssh_packet_read_poll2 (remote id with preamble)
    ("packet.c", "sshd-session", "Connection closed by authenticating user root 198.51.100.11 port 41000 [preauth]", "connection_closed", F, Some("198.51.100.11")),
    ("packet.c", "sshd-session", "Connection closed by invalid user admin 198.51.100.11 port 41000 [preauth]", "connection_closed", F, Some("198.51.100.11")),
    ("packet.c", "sshd-session", "Connection closed by 198.51.100.11 port 41000 [preauth]", "connection_closed", P, Some("198.51.100.11")),
    ("packet.c", "sshd-session", "Connection closed by user alice 10.0.0.5 port 50100", "connection_closed", N, Some("10.0.0.5")),
    ("packet.c", "sshd-session", "Connection reset by authenticating user root 198.51.100.12 port 41000 [preauth]", "connection_reset", F, Some("198.51.100.12")),
    ("packet.c", "sshd-session", "Connection reset by 198.51.100.12 port 41000 [preauth]", "connection_reset", P, Some("198.51.100.12")),
    ("packet.c", "sshd-session", "Disconnected from authenticating user root 198.51.100.13 port 41000 [preauth]", "disconnected", F, Some("198.51.100.13")),
    ("packet.c", "sshd-session", "Disconnected from 198.51.100.13 port 41000 [preauth]", "disconnected", P, Some("198.51.100.13")),
    ("packet.c", "sshd-session", "Disconnected from user alice 10.0.0.5 port 50100", "disconnected", N, Some("10.0.0.5")),
    ("packet.c", "sshd-session", "Connection from authenticating user root 198.51.100.14 port 41000 timed out", "connection_timed_out", F, Some("198.51.100.14")),
    ("packet.c", "sshd-session", "Received disconnect from 198.51.100.15 port 41000:11: Bye Bye [preauth]", "received_disconnect", P, Some("198.51.100.15")),
    ("packet.c", "sshd-session", "Received disconnect from 198.51.100.15 port 41000:14: No supported authentication methods available [preauth]", "received_disconnect", F, Some("198.51.100.15")),
    ("packet.c", "sshd-session", "Received disconnect from 10.0.0.5 port 50100:11: disconnected by user", "received_disconnect", N, Some("10.0.0.5")),
    ("packet.c", "sshd-session", "ssh_dispatch_run_fatal: Connection from 198.51.100.16 port 41000: message authentication code incorrect [preauth]", "dispatch_run_fatal", P, Some("198.51.100.16")),
    ("packet.c", "sshd-session", "ssh_dispatch_run_fatal: Connection from invalid user admin 198.51.100.16 port 41000: Connection corrupted [preauth]", "dispatch_run_fatal", F, Some("198.51.100.16")),
    ("packet.c", "sshd-session", "Unable to negotiate with 198.51.100.17 port 41000: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1 [preauth]", "unable_to_negotiate", P, Some("198.51.100.17")),
    // kex.c / sshd-session.c identification exchange
    ("kex.c", "sshd-session", "error: kex_exchange_identification: client sent invalid protocol identifier \"GET / HTTP/1.1\"", "kex_exchange_identification", P, None),
    ("kex.c", "sshd-session", "error: kex_exchange_identification: Connection closed by remote host", "kex_exchange_identification", P, None),
    ("kex.c", "sshd-session", "error: kex_exchange_identification: banner line contains invalid characters", "kex_exchange_identification", P, None),
    ("sshd-session.c", "sshd-session", "banner exchange: Connection from 198.51.100.18 port 41000: invalid format", "banner_exchange_invalid", P, Some("198.51.100.18")),
    ("sshd-session.c", "sshd-session", "banner exchange: Connection from 198.51.100.18 port 41000: Connection timed out", "banner_exchange_invalid", P, Some("198.51.100.18")),
    ("sshd.c (< 7.9)", "sshd", "Did not receive identification string from 198.51.100.19 port 41000", "no_identification", P, Some("198.51.100.19")),
    ("sshd.c (< 7.9)", "sshd", "Bad protocol version identification 'GET / HTTP/1.1' from 198.51.100.19 port 41000", "bad_protocol_version", P, Some("198.51.100.19")),
    ("sshd-session.c", "sshd-session", "fatal: Timeout before authentication for 198.51.100.20 port 41000", "auth_timeout", P, Some("198.51.100.20")),
    ("sshd-session.c", "sshd-session", "Connection from 198.51.100.21 port 41000 on 10.0.0.1 port 22 rdomain \"\"", "connection_from", N, Some("198.51.100.21")),
    // sshd.c listener: MaxStartups and 9.8+ penalties (srclimit.c)
    ("sshd.c", "sshd", "drop connection #10 from [198.51.100.22]:41000 on [10.0.0.1]:22 past MaxStartups", "drop_connection", P, Some("198.51.100.22")),
    ("sshd.c", "sshd", "drop connection #0 from [198.51.100.23]:41000 on [10.0.0.1]:22 penalty: failed authentication", "drop_connection", P, Some("198.51.100.23")),
    ("sshd.c", "sshd", "drop connection #0 from [2001:db8::23]:41000 on [2001:db8::1]:22 penalty: exceeded LoginGraceTime", "drop_connection", P, Some("2001:db8::23")),
    ("srclimit.c", "sshd", "srclimit_penalise: ipv4: new 198.51.100.23/32 active penalty of 30.000 seconds for penalty: failed authentication", "penalty", N, None),
    ("sshd.c", "sshd", "refused connect from scanner.example (198.51.100.24)", "refused_connect", P, Some("198.51.100.24")),
    // session.c / pam_unix session bookkeeping
    ("session.c", "sshd-session", "Starting session: shell on pts/0 for alice from 10.0.0.5 port 50100 id 0", "other", N, None),
    ("pam_unix", "sshd-session", "pam_unix(sshd:session): session opened for user alice(uid=1000) by alice(uid=0)", "session_opened", N, None),
    ("pam_unix", "sshd-session", "pam_unix(sshd:session): session closed for user alice", "session_closed", N, None),
    ("sshd.c", "sshd", "Server listening on 0.0.0.0 port 22.", "other", N, None),
];

#[test]
fn every_openssh_message_is_classified() {
    let mut bad = Vec::new();
    for (file, prog, msg, kind, class, host) in OPENSSH {
        let line = format!("Mar  3 10:00:00 srv {prog}[77]: {msg}");
        let mut p = SshParser::new(SshOptions {
            year: Some(2026),
            stateful: false,
            ..Default::default()
        });
        let Some(e) = p.parse_line(
            &line,
            Origin {
                file: "t".into(),
                line: 1,
            },
        ) else {
            bad.push(format!("{file}: no event: {msg}"));
            continue;
        };
        let got_host = e.src_ip.map(|i| i.to_string()).or(e.src_host.clone());
        let got = (e.kind.as_str(), e.attempt, got_host.as_deref());
        let want = (format!("ssh.{kind}"), *class, *host);
        if (got.0, got.1, got.2) != (want.0.as_str(), want.1, want.2) {
            bad.push(format!("{file}: {msg}\n   want {want:?}\n   got  {got:?}"));
        }
    }
    println!("{} OpenSSH messages", OPENSSH.len());
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
