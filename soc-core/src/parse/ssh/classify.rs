//! Classification of one sshd message (the text after `sshd[pid]: `),
//! borrowing every field from the message: no allocation.

use std::borrow::Cow;

use super::addr::{host_port, parse_remote_ref, RemoteRef};
use super::attrib::{from_at_end, no_tail, spaced_rev, via_tail};
use super::header::find_byte;
use super::kind::SshKind;
use super::message::{SshMessage, SshMessageRef};
use super::shapes::{auth_line, connection_id, drop_connection, user_from_end, user_host_port};

/// Classifies one sshd message (with the `sshd[pid]: ` prefix removed) into
/// an owned [`SshMessage`]; see [`classify_ref`].
///
/// ```
/// use soc_core::parse::ssh::{classify, SshKind};
/// let m = classify("Failed password for root from 192.0.2.1 port 22 ssh2").unwrap();
/// assert_eq!(m.kind, SshKind::FailedAuth);
/// assert_eq!(m.remote.unwrap().to_string(), "192.0.2.1");
/// ```
pub fn classify(msg: &str) -> Option<SshMessage> {
    classify_ref(msg).map(|m| m.to_owned_message())
}

/// Classifies one sshd message (with the `sshd[pid]: ` prefix removed).
/// Unknown messages give [`SshKind::Other`]; `None` only for text that is
/// not an sshd message at all (used for prefix-less input).
///
/// ```
/// use soc_core::parse::ssh::{classify_ref, SshKind};
/// let m = classify_ref("Invalid user  from 192.0.2.68 port 34916").unwrap();
/// assert_eq!(m.kind, SshKind::InvalidUser);
/// assert_eq!(m.user.as_deref(), Some(""));
/// assert_eq!(m.port, Some(34916));
/// ```
pub fn classify_ref(msg: &str) -> Option<SshMessageRef<'_>> {
    let mut msg = match msg.as_bytes().last() {
        Some(c) if c.is_ascii_whitespace() || *c >= 0x80 => msg.trim_end(),
        _ => msg,
    };
    // Solaris: "[ID 800047 auth.info] "
    if msg.starts_with("[ID ") {
        if let Some(i) = msg.find("] ") {
            msg = &msg[i + 2..];
        }
    }
    // Kernel-style timestamps some relays add: "kernel:[  970.69]: " / "kernel: [ 970.69] ".
    if let Some(r) = msg.strip_prefix("kernel:") {
        if let Some(i) = r.find(']') {
            msg = r[i + 1..].trim_start_matches(':').trim_start();
        }
    }
    let mut preauth = false;
    if msg.ends_with(']') {
        if let Some(m) = msg.strip_suffix(" [preauth]") {
            msg = m;
            preauth = true;
        }
    }
    if msg.starts_with("error: ") {
        msg = &msg[7..];
    }
    if msg.starts_with("fatal: ") {
        msg = &msg[7..];
    }
    let mut m = classify_body(msg)?;
    m.preauth = preauth;
    Some(m)
}

