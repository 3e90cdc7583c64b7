//! The generic [`CloudResponder`] over an in-memory list: policy, dry-run,
//! idempotency, expiry, retries.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use super::*;
use crate::error::RespondError;
use crate::model::{ActionOutcome, Mode};
use crate::respond::firewall::FirewallConfig;
use crate::respond::Responder;
use crate::store::{BlockEntry, StateStore};

#[path = "lent_tests.rs"]
mod lent;
use lent::Lent;

fn setup(caps: Capabilities) -> (Arc<MemoryBlockList>, CloudResponder, Arc<StateStore>) {
    let list = Arc::new(MemoryBlockList::new("memory@lab").with_capabilities(caps));
    let store = Arc::new(StateStore::in_memory().unwrap());
    let fw = FirewallConfig {
        allow: vec!["203.0.113.50".into()],
        ..FirewallConfig::default()
    };
    let r = CloudResponder::new(Box::new(Lent(list.clone())), &fw, Some(store.clone())).unwrap();
    (list, r, store)
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn dry_run_describes_and_changes_nothing() {
    let (list, r, store) = setup(Capabilities::ALL);
    let rec = rt()
        .block_on(r.block("198.51.100.7", None, Mode::DryRun, "alert-1"))
        .unwrap();
    assert_eq!(rec.outcome, ActionOutcome::DryRun);
    assert_eq!(
        rec.requests,
        vec!["POST memory://memory@lab/198.51.100.7\nContent-Type: application/json\n\n{\"note\":\"soc: alert-1\"}"]
    );
    assert!(rec.expires_at.is_some(), "the default duration is 1h");
    assert_eq!(list.changes(), 0);
    assert!(store.blocks().unwrap().is_empty());
}

#[test]
fn live_block_is_recorded_and_idempotent() {
    let (list, r, store) = setup(Capabilities::ALL);
    let rt = rt();
    let rec = rt
        .block_on(r.block("198.51.100.7", None, Mode::Live, "alert-1"))
        .unwrap();
    assert_eq!(rec.outcome, ActionOutcome::Done, "{rec:?}");
    let blocks = store.blocks().unwrap();
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0].backend, "memory@lab");
    assert!(blocks[0].expires_at.is_some());
    let again = rt
        .block_on(r.block("198.51.100.7", None, Mode::Live, "alert-2"))
        .unwrap();
    assert!(
        matches!(&again.outcome, ActionOutcome::Skipped(w) if w.contains("already blocked on memory@lab")),
        "{again:?}"
    );
    assert_eq!(list.changes(), 1, "no second add");
    // Dry-run knows it from the store.
    let dry = rt
        .block_on(r.block("198.51.100.7", None, Mode::DryRun, "x"))
        .unwrap();
    assert!(matches!(dry.outcome, ActionOutcome::Skipped(_)));
}

#[test]
fn protected_targets_are_refused_before_any_request() {
    let (list, r, _) = setup(Capabilities::ALL);
    let rt = rt();
    for t in [
        "127.0.0.1",
        "10.0.0.5",
        "203.0.113.50",
        "203.0.113.0/24",
        "::1",
    ] {
        let e = rt.block_on(r.block(t, None, Mode::Live, "x")).unwrap_err();
        assert!(matches!(e, RespondError::Refused { .. }), "{t}: {e}");
    }
    assert!(matches!(
        rt.block_on(r.block("1.2.3.4; rm", None, Mode::Live, "x")),
        Err(RespondError::InvalidTarget { .. })
    ));
    assert_eq!(list.changes(), 0);
}

#[test]
fn unsupported_targets_are_skipped() {
    let caps = Capabilities {
        ipv6: false,
        networks: false,
        max_entries: None,
    };
    let (list, r, _) = setup(caps);
    let rt = rt();
    for t in ["2001:db8:1::7", "198.51.100.0/24"] {
        let rec = rt.block_on(r.block(t, None, Mode::Live, "x")).unwrap();
        assert!(
            matches!(&rec.outcome, ActionOutcome::Skipped(w) if w.contains("cannot block")),
            "{rec:?}"
        );
    }
    assert_eq!(list.changes(), 0);
}

