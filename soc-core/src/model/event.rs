//! Normalized log events.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where an event came from: file (or `<stdin>`) and 1-based line number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// File path, `<stdin>`, or a remote source name.
    pub file: String,
    /// 1-based line number.
    pub line: u64,
}

/// The outcome an event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventOutcome {
    /// A failed or illegitimate access attempt.
    Failure,
    /// A successful access.
    Success,
    /// Neither (informational).
    Unknown,
}

/// What kind of access attempt an event records: the one field a notebook
/// or a detector counts. Set by the SSH parser on every event it can
/// classify (`None` there means session bookkeeping, or a line whose
/// attempt another line of the same connection already counted).
///
/// ```
/// use soc_core::model::Attempt;
/// assert_eq!(Attempt::Probe.as_str(), "probe");
/// assert_eq!(serde_json::to_string(&Attempt::Failure).unwrap(), "\"failure\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attempt {
    /// One authentication attempt that failed.
    Failure,
    /// Pre-authentication activity that is not a login attempt: scanners,
    /// garbage banners, protocol or key-exchange mismatches, timeouts,
    /// connections refused before authentication.
    Probe,
    /// A successful authentication.
    Success,
}

impl Attempt {
    /// `failure`, `probe` or `success`.
    pub fn as_str(self) -> &'static str {
        match self {
            Attempt::Failure => "failure",
            Attempt::Probe => "probe",
            Attempt::Success => "success",
        }
    }
}

/// A normalized log event. Parser-specific detail (the typed sshd message,
/// the Suricata objects) stays in the parser's own types; this is what every
/// stage after parsing needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Event time (UTC), when the record has one.
    pub time: Option<DateTime<Utc>>,
    /// Which parser produced it: `ssh`, `suricata`, `alerts`, ...
    pub source: String,
    /// Host that logged it.
    pub host: Option<String>,
    /// Kind, namespaced by source: `ssh.failed_password`, `suricata.alert`, ...
    pub kind: String,
    /// Source address of the activity.
    pub src_ip: Option<IpAddr>,
    /// Source host name when the log gives a name instead of an address.
    pub src_host: Option<String>,
    /// Source port.
    pub src_port: Option<u16>,
    /// Destination address.
    pub dst_ip: Option<IpAddr>,
    /// Destination port.
    pub dst_port: Option<u16>,
    /// User name involved.
    pub user: Option<String>,
    /// What the event records.
    pub outcome: EventOutcome,
    /// The attempt class (see [`Attempt`]); `None` when the event is no
    /// attempt or its parser does not classify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt: Option<Attempt>,
    /// Set when this line records an attempt that an earlier line of the
    /// same connection already counted: `Failed password for invalid user
    /// x` after that connection's `Invalid user x`, the `Failed` line of a
    /// `PAM: Authentication failure`, a second banner complaint of one
    /// scanner connection. Its value is the class of that attempt, and
    /// `attempt` is then `None`, so counting `attempt == failure` per
    /// source still gives the real number of failed attempts, while
    /// "`attempt` is `failure`/`probe` or `continues` is set" picks every
    /// line that is a trace of an attack. Connection ends (`Connection
    /// closed`, `Disconnecting`) never continue: they end the connection,
    /// they do not record an attempt again.
    ///
    /// ```
    /// use soc_core::model::{Attempt, Origin};
    /// use soc_core::parse::ssh::{SshOptions, SshParser};
    /// let mut p = SshParser::new(SshOptions { year: Some(2024), ..Default::default() });
    /// let o = || Origin { file: "auth.log".into(), line: 1 };
    /// let a = p.parse_line("Jan  5 01:31:41 www sshd[9]: Invalid user x from 198.51.100.7 port 4444", o()).unwrap();
    /// let b = p.parse_line("Jan  5 01:31:43 www sshd[9]: Failed password for invalid user x from 198.51.100.7 port 4444 ssh2", o()).unwrap();
    /// assert_eq!((a.attempt, a.continues), (Some(Attempt::Failure), None));
    /// assert_eq!((b.attempt, b.continues), (None, Some(Attempt::Failure)));
    /// ```
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continues: Option<Attempt>,
    /// The raw record as read.
    pub raw: String,
    /// Where it was read.
    pub origin: Option<Origin>,
    /// Extra parser-specific fields.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub fields: serde_json::Map<String, serde_json::Value>,
}

impl Event {
    /// A new event of `kind` from `source` with everything else empty.
    ///
    /// ```
    /// use soc_core::model::{Event, EventOutcome};
    /// let e = Event::new("ssh", "ssh.failed_password");
    /// assert_eq!(e.outcome, EventOutcome::Unknown);
    /// ```
    pub fn new(source: impl Into<String>, kind: impl Into<String>) -> Self {
        Event {
            time: None,
            source: source.into(),
            host: None,
            kind: kind.into(),
            src_ip: None,
            src_host: None,
            src_port: None,
            dst_ip: None,
            dst_port: None,
            user: None,
            outcome: EventOutcome::Unknown,
            attempt: None,
            continues: None,
            raw: String::new(),
            origin: None,
            fields: serde_json::Map::new(),
        }
    }

    /// True when the event records a failed or illegitimate access attempt.
    pub fn is_failure(&self) -> bool {
        self.outcome == EventOutcome::Failure
    }
}
