//! Remote firewalls and host isolation over real SSH: throwaway namespaces
//! (see `support/lab.rs`), each host with its own nftables/iptables and a
//! real `sshd`; soc's ssh client runs in the client namespace and connects
//! from the management address with a throwaway key and strict host-key
//! checking.
//!
//! Needs root, `ip`, `python3`, `sshd`, `ssh`, `ssh-keygen`, `nft`,
//! `iptables`; skips with a reason otherwise.

#[path = "support/lab.rs"]
mod lab;
mod support;

use std::sync::Arc;
use std::time::Duration;

use lab::{host4, host6, Lab, ATTACKER4, ATTACKER6, ATTACKER_NET6, BYSTANDER4, BYSTANDER6, MGMT4};
use soc_core::model::{ActionOutcome, Mode};
use soc_core::respond::firewall::{Backend, FirewallConfig, SystemRunner};
use soc_core::respond::isolate::{InventoryHost, IsolateConfig, SshIsolator};
use soc_core::respond::remote::{RemoteFirewallConfig, RemoteFirewalls, RemoteTarget};
use soc_core::respond::Responder;
use soc_core::{Alert, Severity, StateStore};

const TOOLS: &[&str] = &["sshd", "ssh", "ssh-keygen", "nft", "iptables", "ip6tables"];

/// The backends of the blocks `store` holds, sorted.
fn block_backends(store: &StateStore) -> Vec<String> {
    let blocks = store.blocks().unwrap();
    let mut backends: Vec<String> = blocks.into_iter().map(|b| b.backend).collect();
    backends.sort();
    backends
}

fn target(lab: &Lab, name: &str, i: usize, backend: Backend) -> RemoteTarget {
    RemoteTarget {
        name: name.into(),
        host: host4(i),
        port: None,
        user: None,
        key: None,
        known_hosts: None,
        backend,
        sudo: false,
        netns: Some(lab.client()),
    }
}

fn outcome<'a>(recs: &'a [soc_core::ActionRecord], host: &str) -> &'a ActionOutcome {
    let r = recs
        .iter()
        .find(|r| r.responder == format!("firewall@{host}"))
        .unwrap_or_else(|| panic!("no record for {host}: {recs:?}"));
    &r.outcome
}

