//! Per-`sshd[pid]` memory of the stateful mode: the address, port and user
//! of a connection, filled into later lines of the same pid that lack them.
//! Keyed by (pid, interned host) in a [`PidMap`], so the common line
//! costs one slot read and no allocation.

use std::borrow::Cow;
use std::hash::Hasher;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::addr::RemoteRef;
use super::attempt::{count, Counted};
use super::kind::SshKind;
use super::message::SshMessageRef;
use super::pid_map::PidMap;
use super::texts::{Texts, MAX_TEXT, MAX_TEXTS};
use crate::parse::intern::same_text;

/// How many `sshd[pid]` states the stateful mode keeps before forgetting
/// them all (bounded memory).
const MAX_PIDS: usize = 65_536;

/// Live states past which the table takes room for [`MAX_PIDS`] at once.
const GROWN_PIDS: usize = 4_096;

/// How many distinct logging hosts are interned before everything is forgotten.
const MAX_HOSTS: usize = 4_096;

/// Host id of lines without a host.
const NO_HOST: u32 = u32::MAX;

/// FxHash-style hasher of user names (see [`name_hash`]).
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

/// A 32-bit hash of a user name (FxHash over 8-byte words).
fn name_hash(s: &str) -> u32 {
    let mut h = PidHasher::default();
    let mut words = s.as_bytes().chunks_exact(8);
    for w in &mut words {
        h.write_u64(u64::from_le_bytes(w.try_into().unwrap_or_default()));
    }
    let mut last = [0u8; 8];
    last[..words.remainder().len()].copy_from_slice(words.remainder());
    h.write_u64(u64::from_le_bytes(last) ^ s.len() as u64);
    (h.finish() >> 32) as u32
}

/// What [`PidState::addr`] holds (bits 0-1 of [`PidState::remote`]; 0:
/// no remote yet).
const REMOTE_V4: u8 = 1;
const REMOTE_V6: u8 = 2;
const REMOTE_NAME: u8 = 3;
const REMOTE_KIND: u8 = 3;

/// [`PidState::remote`] bit: a port is known.
const HAS_PORT: u8 = 4;

/// [`PidState::remote`] bit: the connection received the client's
/// disconnect message. A connection reads at most one (packet.c stops
/// reading after `SSH2_MSG_DISCONNECT`), so a second `Received
/// disconnect` on the pid is another connection.
const DISCONNECTED: u8 = 8;

/// Bits of [`PidState::user`] holding the user's text id + 1 (0: none);
/// the bits above hold the top bits of the user's [`name_hash`].
const USER_ID_BITS: u32 = 20;
const USER_ID_MASK: u32 = (1 << USER_ID_BITS) - 1;

// A text id is below `MAX_TEXTS + 1` (a join adds at most two texts past
// the bound, which the next join compacts): id + 1 fits the id bits.
const _: () = assert!(MAX_TEXTS + 2 <= USER_ID_MASK as usize);

/// One connection's memory in 24 bytes (32 with its key: one slot never
/// straddles two cache lines), so a table of tens of thousands of
/// connections stays cache-friendly: names live in [`Texts`], the rare
/// `pam_unix` user lists in their own map.
#[derive(Debug, Default, Clone, Copy)]
struct PidState {
    /// IPv4 (first 4 bytes), IPv6, or a host name's text id (first 4
    /// bytes, little-endian), as `remote` says.
    addr: [u8; 16],
    /// Text id + 1 of the user (0: none) in the low [`USER_ID_BITS`]; the
    /// top bits of the user's [`name_hash`] above: different bits mean a
    /// different user without a look at the text (a cache miss in a large
    /// table).
    user: u32,
    port: u16,
    /// What `addr` holds (`REMOTE_*`), plus [`HAS_PORT`] and [`DISCONNECTED`].
    remote: u8,
    /// The counting flags of [`super::attempt`].
    flags: u8,
}

impl PidState {
    fn port(&self) -> Option<u16> {
        (self.remote & HAS_PORT != 0).then_some(self.port)
    }

    /// Forgets the counting of the connection (a new one on the same pid).
    fn new_connection(&mut self) {
        self.flags = 0;
        self.remote &= !DISCONNECTED;
    }

    /// Text id + 1 of the user; 0: none.
    fn user_id(&self) -> u32 {
        self.user & USER_ID_MASK
    }

    fn text_id(&self) -> u32 {
        u32::from_le_bytes([self.addr[0], self.addr[1], self.addr[2], self.addr[3]])
    }