#[test]
fn sweep_removes_expired_blocks_only() {
    let (list, r, store) = setup(Capabilities::ALL);
    let rt = rt();
    for ip in ["198.51.100.7", "2001:db8:1:2::/64"] {
        rt.block_on(r.block(ip, Some(Duration::from_secs(3600)), Mode::Live, "x"))
            .unwrap();
    }
    // The first block's expiry passes.
    store
        .add_block(&BlockEntry {
            ip: "198.51.100.7".into(),
            backend: "memory@lab".into(),
            created_at: Utc::now() - chrono::Duration::hours(2),
            expires_at: Some(Utc::now() - chrono::Duration::hours(1)),
            reason: "x".into(),
        })
        .unwrap();
    let dry = rt.block_on(r.sweep(Mode::DryRun)).unwrap();
    assert_eq!(dry.len(), 1);
    assert!(dry[0].requests[0].starts_with("DELETE memory://memory@lab/198.51.100.7"));
    assert_eq!(list.changes(), 2, "dry-run removed nothing");
    let recs = rt.block_on(r.sweep(Mode::Live)).unwrap();
    assert_eq!(recs.len(), 1);
    assert_eq!(
        (recs[0].action.as_str(), &recs[0].outcome),
        ("expire", &ActionOutcome::Done)
    );
    let left: Vec<String> = rt
        .block_on(list.list())
        .unwrap()
        .iter()
        .map(|b| b.target.to_string())
        .collect();
    assert_eq!(left, vec!["2001:db8:1:2::/64"]);
    assert_eq!(store.blocks().unwrap().len(), 1);
}

#[test]
fn failed_changes_are_retried_by_the_next_sweep() {
    let (list, r, store) = setup(Capabilities::ALL);
    let rt = rt();
    list.fail(true);
    let rec = rt
        .block_on(r.block("198.51.100.9", None, Mode::Live, "alert-9"))
        .unwrap();
    assert!(
        matches!(&rec.outcome, ActionOutcome::Failed(w) if w.contains("pending")),
        "{rec:?}"
    );
    let pending = store.blocks().unwrap();
    assert_eq!(pending[0].backend, "retry-cloud-block@memory@lab");
    // Still down: still pending.
    let recs = rt.block_on(r.sweep(Mode::Live)).unwrap();
    assert!(matches!(recs[0].outcome, ActionOutcome::Failed(_)));
    list.fail(false);
    let recs = rt.block_on(r.sweep(Mode::Live)).unwrap();
    assert_eq!(recs[0].outcome, ActionOutcome::Done, "{recs:?}");
    assert!(recs[0].detail.starts_with("retry; "));
    let blocks = store.blocks().unwrap();
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0].backend, "memory@lab");
    assert_eq!(blocks[0].reason, "alert-9");
    // A failed unblock is pending too, and replaces nothing else.
    list.fail(true);
    let rec = rt.block_on(r.unblock("198.51.100.9", Mode::Live)).unwrap();
    assert!(matches!(rec.outcome, ActionOutcome::Failed(_)));
    list.fail(false);
    let recs = rt.block_on(r.retry_pending(Mode::Live)).unwrap();
    assert_eq!(recs[0].action, "unblock");
    assert_eq!(recs[0].outcome, ActionOutcome::Done);
    assert!(store.blocks().unwrap().is_empty());
    assert!(rt.block_on(list.list()).unwrap().is_empty());
}

#[test]
fn responder_blocks_the_alert_source() {
    use crate::model::{Alert, Severity};
    let (list, r, _) = setup(Capabilities::ALL);
    let mut a = Alert::new("ssh.brute_force", "k", "t", Severity::High);
    a.src_ip = Some("2001:db8:1:2::77".parse().unwrap());
    a.fields
        .insert("src_prefix".into(), "2001:db8:1:2::/64".into());
    let rec = rt().block_on(r.respond(&a, Mode::Live)).unwrap();
    assert_eq!(rec.target, "2001:db8:1:2::/64");
    assert_eq!(rec.alert_id, a.id);
    assert_eq!(list.changes(), 1);
    assert_eq!(Responder::name(&r), "memory@lab");
}
