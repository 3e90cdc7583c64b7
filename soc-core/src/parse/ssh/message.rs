//! One classified sshd message, borrowed ([`SshMessageRef`], what the
//! parser produces without allocating) or owned ([`SshMessage`]).

use std::borrow::Cow;

use serde::Serialize;

use super::addr::{Remote, RemoteRef};
use super::kind::{AuthMethod, SshKind};
use crate::model::Attempt;

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
    /// More than one address fits OpenSSH's format for this line (user
    /// names and certificate key ids are client text); `remote` is then
    /// only set when the connection's address was already known.
    pub ambiguous: bool,
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
    /// See [`SshMessage::ambiguous`].
    pub ambiguous: bool,
    /// The addresses that fit an ambiguous line (`None` otherwise; boxed
    /// so the message stays within 128 bytes, which the compiler moves
    /// without calling `memcpy`).
    pub candidates: Option<Box<[RemoteRef<'a>]>>,
}

impl SshMessage {
    /// The attempt class of this message read alone, without the other
    /// lines of its connection (see [`SshParser`](super::SshParser) for
    /// the per-connection count).
    pub fn attempt(&self) -> Option<Attempt> {
        self.as_ref().attempt()
    }

    /// Whether [`attempt`](Self::attempt) is a failure.
    pub fn is_failure(&self) -> bool {
        self.attempt() == Some(Attempt::Failure)
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
            ambiguous: self.ambiguous,
            candidates: None,
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
            ambiguous: false,
            candidates: None,
        }
    }

    /// See [`SshMessage::attempt`].
    pub fn attempt(&self) -> Option<Attempt> {
        super::attempt::alone(self)
    }

    /// See [`SshMessage::is_failure`].
    pub fn is_failure(&self) -> bool {
        self.attempt() == Some(Attempt::Failure)
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
            ambiguous: self.ambiguous,
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
            ambiguous: self.ambiguous,
            candidates: self.candidates.map(|c| {
                c.into_vec()
                    .into_iter()
                    .map(RemoteRef::into_static)
                    .collect()
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    /// Messages are moved by value on the hot path; past 128 bytes the
    /// compiler calls `memcpy` for each move (measured: +4% instructions).
    #[test]
    fn message_stays_within_128_bytes() {
        assert!(std::mem::size_of::<super::SshMessageRef<'_>>() <= 128);
    }
}
