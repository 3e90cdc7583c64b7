//! `soc ssh` behaviour on the sample log and on bad input.

mod common;

use common::{jsonl, soc};
use predicates::prelude::*;

fn sample() -> String {
    format!("{}/../examples/data/auth.log", env!("CARGO_MANIFEST_DIR"))
}

/// `soc ssh FILE --year 2026 ARGS...`, run.
fn ssh_2026(file: &str, args: &[&str]) -> assert_cmd::assert::Assert {
    soc()
        .args(["ssh", file, "--year", "2026"])
        .args(args)
        .assert()
}

#[test]
fn events_jsonl_have_the_documented_fields() {
    let out = ssh_2026(&sample(), &["--format", "jsonl"])
        .success()
        .stderr(predicate::str::contains(
            "393 lines, 363 events, 30 skipped, 0 malformed",
        ))
        .get_output()
        .stdout
        .clone();
    let rows = jsonl(&out);
    assert_eq!(rows.len(), 363);
    let r = rows
        .iter()
        .find(|r| r["kind"] == "ssh.failed_auth" && r["src_ip"] == "2001:db8:dead:beef::66")
        .unwrap();
    assert!(r["line"].as_u64().unwrap() > 0);
    assert_eq!(r["failure"], true);
    assert_eq!(r["attempt"], "failure");
    assert!(r["time"].as_str().unwrap().starts_with("2026-11-21T13:"));
    assert!(r["port"].as_u64().is_some());
    let injected = rows
        .iter()
        .find(|r| r["user"] == "admin from 10.0.0.1 port 22")
        .unwrap();
    assert_eq!(injected["src_ip"], "198.51.100.97");
}

#[test]
fn alerts_and_summary() {
    let out = ssh_2026(&sample(), &["--alerts", "--format", "jsonl"])
        .success()
        .get_output()
        .stdout
        .clone();
    let rows = jsonl(&out);
    let kinds: Vec<&str> = rows.iter().map(|r| r["kind"].as_str().unwrap()).collect();
    for k in [
        "ssh.brute_force",
        "ssh.password_spraying",
        "ssh.slow_brute_force",
        "ssh.success_after_failures",
    ] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    ssh_2026(&sample(), &["--summary", "--format", "csv"])
        .success()
        .stdout(predicate::str::contains("top_source,203.0.113.45,"));
}

#[test]
fn gzip_and_malformed_lines_are_reported_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("auth.log.gz");
    let mut enc = gzip_writer(&p);
    std::io::Write::write_all(&mut enc, b"Jan  1 00:00:00 h sshd[1]: Failed password for root from 192.0.2.1 port 1 ssh2\n\xff\xfe bad\n").unwrap();
    drop(enc);
    soc()
        .args(["ssh", p.to_str().unwrap(), "--format", "jsonl"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"src_ip\":\"192.0.2.1\""))
        .stderr(predicate::str::contains("auth.log.gz:2: invalid UTF-8"))
        .stderr(predicate::str::contains(
            "2 lines, 1 events, 0 skipped, 1 malformed",
        ));
}

/// A writer that gzips on drop with the system `gzip` (the CLI tests do not
/// depend on flate2); without `gzip` the file stays plain (still read fine).
fn gzip_writer(p: &std::path::Path) -> GzipFile {
    GzipFile {
        path: p.to_path_buf(),
        buf: Vec::new(),
    }
}

struct GzipFile {
    path: std::path::PathBuf,
    buf: Vec<u8>,
}

impl std::io::Write for GzipFile {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for GzipFile {
    fn drop(&mut self) {
        let plain = self.path.with_extension("");
        std::fs::write(&plain, &self.buf).unwrap();
        let ok = std::process::Command::new("gzip")
            .arg("-f")
            .arg(&plain)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            std::fs::write(&self.path, &self.buf).unwrap();
        }
    }
}

#[test]
fn bad_time_zone_and_missing_file_are_usage_errors() {
    soc()
        .args(["ssh", &sample(), "--tz", "Mars/Base"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown time zone"));
    soc()
        .args(["ssh", "/nonexistent/auth.log"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/nonexistent/auth.log"));
}

#[test]
fn reads_stdin() {
    soc()
        .args(["ssh", "--format", "csv"])
        .write_stdin("Invalid user bob from 203.0.113.5 port 22\n")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "ssh.invalid_user,bob,203.0.113.5,,22,failure,true",
        ));
}

fn fixture(name: &str) -> String {
    format!(
        "{}/../soc-core/tests/fixtures/ssh/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Every `--events` row has `attempt` (`failure`/`probe`/`success`/null),
/// `failure` is `attempt == "failure"`, and `continues` is set only on
/// rows without an attempt of their own.
#[test]
fn event_rows_carry_the_attempt_class() {
    for file in [sample(), fixture("connections.log")] {
        let out = ssh_2026(&file, &["--format", "jsonl"])
            .success()
            .get_output()
            .stdout
            .clone();
        let rows = jsonl(&out);
        assert!(!rows.is_empty());
        for r in &rows {
            let a = r.get("attempt").expect("attempt column");
            assert!(
                a.is_null() || ["failure", "probe", "success"].contains(&a.as_str().unwrap()),
                "{r}"
            );
            assert_eq!(r["failure"], *a == "failure", "{r}");
            let c = r.get("continues").expect("continues column");
            assert!(c.is_null() || a.is_null(), "{r}");
        }
        if file.ends_with("connections.log") {
            // `Failed password for invalid user oracle` after its `Invalid user`
            assert_eq!(rows[1]["continues"], "failure", "{}", rows[1]);
            assert!(rows[1]["attempt"].is_null());
        }
    }
}

/// Issue #12's key-only scenario: the alerts are exactly the golden file.
#[test]
fn key_only_scenario_alerts_golden() {
    let out = ssh_2026(&fixture("keyonly.log"), &["--alerts", "--format", "csv"])
        .success()
        .get_output()
        .stdout
        .clone();
    let golden = std::fs::read_to_string(format!(
        "{}/tests/golden/ssh_keyonly_alerts.csv",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    assert_eq!(String::from_utf8_lossy(&out), golden);
}

/// `--summary` counts failures, probes and successes by the same rules.
#[test]
fn summary_counts_failures_probes_and_successes() {
    let out = ssh_2026(
        &fixture("connections.log"),
        &["--summary", "--format", "csv"],
    )
    .success()
    .get_output()
    .stdout
    .clone();
    let text = String::from_utf8_lossy(&out);
    for row in ["failures,,10", "probes,,1", "successes,,1"] {
        assert!(text.lines().any(|l| l == row), "{row} missing:\n{text}");
    }
}
