//! The attempt class of each sshd message ([`Attempt`]), and how a
//! connection's lines count together (see the table in the parent module).

use super::kind::SshKind;
use super::message::SshMessageRef;
use crate::model::Attempt;

// Per-connection counting flags (bits of the parser's per-pid state): the
// connection named a user; a failure was counted;
// a connection's announced failure waits for its first `Failed` line
// (which then does not count again); a probe was counted; an attempt's
// announced failure waits for its `Failed` line.
const NAMED: u8 = 1 << 1;
const COUNTED: u8 = 1 << 2;
const CREDIT: u8 = 1 << 3;
const PROBED: u8 = 1 << 4;
const CREDIT_ATTEMPT: u8 = 1 << 5;
/// A failure counted on a line without an address waits for the next line
/// of the connection that has one (`User root not allowed because account
/// is locked`, then `Received disconnect from H ...`).
const PENDING: u8 = 1 << 6;
/// The same for a probe (`kex_exchange_identification: ...`, then `banner
/// exchange: Connection from H ...` or `Connection closed by H ...`).
const PENDING_PROBE: u8 = 1 << 7;

/// What a message means for counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Announces the connection's attempts, once per connection (`Invalid
    /// user`, `not allowed`): one failure, which the first `Failed` line
    /// then does not repeat.
    Announce,
    /// Announces one attempt whose `Failed` line follows (`PAM:
    /// Authentication failure`, `ROOT LOGIN REFUSED`): one failure, which
    /// that `Failed` line then does not repeat.
    AnnounceAttempt,
    /// An attempt refused outright (`Change of username or service not
    /// allowed`: the client tried another user): always one failure.
    Refused,
    /// A failed authentication (`Failed password`, `Failed publickey for
    /// invalid user`, ...).
    Auth,
    /// Names the user of the connection without being a result (`Failed
    /// publickey` for an existing user: clients offer keys in turn;
    /// `Failed none`; `Postponed`; `pam_unix(sshd:auth)`).
    Named,
    /// Ends a connection before authentication: one failure if the
    /// connection named a user and nothing counted yet; else, with
    /// `probe`, one probe.
    End { probe: bool },
    /// Pre-authentication activity that is no login attempt.
    Probe,
    /// A successful authentication.
    Success,
    /// Bookkeeping.
    Nothing,
}

/// Client disconnect reasons that say authentication was tried.
fn auth_tried(detail: Option<&str>) -> bool {
    detail.is_some_and(|d| {
        // Each phrase has "uth": one pass over the bytes before three searches.
        d.as_bytes().windows(3).any(|w| w == b"uth")
            && (d.contains("Auth fail")
                || d.contains("authentication methods available")
                || d.contains("Too many authentication failures"))
    })
}

/// The role of a `Failed <method>` line: a guess for passwords and the
/// like; for `none` (a request for the method list) and `publickey`
/// (clients offer their keys in turn) only the user counts: an invalid
/// user announces the connection's attempt, a valid one is named.
fn failed_role(m: &SshMessageRef<'_>) -> Role {
    match (m.method.as_deref(), m.invalid_user) {
        (Some("none" | "publickey"), true) => Role::Announce,
        (Some("none" | "publickey"), false) => Role::Named,
        _ => Role::Auth,
    }
}

/// The role of `m`.
#[inline]
pub(crate) fn role(m: &SshMessageRef<'_>) -> Role {
    use SshKind::*;
    match m.kind {
        InvalidUser | NotAllowed => Role::Announce,
        PamError | RootLoginRefused => Role::AnnounceAttempt,
        Disconnecting
            if m.detail
                .as_deref()
                .is_some_and(|d| d.starts_with("Change of username")) =>
        {
            Role::Refused
        }
        FailedAuth => failed_role(m),
        Postponed | PamAuthFailure => Role::Named,
        Accepted => Role::Success,
        ConnectionClosed | ConnectionReset | Disconnected => {
            if m.preauth {
                Role::End { probe: true }
            } else {
                Role::Nothing
            }
        }
        ReceivedDisconnect => {
            if m.preauth || auth_tried(m.detail.as_deref()) {
                Role::End { probe: true }
            } else {
                Role::Nothing
            }
        }
        DispatchRunFatal => {
            if m.preauth {
                Role::End { probe: true }
            } else {
                Role::Nothing
            }
        }
        MaxAuthAttempts | TooManyAuthFailures | Disconnecting => Role::End { probe: false },
        AuthTimeout | ConnectionTimedOut => Role::End { probe: true },
        NoIdentification
        | BadProtocolVersion
        | KexExchangeIdentification
        | BannerExchangeInvalid
        | UnableToNegotiate
        | RefusedConnect
        | DropConnection => Role::Probe,
        _ => Role::Nothing,
    }
}

