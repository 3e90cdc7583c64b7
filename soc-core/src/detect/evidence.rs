//! The evidence the detectors keep, without building events: a parsed
//! sshd line is kept as one compact record (its text and the record's few
//! fields in one buffer) and becomes an [`Event`] only when an alert that
//! cites it is built. Most kept lines are never cited (a window keeps its
//! first `max_evidence` items in case it reaches its threshold), so the
//! event (a field map and a dozen strings) is built for few of them.

use std::borrow::Cow;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::model::{Attempt, Event, Origin};
use crate::parse::ssh::{Remote, RemoteRef, SshKind, SshMessageRef, SshRecordRef};

/// What a window keeps of one event (an entry of the evidence arena,
/// see [`super::arena`]).
#[derive(Debug)]
pub(crate) enum Kept {
    /// An event handed in whole ([`super::DetectorSet::observe`]) or restored.
    Event(Box<Event>),
    /// A parsed sshd line ([`super::DetectorSet::observe_record`]).
    Line(LineRecord),
    /// A free arena entry.
    Free,
}

impl Kept {
    /// The event this evidence stands for.
    pub fn to_event(&self) -> Event {
        match self {
            Kept::Event(e) => (**e).clone(),
            Kept::Line(l) => l.to_event(),
            Kept::Free => Event::new("ssh", "ssh.unknown"),
        }
    }
}

/// A byte range of [`LineRecord::text`] (start, length); [`NO_SPAN`] for
/// an absent field.
type Span = (u32, u32);

/// The span of an absent field.
const NO_SPAN: Span = (u32::MAX, 0);

/// A parsed sshd line as [`SshRecordRef::to_event`] reads it, owning its
/// strings in one buffer (the line, then the fields that are not slices of
/// it are appended).
#[derive(Debug)]
pub(crate) struct LineRecord {
    text: String,
    line_len: u32,
    host: Span,
    program: Span,
    user: Span,
    method: Span,
    detail: Span,
    remote_name: Span,
    remote_ip: Option<std::net::IpAddr>,
    candidates: Option<Box<[Remote]>>,
    time: Option<DateTime<Utc>>,
    pid: Option<u32>,
    port: Option<u16>,
    kind: SshKind,
    invalid_user: bool,
    preauth: bool,
    ambiguous: bool,
    joined: bool,
    attempt: Option<Attempt>,
    continues: Option<Attempt>,
    file: Arc<str>,
    line_no: u64,
}

/// Where in `line` the parser sliced `s` out of it, if it did.
fn offset_in(line: &str, s: &str) -> Option<usize> {
    // Addresses compared, never dereferenced.
    let at = (s.as_ptr() as usize).wrapping_sub(line.as_ptr() as usize);
    (at <= line.len() && s.len() <= line.len() - at).then_some(at)
}

/// The bytes `s` adds to a record of `line` (0 when sliced out of it).
fn outside(line: &str, s: &str) -> usize {
    offset_in(line, s).map_or(s.len(), |_| 0)
}

/// The span of `s` in `buf`, which starts with a copy of `line`: a field
/// the parser sliced out of `line` is not copied again, any other is
/// appended.
fn put(buf: &mut String, line: &str, s: Option<&str>) -> Span {
    let Some(s) = s else { return NO_SPAN };
    let Ok(len) = u32::try_from(s.len()) else {
        return NO_SPAN;
    };
    if let Some(start) = offset_in(line, s).and_then(|at| u32::try_from(at).ok()) {
        return (start, len);
    }
    match u32::try_from(buf.len()) {
        Ok(start) => {
            buf.push_str(s);
            (start, len)
        }
        Err(_) => NO_SPAN,
    }
}

impl LineRecord {
    /// The record of `r`, parsed from `line` (line `line_no` of `file`).
    #[cfg(test)]
    pub fn new(r: &SshRecordRef<'_>, line: &str, file: Arc<str>, line_no: u64) -> LineRecord {
        LineRecord::new_in(String::new(), r, line, file, line_no)
    }

