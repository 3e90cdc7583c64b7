//! Per-`sshd[pid]` memory of the stateful mode: the address, port and user
//! of a connection, filled into later lines of the same pid that lack them.
//! Keyed by (pid, interned host) with a small multiplicative hash, so the
//! common line costs no allocation beyond a new table slot.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::net::IpAddr;

use super::addr::RemoteRef;
use super::kind::SshKind;
use super::message::SshMessageRef;

/// How many `sshd[pid]` states the stateful mode keeps before forgetting
/// them all (bounded memory).
const MAX_PIDS: usize = 65_536;

/// How many distinct logging hosts are interned before everything is forgotten.
const MAX_HOSTS: usize = 4_096;

/// Host id of lines without a host.
const NO_HOST: u32 = u32::MAX;

/// FxHash-style hasher for the (pid, host id) keys. Pids are written by the
/// kernel, not chosen by clients, so a keyed hash buys nothing here.
#[derive(Default)]
struct PidHasher(u64);

impl Hasher for PidHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

/// A short string kept inline (user names are short), else on the heap.
#[derive(Debug, Clone)]
enum SmallStr {
    Inline(u8, [u8; 22]),
    Heap(Box<str>),
}

impl SmallStr {
    fn new(s: &str) -> SmallStr {
        let b = s.as_bytes();
        match u8::try_from(b.len()) {
            Ok(n) if b.len() <= 22 => {
                let mut buf = [0u8; 22];
                buf[..b.len()].copy_from_slice(b);
                SmallStr::Inline(n, buf)
            }
            _ => SmallStr::Heap(s.into()),
        }
    }

    /// The bytes (no UTF-8 check: for comparisons).
    fn as_bytes(&self) -> &[u8] {
        match self {
            SmallStr::Inline(n, buf) => buf.get(..usize::from(*n)).unwrap_or(&[]),
            SmallStr::Heap(s) => s.as_bytes(),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            SmallStr::Inline(n, buf) => buf
                .get(..usize::from(*n))
                .and_then(|b| std::str::from_utf8(b).ok())
                .unwrap_or(""),
            SmallStr::Heap(s) => s,
        }
    }
}

/// A remembered address: [`Remote`] in 24 bytes instead of 32.
#[derive(Debug, Clone)]
enum StoredRemote {
    Ip(IpAddr),
    Name(Box<str>),
}

/// One connection's memory; kept small (the table holds up to
/// [`MAX_PIDS`] of them).
#[derive(Debug, Default, Clone)]
struct PidState {
    remote: Option<StoredRemote>,
    port: Option<u16>,
    user: Option<SmallStr>,
    pending_failure: bool,
    max_attempts_seen: bool,
    /// Users of `pam_unix(sshd:auth)` failures (rare, so boxed).
    pam_users: Option<Box<PamUsers>>,
}

/// The users of one connection's `pam_unix(sshd:auth)` failures.
#[derive(Debug, Default, Clone)]
struct PamUsers(Vec<String>);

/// The per-pid states of one parser.
#[derive(Debug, Default)]
pub(crate) struct PidTable {
    map: HashMap<(u32, u32), PidState, BuildHasherDefault<PidHasher>>,
    hosts: Vec<Box<str>>,
    last_host: usize,
}

impl PidTable {
    fn host_id(&mut self, host: Option<&str>) -> u32 {
        let Some(h) = host else { return NO_HOST };
        if self.hosts.get(self.last_host).is_some_and(|x| **x == *h) {
            return self.last_host as u32;
        }
        let i = match self.hosts.iter().position(|x| **x == *h) {
            Some(i) => i,
            None => {
                if self.hosts.len() >= MAX_HOSTS {
                    self.map.clear();
                    self.hosts.clear();
                }
                self.hosts.push(h.into());
                self.hosts.len() - 1
            }
        };
        self.last_host = i;
        i as u32
    }

    /// Joins `message` (of `host`'s `sshd[pid]`) with what earlier lines of
    /// the pid said: fills a missing address (and port, and the user of
    /// `Too many authentication failures`), remembers this line's, and
    /// adjusts `failure`. Returns whether the address was filled in.
    pub(crate) fn join(
        &mut self,
        host: Option<&str>,
        pid: u32,
        message: &mut SshMessageRef<'_>,
        failure: &mut bool,
    ) -> bool {
        if self.map.len() >= MAX_PIDS {
            self.map.clear();
        }
        let key = (pid, self.host_id(host));
        let st = self.map.entry(key).or_default();
        let mut joined = false;
        let kind = message.kind;
        if message.remote.is_none() {
            if let Some(r) = &st.remote {
                message.remote = Some(match r {
                    StoredRemote::Ip(ip) => RemoteRef::Ip(*ip),
                    StoredRemote::Name(n) => RemoteRef::Name(Cow::Owned(n.to_string())),
                });
                message.port = message.port.or(st.port);
                if message.user.is_none() && kind == SshKind::TooManyAuthFailures {
                    message.user = st.user.as_ref().map(|u| Cow::Owned(u.as_str().into()));
                }
                joined = true;
            } else if kind == SshKind::TooManyAuthFailures {
                // No address yet: the next line of this pid with one is the failure.
                st.pending_failure = true;
                *failure = false;
            }
        } else {
            if st.pending_failure {
                st.pending_failure = false;
                *failure = true;
            }
            st.remote = match &message.remote {
                Some(RemoteRef::Ip(ip)) => Some(StoredRemote::Ip(*ip)),
                Some(RemoteRef::Name(n)) => Some(StoredRemote::Name(n.as_ref().into())),
                None => None,
            };
            st.port = message.port.or(st.port);
        }
        if let (Some(u), false) = (&message.user, kind == SshKind::SessionClosed) {
            if st.user.as_ref().map(SmallStr::as_bytes) != Some(u.as_bytes()) {
                st.user = Some(SmallStr::new(u));
            }
        }
        if kind == SshKind::PamAuthFailure {
            // pam_unix failures duplicate "Failed password"; but a second,
            // different user on the same connection is a guessing attempt.
            let who = match (&message.user, &message.detail) {
                (Some(u), _) => u.as_ref(),
                (None, Some(d)) => d.strip_prefix("ruser=").unwrap_or(""),
                (None, None) => "",
            };
            let users = &mut st.pam_users.get_or_insert_with(Box::default).0;
            if users.iter().any(|u| u != who) {
                *failure = true;
            }
            if users.len() < 16 && !users.iter().any(|u| u == who) {
                users.push(who.to_string());
            }
        }
        if kind == SshKind::MaxAuthAttempts {
            st.max_attempts_seen = true;
        } else if kind == SshKind::TooManyAuthFailures && st.max_attempts_seen {
            // Already counted by "maximum authentication attempts exceeded".
            *failure = false;
        }
        if kind == SshKind::SessionClosed {
            self.map.remove(&key);
        }
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_stays_small() {
        assert!(
            std::mem::size_of::<PidState>() <= 64,
            "{}",
            std::mem::size_of::<PidState>()
        );
    }

    #[test]
    fn small_str_round_trips() {
        for s in [
            "",
            "root",
            "a user with spaces",
            &"x".repeat(22),
            &"é".repeat(30),
        ] {
            assert_eq!(SmallStr::new(s).as_str(), s);
        }
    }
}
