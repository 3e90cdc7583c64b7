//! OpenSSH authentication logs.
//!
//! Reads `sshd` / `sshd-session` / `sshd-auth` messages from BSD syslog
//! (`Jan  5 01:31:41 host sshd[1643]: ...`), ISO-timestamped syslog (any
//! number of fraction digits), RFC 5424, `journalctl` (`short`,
//! `short-iso`, `short-precise`, `-o json`, `-o cat`), bare message
//! exports, and these dialects: a `facility.level` token before the
//! program or instead of the host (`host auth.info sshd[1]: ...`), or
//! instead of the program (`2015-05-27T04:31:27.46667 auth.info: Invalid
//! user ...`); a `<PRI>` after a relay's timestamp; `sshd[pid] error:`
//! without the colon; daemontools/s6/runit `multilog` lines (`@4000...`
//! TAI64N labels, and the `2018-06-26 13:22:02.108781500` form
//! `tai64nlocal` prints). A line without a program name is accepted only
//! when its message is a known sshd message. Each message is classified into an [`SshKind`] with its
//! user, remote address (or host name), port and method ([`SshMessage`]),
//! and turned into an [`Event`] with `kind = "ssh.<kind>"`.
//!
//! Non-sshd lines (cron, sudo, ...) give `None`. Unknown sshd messages give
//! an `ssh.other` event, never an error.
//!
//! With [`SshOptions::stateful`] the parser remembers the address of each
//! `sshd[pid]` and fills it into later lines of the same pid that lack one
//! (like fail2ban does for `Disconnecting: Too many authentication failures`).
//!
//! # Attempt classes
//!
//! Every event carries [`Event::attempt`](crate::model::Event::attempt): `failure` (an authentication
//! attempt that failed), `probe` (pre-authentication activity that is no
//! login attempt), `success`, or none (bookkeeping, or a line whose attempt
//! another line of the same connection already counted). One `sshd[pid]`
//! is one connection, so that the number of `failure` events is the number
//! of failed attempts (and `Event::outcome` is `failure` exactly for them):
//!
//! | message (OpenSSH source) | class | how it counts |
//! |---|---|---|
//! | `Failed password\|keyboard-interactive\|hostbased\|gssapi-with-mic for U from H port P ssh2` (auth.c `auth_log`) | failure | one per line, unless the connection's announced failure below is still waiting for its first `Failed` line (then none: counted there) |
//! | `Failed publickey for U ...` (existing user), `Failed none for U ...`, `Postponed`/`Partial ...`, `pam_unix(sshd:auth): authentication failure` | none | clients offer keys in turn, `none` asks for the method list, PAM repeats the `Failed` line; the line names the user of the connection |
//! | `Invalid user U from H port P` (auth.c `getpwnamallow`), `User U from H not allowed because ...` (auth.c `allowed_user`), `input_userauth_request: invalid user U`, `Failed publickey\|none for invalid user U ...` | failure | once per connection; the connection's first `Failed` line then counts none |
//! | `error: PAM: Authentication failure for U from H`, `ROOT LOGIN REFUSED FROM H` | failure | once per attempt; the `Failed` line of that attempt then counts none |
//! | `Disconnecting ...: Change of username or service not allowed` (auth2.c) | failure | always (the client tried another user) |
//! | `Connection closed by\|reset by\|Disconnected from [authenticating\|invalid user U] H port P [preauth]`, `Received disconnect from H port P:N: ... [preauth]` (packet.c `sshpkt_fatal`, `ssh_packet_read_poll2`), `Connection from ... timed out`, `Timeout before authentication for H port P` (sshd-session.c), `<tag>: Connection from ... [preauth]` | failure / probe / none | a connection that named a user (this line or an earlier one) and counted no failure: **one failure** (how a key-only server logs a password guess); one that named no user: one probe; else none |
//! | `maximum authentication attempts exceeded for U from H port P ssh2`, `Disconnecting: Too many authentication failures` (auth.c `auth_maxtries_exceeded`) | failure / none | the end of a connection: one failure only if nothing counted yet |
//! | `Did not receive identification string from H`, `Bad protocol version identification '...' from H`, `kex_exchange_identification: ...`, `banner exchange: Connection from H port P: invalid format`, `Unable to negotiate with H port P: no matching ...` (kex.c, sshd-session.c) | probe | once per connection, on the first line with the source |
//! | `drop connection #N from [H]:P on [L]:N past MaxStartups\|penalty: ...` (sshd.c, OpenSSH 9.8+ srclimit.c), `refused connect from ... (H)` (tcpwrappers) | probe | one per line (a refused connection) |
//! | `Accepted <method> for U from H port P ssh2` | success | one per line |
//! | `srclimit_penalise: ... penalty ...`, `Connection from H port P on L port N`, sessions, `Received disconnect ... disconnected by user`, `POSSIBLE BREAK-IN ATTEMPT`, anything else | none | bookkeeping (penalties and reverse-DNS warnings follow lines counted themselves) |
//!
//! A failure (or probe) on a line without an address (`User root not
//! allowed because account is locked`) waits for the connection's next
//! line with one and counts there. Without the pid join (no pid, or
//! `stateful = false`) each line is classed alone: an `Invalid user` and
//! its `Failed` line then count twice.
//!
//! A line whose attempt an earlier line of its connection already counted
//! (the `Failed` line after `Invalid user` or after `PAM: Authentication
//! failure`, a second `Invalid user`-like line, a second scanner complaint)
//! is still a trace of the attack: its
//! [`Event::continues`](crate::model::Event::continues) names the class of
//! that attempt (`failure` or `probe`) while `attempt` stays `None`.
//! "`attempt` is `failure` or `probe`, or `continues` is set" selects the
//! attack lines; counting `attempt` counts attempts. Connection ends never
//! continue. A connection reads one disconnect message (packet.c), so a
//! second `Received disconnect` on a pid starts another connection.
//!
//! # Which address is the source
//!
//! Log text is written by attackers: a user name may hold `from 8.8.8.8
//! port 22 ssh2`. The source is the address in the position OpenSSH's own
//! format string puts it, per message kind and per authentication method
//! (the `: <info>` suffix of `Failed`/`Accepted` exists only for
//! `publickey` and `hostbased`). Where client text on both sides still
//! lets two addresses fit (certificate key ids, hostbased client names,
//! `Disconnecting` reasons), the event is marked `ambiguous` with its
//! `candidates`, and takes the address already known for the connection,
//! or none.
//!
//! ```
//! use soc_core::parse::ssh::{SshOptions, SshParser};
//! use soc_core::model::Origin;
//! let mut p = SshParser::new(SshOptions { year: Some(2024), ..Default::default() });
//! let o = || Origin { file: "auth.log".into(), line: 1 };
//! let e = p.parse_line("Jan  5 01:31:41 www sshd[9]: Invalid user a b from 10.0.0.1 port 22 from 198.51.100.7 port 4444", o()).unwrap();
//! assert_eq!(e.user.as_deref(), Some("a b from 10.0.0.1 port 22"));
//! assert_eq!(e.src_ip, Some("198.51.100.7".parse().unwrap()));
//! assert!(p.parse_line("Jan  5 01:31:41 www CRON[1]: pam_unix(cron:session): session opened", o()).is_none());
//! ```

