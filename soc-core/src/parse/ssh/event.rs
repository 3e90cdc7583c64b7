//! Turning a parsed sshd line into a normalized [`Event`].

use super::addr::RemoteRef;
use super::kind::AuthMethod;
use super::record::SshRecordRef;
use crate::model::{Attempt, Event, EventOutcome, Origin};

impl SshRecordRef<'_> {
    /// The normalized event (`raw` is `line`): `kind = "ssh.<kind>"`, and
    /// `attempt` and `continues` set, and `fields` with `method`, `invalid_user`, `preauth`,
    /// `pid`, `detail`, `joined`, `ambiguous` and `candidates` when set.
    pub fn to_event(&self, line: &str, origin: Origin) -> Event {
        let m = &self.message;
        let mut e = Event::new("ssh", m.kind.event_kind());
        e.time = self.time;
        e.host = self.host.as_deref().map(str::to_string);
        match &m.remote {
            Some(RemoteRef::Ip(ip)) => e.src_ip = Some(*ip),
            Some(RemoteRef::Name(n)) => e.src_host = Some(n.to_string()),
            None => {}
        }
        e.src_port = m.port;
        e.user = m.user.as_deref().map(str::to_string);
        e.attempt = self.attempt;
        e.continues = self.continues;
        e.outcome = match self.attempt {
            Some(Attempt::Failure) => EventOutcome::Failure,
            Some(Attempt::Success) => EventOutcome::Success,
            _ => EventOutcome::Unknown,
        };
        e.raw = line.to_string();
        e.origin = Some(origin);
        let f = &mut e.fields;
        if let Some(method) = &m.method {
            f.insert("method".into(), AuthMethod::name_of(method).into());
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
        if let Some(d) = &m.detail {
            f.insert("detail".into(), d.as_ref().into());
        }
        if self.joined {
            f.insert("joined".into(), true.into());
        }
        if m.ambiguous {
            f.insert("ambiguous".into(), true.into());
            let c: Vec<serde_json::Value> = m
                .candidates
                .iter()
                .flatten()
                .map(|r| r.to_remote().to_string().into())
                .collect();
            f.insert("candidates".into(), c.into());
        }
        e
    }
}
