//! The detectors split by key over threads (#16: work that scales with
//! the machine) raise the alerts of one detector set: the same alerts, in
//! the same order, whatever the number of shards and parsing threads.

use std::io::Write;

use soc_core::detect::{alert_order, AlertCollector, DetectConfig, ShardedCollector};
use soc_core::model::Alert;
use soc_core::parse::ssh::{Reader, SshOptions};

/// A small deterministic generator (xorshift), `next(n)` in `0..n`.
fn rng(seed: u64) -> impl FnMut(u64) -> u64 {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    move |n| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n.max(1)
    }
}

/// An auth log of `n` sshd lines: failures (password, invalid user),
/// probes, successes, from IPv4 sources, IPv6 sources sharing /64s and
/// host names, on a few dozen users, in bursts and quiet spells over
/// days, some lines a little older than the one before.
fn auth_log(seed: u64, n: usize) -> String {
    let mut next = rng(seed);
    let mut t: i64 = 0;
    let mut out = String::new();
    for i in 0..n {
        t += match next(1000) {
            0..=2 => 900 * next(40) as i64,
            3 => -(next(100) as i64),
            _ => next(5) as i64,
        };
        let t = t.max(0);
        let day = 1 + t / 86_400;
        let (h, m, s) = ((t / 3600) % 24, (t / 60) % 60, t % 60);
        let src = match next(10) {
            0 => format!("2001:db8:{}::{:x}", next(6), next(5000)),
            1 => format!("scan{}.example.net", next(4)),
            2 => format!("203.0.113.{}", next(6)),
            _ => format!("198.51.{}.{}", next(3), next(120)),
        };
        let user = format!("u{}", next(30));
        let pid = 1000 + i;
        let port = 40_000 + next(20_000);
        let msg = match next(20) {
            0 => format!("Accepted password for {user} from {src} port {port} ssh2"),
            1 | 2 => format!("Connection closed by {src} port {port} [preauth]"),
            3 => format!("Invalid user {user} from {src} port {port}"),
            _ => format!("Failed password for {user} from {src} port {port} ssh2"),
        };
        out.push_str(&format!(
            "Nov {day:>2} {h:02}:{m:02}:{s:02} host sshd[{pid}]: {msg}\n"
        ));
    }
    out
}

fn reader(path: &std::path::Path, threads: usize) -> Reader {
    let opts = SshOptions {
        year: Some(2026),
        ..SshOptions::default()
    };
    Reader::open(path, opts).unwrap().with_threads(threads)
}

fn one_set(cfg: &DetectConfig, path: &std::path::Path) -> Vec<Alert> {
    let mut c = AlertCollector::new(cfg.clone());
    c.read(&mut reader(path, 1));
    c.finish()
}

fn sharded(
    cfg: &DetectConfig,
    path: &std::path::Path,
    shards: usize,
    threads: usize,
) -> Vec<Alert> {
    let found = std::sync::Mutex::new(Vec::new());
    let keep = |a| found.lock().unwrap().push(a);
    let mut c = ShardedCollector::new(cfg.clone(), shards);
    assert_eq!(c.shards(), shards.max(1));
    c.read_each(&mut reader(path, threads), &keep);
    c.finish_each(&keep);
    let mut found = found.into_inner().unwrap();
    found.sort_by(alert_order);
    found
}

/// Every split, on one and on several parsing threads, gives the one
/// set's alerts: ids, counts, times, evidence and order.
#[test]
fn shards_raise_the_alerts_of_one_set() {
    let small = DetectConfig {
        brute_force_window_secs: 60,
        slow_window_secs: 1800,
        spray_users: 4,
        distributed_sources: 3,
        success_after_failures: 3,
        ..DetectConfig::default()
    };
    for (seed, cfg) in [(1, DetectConfig::default()), (2, small)] {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(auth_log(seed, 30_000).as_bytes()).unwrap();
        let want = one_set(&cfg, f.path());
        let kinds: std::collections::BTreeSet<&str> =
            want.iter().map(|a| a.kind.as_str()).collect();
        assert!(kinds.len() >= 5, "seed {seed}: {kinds:?}");
        for shards in [1, 2, 3, 4] {
            for threads in [1, 2] {
                let got = sharded(&cfg, f.path(), shards, threads);
                assert_eq!(
                    got.len(),
                    want.len(),
                    "seed {seed}, {shards} shards, {threads} threads"
                );
                assert!(
                    got == want,
                    "seed {seed}, {shards} shards, {threads} threads"
                );
            }
        }
    }
}

/// Alerts sharing their first evidence and kind come out by id, so the
/// order does not depend on which shard ended its episode first.
#[test]
fn ties_are_ordered_by_id() {
    let log = "\
Nov  1 00:00:01 host sshd[1]: Failed password for root from 203.0.113.1 port 1 ssh2
Nov  1 00:00:01 host sshd[2]: Failed password for root from 203.0.113.2 port 1 ssh2
Nov  1 00:00:01 host sshd[3]: Failed password for root from 203.0.113.3 port 1 ssh2
Nov  1 00:00:01 host sshd[4]: Failed password for root from 203.0.113.4 port 1 ssh2
";
    let mut text = String::new();
    for _ in 0..5 {
        text.push_str(log);
    }
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    let cfg = DetectConfig::default();
    let want = one_set(&cfg, f.path());
    let brute: Vec<&Alert> = want
        .iter()
        .filter(|a| a.kind == "ssh.brute_force")
        .collect();
    assert_eq!(brute.len(), 4);
    assert!(brute.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(sharded(&cfg, f.path(), 3, 2), want);
}
