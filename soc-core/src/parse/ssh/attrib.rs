//! Where OpenSSH wrote the client's address, following its own format
//! strings, so that no user name (attacker text) can choose the source.
//!
//! * Messages whose address ends the line (`Invalid user %s from %s port
//!   %d`, `maximum authentication attempts exceeded for %s from %s port %d
//!   ssh2`, `Connection closed by [invalid|authenticating user %s] %s port
//!   %d`, `PAM: ... for %s from %s`, ...): the user comes first, so the
//!   address is the one that ends the line ([`from_at_end`]).
//! * `Failed`/`Accepted`/`Postponed`/`Partial` (`auth.c` `auth_log`:
//!   `%s %s for %s%.100s from %.200s port %d ssh2%s%s`): the `: <info>`
//!   suffix exists only where the method records it: key type and
//!   fingerprint for `publickey` (plus `ID <key id> (serial N) CA <type>
//!   <fp>` for certificates), key and quoted client user/host for
//!   `hostbased`, nothing for `password`, `keyboard-interactive`, `none`,
//!   `gssapi-with-mic`. A `from H port N ssh2` counts only when what
//!   follows it is exactly what the method can write ([`auth_from`]).
//!   When more than one address still fits (certificate key ids and
//!   hostbased client names are client text too) the line is ambiguous.
//! * `Disconnecting <id>: <reason>` and `<tag>: Connection from <id>:
//!   <error>`: every `H port N: ` is a candidate ([`id_candidates`]).

use super::addr::{host_port, RemoteRef};
use super::header::find_byte;

/// One address found in a message, with the text before it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Found<'a> {
    pub before: &'a str,
    pub remote: RemoteRef<'a>,
    pub port: Option<u16>,
}

/// The addresses that fit a message's format.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Attribution<'a> {
    /// None fits.
    Nothing,
    /// Exactly one address fits (possibly at several places).
    One(Found<'a>),
    /// Several different addresses fit; the first is the leftmost.
    Ambiguous(Vec<Found<'a>>),
}

impl<'a> Attribution<'a> {
    fn add(self, f: Found<'a>) -> Attribution<'a> {
        match self {
            Attribution::Nothing => Attribution::One(f),
            Attribution::One(g) if g.remote == f.remote => Attribution::One(g),
            Attribution::One(g) => Attribution::Ambiguous(vec![g, f]),
            Attribution::Ambiguous(mut v) => {
                if !v.iter().any(|x| x.remote == f.remote) && v.len() < 8 {
                    v.push(f);
                }
                Attribution::Ambiguous(v)
            }
        }
    }
}

/// Every start of `needle` (which begins with a space) in `hay`, left to
/// right: a hop from space to space, cheaper on these short lines than
/// building a substring searcher per call.
pub(crate) fn spaced<'h>(hay: &'h [u8], needle: &'static [u8]) -> impl Iterator<Item = usize> + 'h {
    memchr::memchr_iter(b' ', hay).filter(move |&i| hay[i..].starts_with(needle))
}

/// [`spaced`] right to left, a byte at a time: the needles sought this way
/// sit a few bytes before the end, closer than `memrchr`'s setup pays for.
pub(crate) fn spaced_rev<'h>(
    hay: &'h [u8],
    needle: &'static [u8],
) -> impl Iterator<Item = usize> + 'h {
    (0..hay.len())
        .rev()
        .filter(move |&i| hay[i] == b' ' && hay[i..].starts_with(needle))
}

/// Start offsets of the host after every ` from ` in `s` (and after a
/// leading `from ` when `lead`), with the offset where `from` began.
fn froms(s: &str, lead: bool) -> impl Iterator<Item = (usize, usize)> + '_ {
    let b = s.as_bytes();
    let lead_hit = (lead && b.starts_with(b"from ")).then_some((0, 5));
    lead_hit
        .into_iter()
        .chain(spaced(b, b" from ").map(|i| (i, i + 6)))
}

/// `... from HOST[ port N][ ssh1|ssh2]` where that address ends `s` (or is
/// followed by a tail `tail_ok` accepts, such as PAM's ` via <local>`).
/// The user name comes before it, so it cannot move it.
pub(crate) fn from_at_end<'a>(
    s: &'a str,
    lead: bool,
    tail_ok: fn(&str) -> bool,
) -> Option<Found<'a>> {
    let b = s.as_bytes();
    let lead_hit = (lead && b.starts_with(b"from ")).then_some((0, 5));
    let hits = spaced_rev(b, b" from ").map(|i| (i, i + 6));
    for (i, at) in hits.chain(lead_hit) {
        if let Some((remote, port, after)) = host_port(&s[at..]) {
            if after.is_empty() || tail_ok(after) {
                return Some(Found {
                    before: &s[..i],
                    remote,
                    port,
                });
            }
        }
    }
    None
}