mod addr;
mod attempt;
mod attrib;
mod classify;
mod clock;
mod dialect;
mod event;
pub(crate) mod header;
mod ipv6;
mod kind;
mod message;
mod parallel;
#[cfg(test)]
mod props;
mod reader;
mod shapes;
mod state;
mod unjoined;

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use addr::{parse_remote, parse_remote_ref, Remote, RemoteRef};
pub use classify::{classify, classify_ref};
pub use kind::{AuthMethod, SshKind};
pub use message::{SshMessage, SshMessageRef};
pub use reader::{default_threads, Reader};

use crate::error::ParseError;
use crate::model::{Attempt, Event, Origin};
use attempt::Counted;
use clock::Clock;
use state::PidTable;
pub(crate) use unjoined::{parse_unjoined, Unjoined};

/// Options of the SSH parser (embeddable in `soc.toml` as `[ssh]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SshOptions {
    /// Year of BSD-syslog timestamps (which have none). Default: inferred
    /// from `reference` (a date in the future means last year).
    pub year: Option<i32>,
    /// Time zone of timestamps without an offset (IANA name). Default `UTC`.
    pub tz: String,
    /// Reference time for year inference. Default: now.
    pub reference: Option<DateTime<Utc>>,
    /// Join lines without an address to the earlier line of the same
    /// `sshd[pid]`. Default true.
    pub stateful: bool,
    /// Accept lines without any syslog prefix as bare sshd messages
    /// (`journalctl -o cat`, SIEM exports). Default true.
    pub bare: bool,
}

