//! [`SshParser`] and its [`SshOptions`]: the stateless half of a line
//! ([`parse_unjoined`]) and the in-order half (the year inference and the
//! per-connection join).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::attempt::Counted;
use super::clock::Clock;
use super::header::Stamp;
use super::record::{SshRecord, SshRecordRef};
use super::state::PidTable;
use super::unjoined::{parse_unjoined, Unjoined};
use crate::error::ParseError;
use crate::model::{Attempt, Event, Origin};

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
        let (stamp, mut record) = u.into_record();
        self.join_record(stamp, &mut record);
        record
    }

    /// [`SshParser::join`] in place: `r` is [`Unjoined::into_record`]'s
    /// record of a line with time stamp `stamp`, so a line can be parsed
    /// on one thread, joined on another and used on a third without being
    /// moved.
    pub(crate) fn join_record(&mut self, stamp: Option<Stamp>, r: &mut SshRecordRef<'_>) {
        r.time = stamp.and_then(|s| self.clock.resolve(s));
        let (counted, joined) = match (self.opts.stateful, r.pid) {
            (true, Some(pid)) => self.pids.join(r.host.as_deref(), pid, &mut r.message),
            _ => (
                Counted {
                    attempt: r.message.attempt(),
                    continues: None,
                },
                false,
            ),
        };
        r.joined = joined;
        r.attempt = counted.attempt;
        r.continues = counted.continues;
        r.failure = counted.attempt == Some(Attempt::Failure);
    }

    /// Loads the connection state a line of `host`'s `sshd[pid]` will join
    /// into the cache (see `PidTable::touch`): call it for a batch of
    /// lines before joining them.
    pub(crate) fn touch(&self, host: Option<&str>, pid: Option<u32>) {
        if let (true, Some(pid)) = (self.opts.stateful, pid) {
            self.pids.touch(host, pid);
        }
    }

    /// Whether bare messages are accepted (see [`SshOptions::bare`]).
    pub(crate) fn bare(&self) -> bool {
        self.opts.bare
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
