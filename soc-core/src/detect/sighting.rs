//! What the detectors read of one event: its time, its class (failed
//! attempt, probe, success, other), its source and its user, borrowed from
//! either a built [`Event`] or a parsed sshd line ([`SshRecordRef`]), so
//! the line path builds an event only when a window keeps it as evidence.

use std::net::IpAddr;

use chrono::{DateTime, Utc};

use crate::model::{Attempt, Event, EventOutcome};
use crate::parse::ssh::{RemoteRef, SshRecordRef};

/// Whether the event is one failed attempt (see the `detect` module docs).
pub fn is_attempt(e: &Event) -> bool {
    match (e.attempt, e.fields.get("attempt")) {
        (Some(a), _) => a == Attempt::Failure,
        (None, Some(v)) => v.as_bool().unwrap_or(false),
        (None, None) => e.source != "ssh" && e.outcome == EventOutcome::Failure,
    }
}

/// How an event counts for the detectors (see the `detect` module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// One failed attempt.
    Failure,
    /// Pre-authentication activity (`ssh.scan`).
    Probe,
    /// A successful login.
    Success,
    /// Anything else: it only moves the clock.
    Other,
}

/// Which detector parts an event's windows are in: the part of its
/// source (low byte) and of its user (high byte), `u8::MAX` for none
/// (made by `shard::Part::route`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route(pub u16);

/// An event's source: an address, else a host name.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Src<'a> {
    Ip(IpAddr),
    Name(&'a str),
}

/// The detectors' view of one event (see the module docs).
#[derive(Debug)]
pub(crate) struct Sighting<'a> {
    pub time: Option<DateTime<Utc>>,
    pub class: Class,
    pub src: Option<Src<'a>>,
    pub user: Option<&'a str>,
    /// Which detector parts its windows are in, when computed already
    /// (see `shard`).
    pub route: Option<Route>,
}

impl<'a> Sighting<'a> {
    /// The view of a built event.
    pub fn of(e: &'a Event) -> Sighting<'a> {
        let class = if is_attempt(e) {
            Class::Failure
        } else if e.attempt == Some(Attempt::Probe) {
            Class::Probe
        } else if e.outcome == EventOutcome::Success {
            Class::Success
        } else {
            Class::Other
        };
        let src = match (e.src_ip, e.src_host.as_deref()) {
            (Some(ip), _) => Some(Src::Ip(ip)),
            (None, Some(h)) => Some(Src::Name(h)),
            (None, None) => None,
        };
        Sighting {
            time: e.time,
            class,
            src,
            user: e.user.as_deref(),
            route: None,
        }
    }

    /// The fields of this view, owned (so its event can move).
    pub fn detach(&self) -> Detached {
        Detached {
            time: self.time,
            class: self.class,
            src: self.src.map(|s| match s {
                Src::Ip(ip) => Ok(ip),
                Src::Name(n) => Err(n.to_string()),
            }),
            user: self.user.map(str::to_string),
        }
    }

    /// The view of a parsed sshd line: the same as [`Sighting::of`] of
    /// its event ([`SshRecordRef::to_event`]).
    pub fn of_record(r: &'a SshRecordRef<'_>) -> Sighting<'a> {
        let class = match r.attempt {
            Some(Attempt::Failure) => Class::Failure,
            Some(Attempt::Probe) => Class::Probe,
            Some(Attempt::Success) => Class::Success,
            None => Class::Other,
        };
        let src = match &r.message.remote {
            Some(RemoteRef::Ip(ip)) => Some(Src::Ip(*ip)),
            Some(RemoteRef::Name(n)) => Some(Src::Name(n.as_ref())),
            None => None,
        };
        Sighting {
            time: r.time,
            class,
            src,
            user: r.message.user.as_deref(),
            route: None,
        }
    }
}

/// A [`Sighting`] owning its strings ([`Sighting::detach`]).
#[derive(Debug)]
pub(crate) struct Detached {
    time: Option<DateTime<Utc>>,
    class: Class,
    src: Option<Result<IpAddr, String>>,
    user: Option<String>,
}

impl Detached {
    /// The view again, borrowing from `self`.
    pub fn view(&self) -> Sighting<'_> {
        Sighting {
            time: self.time,
            class: self.class,
            src: self.src.as_ref().map(|s| match s {
                Ok(ip) => Src::Ip(*ip),
                Err(n) => Src::Name(n),
            }),
            user: self.user.as_deref(),
            route: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Origin;
    use crate::parse::ssh::{SshOptions, SshParser};

    /// A line's view is its event's view, for every class of line.
    #[test]
    fn record_view_is_the_event_view() {
        let lines = [
            "Jan  5 01:31:41 www sshd[9]: Failed password for root from 203.0.113.9 port 4242 ssh2",
            "Jan  5 01:31:42 www sshd[10]: Accepted publickey for bob from 2001:db8::7 port 22 ssh2",
            "Jan  5 01:31:43 www sshd[11]: Connection closed by 198.51.100.4 port 5 [preauth]",
            "Jan  5 01:31:44 www sshd[12]: Invalid user admin from 198.51.100.5 port 6",
            "Jan  5 01:31:45 www sshd[13]: Server listening on 0.0.0.0 port 22.",
            "Jan  5 01:31:46 www sshd[14]: Failed password for root from scanner.example.net port 7 ssh2",
        ];
        let mut p = SshParser::new(SshOptions {
            year: Some(2026),
            ..Default::default()
        });
        for line in lines {
            let Some(r) = p.parse_ref(line) else { continue };
            let o = Origin {
                file: "f".into(),
                line: 1,
            };
            let e = r.to_event(line, o);
            let (a, b) = (Sighting::of_record(&r), Sighting::of(&e));
            assert_eq!(
                (a.time, a.class, a.user),
                (b.time, b.class, b.user),
                "{line}"
            );
            let key = |s: &Sighting<'_>| format!("{:?}", s.src);
            assert_eq!(key(&a), key(&b), "{line}");
        }
    }
}
