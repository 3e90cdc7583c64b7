//! `soc block --host` / `soc unblock --host` / `soc block list --host`:
//! dry-run shows the exact ssh argv per host, network targets, refusals
//! and bad host names, and a live run against real sshd servers in
//! throwaway namespaces (root only) where one host is down.

mod common;

#[path = "../../soc-core/tests/support/lab.rs"]
mod lab;
#[path = "../../soc-core/tests/support/mod.rs"]
mod support;

use assert_cmd::Command;
use predicates::prelude::*;

fn soc(dir: &std::path::Path) -> Command {
    let mut c = common::soc();
    c.env("SOC_CONFIG", dir.join("absent.toml"));
    c
}

#[test]
fn dry_run_shows_the_ssh_command_per_host() {
    let dir = tempfile::tempdir().unwrap();
    soc(dir.path())
        .args([
            "block",
            "198.51.100.23",
            "--host",
            "admin@192.0.2.30:2222,192.0.2.31",
            "--ssh-key",
            "/etc/soc/id_ed25519",
            "--known-hosts",
            "/etc/soc/known_hosts",
            "--dry-run",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("# admin@192.0.2.30:2222\n"))
        .stdout(predicate::str::contains("# 192.0.2.31\n"))
        .stdout(predicate::str::contains(
            "ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/etc/soc/known_hosts \
             -o ConnectTimeout=10 -o IdentitiesOnly=yes -i /etc/soc/id_ed25519 -p 2222 -l admin -- 192.0.2.30 \
             nft -f - '<<<' 'add element inet soc block4 { 198.51.100.23 timeout 3600s }'\n",
        ));
}

#[test]
fn networks_refusals_and_bad_hosts() {
    let dir = tempfile::tempdir().unwrap();
    soc(dir.path())
        .args(["block", "2001:db8:1:2::/64", "--for", "10m", "--dry-run"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "nft add set inet soc net6 '{ type ipv6_addr; flags interval, timeout; }'",
        ))
        .stdout(predicate::str::contains(
            "nft add element inet soc net6 '{ 2001:db8:1:2::/64 timeout 600s }'",
        ));
    soc(dir.path())
        .args(["block", "2001:db8::5/64", "--dry-run"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("host bits set"));
    // A remote host's own address is refused on it.
    soc(dir.path())
        .args(["block", "192.0.2.30", "--host", "192.0.2.30", "--dry-run"])
        .assert()
        .code(3)
        .stdout(predicate::str::contains(
            "192.0.2.30: refusing to act on 192.0.2.30",
        ));
    soc(dir.path())
        .args(["block", "198.51.100.23", "--host", "web1;id", "--dry-run"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("neither a configured remote host"));
}

#[test]
fn live_block_on_two_hosts_one_down() {
    let name = "soc block --host live";
    let tools = ["sshd", "ssh", "ssh-keygen", "nft"];
    let Some(lab) = lab::Lab::open(name, 2, &tools, &[0]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("soc.toml");
    let state = dir.path().join("state.db");
    std::fs::write(
        &cfg,
        format!(
            "[firewall]\npermit_private = true\n\
             [response.firewall]\nkey = \"{key}\"\nknown_hosts = \"{kh}\"\nconnect_timeout_secs = 3\n\
             [[response.firewall.remote]]\nname = \"web0\"\nhost = \"{h0}\"\nnetns = \"{ns}\"\n\
             [[response.firewall.remote]]\nname = \"web1\"\nhost = \"{h1}\"\nnetns = \"{ns}\"\n",
            key = lab.path("userkey").display(),
            kh = lab.path("known_hosts").display(),
            h0 = lab::host4(0),
            h1 = lab::host4(1),
            ns = lab.client(),
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let mut c = soc(dir.path());
        c.args(args)
            .arg("--config")
            .arg(&cfg)
            .arg("--state")
            .arg(&state);
        c
    };
    run(&[
        "block",
        lab::ATTACKER4,
        "--host",
        "web0,web1",
        "--for",
        "10m",
    ])
    .assert()
    .code(1)
    .stdout(predicate::str::contains(format!(
        "web0: blocked {} for 10m",
        lab::ATTACKER4
    )))
    .stdout(predicate::str::contains("web1: failed: ssh to web1"))
    .stderr(predicate::str::contains("1 of 2 host action(s) failed"));
    assert!(!lab.connects(lab::ATTACKER4, &lab::host4(0)));
    assert!(lab.connects(lab::BYSTANDER4, &lab::host4(0)));

    let mut list = soc(dir.path());
    list.args([
        "block", "list", "--format", "jsonl", "--host", "web1", "--state",
    ])
    .arg(&state)
    .assert()
    .success()
    .stdout(predicate::str::contains("\"backend\":\"retry-block@web1\""))
    .stdout(predicate::str::contains("web0").not());

    run(&["unblock", lab::ATTACKER4, "--host", "web0"])
        .assert()
        .success()
        .stdout(predicate::str::contains("web0: unblock"));
    assert!(lab.connects(lab::ATTACKER4, &lab::host4(0)));
}
