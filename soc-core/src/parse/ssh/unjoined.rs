//! The stateless half of parsing an sshd line: the prefix split and the
//! message classified, before the year inference and the per-connection
//! join ([`SshParser::join`](super::SshParser::join)) that need the lines
//! in order. Being stateless, it runs on any thread, on any line, in any
//! order: the parallel reader ([`super::parallel`]) runs it on chunks of
//! a file side by side.

use std::borrow::Cow;

use chrono::DateTime;

use super::classify::classify_ref;
use super::header::{parse_header, Stamp};
use super::kind::SshKind;
use super::message::SshMessageRef;
use super::record::SshRecordRef;
use crate::parse::journal::{Field, JournalFields};

/// An sshd line parsed without the parser's state: its time not yet
/// resolved, its address not yet joined with its connection's.
#[derive(Debug)]
pub(crate) struct Unjoined<'a> {
    pub stamp: Option<Stamp>,
    pub host: Option<Cow<'a, str>>,
    pub program: Option<&'a str>,
    pub pid: Option<u32>,
    pub message: SshMessageRef<'a>,
}

impl<'a> Unjoined<'a> {
    /// The time stamp to resolve, and the record to join
    /// ([`SshParser::join_record`](super::SshParser::join_record)): no
    /// time and no count yet.
    pub fn into_record(self) -> (Option<Stamp>, SshRecordRef<'a>) {
        let record = SshRecordRef {
            time: None,
            host: self.host,
            program: self.program,
            pid: self.pid,
            message: self.message,
            joined: false,
            attempt: None,
            continues: None,
            failure: false,
        };
        (self.stamp, record)
    }
}

/// Parses `line` as far as no earlier line matters; `None` when it is not
/// an sshd line (or is blank). `bare`: accept messages without a syslog
/// prefix ([`SshOptions::bare`](super::SshOptions::bare)).
pub(crate) fn parse_unjoined(line: &str, bare: bool) -> Option<Unjoined<'_>> {
    let b = line.as_bytes();
    match b.first() {
        None => return None,
        Some(b'{') => return parse_journal_json(line),
        Some(&c) if (c.is_ascii_whitespace() || c >= 0x80) && line.trim().is_empty() => {
            return None
        }
        Some(_) => {}
    }
    let mut h = parse_header(line);
    let message = match h.program {
        Some(p) if is_sshd(p) => classify_ref(h.msg)?,
        Some(_) if h.stamp.is_some() || h.host.is_some() => return None,
        // A stamp but no program (busybox `auth.info:`, multilog):
        // only a known sshd message.
        None if h.stamp.is_some() => known(classify_ref(h.msg)?)?,
        Some(_) | None => {
            // no recognizable prefix: maybe a bare message
            if !bare {
                return None;
            }
            // (no stamp either, by the arms above)
            (h.host, h.program, h.pid) = (None, None, None);
            known(classify_ref(line)?)?
        }
    };
    Some(Unjoined {
        stamp: h.stamp,
        host: h.host.map(Cow::Borrowed),
        program: h.program,
        pid: h.pid,
        message,
    })
}

/// `m` unless it is an unknown message (`ssh.other`).
fn known(m: SshMessageRef<'_>) -> Option<SshMessageRef<'_>> {
    (m.kind != SshKind::Other).then_some(m)
}

/// A `journalctl -o json` line of sshd's: the program and pid are
/// journald's own where the entry has them (see [`crate::parse::journal`]).
fn parse_journal_json(line: &str) -> Option<Unjoined<'_>> {
    let mut j = JournalFields::from_json(line).ok()?;
    let prog: &'static str = match j.program() {
        Some("sshd") => "sshd",
        Some("sshd-session") => "sshd-session",
        Some("sshd-auth") => "sshd-auth",
        _ => return None,
    };
    let stamp = j
        .get(Field::Realtime)
        .and_then(|s| s.parse::<i64>().ok())
        .and_then(DateTime::from_timestamp_micros)
        .map(Stamp::Full);
    let pid = j.pid().and_then(|p| p.parse().ok());
    let message = match j.take(Field::Message)? {
        Cow::Borrowed(m) => classify_ref(m)?,
        Cow::Owned(m) => classify_ref(&m)?.into_static(),
    };
    Some(Unjoined {
        stamp,
        host: j.take(Field::Hostname),
        program: Some(prog),
        pid,
        message,
    })
}

fn is_sshd(p: &str) -> bool {
    p == "sshd" || p == "sshd-session" || p == "sshd-auth"
}