#[tokio::test]
async fn one_block_on_many_hosts_over_ssh() {
    let name = "remote firewall over ssh";
    let Some(mut lab) = Lab::open(name, 3, TOOLS, &[0, 1]) else {
        return;
    };
    let mut stranger = target(&lab, "stranger", 0, Backend::Nftables);
    let empty = lab.path("empty_known_hosts");
    std::fs::write(&empty, "").unwrap();
    stranger.known_hosts = Some(empty);
    let section = RemoteFirewallConfig {
        remote: vec![
            target(&lab, "web0", 0, Backend::Nftables),
            target(&lab, "web1", 1, Backend::Iptables),
            target(&lab, "web2", 2, Backend::Nftables),
            stranger,
        ],
        key: Some(lab.path("userkey")),
        known_hosts: Some(lab.path("known_hosts")),
        connect_timeout_secs: 3,
        timeout_secs: 20,
        concurrency: 2,
        ..RemoteFirewallConfig::default()
    };
    let fw_config = FirewallConfig {
        permit_private: true,
        ..FirewallConfig::default()
    };
    let store = Arc::new(StateStore::in_memory().unwrap());
    let fleet = RemoteFirewalls::new(section, fw_config, Some(store.clone()), None).unwrap();
    let all: Vec<String> = ["web0", "web1", "web2", "stranger"]
        .map(String::from)
        .to_vec();
    let live = Mode::Live;
    let ten_min = Some(Duration::from_secs(600));

    // The SSH path (the address web0 sees soc come from) and fleet hosts are protected.
    let recs = fleet
        .block(MGMT4, &all[..1], ten_min, live, "t")
        .await
        .unwrap();
    assert!(
        matches!(outcome(&recs, "web0"), ActionOutcome::Skipped(w) if w.contains(MGMT4)),
        "{recs:?}"
    );
    let recs = fleet
        .block(&host4(1), &all[..1], ten_min, live, "t")
        .await
        .unwrap();
    assert!(
        matches!(outcome(&recs, "web0"), ActionOutcome::Skipped(_)),
        "{recs:?}"
    );

    // One block on every host: web2 is down and the stranger's host key is
    // unknown; both fail on their own, the others are blocked.
    let recs = fleet
        .block(ATTACKER4, &all, ten_min, live, "alert-1")
        .await
        .unwrap();
    assert_eq!(outcome(&recs, "web0"), &ActionOutcome::Done, "{recs:?}");
    assert_eq!(outcome(&recs, "web1"), &ActionOutcome::Done, "{recs:?}");
    assert!(
        matches!(outcome(&recs, "web2"), ActionOutcome::Failed(w) if w.contains("retried on the next run")),
        "{recs:?}"
    );
    assert!(
        matches!(outcome(&recs, "stranger"), ActionOutcome::Failed(w) if w.contains("Host key verification failed")),
        "{recs:?}"
    );
    for i in [0, 1] {
        assert!(
            !lab.connects(ATTACKER4, &host4(i)),
            "host {i}: attacker still connects"
        );
        assert!(
            lab.connects(BYSTANDER4, &host4(i)),
            "host {i}: bystander blocked"
        );
    }
    assert!(
        lab.connects(ATTACKER4, &host4(2)),
        "web2 was down, nothing changed there"
    );
    assert_eq!(
        block_backends(&store),
        [
            "iptables@web1",
            "nftables@web0",
            "retry-block@stranger",
            "retry-block@web2"
        ]
    );

    // Idempotent: a second block only probes.
    let recs = fleet
        .block(ATTACKER4, &all[..2], ten_min, live, "alert-2")
        .await
        .unwrap();
    assert!(
        matches!(outcome(&recs, "web0"), ActionOutcome::Skipped(_)),
        "{recs:?}"
    );
    assert!(
        matches!(outcome(&recs, "web1"), ActionOutcome::Skipped(_)),
        "{recs:?}"
    );

    // web2 comes back: the pending block is applied on the next run.
    assert!(lab.start_sshd(2));
    let recs = fleet.retry_pending(live).await.unwrap();
    assert_eq!(outcome(&recs, "web2"), &ActionOutcome::Done, "{recs:?}");
    assert!(
        matches!(outcome(&recs, "stranger"), ActionOutcome::Failed(_)),
        "{recs:?}"
    );
    assert!(
        !lab.connects(ATTACKER4, &host4(2)),
        "the retried block did not apply"
    );
    let mut pending = block_backends(&store);
    pending.retain(|b| b.starts_with("retry"));
    assert_eq!(
        pending,
        ["retry-block@stranger"],
        "only the stranger stays pending"
    );

    // An alert with an aggregated IPv6 source blocks its /64 everywhere.
    let mut alert = Alert::new("ssh.brute_force", "k", "t", Severity::High);
    alert.src_ip = Some(ATTACKER6.parse().unwrap());
    alert
        .fields
        .insert("src_prefix".into(), ATTACKER_NET6.into());
    let fleet3 = RemoteFirewalls::new(
        RemoteFirewallConfig {
            remote: (0..3)
                .map(|i| target(&lab, &format!("web{i}"), i, Backend::Nftables))
                .collect(),
            key: Some(lab.path("userkey")),
            known_hosts: Some(lab.path("known_hosts")),
            ..RemoteFirewallConfig::default()
        },
        FirewallConfig {
            permit_private: true,
            ..FirewallConfig::default()
        },
        Some(Arc::new(StateStore::in_memory().unwrap())),
        None,
    )
    .unwrap();
    let rec = fleet3.respond(&alert, live).await.unwrap();
    assert_eq!(rec.outcome, ActionOutcome::Done, "{rec:?}");
    assert_eq!(rec.target, ATTACKER_NET6);
    assert!(
        rec.detail.contains("web0: done; web1: done; web2: done"),
        "{}",
        rec.detail
    );
    for i in 0..3 {
        assert!(
            !lab.connects(ATTACKER6, &host6(i)),
            "host {i}: the /64 still connects"
        );
        assert!(
            lab.connects(BYSTANDER6, &host6(i)),
            "host {i}: the bystander's /64 was blocked: {}",
            lab.in_host(i, &["nft", "list", "ruleset"])
        );
    }

    // Expiry (plain iptables on web1: soc removes the rule) and unblock.
    let mut e = store
        .blocks()
        .unwrap()
        .into_iter()
        .find(|b| b.backend == "iptables@web1")
        .unwrap();
    e.expires_at = Some(chrono::Utc::now() - chrono::Duration::seconds(1));
    store.add_block(&e).unwrap();
    let recs = fleet.expire(&all[1..2], live).await;
    assert_eq!(outcome(&recs, "web1"), &ActionOutcome::Done, "{recs:?}");
    assert!(
        lab.connects(ATTACKER4, &host4(1)),
        "web1: the expired block is still there"
    );
    let recs = fleet
        .unblock(ATTACKER4, &["web0".into(), "web2".into()], live)
        .await
        .unwrap();
    assert_eq!(outcome(&recs, "web0"), &ActionOutcome::Done, "{recs:?}");
    assert_eq!(outcome(&recs, "web2"), &ActionOutcome::Done, "{recs:?}");
    for i in 0..3 {
        assert!(
            lab.connects(ATTACKER4, &host4(i)),
            "host {i}: still blocked after unblock"
        );
    }
}