impl Default for SshOptions {
    fn default() -> Self {
        SshOptions {
            year: None,
            tz: "UTC".into(),
            reference: None,
            stateful: true,
            bare: true,
        }
    }
}

/// One parsed sshd line: the header fields and the classified message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SshRecord {
    /// Event time (UTC).
    pub time: Option<DateTime<Utc>>,
    /// Logging host.
    pub host: Option<String>,
    /// Program (`sshd`, `sshd-session`).
    pub program: Option<String>,
    /// Process id.
    pub pid: Option<u32>,
    /// The classified message.
    pub message: SshMessage,
    /// Whether the stateful mode filled the address from an earlier line.
    pub joined: bool,
    /// The attempt class, counted per connection in stateful mode.
    pub attempt: Option<Attempt>,
    /// The class of an attempt an earlier line of the same connection
    /// already counted, which this line records again (see
    /// [`Event::continues`]).
    pub continues: Option<Attempt>,
    /// `attempt == Some(Attempt::Failure)`.
    pub failure: bool,
}

/// [`SshRecord`] borrowing from the line: what [`SshParser::parse_ref`]
/// returns without allocating.
#[derive(Debug, Clone, PartialEq)]
pub struct SshRecordRef<'a> {
    /// Event time (UTC).
    pub time: Option<DateTime<Utc>>,
    /// Logging host.
    pub host: Option<Cow<'a, str>>,
    /// Program (`sshd`, `sshd-session`).
    pub program: Option<&'a str>,
    /// Process id.
    pub pid: Option<u32>,
    /// The classified message.
    pub message: SshMessageRef<'a>,
    /// Whether the stateful mode filled the address from an earlier line.
    pub joined: bool,
    /// The attempt class, counted per connection in stateful mode.
    pub attempt: Option<Attempt>,
    /// The class of an attempt an earlier line of the same connection
    /// already counted, which this line records again (see
    /// [`Event::continues`]).
    pub continues: Option<Attempt>,
    /// `attempt == Some(Attempt::Failure)`.
    pub failure: bool,
}

impl SshRecordRef<'_> {
    /// The owned record.
    pub fn to_record(&self) -> SshRecord {
        SshRecord {
            time: self.time,
            host: self.host.as_deref().map(str::to_string),
            program: self.program.map(str::to_string),
            pid: self.pid,
            message: self.message.to_owned_message(),
            joined: self.joined,
            attempt: self.attempt,
            continues: self.continues,
            failure: self.failure,
        }
    }
}

impl SshRecord {
    /// A [`SshRecordRef`] borrowing this record.
    pub fn as_ref(&self) -> SshRecordRef<'_> {
        SshRecordRef {
            time: self.time,
            host: self.host.as_deref().map(Cow::Borrowed),
            program: self.program.as_deref(),
            pid: self.pid,
            message: self.message.as_ref(),
            joined: self.joined,
            attempt: self.attempt,
            continues: self.continues,
            failure: self.failure,
        }
    }

    /// The normalized event (`raw` is `line`).
    pub fn into_event(self, line: &str, origin: Origin) -> Event {
        self.as_ref().to_event(line, origin)
    }
}

/// The OpenSSH log parser. Keep one per file (it tracks the year across New
/// Year and, in stateful mode, per-pid addresses).
#[derive(Debug)]
pub struct SshParser {
    opts: SshOptions,
    clock: Clock,
    /// Per-pid states (stateful mode).
    pids: PidTable,
}

impl SshParser {
    /// A parser with `opts`. An unknown time zone falls back to UTC; use
    /// [`SshParser::try_new`] to reject it.
    pub fn new(opts: SshOptions) -> SshParser {
        Self::try_new(opts.clone()).unwrap_or_else(|_| {
            Self::try_new(SshOptions {
                tz: "UTC".into(),
                ..opts
            })
            .unwrap_or_else(|_| unreachable!("UTC is a valid zone"))
        })
    }

