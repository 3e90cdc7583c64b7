//! Message shapes several sshd messages share: the `Failed|Accepted`
//! authentication line, the `<remote id>: <reason>` of disconnects and
//! fatal errors, `[authenticating|invalid user U] H port P`, and the
//! listener's `drop connection` line. Each sets the source by
//! [`super::attrib`]'s rules.

use std::borrow::Cow;

use super::addr::parse_remote_ref;
use super::attrib::{
    auth_fast, auth_scan, from_at_end, id_candidates, spaced_rev, Attribution, Found,
};
use super::header::find_byte;
use super::kind::SshKind;
use super::message::SshMessageRef;

#[inline]
/// Reads `<user> from <host>[ port <n>]` ending `r` (or followed by a tail
/// `tail_ok` accepts) into `m`; false when `r` has no such end.
pub(super) fn user_from_end<'a>(
    m: &mut SshMessageRef<'a>,
    r: &'a str,
    tail_ok: fn(&str) -> bool,
) -> bool {
    match from_at_end(r, true, tail_ok) {
        Some(f) => {
            m.user = Some(Cow::Borrowed(f.before));
            m.remote = Some(f.remote);
            m.port = f.port;
            true
        }
        None => false,
    }
}

/// Sets `m`'s address from `a`; an ambiguous one leaves it unset and
/// lists the candidates. Returns the text before the (first) address.
#[inline]
fn attribute<'a>(m: &mut SshMessageRef<'a>, a: Attribution<'a>) -> Option<&'a str> {
    match a {
        Attribution::Nothing => None,
        Attribution::One(Found {
            before,
            remote,
            port,
        }) => {
            m.remote = Some(remote);
            m.port = port;
            Some(before)
        }
        Attribution::Ambiguous(v) => {
            m.ambiguous = true;
            let before = v.first().map(|f| f.before);
            m.candidates = Some(v.into_iter().map(|f| f.remote).collect());
            before
        }
    }
}

/// `Failed|Accepted <method> for [invalid user] U from H port P ssh2[: ...]`.
pub(super) fn auth_line(kind: SshKind, r: &str) -> SshMessageRef<'_> {
    let mut m = SshMessageRef::new(kind);
    // The method is one token: " for " nearly always follows the first space.
    let (method, rest) = match find_byte(r.as_bytes(), b' ') {
        Some(i) if r[i..].starts_with(" for ") => (&r[..i], &r[i + 5..]),
        _ => r.split_once(" for ").unwrap_or((r, "")),
    };
    m.method = Some(Cow::Borrowed(method));
    let rest = match rest.strip_prefix("invalid user ") {
        Some(x) => {
            m.invalid_user = true;
            x
        }
        None => rest,
    };
    // The common shape first: no `Attribution` to build and take apart.
    let user = match auth_fast(rest, method) {
        Some(f) => {
            m.remote = Some(f.remote);
            m.port = f.port;
            Some(f.before)
        }
        None => attribute(&mut m, auth_scan(rest, method)),
    };
    if let Some(user) = user {
        if user == "<invalid username>" {
            m.invalid_user = true;
            m.user = Some(Cow::Borrowed(""));
        } else {
            m.user = Some(Cow::Borrowed(user));
        }
    }
    m
}

/// `<id>: <reason>` where `<id>` is `[authenticating |invalid ]user U H
/// port P` or `H port P` (`Disconnecting ...`, `<tag>: Connection from
/// ...`): every `H port P: ` is a candidate (see [`id_candidates`]).
pub(super) fn connection_id(kind: SshKind, r: &str) -> SshMessageRef<'_> {
    let mut m = SshMessageRef::new(kind);
    let before = attribute(&mut m, id_candidates(r));
    if let Some(before) = before {
        // after "<before> H port P: "
        m.detail = r
            .get(before.len()..)
            .and_then(|t| t.split_once(": "))
            .map(|x| Cow::Borrowed(x.1));
        let who = if let Some(u) = before.strip_prefix("authenticating user ") {
            Some((u, false))
        } else if let Some(u) = before.strip_prefix("invalid user ") {
            Some((u, true))
        } else {
            before.strip_prefix("user ").map(|u| (u, false))
        };
        if let Some((u, inv)) = who {
            m.user = Some(Cow::Borrowed(u));
            m.invalid_user = inv;
        }
    } else if let Some((_, reason)) = r.split_once(": ") {
        m.detail = Some(Cow::Borrowed(reason));
    }
    if kind == SshKind::Disconnecting
        && m.detail
            .as_deref()
            .is_some_and(|d| d.starts_with("Too many authentication failures"))
    {
        m.kind = SshKind::TooManyAuthFailures;
    }
    m
}

/// `N from [H]:P on [L]:N <reason>` of `drop connection #`.
pub(super) fn drop_connection(r: &str) -> SshMessageRef<'_> {
    let mut m = SshMessageRef::new(SshKind::DropConnection);
    let Some(r) = r.split_once(" from [").map(|x| x.1) else {
        return m;
    };
    let Some((host, rest)) = r.split_once("]:") else {
        return m;
    };
    m.remote = parse_remote_ref(host);
    let (port, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    m.port = port.parse().ok();
    // "on [L]:N <reason>"
    m.detail = rest
        .strip_prefix("on [")
        .and_then(|x| x.split_once("]:"))
        .and_then(|x| x.1.split_once(' '))
        .map(|x| Cow::Borrowed(x.1));
    m
}

/// `[authenticating user U |invalid user U |user U ]H[ port P]`.
pub(super) fn user_host_port(kind: SshKind, r: &str) -> SshMessageRef<'_> {
    let mut m = SshMessageRef::new(kind);
    let (who, r) = if let Some(x) = r.strip_prefix("authenticating user ") {
        (Some(false), x)
    } else if let Some(x) = r.strip_prefix("invalid user ") {
        (Some(true), x)
    } else if let Some(x) = r.strip_prefix("user ") {
        (Some(false), x)
    } else {
        (None, r)
    };
    // Take an optional " port N" off the end, then the host is the last token.
    let mut body = r;
    if let Some(i) = spaced_rev(body.as_bytes(), b" port ").next() {
        if let Ok(p) = body[i + 6..].parse::<u16>() {
            m.port = Some(p);
            body = &body[..i];
        }
    }
    let (user, host) = match body.rfind(' ') {
        Some(i) => (&body[..i], &body[i + 1..]),
        None => ("", body),
    };
    m.remote = parse_remote_ref(host);
    if let Some(inv) = who {
        m.invalid_user = inv;
        m.user = Some(Cow::Borrowed(user));
    }
    m
}
