//! Fault test: `soc run --follow` is killed with SIGKILL at random moments
//! while a writer appends attack bursts and rotates the log (rename, new
//! file at the exact watched path, sometimes a late write to the renamed
//! file), and restarted each time. Every alert and every action must appear
//! exactly once: the same alerts (kind, source, evidence count) and the same
//! action records as one uninterrupted `soc run --once` over the same lines.
//!
//! The detector windows are persisted in the transaction that commits the
//! checkpoints (issue #14 item 2), so no kill can lose a window increment.
//! Batches are cut every 2 records here, so a kill often falls between
//! batches of one burst: a checkpoint committed without its windows would
//! lose evidence.
//!
//! The schedule comes from a seed, printed at the start; rerun one with
//! `SOC_FAULT_SEED=<seed>`. Each attacker's lines are one `write` inside one
//! 4 KiB page, so a reader sees all or none of them; the small batches
//! still split them between commits.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use soc_core::StateStore;

const ATTACKERS: u32 = 30;
const ROTATE_AFTER: [u32; 2] = [10, 20];
const KILLS: usize = 4;
const PAGE: u64 = 4096;

/// xorshift64*: a deterministic schedule from the printed seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Six failed passwords of attacker `i` (its own address and user), one minute apart from the next attacker.
fn burst(i: u32) -> String {
    (0..6)
        .map(|k| {
            format!(
                "Nov 21 03:{:02}:{:02} web01 sshd[{}]: Failed password for invalid user u{i} from 203.0.113.{} port {} ssh2\n",
                i,
                k * 5,
                7000 + i * 10 + k,
                i + 1,
                40000 + k
            )
        })
        .collect()
}

/// Appends `text` in one write that does not cross a page boundary
/// (padding with a non-sshd line first when it would).
fn append_atomic(path: &Path, text: &str) {
    let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .unwrap();
    let room = PAGE - len % PAGE;
    if (text.len() as u64) > room {
        let pad = room as usize;
        let filler = if pad >= 2 {
            format!("{}\n", "#".repeat(pad - 1))
        } else {
            "\n".repeat(pad)
        };
        f.write_all(filler.as_bytes()).unwrap();
    }
    f.write_all(text.as_bytes()).unwrap();
}

fn config(root: &Path, log: &Path, follow: bool) -> PathBuf {
    let cfg = root.join(if follow { "follow.toml" } else { "once.toml" });
    std::fs::write(
        &cfg,
        format!(
            "[store]\npath = {:?}\n\n[run]\noffline = true\npoll_ms = 10\nbatch_records = 2\n\n[[sources]]\nkind = \"ssh\"\npath = {:?}\nfollow = {follow}\npoll_ms = 10\n\n[response]\ndry_run = true\n",
            root.join("state.db").display().to_string(),
            log.display().to_string()
        ),
    )
    .unwrap();
    cfg
}

fn soc(args: &[&str], cfg: &Path) -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("soc"));
    c.args(args)
        .arg("--config")
        .arg(cfg)
        .env_remove("SOC_CONFIG");
    c.stdout(Stdio::null()).stderr(Stdio::null());
    c
}

fn start(cfg: &Path) -> Child {
    soc(&["run", "--follow", "-q"], cfg).spawn().unwrap()
}

fn kill9(child: &mut Child) {
    // Our own child, by its pid.
    let ok = Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let _ = child.wait();
}

/// Whether the store's checkpoints cover `len` bytes of some file.
fn committed(db: &Path, len: u64) -> bool {
    if !db.exists() {
        return false;
    }
    let Ok(store) = StateStore::open(db) else {
        return false;
    };
    store
        .checkpoints_with_prefix("file:")
        .map(|m| m.values().any(|(_, off)| *off == len))
        .unwrap_or(false)
}

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

type Alerts = BTreeMap<(String, String, u64), u32>;
type Actions = BTreeMap<(String, String, String, String), u32>;

/// Alerts as (kind, source address, evidence count) and actions as
/// (alert kind, responder, action, target), each with how often it appears.
fn outcome(db: &Path) -> (Alerts, Actions) {
    let store = StateStore::open(db).unwrap();
    let epoch = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
    let mut alerts = Alerts::new();
    let mut kind_of = BTreeMap::new();
    for a in store.alerts_since(epoch).unwrap() {
        let a = a.alert;
        let src = a.src_ip.map(|i| i.to_string()).unwrap_or_default();
        kind_of.insert(a.id.clone(), format!("{} {src}", a.kind));
        *alerts.entry((a.kind, src, a.count)).or_default() += 1;
    }
    let mut actions = Actions::new();
    for r in store.actions_since(epoch).unwrap() {
        let alert = kind_of
            .get(&r.alert_id)
            .cloned()
            .unwrap_or_else(|| format!("unknown alert {}", r.alert_id));
        *actions
            .entry((alert, r.responder, r.action, r.target))
            .or_default() += 1;
    }
    (alerts, actions)
}

fn seed() -> u64 {
    std::env::var("SOC_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
                | 1
        })
}

