//! `soc ssh --journal` and `[[sources]] kind = "journal"` under `soc run
//! --once` against real journal files written by Debian's
//! `systemd-journal-remote`. Skips (with the reason) where it is missing.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command as Std, Stdio};

use assert_cmd::Command;
use serde_json::Value;

const BOOT: &str = "0123456789abcdef0123456789abcdef";
const T0: u64 = 1_700_000_000_000_000;

fn soc() -> Command {
    let mut c = Command::cargo_bin("soc").unwrap();
    c.env_remove("SOC_CONFIG");
    c
}

fn journal_remote() -> Option<PathBuf> {
    let found = [
        "/lib/systemd/systemd-journal-remote",
        "/usr/lib/systemd/systemd-journal-remote",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists());
    if found.is_none() {
        eprintln!("skipped: systemd-journal-remote is not installed (apt-get install systemd-journal-remote)");
    } else if Std::new("journalctl").arg("--version").output().is_err() {
        eprintln!("skipped: journalctl is not installed");
        return None;
    }
    found
}

/// `n` failed passwords from `ip` as export-format sshd entries, numbered from `seq`.
fn failures(seq: u64, n: u64, ip: &str) -> String {
    (seq..seq + n)
        .map(|i| {
            format!(
                "__REALTIME_TIMESTAMP={}\n__MONOTONIC_TIMESTAMP={}\n_BOOT_ID={BOOT}\n_HOSTNAME=web01\n_COMM=sshd\nSYSLOG_IDENTIFIER=sshd\n_PID={}\nMESSAGE=Failed password for root from {ip} port {} ssh2\n\n",
                T0 + i * 1_000_000,
                1000 + i * 1000,
                5000 + i,
                40000 + i
            )
        })
        .collect()
}

fn append_journal(remote: &Path, file: &Path, export: &str) {
    let mut child = Std::new(remote)
        .arg("-o")
        .arg(file)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(export.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn jsonl(out: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn ssh_journal_prints_events_and_alerts_from_a_journal_file() {
    let Some(remote) = journal_remote() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("remote.journal");
    append_journal(&remote, &file, &failures(0, 12, "203.0.113.45"));

    let out = soc()
        .args(["ssh", "--journal", "--format", "jsonl", "--journal-file"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = jsonl(&out.stdout);
    assert_eq!(rows.len(), 12);
    assert!(
        rows.iter()
            .all(|r| r["src_ip"] == "203.0.113.45" && r["host"] == "web01"),
        "{rows:?}"
    );
    assert_eq!(
        rows[0]["time"].as_str().map(|t| &t[..19]),
        Some("2023-11-14T22:13:20")
    );

    let out = soc()
        .args([
            "ssh",
            "--journal",
            "--alerts",
            "--format",
            "jsonl",
            "--journal-directory",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let alerts = jsonl(&out.stdout);
    assert!(
        alerts.iter().any(|a| a.to_string().contains("203.0.113.45")
            && a["kind"].as_str().is_some_and(|k| k.contains("brute"))),
        "{alerts:?}"
    );

    // Files and --journal together, or a journal path that does not exist: usage errors.
    soc()
        .args(["ssh", "--journal", "auth.log"])
        .assert()
        .code(2);
    soc()
        .args(["ssh", "--journal", "--journal-directory"])
        .arg(dir.path().join("nope"))
        .assert()
        .code(2);
}

#[test]
fn run_once_twice_reads_each_journal_entry_once() {
    let Some(remote) = journal_remote() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let jdir = root.join("journal");
    std::fs::create_dir(&jdir).unwrap();
    let file = jdir.join("remote.journal");
    append_journal(&remote, &file, &failures(0, 10, "203.0.113.45"));
    let config = root.join("soc.toml");
    std::fs::write(
        &config,
        format!(
            "[store]\npath = {:?}\n\n[run]\noffline = true\n\n[[sources]]\nkind = \"journal\"\njournal = {{ directory = {:?} }}\n\n[response]\ndry_run = true\n",
            root.join("state.db").display().to_string(),
            jdir.display().to_string()
        ),
    )
    .unwrap();
    let run = |n: u32| -> Value {
        let m = root.join(format!("m{n}.json"));
        let out = soc()
            .args(["run", "--once", "--config"])
            .arg(&config)
            .arg("--metrics-json")
            .arg(&m)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_str(&std::fs::read_to_string(&m).unwrap()).unwrap()
    };
    let first = run(1);
    assert_eq!(first["records"], 10, "{first}");
    assert!(first["alerts_new"].as_u64().unwrap() >= 1, "{first}");
    // New entries between cron runs: exactly those are read next time.
    append_journal(&remote, &file, &failures(10, 3, "198.51.100.7"));
    let second = run(2);
    assert_eq!(second["records"], 3, "{second}");
    let third = run(3);
    assert_eq!(third["records"], 0, "{third}");

    let out = soc()
        .args(["status", "--json", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let st: Value = serde_json::from_slice(&out.stdout).unwrap();
    let cps = st["state"]["checkpoints"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        cps.iter().any(|c| c.to_string().contains("journal:")),
        "the journal cursor is checkpointed: {cps:?}"
    );
}