fn with(kind: SshKind, remote: Option<RemoteRef<'_>>, port: Option<u16>) -> SshMessageRef<'_> {
    let mut m = SshMessageRef::new(kind);
    m.remote = remote;
    m.port = port;
    m
}

fn classify_body(msg: &str) -> Option<SshMessageRef<'_>> {
    use SshKind::*;
    let first = *msg.as_bytes().first()?;
    match first {
        b'F' => {
            if let Some(r) = msg.strip_prefix("Failed ") {
                return Some(auth_line(FailedAuth, r));
            }
        }
        b'A' => {
            if let Some(r) = msg.strip_prefix("Accepted ") {
                // " for " nearly always follows the method (one token).
                let has_for = find_byte(r.as_bytes(), b' ')
                    .is_some_and(|i| r.as_bytes()[i..].starts_with(b" for "))
                    || r.contains(" for ");
                if r.starts_with("key ") || !has_for {
                    // "Accepted key RSA SHA256:... found at ...": not a login
                    return Some(SshMessageRef::new(Other));
                }
                return Some(auth_line(Accepted, r));
            }
            if msg.starts_with("Address ") && msg.contains("POSSIBLE BREAK-IN") {
                let mut m = SshMessageRef::new(PossibleBreakIn);
                let tok = msg[8..].split(' ').next().unwrap_or("");
                m.remote = parse_remote_ref(tok);
                m.detail = msg
                    .split(" maps to ")
                    .nth(1)
                    .and_then(|s| s.split(',').next())
                    .map(Cow::Borrowed);
                return Some(m);
            }
        }
        b'I' => {
            if let Some(r) = msg
                .strip_prefix("Invalid user ")
                .or_else(|| msg.strip_prefix("Illegal user "))
            {
                let mut m = SshMessageRef::new(InvalidUser);
                m.invalid_user = true;
                if !user_from_end(&mut m, r, no_tail) {
                    m.user = Some(Cow::Borrowed(r));
                }
                return Some(m);
            }
        }
        b'p' => {
            if let Some(r) = msg.strip_prefix("pam_unix(sshd:auth): authentication failure;") {
                let mut m = SshMessageRef::new(PamAuthFailure);
                // The tokens of `r.split(' ')`, found with the SWAR search.
                let mut rest = Some(r);
                let mut seen_rhost = false;
                while let Some(cur) = rest {
                    let kv = match find_byte(cur.as_bytes(), b' ') {
                        Some(i) => {
                            rest = cur.get(i + 1..);
                            cur.get(..i).unwrap_or("")
                        }
                        None => {
                            rest = None;
                            cur
                        }
                    };
                    if let Some(v) = kv.strip_prefix("rhost=") {
                        // The first one: `user=` (client text) comes after it.
                        if !seen_rhost {
                            m.remote = parse_remote_ref(v);
                            seen_rhost = true;
                        }
                    } else if let Some(v) = kv.strip_prefix("user=") {
                        m.user = Some(Cow::Borrowed(v));
                    } else if let Some(v) = kv.strip_prefix("ruser=") {
                        if !v.is_empty() {
                            m.detail = Some(Cow::Borrowed(kv));
                        }
                    }
                }
                return Some(m);
            }
            if let Some(r) = msg.strip_prefix("pam_unix(sshd:session): session ") {
                let (kind, r) = if let Some(r) = r.strip_prefix("opened for user ") {
                    (SessionOpened, r)
                } else if let Some(r) = r.strip_prefix("closed for user ") {
                    (SessionClosed, r)
                } else {
                    return Some(SshMessageRef::new(Other));
                };
                let mut m = SshMessageRef::new(kind);
                let user = r.split([' ', '(']).next().unwrap_or("");
                m.user = Some(Cow::Borrowed(user));
                return Some(m);
            }
        }
        b'P' => {
            if let Some(r) = msg.strip_prefix("PAM: ") {
                let mut m = SshMessageRef::new(PamError);
                let r = r.split_once(" for ").map_or(r, |x| x.1);
                let r = r
                    .strip_prefix("illegal user ")
                    .or_else(|| r.strip_prefix("invalid user "))
                    .inspect(|_| m.invalid_user = true)
                    .unwrap_or(r);
                user_from_end(&mut m, r, via_tail);
                return Some(m);
            }
            if let Some(r) = msg.strip_prefix("Postponed ") {
                return Some(auth_line(Postponed, r));
            }
            if let Some(r) = msg.strip_prefix("Partial ") {
                return Some(auth_line(Postponed, r));
            }
        }
        b'C' => {
            for (p, kind) in [
                ("Connection closed by ", ConnectionClosed),
                ("Connection reset by ", ConnectionReset),
            ] {
                if let Some(r) = msg.strip_prefix(p) {
                    return Some(user_host_port(kind, r));
                }
            }
            if let Some(r) = msg.strip_prefix("Connection from ") {
                if let Some(id) = r.strip_suffix(" timed out") {
                    return Some(user_host_port(ConnectionTimedOut, id));
                }
                let (remote, port, _) = host_port(r).unzip3();
                return Some(with(ConnectionFrom, remote, port));
            }
        }
        b'D' => {
            if let Some(r) = msg.strip_prefix("Disconnected from ") {
                return Some(user_host_port(Disconnected, r));
            }
            if let Some(r) = msg.strip_prefix("Disconnecting: ") {
                let mut m =
                    SshMessageRef::new(if r.starts_with("Too many authentication failures") {
                        TooManyAuthFailures
                    } else {
                        Disconnecting
                    });
                if let Some((_, u)) = r.split_once(" for ") {
                    m.user = Some(Cow::Borrowed(u));
                }
                m.detail = Some(Cow::Borrowed(r));
                return Some(m);
            }
            if let Some(r) = msg.strip_prefix("Disconnecting ") {
                // "Disconnecting invalid user U H port P: reason"
                return Some(connection_id(Disconnecting, r));
            }
            if let Some(r) = msg.strip_prefix("Did not receive identification string from ") {
                let (remote, port, _) = host_port(r).unzip3();
                return Some(with(NoIdentification, remote, port));
            }
        }
        b'm' => {
            if let Some(r) = msg.strip_prefix("maximum authentication attempts exceeded for ") {
                let mut m = SshMessageRef::new(MaxAuthAttempts);
                let r = r
                    .strip_prefix("invalid user ")
                    .inspect(|_| m.invalid_user = true)
                    .unwrap_or(r);
                user_from_end(&mut m, r, no_tail);
                return Some(m);
            }
        }
        b'B' => {
            if let Some(r) = msg.strip_prefix("Bad protocol version identification ") {
                let mut m = SshMessageRef::new(BadProtocolVersion);
                if let Some(f) = from_at_end(r, false, no_tail) {
                    m.detail = Some(Cow::Borrowed(f.before.trim_matches('\'')));
                    m.remote = Some(f.remote);
                    m.port = f.port;
                }
                return Some(m);
            }
        }
        b'b' => {
            if let Some(r) = msg.strip_prefix("banner exchange: Connection from ") {
                return Some(connection_id(BannerExchangeInvalid, r));
            }
        }
        b'k' => {
            if let Some(r) = msg.strip_prefix("kex_exchange_identification: ") {
                let mut m = SshMessageRef::new(KexExchangeIdentification);
                m.detail = Some(Cow::Borrowed(r));
                return Some(m);
            }
        }
        b'U' => {
            if let Some(r) = msg.strip_prefix("Unable to negotiate ") {
                let mut m = SshMessageRef::new(UnableToNegotiate);
                if let Some(r) = r.strip_prefix("with ") {
                    let (remote, port, rest) = host_port(r).unzip3();
                    m.remote = remote;
                    m.port = port;
                    m.detail = rest.map(|s| Cow::Borrowed(s.trim_start_matches(": ")));
                } else {
                    m.detail = Some(Cow::Borrowed(r));
                }
                return Some(m);
            }
            if let Some(r) = msg.strip_prefix("User ") {
                let at = spaced_rev(r.as_bytes(), b" not allowed because ").next();
                if let Some((head, reason)) = at.map(|i| (&r[..i], &r[i + 21..])) {
                    let mut m = SshMessageRef::new(NotAllowed);
                    m.detail = Some(Cow::Borrowed(reason));
                    if !user_from_end(&mut m, head, no_tail) {
                        m.user = Some(Cow::Borrowed(head));
                    }
                    return Some(m);
                }
            }
        }
        b'd' => {
            if let Some(r) = msg.strip_prefix("drop connection #") {
                return Some(drop_connection(r));
            }
        }
        b'i' => {
            if let Some(u) = msg.strip_prefix("input_userauth_request: invalid user ") {
                let mut m = SshMessageRef::new(InvalidUser);
                m.invalid_user = true;
                m.user = Some(Cow::Borrowed(u));
                return Some(m);
            }
        }
        b'n' if msg.starts_with("no matching ") => {
            let mut m = SshMessageRef::new(UnableToNegotiate);
            m.detail = Some(Cow::Borrowed(msg));
            return Some(m);
        }
        b's' => {
            if let Some(r) = msg.strip_prefix("ssh_dispatch_run_fatal: Connection from ") {
                return Some(connection_id(DispatchRunFatal, r));
            }
            if let Some(r) = msg.strip_prefix("srclimit_penalise: ") {
                let mut m = SshMessageRef::new(Penalty);
                m.detail = Some(Cow::Borrowed(r));
                return Some(m);
            }
        }
        b'T' => {
            if let Some(r) = msg.strip_prefix("Timeout before authentication for ") {
                let r = r.strip_prefix("connection from ").unwrap_or(r);
                let (remote, port, _) = host_port(r).unzip3();
                return Some(with(AuthTimeout, remote, port));
            }
        }
        b'R' => {
            if let Some(r) = msg.strip_prefix("ROOT LOGIN REFUSED FROM ") {
                let (remote, port, _) = host_port(r).unzip3();
                let mut m = with(RootLoginRefused, remote, port);
                m.user = Some("root".into());
                return Some(m);
            }
            if let Some(r) = msg.strip_prefix("Received disconnect from ") {
                let (remote, port, rest) = host_port(r).unzip3();
                let mut m = with(ReceivedDisconnect, remote, port);
                m.detail = rest.map(|s| Cow::Borrowed(s.trim_start_matches(':').trim_start()));
                return Some(m);
            }
        }
        b'r' => {
            if let Some(r) = msg.strip_prefix("refused connect from ") {
                let mut m = SshMessageRef::new(RefusedConnect);
                let inner = r
                    .rfind(" (")
                    .and_then(|i| r[i + 2..].strip_suffix(')'))
                    .unwrap_or_else(|| r.rsplit('@').next().unwrap_or(r));
                m.remote = parse_remote_ref(inner);
                return Some(m);
            }
            if msg.starts_with("reverse mapping checking") {
                let mut m = SshMessageRef::new(PossibleBreakIn);
                // "... for NAME [IP] failed": NAME comes from DNS (client-controlled).
                let head = msg.rsplit_once("] failed").map_or(msg, |x| x.0);
                if let Some(a) = head.rfind(" [") {
                    m.remote = parse_remote_ref(&head[a + 2..]);
                }
                m.detail = msg
                    .split(" for ")
                    .nth(1)
                    .and_then(|s| s.split(' ').next())
                    .map(Cow::Borrowed);
                return Some(m);
            }
        }
        _ => {}
    }
    Some(SshMessageRef::new(Other))
}

trait Unzip3<'a> {
    fn unzip3(self) -> (Option<RemoteRef<'a>>, Option<u16>, Option<&'a str>);
}

impl<'a> Unzip3<'a> for Option<(RemoteRef<'a>, Option<u16>, &'a str)> {
    fn unzip3(self) -> (Option<RemoteRef<'a>>, Option<u16>, Option<&'a str>) {
        match self {
            Some((r, p, rest)) => (Some(r), p, Some(rest)),
            None => (None, None, None),
        }
    }
}
