//! One classified sshd message, borrowed ([`SshMessageRef`], what the
//! parser produces without allocating) or owned ([`SshMessage`]).

use std::borrow::Cow;

use serde::Serialize;

use super::addr::{Remote, RemoteRef};
use super::kind::{AuthMethod, SshKind};

/// One classified sshd message: its [`SshKind`] plus the fields the kind
/// carries (user, remote address or host name, port, method, ...). Fields a
/// kind does not have are `None`/`false`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SshMessage {
    /// What the message says.
    pub kind: SshKind,
    /// User name as written (may be empty or contain spaces).
    pub user: Option<String>,
    /// The client address or host name.
    pub remote: Option<Remote>,
    /// The client port.
    pub port: Option<u16>,
    /// Authentication method.
    pub method: Option<AuthMethod>,
    /// The user does not exist (`invalid user`, `illegal user`, `<invalid username>`).
    pub invalid_user: bool,
    /// The line ends with `[preauth]`.
    pub preauth: bool,
    /// Kind-specific detail: disconnect reason, refusal reason, banner, ...
    pub detail: Option<String>,
}

/// [`SshMessage`] borrowing its text from the line: the same fields, with
/// the method as written (`keyboard-interactive/pam`). Strings are
/// [`Cow::Borrowed`] except where the parser had to build them (a user
/// filled in from an earlier line, an escaped journal field).
#[derive(Debug, Clone, PartialEq)]
pub struct SshMessageRef<'a> {
    /// What the message says.
    pub kind: SshKind,
    /// User name as written (may be empty or contain spaces).
    pub user: Option<Cow<'a, str>>,
    /// The client address or host name.
    pub remote: Option<RemoteRef<'a>>,
    /// The client port.
    pub port: Option<u16>,
    /// Authentication method as written; see [`SshMessageRef::auth_method`].
    pub method: Option<Cow<'a, str>>,
    /// The user does not exist (`invalid user`, `illegal user`, `<invalid username>`).
    pub invalid_user: bool,
    /// The line ends with `[preauth]`.
    pub preauth: bool,
    /// Kind-specific detail: disconnect reason, refusal reason, banner, ...
    pub detail: Option<Cow<'a, str>>,
}

/// The failure decision of [`SshMessage::is_failure`], on plain fields.
fn failure(
    kind: SshKind,
    invalid_user: bool,
    publickey: bool,
    has_user: bool,
    preauth: bool,
    detail: Option<&str>,
) -> bool {
    use SshKind::*;
    match kind {
        FailedAuth => invalid_user || !publickey,
        InvalidUser | PamError | MaxAuthAttempts | TooManyAuthFailures | RootLoginRefused
        | NotAllowed | RefusedConnect => true,
        Disconnecting => invalid_user || has_user,
        ReceivedDisconnect => preauth || detail.is_some_and(|d| d.contains("Auth fail")),
        _ => false,
    }
}

/// Whether a message of `kind` that is (or is not) a failure is one guess.
fn attempt(kind: SshKind, is_failure: bool) -> bool {
    use SshKind::*;
    match kind {
        FailedAuth => is_failure,
        PamError | RootLoginRefused | NotAllowed => true,
        _ => false,
    }
}

impl SshMessage {
    /// Whether the message records a failed or illegitimate access attempt
    /// (the same decision as fail2ban's `sshd` filter in normal mode, for
    /// single lines). `Failed publickey` for an existing user is not one
    /// (clients offer several keys before the right one), nor is
    /// `pam_unix(sshd:auth)` (it duplicates the `Failed password` line).
    pub fn is_failure(&self) -> bool {
        failure(
            self.kind,
            self.invalid_user,
            matches!(self.method, Some(AuthMethod::Publickey)),
            self.user.is_some(),
            self.preauth,
            self.detail.as_deref(),
        )
    }

    /// Whether the message is one password (or key) guess, as counted by
    /// the brute-force detectors; follow-up lines of the same attempt
    /// (`Invalid user`, `Connection closed`, `Disconnecting`, ...) are not.
    pub fn is_attempt(&self) -> bool {
        attempt(self.kind, self.is_failure())
    }

    /// A [`SshMessageRef`] borrowing this message.
    pub fn as_ref(&self) -> SshMessageRef<'_> {
        SshMessageRef {
            kind: self.kind,
            user: self.user.as_deref().map(Cow::Borrowed),
            remote: self.remote.as_ref().map(Remote::as_ref),
            port: self.port,
            method: self.method.as_ref().map(|m| Cow::Borrowed(m.as_str())),
            invalid_user: self.invalid_user,
            preauth: self.preauth,
            detail: self.detail.as_deref().map(Cow::Borrowed),
        }
    }
}

impl<'a> SshMessageRef<'a> {
    pub(crate) fn new(kind: SshKind) -> SshMessageRef<'a> {
        SshMessageRef {
            kind,
            user: None,
            remote: None,
            port: None,
            method: None,
            invalid_user: false,
            preauth: false,
            detail: None,
        }
    }

    /// See [`SshMessage::is_failure`].
    pub fn is_failure(&self) -> bool {
        failure(
            self.kind,
            self.invalid_user,
            self.method.as_deref() == Some("publickey"),
            self.user.is_some(),
            self.preauth,
            self.detail.as_deref(),
        )
    }

    /// See [`SshMessage::is_attempt`].
    pub fn is_attempt(&self) -> bool {
        attempt(self.kind, self.is_failure())
    }

    /// The typed method (allocates only for [`AuthMethod::Other`]).
    pub fn auth_method(&self) -> Option<AuthMethod> {
        self.method.as_deref().map(AuthMethod::parse)
    }

    /// The owned message.
    pub fn to_owned_message(&self) -> SshMessage {
        SshMessage {
            kind: self.kind,
            user: self.user.as_deref().map(str::to_string),
            remote: self.remote.as_ref().map(RemoteRef::to_remote),
            port: self.port,
            method: self.auth_method(),
            invalid_user: self.invalid_user,
            preauth: self.preauth,
            detail: self.detail.as_deref().map(str::to_string),
        }
    }

    /// The same message, owning all its text.
    pub fn into_static(self) -> SshMessageRef<'static> {
        let own = |c: Cow<'a, str>| Cow::Owned(c.into_owned());
        SshMessageRef {
            kind: self.kind,
            user: self.user.map(own),
            remote: self.remote.map(RemoteRef::into_static),
            port: self.port,
            method: self.method.map(own),
            invalid_user: self.invalid_user,
            preauth: self.preauth,
            detail: self.detail.map(own),
        }
    }
}
