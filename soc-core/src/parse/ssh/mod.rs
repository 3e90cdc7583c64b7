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
//! and turned into an [`Event`](crate::model::Event) with `kind = "ssh.<kind>"`.
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
mod parser;
mod pid_map;
#[cfg(test)]
mod props;
mod reader;
mod record;
mod segment;
mod shapes;
mod state;
mod stream;
mod texts;
mod unjoined;

pub use addr::{parse_remote, parse_remote_ref, Remote, RemoteRef};
pub use classify::{classify, classify_ref};
pub use kind::{AuthMethod, SshKind};
pub use message::{SshMessage, SshMessageRef};
pub(crate) use parallel::BlockParser;
pub use parser::{SshOptions, SshParser};
pub use reader::{default_threads, Reader};
pub use record::{SshRecord, SshRecordRef};
pub use stream::{ShardFn, Tag};
