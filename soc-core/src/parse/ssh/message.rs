//! Classification of one sshd message (the text after `sshd[pid]: `).

use serde::Serialize;

use super::addr::{find_from_port, host_port, parse_remote, Remote};

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
    /// `pam_unix(sshd:session): session opened for user U`.
    SessionOpened,
    /// `pam_unix(sshd:session): session closed for user U`.
    SessionClosed,
    /// Any other sshd message.
    Other,
}

impl SshKind {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        use SshKind::*;
        match self {
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
            SessionOpened => "session_opened",
            SessionClosed => "session_closed",
            Other => "other",
        }
    }
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
    fn parse(s: &str) -> AuthMethod {
        match s {
            "password" => AuthMethod::Password,
            "publickey" => AuthMethod::Publickey,
            "none" => AuthMethod::None,
            "hostbased" => AuthMethod::Hostbased,
            s if s.starts_with("keyboard-interactive") => AuthMethod::KeyboardInteractive,
            s => AuthMethod::Other(s.to_string()),
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

impl SshMessage {
    fn new(kind: SshKind) -> SshMessage {
        SshMessage {
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

    /// Whether the message records a failed or illegitimate access attempt
    /// (the same decision as fail2ban's `sshd` filter in normal mode, for
    /// single lines). `Failed publickey` for an existing user is not one
    /// (clients offer several keys before the right one), nor is
    /// `pam_unix(sshd:auth)` (it duplicates the `Failed password` line).
    pub fn is_failure(&self) -> bool {
        use SshKind::*;
        match self.kind {
            FailedAuth => self.invalid_user || !matches!(self.method, Some(AuthMethod::Publickey)),
            InvalidUser | PamError | MaxAuthAttempts | TooManyAuthFailures | RootLoginRefused
            | NotAllowed | RefusedConnect => true,
            Disconnecting => self.invalid_user || self.user.is_some(),
            ReceivedDisconnect => {
                self.preauth
                    || self
                        .detail
                        .as_deref()
                        .is_some_and(|d| d.contains("Auth fail"))
            }
            _ => false,
        }
    }

    /// Whether the message is one password (or key) guess, as counted by
    /// the brute-force detectors; follow-up lines of the same attempt
    /// (`Invalid user`, `Connection closed`, `Disconnecting`, ...) are not.
    pub fn is_attempt(&self) -> bool {
        use SshKind::*;
        match self.kind {
            FailedAuth => self.is_failure(),
            PamError | RootLoginRefused | NotAllowed => true,
            _ => false,
        }
    }
}

/// Classifies one sshd message (with the `sshd[pid]: ` prefix removed).
/// Unknown messages give [`SshKind::Other`]; `None` only for text that is
/// not an sshd message at all (used for prefix-less input).
///
/// ```
/// use soc_core::parse::ssh::{classify, SshKind};
/// let m = classify("Invalid user  from 192.0.2.68 port 34916").unwrap();
/// assert_eq!(m.kind, SshKind::InvalidUser);
/// assert_eq!(m.user.as_deref(), Some(""));
/// assert_eq!(m.port, Some(34916));
/// ```
pub fn classify(msg: &str) -> Option<SshMessage> {
    let mut msg = msg.trim_end();
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
    if let Some(m) = msg.strip_suffix(" [preauth]") {
        msg = m;
        preauth = true;
    }
    for p in ["error: ", "fatal: "] {
        if let Some(m) = msg.strip_prefix(p) {
            msg = m;
        }
    }
    let mut m = classify_body(msg)?;
    m.preauth = preauth;
    Some(m)
}

fn with(kind: SshKind, remote: Option<Remote>, port: Option<u16>) -> SshMessage {
    let mut m = SshMessage::new(kind);
    m.remote = remote;
    m.port = port;
    m
}

fn classify_body(msg: &str) -> Option<SshMessage> {
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
                return Some(auth_line(Accepted, r));
            }
            if msg.starts_with("Address ") && msg.contains("POSSIBLE BREAK-IN") {
                let mut m = SshMessage::new(PossibleBreakIn);
                let tok = msg[8..].split(' ').next().unwrap_or("");
                m.remote = parse_remote(tok);
                m.detail = msg
                    .split(" maps to ")
                    .nth(1)
                    .and_then(|s| s.split(',').next())
                    .map(str::to_string);
                return Some(m);
            }
        }
        b'I' => {
            if let Some(r) = msg
                .strip_prefix("Invalid user ")
                .or_else(|| msg.strip_prefix("Illegal user "))
            {
                let mut m = SshMessage::new(InvalidUser);
                m.invalid_user = true;
                let r2 = format!(" {r}");
                if let Some(fp) = find_from_port(&r2) {
                    m.user = Some(fp.before.get(1..).unwrap_or("").to_string());
                    m.remote = Some(fp.remote);
                    m.port = fp.port;
                } else {
                    m.user = Some(r.to_string());
                }
                return Some(m);
            }
        }
        b'p' => {
            if let Some(r) = msg.strip_prefix("pam_unix(sshd:auth): authentication failure;") {
                let mut m = SshMessage::new(PamAuthFailure);
                for kv in r.split(' ') {
                    if let Some(v) = kv.strip_prefix("rhost=") {
                        m.remote = parse_remote(v);
                    } else if let Some(v) = kv.strip_prefix("user=") {
                        m.user = Some(v.to_string());
                    } else if let Some(v) = kv.strip_prefix("ruser=") {
                        if !v.is_empty() {
                            m.detail = Some(format!("ruser={v}"));
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
                    return Some(SshMessage::new(Other));
                };
                let mut m = SshMessage::new(kind);
                let user = r.split([' ', '(']).next().unwrap_or("");
                m.user = Some(user.to_string());
                return Some(m);
            }
        }
        b'P' => {
            if let Some(r) = msg.strip_prefix("PAM: ") {
                let mut m = SshMessage::new(PamError);
                let r = r.split_once(" for ").map_or(r, |x| x.1);
                let r = r
                    .strip_prefix("illegal user ")
                    .or_else(|| r.strip_prefix("invalid user "))
                    .inspect(|_| m.invalid_user = true)
                    .unwrap_or(r);
                let r2 = format!(" {r}");
                if let Some(fp) = find_from_port(&r2) {
                    m.user = Some(fp.before.get(1..).unwrap_or("").to_string());
                    m.remote = Some(fp.remote);
                    m.port = fp.port;
                }
                return Some(m);
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
                let (remote, port, _) = host_port(r).unzip3();
                return Some(with(ConnectionFrom, remote, port));
            }
        }
        b'D' => {
            if let Some(r) = msg.strip_prefix("Disconnected from ") {
                return Some(user_host_port(Disconnected, r));
            }
            if let Some(r) = msg.strip_prefix("Disconnecting: ") {
                let mut m = SshMessage::new(if r.starts_with("Too many authentication failures") {
                    TooManyAuthFailures
                } else {
                    Disconnecting
                });
                if let Some((_, u)) = r.split_once(" for ") {
                    m.user = Some(u.to_string());
                }
                m.detail = Some(r.to_string());
                return Some(m);
            }
            if let Some(r) = msg.strip_prefix("Disconnecting ") {
                // "Disconnecting invalid user U H port P: reason"
                let (head, reason) = r.split_once(": ").unwrap_or((r, ""));
                let mut m = user_host_port(Disconnecting, head);
                if reason.starts_with("Too many authentication failures") {
                    m.kind = TooManyAuthFailures;
                }
                m.detail = Some(reason.to_string());
                return Some(m);
            }
            if let Some(r) = msg.strip_prefix("Did not receive identification string from ") {
                let (remote, port, _) = host_port(r).unzip3();
                return Some(with(NoIdentification, remote, port));
            }
        }
        b'm' => {
            if let Some(r) = msg.strip_prefix("maximum authentication attempts exceeded for ") {
                let mut m = SshMessage::new(MaxAuthAttempts);
                let r = r
                    .strip_prefix("invalid user ")
                    .inspect(|_| m.invalid_user = true)
                    .unwrap_or(r);
                let r2 = format!(" {r}");
                if let Some(fp) = find_from_port(&r2) {
                    m.user = Some(fp.before.get(1..).unwrap_or("").to_string());
                    m.remote = Some(fp.remote);
                    m.port = fp.port;
                }
                return Some(m);
            }
        }
        b'B' => {
            if let Some(r) = msg.strip_prefix("Bad protocol version identification ") {
                let mut m = SshMessage::new(BadProtocolVersion);
                if let Some(fp) = find_from_port(r) {
                    m.detail = Some(fp.before.trim_matches('\'').to_string());
                    m.remote = Some(fp.remote);
                    m.port = fp.port;
                }
                return Some(m);
            }
        }
        b'b' => {
            if let Some(r) = msg.strip_prefix("banner exchange: Connection from ") {
                let (remote, port, rest) = host_port(r).unzip3();
                let mut m = with(BannerExchangeInvalid, remote, port);
                m.detail = rest.map(|s| s.trim_start_matches(": ").to_string());
                return Some(m);
            }
        }
        b'k' => {
            if let Some(r) = msg.strip_prefix("kex_exchange_identification: ") {
                let mut m = SshMessage::new(KexExchangeIdentification);
                m.detail = Some(r.to_string());
                return Some(m);
            }
        }
        b'U' => {
            if let Some(r) = msg.strip_prefix("Unable to negotiate ") {
                let mut m = SshMessage::new(UnableToNegotiate);
                if let Some(r) = r.strip_prefix("with ") {
                    let (remote, port, rest) = host_port(r).unzip3();
                    m.remote = remote;
                    m.port = port;
                    m.detail = rest.map(|s| s.trim_start_matches(": ").to_string());
                } else {
                    m.detail = Some(r.to_string());
                }
                return Some(m);
            }
            if let Some(r) = msg.strip_prefix("User ") {
                if let Some((head, reason)) = r.split_once(" not allowed because ") {
                    let mut m = SshMessage::new(NotAllowed);
                    m.detail = Some(reason.to_string());
                    let h2 = format!(" {head}");
                    if let Some(fp) = find_from_port(&h2) {
                        m.user = Some(fp.before.get(1..).unwrap_or("").to_string());
                        m.remote = Some(fp.remote);
                        m.port = fp.port;
                    } else {
                        m.user = Some(head.to_string());
                    }
                    return Some(m);
                }
            }
        }
        b'n' if msg.starts_with("no matching ") => {
            let mut m = SshMessage::new(UnableToNegotiate);
            m.detail = Some(msg.to_string());
            return Some(m);
        }
        b's' => {
            if let Some(r) = msg.strip_prefix("ssh_dispatch_run_fatal: Connection from ") {
                let r = r
                    .strip_prefix("invalid user ")
                    .or_else(|| r.strip_prefix("authenticating user "))
                    .map(|x| x.split_once(' ').map_or(x, |y| y.1))
                    .unwrap_or(r);
                let (remote, port, rest) = host_port(r).unzip3();
                let mut m = with(DispatchRunFatal, remote, port);
                m.detail = rest.map(|s| s.trim_start_matches(": ").to_string());
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
                m.detail = rest.map(|s| s.trim_start_matches(':').trim_start().to_string());
                return Some(m);
            }
        }
        b'r' => {
            if let Some(r) = msg.strip_prefix("refused connect from ") {
                let mut m = SshMessage::new(RefusedConnect);
                let inner = r
                    .rfind(" (")
                    .and_then(|i| r[i + 2..].strip_suffix(')'))
                    .unwrap_or_else(|| r.rsplit('@').next().unwrap_or(r));
                m.remote = parse_remote(inner);
                return Some(m);
            }
            if msg.starts_with("reverse mapping checking") {
                let mut m = SshMessage::new(PossibleBreakIn);
                if let (Some(a), Some(b)) = (msg.find('['), msg.find(']')) {
                    if a < b {
                        m.remote = parse_remote(&msg[a + 1..b]);
                    }
                }
                m.detail = msg
                    .split(" for ")
                    .nth(1)
                    .and_then(|s| s.split(' ').next())
                    .map(str::to_string);
                return Some(m);
            }
        }
        _ => {}
    }
    Some(SshMessage::new(Other))
}

/// `Failed|Accepted <method> for [invalid user] U from H port P ssh2[: ...]`.
fn auth_line(kind: SshKind, r: &str) -> SshMessage {
    let mut m = SshMessage::new(kind);
    let (method, rest) = r.split_once(" for ").unwrap_or((r, ""));
    m.method = Some(AuthMethod::parse(method));
    let rest = match rest.strip_prefix("invalid user ") {
        Some(x) => {
            m.invalid_user = true;
            x
        }
        None => rest,
    };
    let r2 = format!(" {rest}");
    if let Some(fp) = find_from_port(&r2) {
        let user = fp.before.get(1..).unwrap_or("");
        if user == "<invalid username>" {
            m.invalid_user = true;
            m.user = Some(String::new());
        } else {
            m.user = Some(user.to_string());
        }
        m.remote = Some(fp.remote);
        m.port = fp.port;
    }
    m
}

/// `[authenticating user U |invalid user U |user U ]H[ port P]`.
fn user_host_port(kind: SshKind, r: &str) -> SshMessage {
    let mut m = SshMessage::new(kind);
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
    if let Some(i) = body.rfind(" port ") {
        if let Ok(p) = body[i + 6..].parse::<u16>() {
            m.port = Some(p);
            body = &body[..i];
        }
    }
    let (user, host) = match body.rfind(' ') {
        Some(i) => (&body[..i], &body[i + 1..]),
        None => ("", body),
    };
    m.remote = parse_remote(host);
    if let Some(inv) = who {
        m.invalid_user = inv;
        m.user = Some(user.to_string());
    }
    m
}

trait Unzip3<'a> {
    fn unzip3(self) -> (Option<Remote>, Option<u16>, Option<&'a str>);
}

impl<'a> Unzip3<'a> for Option<(Remote, Option<u16>, &'a str)> {
    fn unzip3(self) -> (Option<Remote>, Option<u16>, Option<&'a str>) {
        match self {
            Some((r, p, rest)) => (Some(r), p, Some(rest)),
            None => (None, None, None),
        }
    }
}