    /// A parser with `opts`, failing on an unknown time zone name.
    ///
    /// ```
    /// use soc_core::parse::ssh::{SshOptions, SshParser};
    /// assert!(SshParser::try_new(SshOptions { tz: "Mars/Olympus".into(), ..Default::default() }).is_err());
    /// ```
    pub fn try_new(opts: SshOptions) -> Result<SshParser, ParseError> {
        let tz: chrono_tz::Tz = opts.tz.parse().map_err(|_| ParseError::BadOption {
            option: "tz".into(),
            reason: format!(
                "unknown time zone '{}'; use an IANA name such as Europe/Zurich or UTC",
                opts.tz
            ),
        })?;
        let clock = Clock::new(tz, opts.reference.unwrap_or_else(Utc::now), opts.year);
        Ok(SshParser {
            opts,
            clock,
            pids: PidTable::default(),
        })
    }

    /// Parses one line into a typed record; `None` when it is not an sshd
    /// line (or is blank).
    pub fn parse_record(&mut self, line: &str) -> Option<SshRecord> {
        self.parse_ref(line).map(|r| r.to_record())
    }

    /// Parses and classifies one line without allocating (in the common
    /// case): the fields borrow from `line`. [`SshParser::parse_record`]
    /// and [`SshParser::parse_line`] are this plus copies.
    ///
    /// ```
    /// use soc_core::parse::ssh::{SshKind, SshOptions, SshParser};
    /// let mut p = SshParser::new(SshOptions { year: Some(2024), ..Default::default() });
    /// let r = p.parse_ref("Jan  5 01:31:41 www sshd[9]: Failed password for root from 198.51.100.7 port 4444 ssh2").unwrap();
    /// assert_eq!((r.message.kind, r.message.user.as_deref(), r.message.port), (SshKind::FailedAuth, Some("root"), Some(4444)));
    /// assert!(r.failure);
    /// ```
    pub fn parse_ref<'a>(&mut self, line: &'a str) -> Option<SshRecordRef<'a>> {
        let u = parse_unjoined(line, self.opts.bare)?;
        Some(self.join(u))
    }

    /// Finishes a line parsed by [`parse_unjoined`]: resolves its time
    /// (the year inference follows the lines in order) and joins it with
    /// its connection. Lines must come here in input order.
    pub(crate) fn join<'a>(&mut self, u: Unjoined<'a>) -> SshRecordRef<'a> {
        let time = u.stamp.and_then(|s| self.clock.resolve(s));
        self.finish(time, u.host, u.program, u.pid, u.message)
    }

    /// Loads the connection state `u` will join into the cache (see
    /// `PidTable::touch`): call it for a batch of lines before joining them.
    pub(crate) fn touch(&self, u: &Unjoined<'_>) {
        if let (true, Some(pid)) = (self.opts.stateful, u.pid) {
            self.pids.touch(u.host.as_deref(), pid);
        }
    }

    /// Whether bare messages are accepted (see [`SshOptions::bare`]).
    pub(crate) fn bare(&self) -> bool {
        self.opts.bare
    }

    #[inline]
    fn finish<'a>(
        &mut self,
        time: Option<DateTime<Utc>>,
        host: Option<Cow<'a, str>>,
        program: Option<&'a str>,
        pid: Option<u32>,
        mut message: SshMessageRef<'a>,
    ) -> SshRecordRef<'a> {
        let (counted, joined) = match (self.opts.stateful, pid) {
            (true, Some(pid)) => self.pids.join(host.as_deref(), pid, &mut message),
            _ => (
                Counted {
                    attempt: message.attempt(),
                    continues: None,
                },
                false,
            ),
        };
        SshRecordRef {
            time,
            host,
            program,
            pid,
            message,
            joined,
            attempt: counted.attempt,
            continues: counted.continues,
            failure: counted.attempt == Some(Attempt::Failure),
        }
    }

    /// Parses one line into an [`Event`]; `None` when it is not an sshd line.
    /// The event's `attempt` and `continues` are set as counted per
    /// connection; `Event.fields` carries `method`, `invalid_user`,
    /// `preauth`, `pid`, `detail`, `joined`, `ambiguous` and `candidates`
    /// when set.
    pub fn parse_line(&mut self, line: &str, origin: Origin) -> Option<Event> {
        let rec = self.parse_ref(line)?;
        Some(rec.to_event(line, origin))
    }
}