    /// The buffer of the record's strings, emptied for reuse.
    pub fn take_buffer(&mut self) -> String {
        let mut buf = std::mem::take(&mut self.text);
        buf.clear();
        buf
    }

    /// Like [`new`](Self::new), writing the strings into `buf` (an emptied
    /// buffer of a freed record: no allocation once the arena is warm).
    pub fn new_in(
        buf: String,
        r: &SshRecordRef<'_>,
        line: &str,
        file: Arc<str>,
        line_no: u64,
    ) -> LineRecord {
        let mut rec = LineRecord {
            text: String::new(),
            line_len: 0,
            host: NO_SPAN,
            program: NO_SPAN,
            user: NO_SPAN,
            method: NO_SPAN,
            detail: NO_SPAN,
            remote_name: NO_SPAN,
            remote_ip: None,
            candidates: None,
            time: None,
            pid: None,
            port: None,
            kind: r.message.kind,
            invalid_user: false,
            preauth: false,
            ambiguous: false,
            joined: false,
            attempt: None,
            continues: None,
            file,
            line_no,
        };
        rec.fill(buf, r, line);
        rec
    }

    /// Makes this (freed) record the one of `r`, parsed from `line` (line
    /// `line_no` of `file`), in place: its buffer is reused, and its file
    /// name is shared as it is when it is `file` (no reference count
    /// touched per line).
    pub fn refill(&mut self, r: &SshRecordRef<'_>, line: &str, file: &Arc<str>, line_no: u64) {
        if !Arc::ptr_eq(&self.file, file) {
            self.file = file.clone();
        }
        self.line_no = line_no;
        let buf = self.take_buffer();
        self.fill(buf, r, line);
    }

    /// Sets every field but the origin from `r` and `line`, writing the
    /// strings into `buf` (emptied).
    fn fill(&mut self, mut buf: String, r: &SshRecordRef<'_>, line: &str) {
        let m = &r.message;
        // The room needed: the line and the fields not sliced out of it
        // (a reused buffer already has it, mostly).
        let remote_text = match &m.remote {
            Some(RemoteRef::Name(n)) => Some(n.as_ref()),
            _ => None,
        };
        let fields = [
            r.host.as_deref(),
            r.program,
            m.user.as_deref(),
            m.method.as_deref(),
            m.detail.as_deref(),
            remote_text,
        ];
        let extra: usize = fields.iter().flatten().map(|s| outside(line, s)).sum();
        // Rounded up to a 64-byte multiple: a reused buffer then fits most
        // next lines as it is instead of growing (a copy) for every line a
        // few bytes longer than the one before.
        let need = (line.len() + extra).next_multiple_of(64);
        buf.reserve_exact(need.saturating_sub(buf.len()));
        buf.push_str(line);
        let host = put(&mut buf, line, r.host.as_deref());
        let program = put(&mut buf, line, r.program);
        let user = put(&mut buf, line, m.user.as_deref());
        let method = put(&mut buf, line, m.method.as_deref());
        let detail = put(&mut buf, line, m.detail.as_deref());
        let (remote_ip, remote_name) = match &m.remote {
            Some(RemoteRef::Ip(ip)) => (Some(*ip), NO_SPAN),
            Some(RemoteRef::Name(n)) => (None, put(&mut buf, line, Some(n))),
            None => (None, NO_SPAN),
        };
        self.line_len = u32::try_from(line.len()).unwrap_or(0);
        self.text = buf;
        (self.host, self.program, self.user) = (host, program, user);
        (self.method, self.detail) = (method, detail);
        (self.remote_name, self.remote_ip) = (remote_name, remote_ip);
        self.candidates = m
            .candidates
            .as_ref()
            .map(|c| c.iter().map(RemoteRef::to_remote).collect());
        (self.time, self.pid, self.port, self.kind) = (r.time, r.pid, m.port, m.kind);
        self.invalid_user = m.invalid_user;
        self.preauth = m.preauth;
        self.ambiguous = m.ambiguous;
        self.joined = r.joined;
        self.attempt = r.attempt;
        self.continues = r.continues;
    }