    /// The remembered remote (`None` when there is none).
    fn remote_ref(&self, texts: &Texts) -> Option<RemoteRef<'static>> {
        match self.remote & REMOTE_KIND {
            REMOTE_V4 => Some(RemoteRef::Ip(IpAddr::V4(Ipv4Addr::new(
                self.addr[0],
                self.addr[1],
                self.addr[2],
                self.addr[3],
            )))),
            REMOTE_V6 => Some(RemoteRef::Ip(IpAddr::V6(Ipv6Addr::from(self.addr)))),
            REMOTE_NAME => Some(RemoteRef::Name(Cow::Owned(
                texts.get(self.text_id()).to_string(),
            ))),
            _ => None,
        }
    }

    /// Whether the remembered remote is `r`: what `remote_ref` gives
    /// compared, without building it (or copying a host name).
    fn holds(&self, r: &RemoteRef<'_>, texts: &Texts) -> bool {
        match (self.remote & REMOTE_KIND, r) {
            (REMOTE_V4, RemoteRef::Ip(IpAddr::V4(ip))) => self.addr[..4] == ip.octets(),
            (REMOTE_V6, RemoteRef::Ip(IpAddr::V6(ip))) => self.addr == ip.octets(),
            (REMOTE_NAME, RemoteRef::Name(n)) => same_text(texts.get(self.text_id()), n),
            _ => false,
        }
    }

    /// Remembers `remote`.
    fn set_remote(&mut self, remote: &RemoteRef<'_>, texts: &mut Texts) {
        self.addr = [0; 16];
        let kind = match remote {
            RemoteRef::Ip(IpAddr::V4(ip)) => {
                self.addr[..4].copy_from_slice(&ip.octets());
                REMOTE_V4
            }
            RemoteRef::Ip(IpAddr::V6(ip)) => {
                self.addr = ip.octets();
                REMOTE_V6
            }
            RemoteRef::Name(n) => {
                self.addr[..4].copy_from_slice(&texts.add(n).to_le_bytes());
                REMOTE_NAME
            }
        };
        self.remote = (self.remote & !REMOTE_KIND) | kind;
    }
}

/// The per-pid states of one parser.
#[derive(Debug, Default)]
pub(crate) struct PidTable {
    /// Pids are written by the kernel, not chosen by clients, so an
    /// unkeyed hash is safe here.
    map: PidMap<PidState>,
    texts: Texts,
    hosts: Vec<Box<str>>,
    last_host: usize,
}

impl PidTable {
    /// `h` is the host of the line before.
    fn is_last_host(&self, h: &str) -> bool {
        self.hosts
            .get(self.last_host)
            .is_some_and(|x| same_text(x, h))
    }

    fn host_id(&mut self, host: Option<&str>) -> u32 {
        let Some(h) = host else { return NO_HOST };
        if self.is_last_host(h) {
            return self.last_host as u32;
        }
        let i = match self.hosts.iter().position(|x| same_text(x, h)) {
            Some(i) => i,
            None => {
                if self.hosts.len() >= MAX_HOSTS {
                    self.forget();
                    self.hosts.clear();
                }
                self.hosts.push(h.into());
                self.hosts.len() - 1
            }
        };
        self.last_host = i;
        i as u32
    }

    /// Loads the state of `host`'s `sshd[pid]` into the cache ahead of its
    /// [`join`](Self::join). The look-ups of a batch of lines are
    /// independent, so the processor overlaps their cache misses, which
    /// the joins, one after the other, would each wait for.
    pub(crate) fn touch(&self, host: Option<&str>, pid: u32) {
        let host = match host {
            None => NO_HOST,
            Some(h) if self.is_last_host(h) => self.last_host as u32,
            Some(_) => return,
        };
        std::hint::black_box(self.map.get((pid, host)).map(|st| st.flags));
    }

    /// Keeps only the names live states use; forgets everything when those
    /// alone fill half the bound.
    fn compact(&mut self) {
        // The live names go to a small buffer and back, in the same order
        // (same ids): the large buffers keep their room.
        let mut live = Texts::default();
        for st in self.map.values_mut() {
            let user = st.user_id();
            if user != 0 {
                let id = live.add(self.texts.get(user - 1)) + 1;
                st.user = id | (st.user & !USER_ID_MASK);
            }
            if st.remote & REMOTE_KIND == REMOTE_NAME {
                let id = live.add(self.texts.get(st.text_id()));
                st.addr[..4].copy_from_slice(&id.to_le_bytes());
            }
        }
        self.texts.keep_only(&live);
        if self.texts.bytes() >= MAX_TEXT / 2 {
            self.forget();
        }
    }

    /// Forgets every connection (bounded memory).
    fn forget(&mut self) {
        self.map.clear();
        self.texts.clear();
    }

