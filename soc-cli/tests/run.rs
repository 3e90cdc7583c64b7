//! `soc run` end to end: once (twice, no duplicate actions), follow (append,
//! rotate, graceful stop, restart: no line lost or repeated), kill -9
//! mid-run (committed state survives, the rest is read on restart), and
//! `soc status` / `soc report` over the resulting store.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{soc, succeed};
use predicates::prelude::*;
use serde_json::Value;

fn failures(attacker: &str, start: u32, n: u32) -> String {
    (start..start + n)
        .map(|i| {
            format!(
                "Nov 21 02:{:02}:{:02} web01 sshd[{}]: Failed password for root from {attacker} port {} ssh2\n",
                19 + (i / 60) % 40,
                i % 60,
                3000 + i,
                40000 + i
            )
        })
        .collect()
}

struct Setup {
    _dir: tempfile::TempDir,
    root: PathBuf,
    config: PathBuf,
    log: PathBuf,
}

fn setup(follow: bool) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let log = root.join("auth.log");
    std::fs::write(&log, failures("203.0.113.45", 0, 30)).unwrap();
    let source = format!(
        "[[sources]]\nkind = \"ssh\"\npath = {:?}\nfollow = {follow}\npoll_ms = 20\n",
        log.display().to_string()
    );
    let config = common::run_config(&root, "poll_ms = 20\nbatch_records = 10\n", &source);
    Setup {
        _dir: dir,
        root,
        config,
        log,
    }
}

fn metrics(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Runs `soc run --once` on the set-up's config; its metrics (written to
/// `name` under the set-up's root).
fn run_once(s: &Setup, name: &str) -> Value {
    let m = s.root.join(name);
    soc()
        .args(["run", "--once", "--config"])
        .arg(&s.config)
        .arg("--metrics-json")
        .arg(&m)
        .assert()
        .success();
    metrics(&m)
}

fn status(s: &Setup) -> Value {
    let out = succeed(soc().args(["status", "--json", "--config"]).arg(&s.config));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn audited(s: &Setup) -> u64 {
    status(s)["state"]["actions_by_status"]
        .as_object()
        .map_or(0, |m| m.values().filter_map(Value::as_u64).sum())
}

fn committed_offset(s: &Setup) -> u64 {
    if !s.root.join("state.db").exists() {
        return 0;
    }
    status(s)["state"]["checkpoints"]
        .as_array()
        .map_or(0, |cps| {
            cps.iter().filter_map(|c| c["offset"].as_u64()).sum()
        })
}

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn append(path: &Path, text: &str) {
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

fn signal(child: &Child, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

#[test]
fn once_twice_never_duplicates_actions() {
    let s = setup(false);
    let m1 = s.root.join("m1.json");
    soc()
        .args(["run", "--once", "--summary", "--config"])
        .arg(&s.config)
        .arg("--metrics-json")
        .arg(&m1)
        .assert()
        .success()
        .stdout(predicate::str::contains("203.0.113.45"))
        .stderr(predicate::str::contains("30 records"));
    let first = metrics(&m1);
    assert_eq!(first["records"], 30);
    assert!(first["alerts_new"].as_u64().unwrap() >= 1, "{first}");
    let actions = audited(&s);
    assert!(actions >= 1, "the playbook recorded its dry-run actions");

    let second = run_once(&s, "m2.json");
    assert_eq!(second["records"], 0, "checkpoint: nothing new");
    assert_eq!(second["actions_total"], 0);
    assert_eq!(audited(&s), actions, "no duplicate action");

    // New evidence extends the episode: same alert updated, actions suppressed or recorded once.
    append(&s.log, &failures("203.0.113.45", 30, 5));
    let third = run_once(&s, "m3.json");
    assert_eq!(third["records"], 5);
    assert_eq!(third["alerts_new"], 0, "{third}");

    let st = status(&s);
    assert_eq!(st["cumulative"]["runs"], 3);
    assert_eq!(st["cumulative"]["records"], 35);
    soc()
        .args(["status", "--config"])
        .arg(&s.config)
        .assert()
        .success()
        .stdout(predicate::str::contains("all runs (3)"));
    soc()
        .args(["report", "--since", "all", "--format", "html", "--config"])
        .arg(&s.config)
        .assert()
        .success()
        .stdout(predicate::str::contains("<svg").and(predicate::str::contains("203.0.113.45")));
    soc()
        .args(["report", "--format", "pdf", "--config"])
        .arg(&s.config)
        .assert()
        .code(2);
}

#[test]
fn follow_appends_rotation_and_graceful_restart_lose_and_repeat_nothing() {
    let s = setup(true);
    let mfile = s.root.join("follow.json");
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("soc"))
        .args(["run", "--follow", "-q", "--config"])
        .arg(&s.config)
        .arg("--metrics-json")
        .arg(&mfile)
        .env_remove("SOC_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let size = |p: &Path| std::fs::metadata(p).unwrap().len();
    wait_until("the first 30 lines", || {
        committed_offset(&s) == size(&s.log)
    });
    append(&s.log, &failures("203.0.113.45", 30, 10));
    wait_until("appended lines", || committed_offset(&s) >= size(&s.log));
    // Rotate by rename; the follower finishes the old file and reads the new one from 0.
    std::fs::rename(&s.log, s.root.join("auth.log.1")).unwrap();
    std::fs::write(&s.log, failures("198.51.100.7", 0, 7)).unwrap();
    wait_until("the rotated file", || {
        let st = status(&s);
        st["state"]["checkpoints"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["offset"].as_u64() == Some(size(&s.log))))
    });
    signal(&child, "-TERM");
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "graceful exit: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m = metrics(&mfile);
    assert_eq!(m["records"], 47, "every line once: {m}");
    assert_eq!(m["mode"], "follow");
    // Restart: nothing is read twice.
    assert_eq!(run_once(&s, "again.json")["records"], 0);
}

#[test]
fn kill_9_mid_run_keeps_committed_state_and_resumes() {
    let s = setup(true);
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("soc"))
        .args(["run", "--follow", "-q", "--config"])
        .arg(&s.config)
        .env_remove("SOC_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until("a committed checkpoint", || committed_offset(&s) > 0);
    signal(&child, "-KILL");
    let mut child = child;
    let _ = child.wait();
    // More lines arrive while it is down.
    append(&s.log, &failures("203.0.113.45", 30, 12));
    let committed = committed_offset(&s);
    let text = std::fs::read_to_string(&s.log).unwrap();
    let committed_lines = text.as_bytes()[..committed as usize]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64;
    let total_lines = text.lines().count() as u64;
    let resumed = run_once(&s, "resume.json");
    assert_eq!(
        resumed["records"].as_u64().unwrap() + committed_lines,
        total_lines,
        "no line lost or repeated across the kill: {resumed}"
    );
    assert_eq!(status(&s)["state"]["pending"], 0);
}

#[test]
fn usage_and_config_errors_exit_non_zero() {
    let s = setup(false);
    soc()
        .args(["run", "--config"])
        .arg(&s.config)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--once"));
    let bad = s.root.join("bad.toml");
    std::fs::write(&bad, "[[sources]]\nkind = \"ssh\"\npaht = \"x\"\n").unwrap();
    soc()
        .args(["run", "--once", "--config"])
        .arg(&bad)
        .assert()
        .code(4) // configuration error (README: exit codes)
        .stderr(
            predicate::str::contains(format!("{}:3:", bad.display()))
                .and(predicate::str::contains("paht")),
        );
    soc()
        .args(["status", "--state"])
        .arg(s.root.join("nope.db"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("run `soc run --once` first"));
}

/// A local webhook sink: answers every request 200 after `delay`, and
/// records the alert id of each POST body.
fn webhook_sink(delay: Duration) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Read};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let posts = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = posts.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let seen = seen.clone();
            std::thread::spawn(move || {
                let mut out = conn.try_clone().unwrap();
                let mut r = BufReader::new(conn);
                loop {
                    let mut head = String::new();
                    let mut len = 0usize;
                    loop {
                        let mut l = String::new();
                        if r.read_line(&mut l).unwrap_or(0) == 0 {
                            return;
                        }
                        if let Some(v) = l.to_ascii_lowercase().strip_prefix("content-length:") {
                            len = v.trim().parse().unwrap_or(0);
                        }
                        if l == "\r\n" {
                            break;
                        }
                        head.push_str(&l);
                    }
                    let mut body = vec![0; len];
                    if r.read_exact(&mut body).is_err() {
                        return;
                    }
                    if head.starts_with("POST") {
                        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                        let id = v["alert"]["id"].as_str().unwrap_or("?").to_string();
                        seen.lock().unwrap().push(id);
                    }
                    std::thread::sleep(delay);
                    let _ = out.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
                }
            });
        }
    });
    (url, posts)
}

