//! `soc alerts` behaviour.

mod common;

use common::soc;
use predicates::prelude::*;

#[test]
fn csv_with_mapping() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.csv");
    std::fs::write(&p, "attacker,what,lvl\n203.0.113.9,port scan,high\n").unwrap();
    soc()
        .args([
            "alerts",
            p.to_str().unwrap(),
            "--from",
            "csv",
            "--map",
            "src_ip=attacker,title=what,severity=lvl",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("alerts.generic,high,203.0.113.9"))
        .stdout(predicate::str::contains("port scan"));
}

#[test]
fn bad_mapping_is_a_usage_error() {
    soc()
        .args(["alerts", "x.json", "--map", "nonsense"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--map"));
}

#[test]
fn json_lines_with_a_bad_row() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.jsonl");
    std::fs::write(
        &p,
        "{\"src_ip\":\"198.51.100.1\",\"signature\":\"x\"}\n[oops\n",
    )
    .unwrap();
    soc()
        .args([
            "alerts",
            p.to_str().unwrap(),
            "--format",
            "jsonl",
            "--tool",
            "edr",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"kind\":\"alerts.edr\""))
        .stderr(predicate::str::contains("a.jsonl:2:"))
        .stderr(predicate::str::contains("1 malformed"));
}
