//! Turning a parsed sshd line into a normalized [`Event`].

use super::addr::RemoteRef;
use super::kind::{AuthMethod, SshKind};
use super::SshRecordRef;
use crate::model::{Event, EventOutcome, Origin};

impl SshRecordRef<'_> {
    /// The normalized event (`raw` is `line`): `kind = "ssh.<kind>"`, and
    /// `fields` with `method`, `invalid_user`, `preauth`, `pid`, `detail`,
    /// `joined` and `attempt` (one password/key guess) when set.
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