    fn get(&self, (start, len): Span) -> Option<&str> {
        let start = start as usize;
        self.text.get(start..start.checked_add(len as usize)?)
    }

    /// The event [`SshRecordRef::to_event`] makes of the line.
    pub fn to_event(&self) -> Event {
        let cow = |s: Span| self.get(s).map(Cow::Borrowed);
        let remote = match (self.remote_ip, self.get(self.remote_name)) {
            (Some(ip), _) => Some(RemoteRef::Ip(ip)),
            (None, Some(n)) => Some(RemoteRef::Name(Cow::Borrowed(n))),
            (None, None) => None,
        };
        let message = SshMessageRef {
            user: cow(self.user),
            remote,
            port: self.port,
            method: cow(self.method),
            invalid_user: self.invalid_user,
            preauth: self.preauth,
            detail: cow(self.detail),
            ambiguous: self.ambiguous,
            candidates: self
                .candidates
                .as_ref()
                .map(|c| c.iter().map(Remote::as_ref).collect()),
            ..SshMessageRef::new(self.kind)
        };
        let r = SshRecordRef {
            time: self.time,
            host: cow(self.host),
            program: self.get(self.program),
            pid: self.pid,
            message,
            joined: self.joined,
            attempt: self.attempt,
            continues: self.continues,
            failure: self.attempt == Some(Attempt::Failure),
        };
        let line = self.text.get(..self.line_len as usize).unwrap_or("");
        let origin = Origin {
            file: self.file.to_string(),
            line: self.line_no,
        };
        r.to_event(line, origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::ssh::{SshOptions, SshParser};

    /// A kept line gives back the event the parser makes of it, for lines
    /// of every shape (joined addresses, ambiguous lines, host names).
    #[test]
    fn kept_line_is_the_parsed_event() {
        let lines = [
            "Jan  5 01:31:40 www sshd[9]: Connection from 203.0.113.9 port 4242 on 10.0.0.1 port 22",
            "Jan  5 01:31:41 www sshd[9]: Failed password for root from 203.0.113.9 port 4242 ssh2",
            "Jan  5 01:31:41 www sshd[9]: error: maximum authentication attempts exceeded for root from 203.0.113.9 port 4242 ssh2 [preauth]",
            "Jan  5 01:31:42 www sshd[10]: Accepted publickey for bob from 2001:db8::7 port 22 ssh2: ED25519 SHA256:abc",
            "Jan  5 01:31:43 www sshd[11]: Connection closed by 198.51.100.4 port 5 [preauth]",
            "Jan  5 01:31:44 www sshd[12]: Invalid user admin from 198.51.100.5 port 6",
            "Jan  5 01:31:46 www sshd[14]: Failed password for root from scanner.example.net port 7 ssh2",
            "Jan  5 01:31:47 www sshd[15]: Failed password for invalid user a from 1.2.3.4 port 5 ssh2 from 5.6.7.8 port 9 ssh2",
            "Jan  5 01:31:48 www sshd[9]: Disconnecting authenticating user root 203.0.113.9 port 4242: Too many authentication failures [preauth]",
            "Failed password for root from 192.0.2.1 port 1 ssh2",
        ];
        let mut p = SshParser::new(SshOptions {
            year: Some(2026),
            ..Default::default()
        });
        let file: Arc<str> = Arc::from("auth.log");
        for (i, line) in lines.iter().enumerate() {
            let Some(r) = p.parse_ref(line) else { continue };
            let origin = Origin {
                file: "auth.log".into(),
                line: i as u64 + 1,
            };
            let want = r.to_event(line, origin);
            let kept = LineRecord::new(&r, line, file.clone(), i as u64 + 1);
            assert_eq!(kept.to_event(), want, "{line}");
        }
    }
}