/// Whether `tail` is ` via <one token>` (PAM's local address).
pub(crate) fn via_tail(tail: &str) -> bool {
    tail.strip_prefix(" via ")
        .is_some_and(|t| !t.is_empty() && !t.contains(' '))
}

/// Never accepts a tail.
pub(crate) fn no_tail(_: &str) -> bool {
    false
}

/// One token: non-empty, no space.
#[inline]
fn token(s: &str) -> bool {
    !s.is_empty() && !s.contains(' ')
}

/// `TYPE FP` (a key as `auth2-pubkey.c` records it), or the certificate
/// form `TYPE FP ID <key id> (serial N) CA TYPE FP`.
fn key_info(info: &str) -> bool {
    let Some((ty, rest)) = info.split_once(' ') else {
        return false;
    };
    if !token(ty) {
        return false;
    }
    if token(rest) {
        return true;
    }
    // certificate
    let Some((fp, rest)) = rest.split_once(" ID ") else {
        return false;
    };
    if !token(fp) {
        return false;
    }
    let Some(i) = rest.rfind(" (serial ") else {
        return false;
    };
    let tail = &rest[i + 9..];
    let Some((serial, ca)) = tail.split_once(") CA ") else {
        return false;
    };
    serial.bytes().all(|c| c.is_ascii_digit())
        && !serial.is_empty()
        && ca
            .split_once(' ')
            .is_some_and(|(t, f)| token(t) && token(f))
}

/// `TYPE FP, client user "U", client host "H"` (`auth2-hostbased.c`).
fn hostbased_info(info: &str) -> bool {
    let Some((key, rest)) = info.split_once(", client user \"") else {
        return false;
    };
    key.split_once(' ')
        .is_some_and(|(t, f)| token(t) && token(f))
        && rest.ends_with('"')
        && rest.contains("\", client host \"")
}

/// Whether `after` (what follows `H port N` and the protocol) is what
/// `auth_log` writes for `method` over `proto`.
fn info_ok(method: &str, ssh1: bool, after: &str) -> bool {
    if after.is_empty() {
        return true;
    }
    let Some(info) = after.strip_prefix(": ") else {
        return false;
    };
    if ssh1 {
        // SSH-1 rhosts methods recorded `ruser <name>` after any method.
        return true;
    }
    match method {
        "publickey" => key_info(info),
        "hostbased" => hostbased_info(info) || key_info(info),
        "password" | "none" => false,
        m if m.starts_with("keyboard-interactive") || m.starts_with("gssapi") => false,
        // Methods this reader does not know: any info.
        _ => true,
    }
}

/// The address of `<user> from H port N ssh2[: <info>]` (the text after
/// `Failed <method> for [invalid user ]`), by `auth_log`'s format for
/// `method` (see the module docs). `auth_line` spells this out, to skip
/// building an [`Attribution`] for the common shape.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn auth_from<'a>(rest: &'a str, method: &str) -> Attribution<'a> {
    match auth_fast(rest, method) {
        Some(f) => Attribution::One(f),
        None => auth_scan(rest, method),
    }
}

/// The common `USER from H port N ssh2[: TYPE FP]` with a one-token user:
/// the first candidate, when nothing else can fit. `None` otherwise.
#[inline]
pub(crate) fn auth_fast<'a>(rest: &'a str, method: &str) -> Option<Found<'a>> {
    let b = rest.as_bytes();
    // Fast path: a one-token user and the address ending the line, or
    // followed by a one-key info: nothing else can fit then.
    if let Some(sp) = find_byte(b, b' ') {
        if sp > 0 && b[sp..].starts_with(b" from ") {
            if let Some((remote, Some(port), after)) = host_port(&rest[sp + 6..]) {
                let simple = after.is_empty()
                    || (method == "publickey"
                        && after
                            .strip_prefix(": ")
                            .and_then(|i| i.split_once(' '))
                            .is_some_and(|(t, f)| token(t) && token(f)));
                if simple {
                    return Some(Found {
                        before: &rest[..sp],
                        remote,
                        port: Some(port),
                    });
                }
            }
        }
    }
    None
}