/// #14 item 6: two `soc run --once` started while the first is still
/// acting send exactly one POST per alert: the second run finds the state
/// file locked and stops at once with a clear message, doing nothing.
#[test]
fn overlapping_once_runs_post_each_alert_once() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let (url, posts) = webhook_sink(Duration::from_millis(15));
    let n = 60;
    let alerts: String = (0..n)
        .map(|i| {
            format!(
                "{{\"@timestamp\":\"2026-11-21T02:00:{:02}Z\",\"src_ip\":\"198.51.100.{}\",\"signature\":\"scan {i}\",\"severity\":\"high\"}}\n",
                i % 60,
                i + 1
            )
        })
        .collect();
    std::fs::write(root.join("alerts.jsonl"), alerts).unwrap();
    let config = root.join("soc.toml");
    std::fs::write(
        &config,
        format!(
            "[store]\npath = {:?}\n[run]\noffline = true\n[[sources]]\nkind = \"alerts\"\npath = {:?}\n\
             [response]\ndry_run = false\n[response.webhook]\nurl = {url:?}\nmax_retries = 0\n\
             [response.playbook.levels]\nlow = [\"record\", \"notify\"]\nmedium = [\"record\", \"notify\"]\n\
             high = [\"record\", \"notify\"]\ncritical = [\"record\", \"notify\"]\n",
            root.join("state.db").display().to_string(),
            root.join("alerts.jsonl").display().to_string(),
        ),
    )
    .unwrap();
    let bin = assert_cmd::cargo::cargo_bin("soc");
    let mut first = std::process::Command::new(&bin)
        .args(["run", "--once", "-q", "--config"])
        .arg(&config)
        .env_remove("SOC_CONFIG")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The first run is acting (so it holds the lock): start the second.
    wait_until("the first POST", || !posts.lock().unwrap().is_empty());
    let second = soc()
        .args(["run", "--once", "-q", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!second.status.success(), "the second run must not run");
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(err.contains("is in use by pid"), "clear message: {err}");
    let status = first.wait().unwrap();
    let mut e = String::new();
    std::io::Read::read_to_string(first.stderr.as_mut().unwrap(), &mut e).unwrap();
    assert!(status.success(), "{e}");
    // A third run afterwards finds nothing new and repeats nothing.
    soc()
        .args(["run", "--once", "-q", "--config"])
        .arg(&config)
        .assert()
        .success();
    let got = posts.lock().unwrap().clone();
    let distinct: std::collections::BTreeSet<&String> = got.iter().collect();
    assert_eq!(got.len(), n, "one POST per alert: {got:?}");
    assert_eq!(distinct.len(), n);
}
