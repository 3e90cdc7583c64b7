//! The attempt class of each sshd message ([`Attempt`]), and how a
//! connection's lines count together (see the table in the parent module).

use super::kind::SshKind;
use super::message::SshMessageRef;
use crate::model::Attempt;

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
        d.contains("Auth fail")
            || d.contains("authentication methods available")
            || d.contains("Too many authentication failures")
    })
}

/// Whether a `Failed <method>` line is a failed attempt on its own.
fn failed_counts(m: &SshMessageRef<'_>) -> bool {
    match m.method.as_deref() {
        Some("none") => false,
        Some("publickey") => m.invalid_user,
        _ => true,
    }
}

/// The role of `m`.
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
        FailedAuth if failed_counts(m) => Role::Auth,
        FailedAuth | Postponed | PamAuthFailure => Role::Named,
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