#[tokio::test]
async fn isolation_end_to_end_over_ssh() {
    let name = "isolation over ssh";
    let Some(lab) = Lab::open(name, 1, TOOLS, &[0]) else {
        return;
    };
    let cfg = IsolateConfig {
        identity_file: Some(lab.path("userkey")),
        known_hosts: Some(lab.path("known_hosts")),
        mgmt_ip: Some(MGMT4.into()),
        connect_timeout_secs: 3,
        timeout_secs: 20,
        inventory: vec![InventoryHost {
            name: "web0".into(),
            address: host4(0),
        }],
        ..IsolateConfig::default()
    };
    let runner = SystemRunner::in_netns(&lab.client()).with_timeout(Duration::from_secs(30));
    let iso = SshIsolator::with_runner(cfg, Arc::new(runner)).unwrap();
    let mut alert = Alert::new(
        "suricata.alert",
        "k",
        "ET MALWARE beacon",
        Severity::Critical,
    );
    alert.src_ip = Some(host4(0).parse().unwrap());
    alert.dst_ip = Some("198.51.100.66".parse().unwrap());
    assert!(lab.connects(BYSTANDER4, &host4(0)));

    let dry = iso.respond(&alert, Mode::DryRun).await.unwrap();
    assert_eq!(dry.outcome, ActionOutcome::DryRun);
    assert!(
        lab.connects(BYSTANDER4, &host4(0)),
        "dry-run isolated the host"
    );

    let rec = iso.respond(&alert, Mode::Live).await.unwrap();
    assert_eq!(rec.outcome, ActionOutcome::Done, "{rec:?}");
    assert_eq!(rec.target, "web0");
    assert!(
        !lab.connects(BYSTANDER4, &host4(0)),
        "the isolated host still accepts others"
    );
    assert!(
        lab.connects(MGMT4, &host4(0)),
        "the management address lost access"
    );
    let rules = lab.in_host(0, &["nft", "list", "table", "inet", "soc_isolate"]);
    assert!(
        rules.contains(&format!("ip saddr {MGMT4} accept")),
        "{rules}"
    );
}
