//! `soc triage`: scoring with explanations, feature export, training.

mod common;

use common::{arg, jsonl, soc, succeed};
use predicates::prelude::*;
use serde_json::{json, Value};

fn alert(id_key: &str, severity: &str, count: u64, abuse: Option<u8>) -> Value {
    let mut enrichments = vec![];
    if let Some(score) = abuse {
        enrichments.push(json!({
            "provider": "abuseipdb", "kind": "ipv4", "indicator": "203.0.113.9",
            "verdict": if score > 50 { "malicious" } else { "unknown" }, "score": score,
            "facts": {}, "summary": "", "fetched_at": "2026-11-22T08:59:05Z", "ttl_secs": 60
        }));
    }
    json!({
        "id": id_key, "kind": "ssh.brute_force", "title": "SSH brute force", "severity": severity,
        "source": "ssh", "src_ip": "203.0.113.9", "dst_ip": null, "dst_port": 22, "user": null,
        "host": "web01", "first_seen": null, "last_seen": null, "count": count,
        "enrichments": enrichments
    })
}

/// `soc triage ARGS...`.
fn triage(args: &[&str]) -> assert_cmd::Command {
    let mut c = soc();
    c.arg("triage").args(args);
    c
}

#[test]
fn scores_jsonl_with_explanations() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("alerts.jsonl");
    let lines = [
        alert("a1", "high", 412, Some(100)),
        alert("a2", "low", 1, None),
    ]
    .iter()
    .map(|v| v.to_string())
    .collect::<Vec<_>>()
    .join("\n");
    std::fs::write(&p, lines).unwrap();
    let out = succeed(&mut triage(&[arg(&p), "--format", "jsonl"]));
    let rows = jsonl(&out.stdout);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["id"], "a1");
    assert_eq!(rows[0]["level"], "critical");
    assert!(rows[0]["explanation"]
        .as_str()
        .unwrap()
        .contains("abuseipdb_confidence +25.0"));
    assert_eq!(rows[1]["level"], "medium"); // 5 low + 10 kind + 10 port 22 + 5 external = 30
    let sum: f64 = rows[1]["factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["contribution"].as_f64().unwrap())
        .sum();
    assert!((sum - rows[1]["score"].as_f64().unwrap()).abs() < 0.06);
    // The scored rows feed back in (a previous stage's output).
    let again = dir.path().join("scored.jsonl");
    std::fs::write(
        &again,
        rows.iter()
            .map(|r| r.to_string() + "\n")
            .collect::<String>(),
    )
    .unwrap();
    triage(&[arg(&again), "--format", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "id,kind,src_ip,score,level,explanation\na1,ssh.brute_force,203.0.113.9,",
        ));
}

#[test]
fn custom_weights_and_thresholds() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("alerts.json");
    std::fs::write(&p, json!([alert("a2", "low", 1, None)]).to_string()).unwrap();
    let w = dir.path().join("w.toml");
    std::fs::write(&w, "assets = { web01 = 30.0 }\n").unwrap();
    triage(&[arg(&p), "--weights", arg(&w), "--format", "jsonl"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("asset_criticality +30.0")
                .and(predicate::str::contains("\"level\":\"high\"")),
        );
    std::fs::write(&w, "bogus = 1\n").unwrap();
    triage(&[arg(&p), "--weights", arg(&w)])
        .assert()
        .failure()
        .stderr(predicate::str::contains("bogus"));
    triage(&[arg(&p), "--medium", "90", "--high", "10"])
        .assert()
        .code(2);
}

#[test]
fn bad_input_is_reported_with_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.jsonl");
    std::fs::write(
        &p,
        format!("{}\n{{not json\n", alert("a1", "high", 1, None)),
    )
    .unwrap();
    triage(&[arg(&p)])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("bad.jsonl:2"));
    triage(&[]).assert().code(2);
}

#[test]
fn features_then_train_beats_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("alerts.jsonl");
    let mut lines = String::new();
    for i in 0..120u64 {
        let tp = i % 3 == 0;
        let abuse = if tp {
            60 + (i % 40) as u8
        } else {
            (i % 50) as u8
        };
        let count = if tp { 50 + i * 7 } else { 1 + i % 20 };
        lines += &(alert(&format!("a{i}"), "medium", count, Some(abuse)).to_string() + "\n");
    }
    std::fs::write(&p, lines).unwrap();
    let out = succeed(&mut triage(&[arg(&p), "--features"]));
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(
        csv.starts_with("alert_id,severity,log_count,abuse_confidence,"),
        "{csv}"
    );
    // The "analyst" labels the rows.
    let labelled: String = csv
        .lines()
        .enumerate()
        .map(|(n, l)| {
            if n == 0 {
                format!("{l}\n")
            } else {
                let i: u64 = l.split(',').next().unwrap()[1..].parse().unwrap();
                format!("{l}{}\n", u8::from(i % 3 == 0))
            }
        })
        .collect();
    let lp = dir.path().join("labeled.csv");
    std::fs::write(&lp, labelled).unwrap();
    let model = dir.path().join("model.json");
    let out = succeed(&mut triage(&[
        "train",
        arg(&lp),
        "-o",
        arg(&model),
        "--json",
    ]));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        r["accuracy"].as_f64().unwrap() > r["baseline_accuracy"].as_f64().unwrap(),
        "{r}"
    );
    assert_eq!(r["test_rows"], 30);
    triage(&[arg(&p), "--model", arg(&model), "--format", "jsonl"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"scorer\":\"model\""));
    triage(&["train", arg(&lp), "-o", arg(&model)])
        .assert()
        .success()
        .stdout(predicate::str::contains("precision:").and(predicate::str::contains("baseline:")));
}
