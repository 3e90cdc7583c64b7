//! An auth.log with known attackers planted among benign traffic, for
//! scoring detection side by side with fail2ban, sshguard and CrowdSec
//! (`benches/compare/peers.sh`). Same seed, same bytes.
//!
//! Over one day (BSD syslog, `Dec  1` to `Dec  2`), `per_type` attacking
//! addresses of each kind:
//!
//! | kind | address range | what it logs |
//! |---|---|---|
//! | `password_bf` | 203.0.113.1.. | 12 `Failed password` in ~3 min, 3 per connection, then `Connection closed ... [preauth]` |
//! | `keyonly_bf` | 203.0.113.41.. | 20 connections in ~2 min ending `Connection closed by authenticating user root ... [preauth]` (or `Invalid user` + `Connection closed by invalid user`), no `Failed` line |
//! | `spraying` | 203.0.113.81.. | 12 different invalid users, one connection each, over ~50 min |
//! | `slow_bf` | 203.0.113.121.. | one `Failed password for root` every 25 min for 12 h |
//! | `scanner` | 203.0.113.161.. | 15 probes in ~3 min: no identification string, bad banners, key-exchange mismatches |
//!
//! The rest is benign: internal deploy logins by key, external users
//! (192.0.2.0/24 and 198.51.100.0/24) who sometimes mistype a password
//! once before logging in, sessions, cron, sudo and systemd-logind lines.
//! [`generate`] returns the planted addresses with their kind.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The planted attack kinds, in table order.
pub const KINDS: [&str; 5] = [
    "password_bf",
    "keyonly_bf",
    "spraying",
    "slow_bf",
    "scanner",
];

const DAY: u32 = 86_400;

/// One line body before its timestamp: (seconds into the day, order, text).
type Line = (u32, u32, String);

struct Gen {
    rng: StdRng,
    lines: Vec<Line>,
    pid: u32,
}

impl Gen {
    fn pid(&mut self) -> u32 {
        self.pid = 1000 + (self.pid + self.rng.random_range(1..97)) % 60_000;
        self.pid
    }
    fn port(&mut self) -> u32 {
        self.rng.random_range(1024..65535)
    }
    fn push(&mut self, t: u32, prog: &str, pid: u32, msg: String) {
        let n = self.lines.len() as u32;
        self.lines
            .push((t.min(2 * DAY - 1), n, format!("{prog}[{pid}]: {msg}")));
    }
    fn sshd(&mut self, t: u32, pid: u32, msg: String) {
        self.push(t, "sshd", pid, msg);
    }
    /// `Failed password for root` from `ip`.
    fn root_failed(&mut self, t: u32, pid: u32, ip: &str, port: u32) {
        self.sshd(
            t,
            pid,
            format!("Failed password for root from {ip} port {port} ssh2"),
        );
    }
    /// A pre-auth close of a connection that tried to log in as root.
    fn root_closed(&mut self, t: u32, pid: u32, ip: &str, port: u32) {
        self.sshd(
            t,
            pid,
            format!("Connection closed by authenticating user root {ip} port {port} [preauth]"),
        );
    }
}

fn attacker(kind: usize, i: u32) -> String {
    format!("203.0.113.{}", 1 + kind as u32 * 40 + i)
}

/// Writes the log to `out`: at least `lines` lines (attacks plus benign
/// traffic), `per_type` attackers of each kind (at most 40). Returns
/// `(address, kind)` of every planted attacker.
pub fn generate(
    lines: usize,
    per_type: u32,
    seed: u64,
    out: &mut impl std::io::Write,
) -> std::io::Result<Vec<(String, &'static str)>> {
    let per_type = per_type.clamp(1, 40);
    let mut g = Gen {
        rng: StdRng::seed_from_u64(seed),
        lines: Vec::with_capacity(lines + 10_000),
        pid: 1000,
    };
    let mut truth = Vec::new();
    for (k, kind) in KINDS.iter().enumerate() {
        for i in 0..per_type {
            let ip = attacker(k, i);
            let start = g.rng.random_range(0..DAY / 2);
            match *kind {
                "password_bf" => password_bf(&mut g, &ip, start),
                "keyonly_bf" => keyonly_bf(&mut g, &ip, start),
                "spraying" => spraying(&mut g, &ip, start),
                "slow_bf" => slow_bf(&mut g, &ip, start),
                _ => scanner(&mut g, &ip, start),
            }
            truth.push((ip, *kind));
        }
    }
    while g.lines.len() < lines {
        benign(&mut g);
    }
    g.lines.sort_unstable_by_key(|l| (l.0, l.1));
    for (t, _, body) in &g.lines {
        let day = 1 + t / DAY;
        let (h, m, s) = ((t % DAY) / 3600, (t % 3600) / 60, t % 60);
        writeln!(out, "Dec {day:>2} {h:02}:{m:02}:{s:02} server1 {body}")?;
    }
    Ok(truth)
}

fn password_bf(g: &mut Gen, ip: &str, mut t: u32) {
    for _conn in 0..4 {
        let (pid, port) = (g.pid(), g.port());
        for _ in 0..3 {
            t += g.rng.random_range(10..20);
            g.root_failed(t, pid, ip, port);
        }
        g.root_closed(t + 1, pid, ip, port);
    }
}

fn keyonly_bf(g: &mut Gen, ip: &str, mut t: u32) {
    for n in 0..20 {
        t += g.rng.random_range(4..8);
        let (pid, port) = (g.pid(), g.port());
        if n % 2 == 0 {
            g.root_closed(t, pid, ip, port);
        } else {
            g.sshd(
                t,
                pid,
                format!("Invalid user admin{n} from {ip} port {port}"),
            );
            g.sshd(
                t + 1,
                pid,
                format!("Connection closed by invalid user admin{n} {ip} port {port} [preauth]"),
            );
        }
    }
}

