//! `soc eve` behaviour on the sample EVE file.

mod common;

use common::soc;
use predicates::prelude::*;
use serde_json::Value;

fn sample() -> String {
    format!("{}/../examples/data/eve.json", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn summary_counts_by_event_type() {
    soc()
        .args(["eve", &sample(), "--summary", "--format", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::contains("alert,15\n"))
        .stdout(predicate::str::contains("flow,46\n"))
        .stderr(predicate::str::contains(
            "153 lines, 153 events, 0 skipped, 0 malformed",
        ));
}

#[test]
fn alerts_fast_path_gives_normalized_alerts() {
    let out = soc()
        .args(["eve", &sample(), "--alerts", "--format", "jsonl"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let rows: Vec<Value> = String::from_utf8_lossy(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 16);
    assert!(rows.iter().all(|r| r["kind"] == "suricata.alert"));
    let lumma = rows
        .iter()
        .find(|r| r["title"].as_str().unwrap().contains("TLS SNI"))
        .unwrap();
    assert_eq!(lumma["attack"][0]["tactic_name"], "command-and-control");
    assert_eq!(lumma["severity"], "critical");
}

#[test]
fn event_type_filter_and_malformed_lines() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("eve.json");
    std::fs::write(&p, "{\"event_type\":\"dns\",\"dns\":{\"rrname\":\"a.example\"}}\n{\"event_type\":\"flow\"}\n{broken\n").unwrap();
    soc()
        .args([
            "eve",
            p.to_str().unwrap(),
            "--event-type",
            "dns",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("suricata.dns").and(predicate::str::contains("a.example")))
        .stdout(predicate::str::contains("suricata.flow").not())
        .stderr(predicate::str::contains("eve.json:3: invalid JSON"))
        .stderr(predicate::str::contains(
            "3 lines, 1 events, 1 skipped, 1 malformed",
        ));
}