/// Whether the line itself names the user of a connection that tried to
/// authenticate (`authenticating user U`, `invalid user U`, `for U`), or
/// the client said authentication failed.
pub(crate) fn names_user(m: &SshMessageRef<'_>) -> bool {
    m.user.is_some() || m.invalid_user || auth_tried(m.detail.as_deref())
}

/// The class of `m` read alone (no other line of its connection known).
#[inline]
pub(crate) fn alone(m: &SshMessageRef<'_>) -> Option<Attempt> {
    match role(m) {
        Role::Announce | Role::AnnounceAttempt | Role::Refused | Role::Auth => {
            Some(Attempt::Failure)
        }
        Role::End { probe } => {
            if names_user(m) {
                Some(Attempt::Failure)
            } else {
                probe.then_some(Attempt::Probe)
            }
        }
        Role::Probe => Some(Attempt::Probe),
        Role::Success => Some(Attempt::Success),
        Role::Named | Role::Nothing => None,
    }
}

/// How one line of a connection counts: its attempt class, and whether it
/// records an attempt an earlier line of the connection already counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Counted {
    /// The class counted on this line.
    pub attempt: Option<Attempt>,
    /// The class of the attempt this line records again (see
    /// [`Event::continues`](crate::model::Event::continues)).
    pub continues: Option<Attempt>,
}

/// The class of `m`, a line of the connection whose counting flags are
/// `flags` (updated): the per-connection rules of the table in the module
/// docs of [`super`].
pub(crate) fn count(m: &SshMessageRef<'_>, flags: &mut u8) -> Counted {
    let attributed = m.remote.is_some();
    // An earlier line counted this line's attempt (not one still waiting
    // for its address: that one counts on a later line).
    let counted_before = *flags & PENDING == 0;
    let mut continues = None;
    let mut attempt = match role(m) {
        Role::Announce => {
            *flags |= NAMED;
            if *flags & (CREDIT | CREDIT_ATTEMPT) != 0 {
                continues = counted_before.then_some(Attempt::Failure);
                None
            } else {
                *flags |= CREDIT | COUNTED;
                Some(Attempt::Failure)
            }
        }
        Role::AnnounceAttempt => {
            *flags |= NAMED;
            if *flags & CREDIT != 0 {
                // The connection's announced failure is this attempt.
                *flags = (*flags & !CREDIT) | CREDIT_ATTEMPT;
                continues = counted_before.then_some(Attempt::Failure);
                None
            } else {
                // (a previous announced attempt without its Failed line
                // still counted once)
                *flags |= CREDIT_ATTEMPT | COUNTED;
                Some(Attempt::Failure)
            }
        }
        Role::Refused => {
            *flags |= NAMED | COUNTED;
            Some(Attempt::Failure)
        }
        Role::Auth => {
            *flags |= NAMED;
            if *flags & (CREDIT | CREDIT_ATTEMPT) != 0 {
                *flags &= !(CREDIT | CREDIT_ATTEMPT);
                continues = counted_before.then_some(Attempt::Failure);
                None
            } else {
                *flags |= COUNTED;
                Some(Attempt::Failure)
            }
        }
        Role::Named => {
            *flags |= NAMED;
            None
        }
        Role::End { probe } => {
            if *flags & COUNTED != 0 {
                None
            } else if *flags & NAMED != 0 || names_user(m) {
                *flags |= COUNTED;
                Some(Attempt::Failure)
            } else if !probe || *flags & PROBED != 0 {
                None
            } else {
                if attributed {
                    *flags |= PROBED;
                }
                Some(Attempt::Probe)
            }
        }
        Role::Probe => {
            if *flags & (PROBED | COUNTED) != 0 {
                if *flags & PROBED != 0 {
                    continues = Some(Attempt::Probe);
                }
                None
            } else {
                if attributed {
                    *flags |= PROBED;
                }
                Some(Attempt::Probe)
            }
        }
        Role::Success => Some(Attempt::Success),
        Role::Nothing => None,
    };
    if !attributed && attempt == Some(Attempt::Failure) {
        *flags |= PENDING;
        attempt = None;
    } else if !attributed && attempt == Some(Attempt::Probe) {
        *flags |= PENDING_PROBE;
        attempt = None;
    } else if attributed && *flags & PENDING != 0 {
        *flags &= !(PENDING | PENDING_PROBE);
        if attempt != Some(Attempt::Success) {
            attempt = Some(Attempt::Failure);
            *flags |= COUNTED;
        }
    } else if attributed && *flags & PENDING_PROBE != 0 {
        *flags &= !PENDING_PROBE;
        if attempt.is_none() && *flags & (PROBED | COUNTED) == 0 {
            attempt = Some(Attempt::Probe);
        }
        if attempt == Some(Attempt::Probe) {
            *flags |= PROBED;
        }
    }
    if attempt.is_some() {
        continues = None;
    }
    Counted { attempt, continues }
}
