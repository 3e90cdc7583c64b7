//! OpenSSH authentication logs.
//!
//! Reads `sshd` / `sshd-session` messages from BSD syslog (`Jan  5 01:31:41
//! host sshd[1643]: ...`), ISO-timestamped syslog, RFC 5424, `journalctl`
//! (`short`, `short-iso`, `short-precise`, `-o json`, `-o cat`) and bare
//! message exports. Each message is classified into an [`SshKind`] with its
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
pub(crate) mod header;
mod message;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use addr::{parse_remote, Remote};
pub use message::{classify, AuthMethod, SshKind, SshMessage};

use crate::error::ParseError;
use crate::model::{Event, EventOutcome, Origin};
use header::{parse_header, Clock};

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

/// How many `sshd[pid]` states the stateful mode keeps before forgetting
/// them all (bounded memory).
const MAX_PIDS: usize = 65_536;

#[derive(Debug, Default, Clone)]
struct PidState {
    remote: Option<Remote>,
    port: Option<u16>,
    user: Option<String>,
    pending_failure: bool,
    max_attempts_seen: bool,
    pam_users: Vec<String>,
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
    /// Whether this line counts as a failure (after stateful joining).
    pub failure: bool,
}

/// The OpenSSH log parser. Keep one per file (it tracks the year across New
/// Year and, in stateful mode, per-pid addresses).
#[derive(Debug)]
pub struct SshParser {
    opts: SshOptions,
    clock: Clock,
    /// Per-pid states, each keyed further by host; keyed by pid first so a
    /// lookup needs no allocation.
    pids: HashMap<u32, Vec<(Option<String>, PidState)>>,
    /// Number of (host, pid) states in `pids`.
    npids: usize,
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
            pids: HashMap::new(),
            npids: 0,
        })
    }

    /// Parses one line into a typed record; `None` when it is not an sshd
    /// line (or is blank).
    pub fn parse_record(&mut self, line: &str) -> Option<SshRecord> {
        if line.trim().is_empty() {
            return None;
        }
        if line.as_bytes()[0] == b'{' {
            return self.parse_journal_json(line);
        }
        let h = parse_header(line);
        let is_sshd = |p: &str| p == "sshd" || p == "sshd-session" || p == "sshd-auth";
        let message = match h.program {
            Some(p) if is_sshd(p) => classify(h.msg)?,
            Some(_) if h.stamp.is_some() || h.host.is_some() => return None,
            Some(_) | None => {
                // no recognizable prefix: maybe a bare message
                if !self.opts.bare {
                    return None;
                }
                let m = classify(line)?;
                if m.kind == SshKind::Other {
                    return None;
                }
                return Some(self.finish(None, None, None, None, m));
            }
        };
        let time = h.stamp.and_then(|s| self.clock.resolve(s));
        Some(self.finish(time, h.host, h.program, h.pid, message))
    }

    fn parse_journal_json(&mut self, line: &str) -> Option<SshRecord> {
        #[derive(Deserialize)]
        struct J<'a> {
            #[serde(rename = "MESSAGE", borrow)]
            message: Option<std::borrow::Cow<'a, str>>,
            #[serde(rename = "_PID")]
            pid: Option<std::borrow::Cow<'a, str>>,
            #[serde(rename = "SYSLOG_PID")]
            syslog_pid: Option<std::borrow::Cow<'a, str>>,
            #[serde(rename = "_HOSTNAME")]
            host: Option<std::borrow::Cow<'a, str>>,
            #[serde(rename = "__REALTIME_TIMESTAMP")]
            realtime: Option<std::borrow::Cow<'a, str>>,
            #[serde(rename = "SYSLOG_IDENTIFIER")]
            ident: Option<std::borrow::Cow<'a, str>>,
            #[serde(rename = "_COMM")]
            comm: Option<std::borrow::Cow<'a, str>>,
        }
        let j: J<'_> = serde_json::from_str(line).ok()?;
        let prog = j.ident.as_deref().or(j.comm.as_deref()).unwrap_or("");
        if !(prog == "sshd" || prog == "sshd-session" || prog == "sshd-auth") {
            return None;
        }
        let msg = classify(j.message.as_deref()?)?;
        let time = j
            .realtime
            .as_deref()
            .and_then(|s| s.parse::<i64>().ok())
            .and_then(DateTime::<Utc>::from_timestamp_micros);
        let pid = j
            .syslog_pid
            .as_deref()
            .or(j.pid.as_deref())
            .and_then(|p| p.parse().ok());
        Some(self.finish(time, j.host.as_deref(), Some(prog), pid, msg))
    }

    fn finish(
        &mut self,
        time: Option<DateTime<Utc>>,
        host: Option<&str>,
        program: Option<&str>,
        pid: Option<u32>,
        mut message: SshMessage,
    ) -> SshRecord {
        let mut failure = message.is_failure();
        let mut joined = false;
        if let (true, Some(pid)) = (self.opts.stateful, pid) {
            if self.npids >= MAX_PIDS {
                self.pids.clear();
                self.npids = 0;
            }
            let slot = self.pids.entry(pid).or_default();
            let idx = match slot.iter().position(|(h, _)| h.as_deref() == host) {
                Some(i) => i,
                None => {
                    slot.push((host.map(str::to_string), PidState::default()));
                    self.npids += 1;
                    slot.len() - 1
                }
            };
            let st = &mut slot[idx].1;
            if message.remote.is_none() {
                if let Some(r) = &st.remote {
                    message.remote = Some(r.clone());
                    message.port = message.port.or(st.port);
                    if message.user.is_none() && message.kind == SshKind::TooManyAuthFailures {
                        message.user = st.user.clone();
                    }
                    joined = true;
                } else if message.kind == SshKind::TooManyAuthFailures {
                    // No address yet: the next line of this pid with one is the failure.
                    st.pending_failure = true;
                    failure = false;
                }
            } else {
                if st.pending_failure {
                    st.pending_failure = false;
                    failure = true;
                }
                st.remote = message.remote.clone();
                st.port = message.port.or(st.port);
            }
            if message.user.is_some() && message.kind != SshKind::SessionClosed {
                st.user = message.user.clone();
            }
            if message.kind == SshKind::PamAuthFailure {
                // pam_unix failures duplicate "Failed password"; but a second,
                // different user on the same connection is a guessing attempt.
                let who = message
                    .user
                    .clone()
                    .or_else(|| {
                        message
                            .detail
                            .as_deref()
                            .and_then(|d| d.strip_prefix("ruser="))
                            .map(str::to_string)
                    })
                    .unwrap_or_default();
                if st.pam_users.iter().any(|u| *u != who) {
                    failure = true;
                }
                if st.pam_users.len() < 16 && !st.pam_users.contains(&who) {
                    st.pam_users.push(who);
                }
            }
            if message.kind == SshKind::MaxAuthAttempts {
                st.max_attempts_seen = true;
            } else if message.kind == SshKind::TooManyAuthFailures && st.max_attempts_seen {
                // Already counted by "maximum authentication attempts exceeded".
                failure = false;
            }
            if matches!(message.kind, SshKind::SessionClosed) {
                slot.swap_remove(idx);
                self.npids -= 1;
                if slot.is_empty() {
                    self.pids.remove(&pid);
                }
            }
        }
        SshRecord {
            time,
            host: host.map(str::to_string),
            program: program.map(str::to_string),
            pid,
            message,
            joined,
            failure,
        }
    }

    /// Parses one line into an [`Event`]; `None` when it is not an sshd line.
    /// `Event.fields` carries `method`, `invalid_user`, `preauth`, `pid`,
    /// `detail`, `joined` and `attempt` (one password/key guess) when set.
    pub fn parse_line(&mut self, line: &str, origin: Origin) -> Option<Event> {
        let rec = self.parse_record(line)?;
        Some(rec.into_event(line, origin))
    }
}

