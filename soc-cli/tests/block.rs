//! `soc block` / `soc unblock` behaviour: dry-run output, refusals (exit 3),
//! usage errors (exit 2), `block list`, `block sweep`, and a live run inside
//! a throwaway network namespace (root only).

mod common;

#[path = "../../soc-core/tests/support/lab.rs"]
mod lab;
#[path = "../../soc-core/tests/support/mod.rs"]
mod support;

use std::process::Command as StdCommand;

use chrono::{Duration, Utc};
use common::soc;
use predicates::prelude::*;
use soc_core::store::BlockEntry;
use soc_core::StateStore;

#[test]
fn dry_run_prints_the_exact_commands_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    soc()
        .args(["block", "198.51.100.23", "--for", "10m", "--dry-run", "--state"])
        .arg(&state)
        .assert()
        .success()
        .stdout(
            "nft add table inet soc\n\
             nft add set inet soc block4 '{ type ipv4_addr; flags timeout; }'\n\
             nft add chain inet soc input '{ type filter hook input priority -10; policy accept; }'\n\
             nft add rule inet soc input ip saddr @block4 counter drop\n\
             nft add element inet soc block4 '{ 198.51.100.23 timeout 600s }'\n",
        );
    assert!(!state.exists(), "dry-run created the state store");

    soc()
        .args([
            "block",
            "2001:db8::7",
            "--backend",
            "ipset",
            "--for",
            "permanent",
            "--dry-run",
            "--state",
        ])
        .arg(&state)
        .assert()
        .success()
        .stdout(
            "ipset -exist create soc-block6 hash:ip family inet6 timeout 0 maxelem 65536\n\
             ip6tables -w -I INPUT 1 -m set --match-set soc-block6 src -j DROP\n\
             ipset -exist add soc-block6 2001:db8::7 timeout 0\n",
        );
    soc()
        .args([
            "unblock",
            "198.51.100.23",
            "--backend",
            "iptables",
            "--dry-run",
            "--state",
        ])
        .arg(&state)
        .assert()
        .success()
        .stdout("iptables -w -D soc-block -s 198.51.100.23 -j DROP\n");
}

#[test]
fn protected_and_invalid_targets_exit_3_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let cases: [(&[&str], &str); 5] = [
        (&["127.0.0.1"], "127.0.0.1 is loopback"),
        (&["1.2.3.4; rm"], "'1.2.3.4; rm' is not an IP address"),
        (&["10.0.0.8"], "10.0.0.8 is a private address"),
        (
            &["203.0.113.9", "--allow", "203.0.113.0/24"],
            "203.0.113.9 is allow-listed (203.0.113.0/24)",
        ),
        (&["::1"], "::1 is loopback"),
    ];
    for (args, msg) in cases {
        soc()
            .arg("block")
            .args(args)
            .arg("--state")
            .arg(&state)
            .assert()
            .code(3)
            .stdout("")
            .stderr(predicate::str::contains(msg));
    }
    soc()
        .env("SSH_CONNECTION", "198.51.100.44 50000 192.0.2.1 22")
        .args(["block", "198.51.100.44", "--dry-run"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "198.51.100.44 is the client of the current SSH session",
        ));
    // Private is fine once permitted (dry-run).
    soc()
        .args([
            "block",
            "10.0.0.8",
            "--permit-private",
            "--dry-run",
            "--state",
        ])
        .arg(&state)
        .assert()
        .success()
        .stdout(predicate::str::contains("'{ 10.0.0.8 timeout 3600s }'"));
}