/// [`auth_from`] without the fast path: every candidate checked.
pub(crate) fn auth_scan<'a>(rest: &'a str, method: &str) -> Attribution<'a> {
    let mut with_port = Attribution::Nothing;
    for (i, at) in froms(rest, true) {
        let Some((remote, port, after)) = host_port(&rest[at..]) else {
            continue;
        };
        if port.is_none() {
            continue;
        }
        let ssh1 = rest[at..rest.len() - after.len()].ends_with(" ssh1");
        if info_ok(method, ssh1, after) {
            with_port = with_port.add(Found {
                before: &rest[..i],
                remote,
                port,
            });
        }
    }
    if with_port != Attribution::Nothing {
        return with_port;
    }
    // Old formats without a port: the address ends the line.
    match from_at_end(rest, true, no_tail) {
        Some(f) => Attribution::One(f),
        None => Attribution::Nothing,
    }
}

/// Candidates `<id> H port N: <rest>` of `Disconnecting <id>: <reason>` and
/// `<tag>: Connection from <id>: <error>`: every `H port N: ` whose host
/// parses; `before` is the text before the host.
pub(crate) fn id_candidates(s: &str) -> Attribution<'_> {
    let mut out = Attribution::Nothing;
    for i in spaced(s.as_bytes(), b" port ") {
        let host_start = s[..i].rfind(' ').map_or(0, |j| j + 1);
        let Some((remote, port, after)) = host_port(&s[host_start..]) else {
            continue;
        };
        if port.is_none() || !(after.is_empty() || after.starts_with(": ")) {
            continue;
        }
        let before = s[..host_start]
            .strip_suffix(' ')
            .unwrap_or(&s[..host_start]);
        out = out.add(Found {
            before,
            remote,
            port,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(a: Attribution<'_>) -> String {
        match a {
            Attribution::One(f) => f.remote.to_remote().to_string(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn auth_info_follows_the_method() {
        let ip = |r, m| one(auth_from(r, m));
        assert_eq!(
            ip(
                "x from 8.8.8.8 port 22 ssh2: from 203.0.113.5 port 4711 ssh2",
                "password"
            ),
            "203.0.113.5"
        );
        assert_eq!(
            ip(
                "x from 8.8.8.8 port 22 ssh2: RSA SHA256:a from 203.0.113.5 port 4711 ssh2: RSA SHA256:b",
                "publickey"
            ),
            "203.0.113.5"
        );
        assert_eq!(
            ip(
                "root from 192.0.2.1 port 22 ssh2: ED25519 SHA256:x",
                "publickey"
            ),
            "192.0.2.1"
        );
        assert_eq!(
            ip(
                "user from 127.0.0.1 port 20000 ssh1: ruser from 1.2.3.4",
                "password"
            ),
            "127.0.0.1"
        );
        assert_eq!(
            ip("dan from 127.0.0.1 port 45785 ssh2: RSA 8c:e3, client user \"dan\", client host \"l\"", "hostbased"),
            "127.0.0.1"
        );
        assert_eq!(ip("root from 192.0.2.1", "password"), "192.0.2.1");
    }

    #[test]
    fn certificate_key_ids_can_make_a_line_ambiguous() {
        let line = "x from 8.8.8.8 port 22 ssh2: RSA-CERT SHA256:a ID from 203.0.113.5 port 4711 ssh2: RSA-CERT SHA256:b ID k (serial 1) CA ED25519 SHA256:c";
        assert!(matches!(
            auth_from(line, "publickey"),
            Attribution::Ambiguous(_)
        ));
    }

    #[test]
    fn end_anchored() {
        let f = from_at_end(
            "x from 10.0.0.1 port 22 from 203.0.113.5 port 4000",
            true,
            no_tail,
        )
        .unwrap();
        assert_eq!(f.remote.to_remote().to_string(), "203.0.113.5");
        assert_eq!(f.before, "x from 10.0.0.1 port 22");
        let f = from_at_end("james from 1.2.3.4 via 192.168.1.1", true, via_tail).unwrap();
        assert_eq!(f.remote.to_remote().to_string(), "1.2.3.4");
    }

    #[test]
    fn id_candidates_of_disconnecting() {
        let a = id_candidates("invalid user a 192.0.2.9 port 5: Too many authentication failures");
        assert_eq!(one(a), "192.0.2.9");
        let a = id_candidates(
            "invalid user a 8.8.8.8 port 22: x 192.0.2.9 port 5: Too many authentication failures",
        );
        assert!(matches!(a, Attribution::Ambiguous(_)));
    }
}
