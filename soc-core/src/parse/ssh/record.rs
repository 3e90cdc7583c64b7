//! The parsed line: [`SshRecord`] and its borrowing twin [`SshRecordRef`].

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::message::{SshMessage, SshMessageRef};
use crate::model::{Attempt, Event, Origin};

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

/// [`SshRecord`] borrowing from the line: what [`SshParser::parse_ref`](super::SshParser::parse_ref)
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