#[test]
fn usage_errors_exit_2() {
    soc()
        .args(["block", "198.51.100.23", "--for", "5x", "--dry-run"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("'5x' is not a duration"));
    soc()
        .args(["block", "198.51.100.23", "--backend", "pf", "--dry-run"])
        .assert()
        .code(2);
    soc().arg("block").assert().code(2);
}

fn seeded_store(path: &std::path::Path) {
    let store = StateStore::open(path).unwrap();
    let now = Utc::now();
    let entry = |ip: &str, backend: &str, exp: Option<chrono::DateTime<Utc>>| BlockEntry {
        ip: ip.into(),
        backend: backend.into(),
        created_at: now - Duration::hours(2),
        expires_at: exp,
        reason: "alert-1".into(),
    };
    store
        .add_block(&entry(
            "198.51.100.1",
            "nftables",
            Some(now + Duration::minutes(90)),
        ))
        .unwrap();
    store
        .add_block(&entry("198.51.100.2", "nftables", None))
        .unwrap();
    store
        .add_block(&entry(
            "198.51.100.3",
            "iptables",
            Some(now - Duration::minutes(5)),
        ))
        .unwrap();
}

#[test]
fn list_shows_active_blocks_with_expiry() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    seeded_store(&state);
    let out = soc()
        .args(["block", "list", "--format", "json", "--state"])
        .arg(&state)
        .output()
        .unwrap();
    assert!(out.status.success());
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let ips: Vec<&str> = rows.iter().map(|r| r["ip"].as_str().unwrap()).collect();
    assert_eq!(ips, ["198.51.100.1", "198.51.100.2"]);
    assert_eq!(rows[1]["remaining"], "permanent");
    assert!(
        rows[0]["remaining"].as_str().unwrap().starts_with("1h2")
            || rows[0]["remaining"].as_str().unwrap().starts_with("1h3")
    );
    assert!(rows[1]["expires_at"].is_null());

    let all = soc()
        .args(["block", "list", "--all", "--format", "csv", "--state"])
        .arg(&state)
        .output()
        .unwrap();
    let text = String::from_utf8(all.stdout).unwrap();
    assert!(
        text.starts_with("ip,backend,created_at,expires_at,remaining,reason\n"),
        "{text}"
    );
    assert!(
        text.contains("198.51.100.3,iptables,") && text.contains(",expired,alert-1"),
        "{text}"
    );

    // A missing store is an empty list, not an error.
    soc()
        .args(["block", "list", "--format", "jsonl", "--state"])
        .arg(dir.path().join("none.db"))
        .assert()
        .success()
        .stdout("");
}

#[test]
fn sweep_dry_run_shows_the_rule_removal_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    seeded_store(&state);
    soc()
        .args(["block", "sweep", "--dry-run", "--state"])
        .arg(&state)
        .assert()
        .success()
        .stdout("iptables -w -D soc-block -s 198.51.100.3 -j DROP\n");
    assert_eq!(StateStore::open(&state).unwrap().blocks().unwrap().len(), 3);
}

struct Netns(String);
impl Drop for Netns {
    fn drop(&mut self) {
        let _ = StdCommand::new("ip")
            .args(["netns", "del", &self.0])
            .status();
    }
}

#[test]
fn live_block_list_unblock_inside_a_namespace() {
    if let Some(why) = lab::missing(&["nft"]) {
        support::skip("live_block_list_unblock_inside_a_namespace", &why);
        return;
    }
    let ns = Netns(format!("soccli{}", std::process::id()));
    if !StdCommand::new("ip")
        .args(["netns", "add", &ns.0])
        .status()
        .is_ok_and(|s| s.success())
    {
        support::skip(
            "live_block_list_unblock_inside_a_namespace",
            "cannot create a network namespace",
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let run = |args: &[&str]| {
        let mut c = soc();
        c.args(args)
            .arg("--netns")
            .arg(&ns.0)
            .arg("--state")
            .arg(&state);
        c
    };
    run(&["block", "198.51.100.23", "--for", "30m"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "blocked 198.51.100.23 for 30m (nftables, until ",
        ));
    let set = StdCommand::new("ip")
        .args([
            "netns", "exec", &ns.0, "nft", "list", "set", "inet", "soc", "block4",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&set.stdout).contains("198.51.100.23 timeout 30m"));
    run(&["block", "198.51.100.23"])
        .assert()
        .success()
        .stdout(predicate::str::contains("198.51.100.23 is already blocked"));
    let out = soc()
        .args(["block", "list", "--format", "jsonl", "--state"])
        .arg(&state)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"ip\":\"198.51.100.23\""));
    run(&["unblock", "198.51.100.23"])
        .assert()
        .success()
        .stdout("unblocked 198.51.100.23 (nftables)\n");
    let set = StdCommand::new("ip")
        .args([
            "netns", "exec", &ns.0, "nft", "list", "set", "inet", "soc", "block4",
        ])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&set.stdout).contains("198.51.100.23"));
    run(&["unblock", "198.51.100.23"])
        .assert()
        .success()
        .stdout(predicate::str::contains("is not blocked"));
}