/// What the faulted runs and the reference run stored.
struct Outcome {
    got: (Alerts, Actions),
    want: (Alerts, Actions),
    /// Every checkpoint is at the end of its file.
    all_read: bool,
}

/// Runs the schedule of `seed`; the last follow run stops gracefully
/// (SIGTERM) so its open episodes are reported.
fn scenario(seed: u64) -> Outcome {
    eprintln!("follow_fault seed: {seed} (rerun with SOC_FAULT_SEED={seed})");
    let mut rng = Rng(seed);
    let mut kill_after: Vec<u32> = Vec::new();
    while kill_after.len() < KILLS {
        let k = 1 + rng.below(u64::from(ATTACKERS) - 2) as u32;
        if !kill_after.contains(&k) {
            kill_after.push(k);
        }
    }
    eprintln!("kills after bursts {kill_after:?}");

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let log = root.join("auth.log");
    let db = root.join("state.db");
    std::fs::write(&log, "").unwrap();
    let cfg = config(root, &log, true);
    let mut child = Some(start(&cfg));
    let mut rotations = 0;
    let mut late_writer: Option<PathBuf> = None;
    for i in 0..ATTACKERS {
        // A late writer appends one burst to the renamed file before reopening.
        append_atomic(late_writer.take().as_deref().unwrap_or(&log), &burst(i));
        std::thread::sleep(Duration::from_millis(rng.below(30)));
        if kill_after.contains(&i) {
            // Kill at a random moment after this burst, then write more while it is down.
            std::thread::sleep(Duration::from_millis(rng.below(40)));
            if let Some(mut c) = child.take() {
                kill9(&mut c);
            }
        }
        if ROTATE_AFTER.contains(&i) {
            // At most one rotation while soc is down: a file soc never
            // checkpointed and that was rotated away unseen cannot be found.
            if child.is_none() {
                child = Some(start(&cfg));
            }
            let len = std::fs::metadata(&log).unwrap().len();
            wait_until("the file to be committed before rotating", || {
                committed(&db, len)
            });
            rotations += 1;
            let rotated = root.join(format!("auth.log-{rotations}"));
            std::fs::rename(&log, &rotated).unwrap();
            std::fs::write(&log, "").unwrap();
            if rng.below(2) == 0 {
                late_writer = Some(rotated);
            }
        }
        if child.is_none() && rng.below(3) > 0 {
            child = Some(start(&cfg));
        }
    }
    let c = child.take().unwrap_or_else(|| start(&cfg));
    // A non-sshd line read by this very process shows it is up (its signal
    // handlers installed) before it is asked to stop.
    append_atomic(&log, "Nov 21 04:00:00 web01 CRON[1]: (root) CMD (true)\n");
    let len = std::fs::metadata(&log).unwrap().len();
    wait_until("the last burst to be committed", || committed(&db, len));
    let ok = Command::new("kill")
        .args(["-TERM", &c.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let out = c.wait_with_output().unwrap();
    assert!(out.status.success(), "graceful stop");
    // A last one-shot pass picks up whatever a kill left (nothing, ideally).
    let ok = soc(&["run", "--once", "-q"], &config(root, &log, false))
        .status()
        .unwrap();
    assert!(ok.success());
    let store = StateStore::open(&db).unwrap();
    let cps = store.checkpoints_with_prefix("file:").unwrap();
    let mut sizes: Vec<u64> = std::fs::read_dir(root)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("auth.log"))
        .map(|e| e.metadata().unwrap().len())
        .collect();
    let mut offsets: Vec<u64> = cps.values().map(|(_, o)| *o).collect();
    sizes.sort_unstable();
    offsets.sort_unstable();
    drop(store);

    // The same lines in one uninterrupted run.
    let clean = tempfile::tempdir().unwrap();
    let clean_log = clean.path().join("auth.log");
    for i in 0..ATTACKERS {
        append_atomic(&clean_log, &burst(i));
    }
    let ok = soc(
        &["run", "--once", "-q"],
        &config(clean.path(), &clean_log, false),
    )
    .status()
    .unwrap();
    assert!(ok.success());
    let want = outcome(&clean.path().join("state.db"));
    let brute = want
        .0
        .keys()
        .filter(|(k, _, _)| k.contains("brute"))
        .count();
    assert_eq!(
        brute, ATTACKERS as usize,
        "the reference alerts on every attacker: {want:?}"
    );
    assert!(want.0.values().all(|n| *n == 1) && want.1.values().all(|n| *n == 1));
    assert!(!want.1.is_empty(), "the playbook records actions");
    Outcome {
        got: outcome(&db),
        want,
        all_read: offsets == sizes,
    }
}

#[test]
fn sigkill_during_follow_with_rotation_loses_and_repeats_nothing() {
    let seed = seed();
    let o = scenario(seed);
    assert!(o.all_read, "seed {seed}: every file read to its end");
    assert_eq!(
        o.got.0, o.want.0,
        "seed {seed}: every alert exactly once, with all its evidence"
    );
    assert_eq!(o.got.1, o.want.1, "seed {seed}: every action exactly once");
}