impl SshRecord {
    /// The normalized event (`raw` is `line`).
    pub fn into_event(self, line: &str, origin: Origin) -> Event {
        let m = self.message;
        let mut e = Event::new("ssh", format!("ssh.{}", m.kind.as_str()));
        e.time = self.time;
        e.host = self.host;
        match m.remote {
            Some(Remote::Ip(ip)) => e.src_ip = Some(ip),
            Some(Remote::Name(n)) => e.src_host = Some(n),
            None => {}
        }
        e.src_port = m.port;
        e.user = m.user;
        e.outcome = if self.failure {
            EventOutcome::Failure
        } else if m.kind == SshKind::Accepted {
            EventOutcome::Success
        } else {
            EventOutcome::Unknown
        };
        e.raw = line.to_string();
        e.origin = Some(origin);
        let f = &mut e.fields;
        if let Some(method) = &m.method {
            f.insert("method".into(), method.as_str().into());
        }
        if m.invalid_user {
            f.insert("invalid_user".into(), true.into());
        }
        if m.preauth {
            f.insert("preauth".into(), true.into());
        }
        if let Some(pid) = self.pid {
            f.insert("pid".into(), pid.into());
        }
        if let Some(d) = m.detail {
            f.insert("detail".into(), d.into());
        }
        if self.joined {
            f.insert("joined".into(), true.into());
        }
        let attempt = match m.kind {
            SshKind::FailedAuth => self.failure,
            SshKind::PamError | SshKind::RootLoginRefused | SshKind::NotAllowed => true,
            _ => false,
        };
        if attempt {
            f.insert("attempt".into(), true.into());
        }
        e
    }
}
