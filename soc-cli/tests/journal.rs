//! `soc ssh --journal` and `[[sources]] kind = "journal"` under `soc run
//! --once` against real journal files written by Debian's
//! `systemd-journal-remote`. Skips (with the reason) where it is missing.

mod common;
#[path = "../../soc-core/tests/support/journal.rs"]
mod journal;
#[path = "../../soc-core/tests/support/mod.rs"]
mod support;

use common::{jsonl, soc, succeed};
use serde_json::Value;

const BOOT: &str = "0123456789abcdef0123456789abcdef";
const T0: u64 = 1_700_000_000_000_000;

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

#[test]
fn ssh_journal_prints_events_and_alerts_from_a_journal_file() {
    let Some(remote) =
        journal::remote_or_skip("ssh_journal_prints_events_and_alerts_from_a_journal_file")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("remote.journal");
    journal::append(&remote, &file, &failures(0, 12, "203.0.113.45"));

    let out = succeed(
        soc()
            .args(["ssh", "--journal", "--format", "jsonl", "--journal-file"])
            .arg(&file),
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

    let out = succeed(
        soc()
            .args([
                "ssh",
                "--journal",
                "--alerts",
                "--format",
                "jsonl",
                "--journal-directory",
            ])
            .arg(dir.path()),
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
    let Some(remote) = journal::remote_or_skip("run_once_twice_reads_each_journal_entry_once")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let jdir = root.join("journal");
    std::fs::create_dir(&jdir).unwrap();
    let file = jdir.join("remote.journal");
    journal::append(&remote, &file, &failures(0, 10, "203.0.113.45"));
    let source = format!(
        "[[sources]]\nkind = \"journal\"\njournal = {{ directory = {:?} }}\n",
        jdir.display().to_string()
    );
    let config = common::run_config(root, "", &source);
    let run = |n: u32| -> Value {
        let m = root.join(format!("m{n}.json"));
        succeed(
            soc()
                .args(["run", "--once", "--config"])
                .arg(&config)
                .arg("--metrics-json")
                .arg(&m),
        );
        serde_json::from_str(&std::fs::read_to_string(&m).unwrap()).unwrap()
    };
    let first = run(1);
    assert_eq!(first["records"], 10, "{first}");
    assert!(first["alerts_new"].as_u64().unwrap() >= 1, "{first}");
    // New entries between cron runs: exactly those are read next time.
    journal::append(&remote, &file, &failures(10, 3, "198.51.100.7"));
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
