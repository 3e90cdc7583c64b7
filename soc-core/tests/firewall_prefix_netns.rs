//! Network (prefix) blocks for real, per backend, in throwaway namespaces:
//! blocking the attacker's IPv6 /64 cuts off every address in it while a
//! bystander in the next /64 still connects; a repeated block is a no-op;
//! a network holding the host's own address is refused; an alert whose
//! detector aggregated its source blocks the /64; unblock and (plain
//! iptables) expiry restore it.
//!
//! Needs root, `ip`, `python3` and the backend's tools; skips with a reason
//! otherwise.

#[path = "support/lab.rs"]
mod lab;
mod support;

use std::sync::Arc;
use std::time::Duration;

use lab::{Lab, ATTACKER6, ATTACKER_NET6, BYSTANDER6};
use soc_core::model::{ActionOutcome, Mode};
use soc_core::respond::firewall::{Backend, Firewall, FirewallConfig};
use soc_core::respond::Responder;
use soc_core::{Alert, Severity, StateStore};

async fn exercise(backend: Backend, tools: &[&str]) {
    let name = format!("{backend} prefix netns test");
    let Some(lab) = Lab::open(&name, 1, tools, &[]) else {
        return;
    };
    let host = lab::host6(0);
    assert!(
        lab.connects(ATTACKER6, &host),
        "no connectivity before blocking"
    );
    let store = Arc::new(StateStore::in_memory().unwrap());
    let fw = Firewall::new(
        FirewallConfig {
            backend,
            permit_private: true,
            netns: Some(lab.host(0)),
            ..FirewallConfig::default()
        },
        Some(store.clone()),
    )
    .unwrap();

    // The /64 holding the host's own address is refused as a whole.
    let err = fw
        .block("fd00:232::/64", None, Mode::Live, "t")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("an address of this host"), "{err}");

    // An alert whose detector aggregated the source blocks the /64.
    let mut alert = Alert::new("ssh.brute_force", "k", "t", Severity::High);
    alert.src_ip = Some(ATTACKER6.parse().unwrap());
    alert
        .fields
        .insert("src_prefix".into(), ATTACKER_NET6.into());
    let rec = fw.respond(&alert, Mode::Live).await.unwrap();
    assert_eq!(rec.outcome, ActionOutcome::Done, "{backend}: {rec:?}");
    assert_eq!(rec.target, ATTACKER_NET6);
    assert!(
        !lab.connects(ATTACKER6, &host),
        "{backend}: the attacker still connects"
    );
    assert!(
        lab.connects(BYSTANDER6, &host),
        "{backend}: the bystander's /64 was blocked too"
    );
    let store_ip = &store.blocks().unwrap()[0].ip;
    assert_eq!(store_ip, ATTACKER_NET6);

    let ttl = Some(Duration::from_secs(60));
    lab::assert_repeat_only_probes(&fw, ATTACKER_NET6, ttl, backend).await;

    match backend {
        Backend::Nftables => {
            let set = lab.in_host(0, &["nft", "list", "set", "inet", "soc", "net6"]);
            assert!(set.contains("fd00:232:0:1::/64 timeout 1h"), "{set}");
        }
        Backend::Ipset => {
            let set = lab.in_host(0, &["ipset", "list", "soc-net6"]);
            assert!(
                set.contains("Type: hash:net") && set.contains("fd00:232:0:1::/64 timeout"),
                "{set}"
            );
        }
        Backend::Iptables => {
            let rules = lab.in_host(0, &["ip6tables", "-w", "-S", "soc-block"]);
            assert!(rules.contains("-s fd00:232:0:1::/64 -j DROP"), "{rules}");
        }
    }

    if backend == Backend::Iptables {
        let mut e = store.blocks().unwrap().remove(0);
        e.expires_at = Some(chrono::Utc::now() - chrono::Duration::seconds(1));
        store.add_block(&e).unwrap();
        let recs = fw.expire(Mode::Live).await.unwrap();
        assert_eq!(recs.len(), 1, "{recs:?}");
        assert_eq!(recs[0].outcome, ActionOutcome::Done);
    } else {
        let rec = fw.unblock(ATTACKER_NET6, Mode::Live).await.unwrap();
        assert_eq!(rec.outcome, ActionOutcome::Done);
    }
    assert!(lab.connects(ATTACKER6, &host), "{backend}: still blocked");
    assert!(store.blocks().unwrap().is_empty());
}

#[tokio::test]
async fn nftables_blocks_a_network() {
    exercise(Backend::Nftables, &["nft"]).await;
}

#[tokio::test]
async fn ipset_blocks_a_network() {
    exercise(Backend::Ipset, &["ipset", "ip6tables"]).await;
}

#[tokio::test]
async fn iptables_blocks_a_network() {
    exercise(Backend::Iptables, &["ip6tables"]).await;
}
