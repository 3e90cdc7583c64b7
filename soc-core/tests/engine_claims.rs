//! Live actions claim their idempotency key atomically (#14 item 6): a done
//! action suppresses its repeats, a failed one leaves the key free for a
//! retry, and two concurrent engines on one store act once.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use soc_core::error::RespondError;
use soc_core::model::{ActionOutcome, ActionRecord, Alert, Mode, RiskLevel, Score, Severity};
use soc_core::respond::{ResponseConfig, ResponseEngine};
use soc_core::{Responder, StateStore};

/// Counts calls; fails while `fail` is set.
struct Counting {
    calls: Arc<AtomicUsize>,
    fail: bool,
}

#[async_trait]
impl Responder for Counting {
    fn name(&self) -> &str {
        "webhook"
    }
    async fn respond(&self, alert: &Alert, mode: Mode) -> Result<ActionRecord, RespondError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        if self.fail {
            return Err(RespondError::Io {
                context: "test sink".into(),
                source: std::io::Error::other("down"),
            });
        }
        let mut r = ActionRecord::new("webhook", "notify", "x", &alert.id, mode);
        r.outcome = ActionOutcome::Done;
        Ok(r)
    }
}

fn engine(store: Arc<StateStore>, calls: Arc<AtomicUsize>, fail: bool) -> ResponseEngine {
    let cfg = ResponseConfig {
        dry_run: false,
        ..Default::default()
    };
    let mut e = ResponseEngine::from_config(&cfg, store).unwrap();
    e.register("webhook", Box::new(Counting { calls, fail }));
    e
}

fn alert() -> (Alert, Score) {
    let mut a = Alert::new("ssh.brute_force", "k", "SSH brute force", Severity::High);
    a.src_ip = Some("203.0.113.9".parse().unwrap());
    let s = support::score("x", 50.0, RiskLevel::Medium);
    (a, s)
}

fn webhook_outcomes(records: &[ActionRecord]) -> Vec<&'static str> {
    records
        .iter()
        .filter(|r| r.responder == "webhook")
        .map(|r| r.outcome.status())
        .collect()
}

#[tokio::test]
async fn failed_actions_free_their_key_and_done_ones_suppress() {
    let store = Arc::new(StateStore::in_memory().unwrap());
    let calls = Arc::new(AtomicUsize::new(0));
    let (a, s) = alert();
    let failing = engine(store.clone(), calls.clone(), true);
    assert_eq!(webhook_outcomes(&failing.handle(&a, &s).await), ["failed"]);
    let working = engine(store.clone(), calls.clone(), false);
    assert_eq!(webhook_outcomes(&working.handle(&a, &s).await), ["done"]);
    assert_eq!(webhook_outcomes(&working.handle(&a, &s).await), ["skipped"]);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_engines_racing_on_one_store_act_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let calls = Arc::new(AtomicUsize::new(0));
    let e1 = engine(
        Arc::new(StateStore::open(&path).unwrap()),
        calls.clone(),
        false,
    );
    let e2 = engine(
        Arc::new(StateStore::open(&path).unwrap()),
        calls.clone(),
        false,
    );
    let (a, s) = alert();
    let (r1, r2) = tokio::join!(e1.handle(&a, &s), e2.handle(&a, &s));
    let mut all = webhook_outcomes(&r1);
    all.extend(webhook_outcomes(&r2));
    all.sort_unstable();
    assert_eq!(all, ["done", "skipped"]);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}