    /// Joins `message` (of `host`'s `sshd[pid]`) with what earlier lines of
    /// the pid said: fills a missing address (and port, and the user of
    /// `Too many authentication failures`), resolves an ambiguous address
    /// to the connection's known one, remembers this line's, and returns
    /// how the line counts per connection (see the table in the module docs
    /// of [`super`]) with whether the address was filled in.
    pub(crate) fn join(
        &mut self,
        host: Option<&str>,
        pid: u32,
        message: &mut SshMessageRef<'_>,
    ) -> (Counted, bool) {
        if self.map.len() >= MAX_PIDS {
            self.forget();
        } else if self.texts.full() {
            self.compact();
        } else if self.map.len() == GROWN_PIDS {
            // A busy log: room for the bound at once, not by doublings
            // (each a rehash of the whole table into fresh pages).
            self.map.reserve(MAX_PIDS - GROWN_PIDS);
        }
        let key = (pid, self.host_id(host));
        let texts = &mut self.texts;
        let st = self.map.get_or_default(key);
        let mut joined = false;
        let kind = message.kind;
        match &message.remote {
            None => {
                if let Some(r) = st.remote_ref(texts) {
                    if message.ambiguous {
                        // Only an address the line's format allows.
                        if message.candidates.iter().flatten().any(|c| *c == r) {
                            message.remote = Some(r);
                            joined = true;
                        }
                    } else {
                        message.remote = Some(r);
                        message.port = message.port.or(st.port());
                        joined = true;
                    }
                    if joined && message.user.is_none() && kind == SshKind::TooManyAuthFailures {
                        let user = st.user_id();
                        message.user =
                            (user != 0).then(|| Cow::Owned(texts.get(user - 1).to_string()));
                    }
                }
            }
            Some(remote) => {
                if st.remote & REMOTE_KIND != 0 && !st.holds(remote, texts) {
                    // Another address: a new connection on a reused pid.
                    st.new_connection();
                }
                st.set_remote(remote, texts);
                if let Some(p) = message.port {
                    st.port = p;
                    st.remote |= HAS_PORT;
                }
            }
        }
        if let (Some(u), false) = (&message.user, kind == SshKind::SessionClosed) {
            let h = name_hash(u);
            let (tag, user) = (h & !USER_ID_MASK, st.user_id());
            if user == 0 || st.user & !USER_ID_MASK != tag || !same_text(texts.get(user - 1), u) {
                st.user = (texts.add_user(u, h) + 1) | tag;
            }
        }
        if kind == SshKind::ConnectionFrom {
            // A new connection.
            st.new_connection();
        } else if kind == SshKind::ReceivedDisconnect {
            if st.remote & DISCONNECTED != 0 {
                st.new_connection();
            }
            st.remote |= DISCONNECTED;
        }
        let counted = count(message, &mut st.flags);
        if kind == SshKind::SessionClosed {
            self.map.remove(key);
        }
        (counted, joined)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_bounded_per_state() {
        assert_eq!(MAX_TEXTS, 8 * MAX_PIDS);
    }

    #[test]
    fn state_stays_small() {
        assert_eq!(std::mem::size_of::<PidState>(), 24);
    }

    /// A name that comes back on other connections is kept once.
    #[test]
    fn user_names_are_kept_once() {
        let mut t = PidTable::default();
        for (pid, user) in [(1, "root"), (2, "admin"), (3, "root"), (4, "admin")] {
            let mut m = SshMessageRef {
                user: Some(Cow::Borrowed(user)),
                remote: Some(RemoteRef::Ip([192, 0, 2, pid as u8].into())),
                ..SshMessageRef::new(SshKind::FailedAuth)
            };
            t.join(Some("h"), pid, &mut m);
        }
        assert_eq!(t.texts.len(), 2);
        for (pid, user) in [(3, "root"), (4, "admin")] {
            let mut m = SshMessageRef::new(SshKind::TooManyAuthFailures);
            t.join(Some("h"), pid, &mut m);
            assert_eq!(m.user.as_deref(), Some(user));
        }
    }

    /// Names of changed states are dropped; live ones survive.
    #[test]
    fn compaction_keeps_live_names() {
        let mut t = PidTable::default();
        let join = |t: &mut PidTable, pid: u32, user: &str, remote: RemoteRef<'static>| {
            let mut m = SshMessageRef {
                user: Some(Cow::Owned(user.to_string())),
                remote: Some(remote),
                ..SshMessageRef::new(SshKind::FailedAuth)
            };
            t.join(Some("h"), pid, &mut m);
        };
        let name = || RemoteRef::Name(Cow::Borrowed("scanner.example.net"));
        join(&mut t, 1, "alice", name());
        for i in 0..MAX_TEXTS {
            join(
                &mut t,
                2,
                &format!("u{i}"),
                RemoteRef::Ip([192, 0, 2, 1].into()),
            );
        }
        assert!(t.texts.len() < 10, "{}", t.texts.len());
        assert!(
            t.texts.room() >= MAX_TEXTS,
            "the buffers keep their room through a compaction"
        );
        let mut m = SshMessageRef::new(SshKind::TooManyAuthFailures);
        t.join(Some("h"), 1, &mut m);
        assert_eq!(m.user.as_deref(), Some("alice"));
        assert_eq!(m.remote, Some(name()));
    }

    #[test]
    fn remotes_round_trip() {
        let mut t = Texts::default();
        let remotes = [
            RemoteRef::Ip("203.0.113.9".parse().unwrap()),
            RemoteRef::Ip("2001:db8::5".parse().unwrap()),
            RemoteRef::Name(Cow::Borrowed("scanner.example.net")),
        ];
        for r in &remotes {
            let mut st = PidState::default();
            st.set_remote(r, &mut t);
            for other in &remotes {
                assert_eq!(st.holds(other, &t), other == r, "{r:?} {other:?}");
            }
            assert_eq!(st.remote_ref(&t), Some(r.clone().into_static()));
        }
        assert_eq!(PidState::default().remote_ref(&t), None);
    }
}
