//! The message kinds and authentication methods of sshd.

use serde::Serialize;

/// The kind of an sshd message. `Event.kind` is `ssh.` + [`SshKind::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SshKind {
    /// `Failed <method> for [invalid user] U from H port P ssh2`.
    FailedAuth,
    /// `Invalid user U from H port P` (also `Illegal user`).
    InvalidUser,
    /// `Accepted <method> for U from H port P ssh2`.
    Accepted,
    /// `pam_unix(sshd:auth): authentication failure; ... rhost=H user=U`.
    PamAuthFailure,
    /// `error: PAM: Authentication failure for U from H` (and `authentication error`, `User not known ...`).
    PamError,
    /// `Connection closed by [authenticating|invalid user U] H port P [preauth]`.
    ConnectionClosed,
    /// `Connection reset by [authenticating|invalid user U] H port P [preauth]`.
    ConnectionReset,
    /// `Disconnected from [invalid|authenticating user U] H port P`.
    Disconnected,
    /// `Disconnecting invalid user U H port P: <reason>` (other than too many failures).
    Disconnecting,
    /// `error: maximum authentication attempts exceeded for U from H port P ssh2`.
    MaxAuthAttempts,
    /// `Disconnecting: Too many authentication failures [for U]` (often without address).
    TooManyAuthFailures,
    /// `Did not receive identification string from H`.
    NoIdentification,
    /// `Bad protocol version identification '...' from H`.
    BadProtocolVersion,
    /// `kex_exchange_identification: ...`.
    KexExchangeIdentification,
    /// `banner exchange: Connection from H port P: invalid format`.
    BannerExchangeInvalid,
    /// `Unable to negotiate with H port P: no matching ...` (or without address).
    UnableToNegotiate,
    /// `ssh_dispatch_run_fatal: Connection from H port P: ...`.
    DispatchRunFatal,
    /// `Timeout before authentication for H port P`.
    AuthTimeout,
    /// `ROOT LOGIN REFUSED FROM H`.
    RootLoginRefused,
    /// `User U from H not allowed because ...`.
    NotAllowed,
    /// `refused connect from ... (H)` (tcpwrappers).
    RefusedConnect,
    /// `Received disconnect from H port P:CODE: reason`.
    ReceivedDisconnect,
    /// `... POSSIBLE BREAK-IN ATTEMPT!` (reverse DNS mismatch).
    PossibleBreakIn,
    /// `Connection from H port P on L port N`.
    ConnectionFrom,
    /// `drop connection #N from [H]:P on [L]:N past MaxStartups` or
    /// `... penalty: <reason>` (OpenSSH 9.8+ `PerSourcePenalties`).
    DropConnection,
    /// `Connection from [authenticating|invalid user U] H port P timed out`.
    ConnectionTimedOut,
    /// `Postponed|Partial <method> for U from H port P ssh2` (a step of a
    /// multi-step authentication, not a result).
    Postponed,
    /// `srclimit_penalise: ... penalty ...`: sshd penalising a source (the
    /// lines that caused it are counted themselves).
    Penalty,
    /// `pam_unix(sshd:session): session opened for user U`.
    SessionOpened,
    /// `pam_unix(sshd:session): session closed for user U`.
    SessionClosed,
    /// Any other sshd message.
    Other,
}

/// `as_str` and `event_kind` from one table, so the two never disagree.
macro_rules! kind_names {
    ($($v:ident => $s:literal,)*) => {
        impl SshKind {
            /// The snake_case name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(SshKind::$v => $s,)*
                }
            }

            /// The [`Event`](crate::model::Event) kind: `ssh.` + [`SshKind::as_str`].
            pub fn event_kind(self) -> &'static str {
                match self {
                    $(SshKind::$v => concat!("ssh.", $s),)*
                }
            }
        }
    };
}

kind_names! {
    FailedAuth => "failed_auth",
    InvalidUser => "invalid_user",
    Accepted => "accepted",
    PamAuthFailure => "pam_auth_failure",
    PamError => "pam_error",
    ConnectionClosed => "connection_closed",
    ConnectionReset => "connection_reset",
    Disconnected => "disconnected",
    Disconnecting => "disconnecting",
    MaxAuthAttempts => "max_auth_attempts",
    TooManyAuthFailures => "too_many_auth_failures",
    NoIdentification => "no_identification",
    BadProtocolVersion => "bad_protocol_version",
    KexExchangeIdentification => "kex_exchange_identification",
    BannerExchangeInvalid => "banner_exchange_invalid",
    UnableToNegotiate => "unable_to_negotiate",
    DispatchRunFatal => "dispatch_run_fatal",
    AuthTimeout => "auth_timeout",
    RootLoginRefused => "root_login_refused",
    NotAllowed => "not_allowed",
    RefusedConnect => "refused_connect",
    ReceivedDisconnect => "received_disconnect",
    PossibleBreakIn => "possible_break_in",
    ConnectionFrom => "connection_from",
    DropConnection => "drop_connection",
    ConnectionTimedOut => "connection_timed_out",
    Postponed => "postponed",
    Penalty => "penalty",
    SessionOpened => "session_opened",
    SessionClosed => "session_closed",
    Other => "other",
}

/// Authentication method of `Failed` / `Accepted` lines.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthMethod {
    /// `password`.
    Password,
    /// `publickey`.
    Publickey,
    /// `keyboard-interactive` (also `keyboard-interactive/pam`).
    KeyboardInteractive,
    /// `none`.
    None,
    /// `hostbased`.
    Hostbased,
    /// Anything else (`gssapi-with-mic`, `unknown`, ...), as written.
    Other(String),
}

impl AuthMethod {
    pub(crate) fn parse(s: &str) -> AuthMethod {
        match s {
            "password" => AuthMethod::Password,
            "publickey" => AuthMethod::Publickey,
            "none" => AuthMethod::None,
            "hostbased" => AuthMethod::Hostbased,
            s if s.starts_with("keyboard-interactive") => AuthMethod::KeyboardInteractive,
            s => AuthMethod::Other(s.to_string()),
        }
    }

    /// The name of the method written as `raw` (`keyboard-interactive/pam`
    /// gives `keyboard-interactive`), without allocating.
    pub(crate) fn name_of(raw: &str) -> &str {
        if raw.starts_with("keyboard-interactive") {
            "keyboard-interactive"
        } else {
            raw
        }
    }

    /// The name as sshd writes it.
    pub fn as_str(&self) -> &str {
        match self {
            AuthMethod::Password => "password",
            AuthMethod::Publickey => "publickey",
            AuthMethod::KeyboardInteractive => "keyboard-interactive",
            AuthMethod::None => "none",
            AuthMethod::Hostbased => "hostbased",
            AuthMethod::Other(s) => s,
        }
    }
}