const SPRAY_USERS: [&str; 12] = [
    "oracle", "postgres", "git", "ubuntu", "test", "admin", "guest", "pi", "ftpuser", "jenkins",
    "deploy2", "support",
];

fn spraying(g: &mut Gen, ip: &str, mut t: u32) {
    for user in SPRAY_USERS {
        t += g.rng.random_range(200..300);
        let (pid, port) = (g.pid(), g.port());
        g.sshd(t, pid, format!("Invalid user {user} from {ip} port {port}"));
        g.sshd(
            t + 2,
            pid,
            format!("Failed password for invalid user {user} from {ip} port {port} ssh2"),
        );
        g.sshd(
            t + 3,
            pid,
            format!("Connection closed by invalid user {user} {ip} port {port} [preauth]"),
        );
    }
}

fn slow_bf(g: &mut Gen, ip: &str, mut t: u32) {
    for _ in 0..28 {
        t += 1500 + g.rng.random_range(0..60);
        let (pid, port) = (g.pid(), g.port());
        g.root_failed(t, pid, ip, port);
        g.root_closed(t + 1, pid, ip, port);
    }
}

fn scanner(g: &mut Gen, ip: &str, mut t: u32) {
    for n in 0..15 {
        t += g.rng.random_range(5..15);
        let (pid, port) = (g.pid(), g.port());
        let msg = match n % 5 {
            0 => format!("Did not receive identification string from {ip} port {port}"),
            1 => format!("banner exchange: Connection from {ip} port {port}: invalid format"),
            2 => format!("Unable to negotiate with {ip} port {port}: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1,diffie-hellman-group14-sha1 [preauth]"),
            3 => format!("Bad protocol version identification 'GET / HTTP/1.1' from {ip} port {port}"),
            _ => format!("Connection reset by {ip} port {port} [preauth]"),
        };
        g.sshd(t, pid, msg);
    }
}

const STAFF: [&str; 6] = ["alice", "bob", "carol", "dave", "erin", "frank"];

/// One benign episode: a few lines.
fn benign(g: &mut Gen) {
    let t = g.rng.random_range(0..DAY);
    let pid = g.pid();
    match g.rng.random_range(0..100u32) {
        0..=39 => {
            let host = format!(
                "10.0.{}.{}",
                g.rng.random_range(0..4),
                g.rng.random_range(2..60)
            );
            let port = g.port();
            g.sshd(t, pid, format!("Accepted publickey for deploy from {host} port {port} ssh2: ED25519 SHA256:Qm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5"));
            g.sshd(
                t,
                pid,
                "pam_unix(sshd:session): session opened for user deploy(uid=1000) by (uid=0)"
                    .into(),
            );
            g.push(
                t,
                "systemd-logind",
                412,
                format!("New session {pid} of user deploy."),
            );
            g.sshd(
                t + 30,
                pid,
                format!("Received disconnect from {host} port {port}:11: disconnected by user"),
            );
            g.sshd(
                t + 30,
                pid,
                format!("Disconnected from user deploy {host} port {port}"),
            );
            g.sshd(
                t + 30,
                pid,
                "pam_unix(sshd:session): session closed for user deploy".into(),
            );
        }
        40..=49 => {
            // An external user who sometimes mistypes once.
            let user = STAFF[g.rng.random_range(0..STAFF.len())];
            let host = if g.rng.random_bool(0.5) {
                format!("192.0.2.{}", g.rng.random_range(1..200))
            } else {
                format!("198.51.100.{}", g.rng.random_range(1..200))
            };
            let port = g.port();
            if g.rng.random_bool(0.3) {
                g.sshd(
                    t,
                    pid,
                    format!("Failed password for {user} from {host} port {port} ssh2"),
                );
            }
            g.sshd(
                t + 4,
                pid,
                format!("Accepted password for {user} from {host} port {port} ssh2"),
            );
            g.sshd(
                t + 4,
                pid,
                format!(
                    "pam_unix(sshd:session): session opened for user {user}(uid=1001) by (uid=0)"
                ),
            );
        }
        50..=79 => {
            g.push(
                t,
                "CRON",
                pid,
                "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)".into(),
            );
            g.push(
                t + 1,
                "CRON",
                pid,
                "pam_unix(cron:session): session closed for user root".into(),
            );
        }
        _ => {
            g.push(t, "sudo", pid, "deploy : TTY=pts/0 ; PWD=/srv/app ; USER=root ; COMMAND=/usr/bin/systemctl restart app".into());
            g.push(
                t,
                "sudo",
                pid,
                "pam_unix(sudo:session): session opened for user root(uid=0) by deploy(uid=1000)"
                    .into(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bytes_and_every_kind_planted() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let truth = generate(2000, 3, 7, &mut a).unwrap();
        generate(2000, 3, 7, &mut b).unwrap();
        assert_eq!(a, b);
        assert_eq!(truth.len(), 15);
        let text = String::from_utf8(a).unwrap();
        assert!(text.lines().count() >= 2000);
        for (ip, _) in &truth {
            assert!(text.contains(&format!(" {ip} ")), "{ip} planted");
        }
        // Key-only attackers never log a failed password.
        let keyonly = &truth.iter().find(|t| t.1 == "keyonly_bf").unwrap().0;
        assert!(!text
            .lines()
            .any(|l| l.contains("Failed") && l.contains(&format!("{keyonly} "))));
    }
}
