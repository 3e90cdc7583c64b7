//! Real blocking, per backend, in throwaway network namespaces (see
//! `support/lab.rs`): a TCP connection from the blocked address fails while a
//! bystander still connects; unblocking (and, for plain iptables, expiry)
//! restores it. IPv4 and IPv6.
//!
//! Needs root, `ip`, `python3` and the backend's tools; skips with a reason
//! otherwise. Never touches the host's own namespace or rules.

#[path = "support/lab.rs"]
mod lab;
mod support;

use std::sync::Arc;
use std::time::Duration;

use lab::{Lab, ATTACKER4, ATTACKER6, BYSTANDER4, BYSTANDER6};
use soc_core::model::{ActionOutcome, Mode};
use soc_core::respond::firewall::{Backend, Firewall, FirewallConfig};
use soc_core::StateStore;

async fn exercise(backend: Backend, tools: &[&str]) {
    let Some(lab) = Lab::open(&format!("{backend} netns test"), 1, tools, &[]) else {
        return;
    };
    let (host4, host6) = (lab::host4(0), lab::host6(0));
    assert!(
        lab.connects(ATTACKER4, &host4) && lab.connects(ATTACKER6, &host6),
        "no connectivity before blocking"
    );
    let store = Arc::new(StateStore::in_memory().unwrap());
    let cfg = FirewallConfig {
        backend,
        permit_private: true,
        netns: Some(lab.host(0)),
        ..FirewallConfig::default()
    };
    let fw = Firewall::new(cfg, Some(store.clone())).unwrap();

    // The namespace's own address is protected.
    let err = fw.block(&host4, None, Mode::Live, "t").await.unwrap_err();
    assert!(err.to_string().contains("an address of this host"), "{err}");

    for (blocked, bystander, dst) in [
        (ATTACKER4, BYSTANDER4, &host4),
        (ATTACKER6, BYSTANDER6, &host6),
    ] {
        let rec = fw
            .block(
                blocked,
                Some(Duration::from_secs(600)),
                Mode::Live,
                "alert-1",
            )
            .await
            .unwrap();
        assert_eq!(
            rec.outcome,
            ActionOutcome::Done,
            "{backend} {blocked}: {rec:?}"
        );
        assert!(
            !lab.connects(blocked, dst),
            "{backend}: {blocked} still connects after block"
        );
        assert!(
            lab.connects(bystander, dst),
            "{backend}: bystander {bystander} was blocked too"
        );
        lab::assert_repeat_only_probes(&fw, blocked, None, backend).await;
    }
    match backend {
        Backend::Nftables => {
            let set = lab.in_host(0, &["nft", "list", "set", "inet", "soc", "block4"]);
            assert!(set.contains(&format!("{ATTACKER4} timeout 10m")), "{set}");
        }
        Backend::Ipset => {
            let set = lab.in_host(0, &["ipset", "list", "soc-block4"]);
            assert!(set.contains(&format!("{ATTACKER4} timeout ")), "{set}");
        }
        Backend::Iptables => {
            let rules = lab.in_host(0, &["iptables", "-w", "-S", "INPUT"]);
            assert_eq!(rules.matches("-j soc-block").count(), 1, "{rules}");
        }
    }
    assert_eq!(store.active_blocks(chrono::Utc::now()).unwrap().len(), 2);

    // v4 comes back by unblocking.
    let rec = fw.unblock(ATTACKER4, Mode::Live).await.unwrap();
    assert_eq!(rec.outcome, ActionOutcome::Done);
    assert!(
        lab.connects(ATTACKER4, &host4),
        "{backend}: still blocked after unblock"
    );
    let rec = fw.unblock(ATTACKER4, Mode::Live).await.unwrap();
    assert!(matches!(rec.outcome, ActionOutcome::Skipped(_)), "{rec:?}");

    // v6: plain iptables by expiry (the store's expiry lapses), others by unblock.
    if backend == Backend::Iptables {
        let mut e = store
            .blocks()
            .unwrap()
            .into_iter()
            .find(|b| b.ip == ATTACKER6)
            .unwrap();
        e.expires_at = Some(chrono::Utc::now() - chrono::Duration::seconds(1));
        store.add_block(&e).unwrap();
        let recs = fw.expire(Mode::Live).await.unwrap();
        assert_eq!(recs.len(), 1, "{recs:?}");
    } else {
        fw.unblock(ATTACKER6, Mode::Live).await.unwrap();
    }
    assert!(
        lab.connects(ATTACKER6, &host6),
        "{backend}: v6 still blocked"
    );
    assert!(store.blocks().unwrap().is_empty());
}

#[tokio::test]
async fn nftables_blocks_for_real() {
    exercise(Backend::Nftables, &["nft"]).await;
}

#[tokio::test]
async fn ipset_blocks_for_real() {
    exercise(Backend::Ipset, &["ipset", "iptables", "ip6tables"]).await;
}

#[tokio::test]
async fn iptables_blocks_for_real() {
    exercise(Backend::Iptables, &["iptables", "ip6tables"]).await;
}
