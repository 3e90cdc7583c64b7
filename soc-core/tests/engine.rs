//! The response engine: dry-run changes nothing, idempotency across
//! restarts, failures audited without losing the alert.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use soc_core::respond::ticket::TicketFileConfig;
use soc_core::respond::{AuditLog, ResponseConfig, ResponseEngine};
use soc_core::{
    ActionOutcome, ActionRecord, Alert, Mode, RespondError, Responder, RiskLevel, Score, Severity,
    StateStore,
};

/// A firewall stand-in that counts real blocks and can be told to fail.
struct FakeFirewall {
    blocks: Arc<AtomicUsize>,
    fail: bool,
}

#[async_trait]
impl Responder for FakeFirewall {
    fn name(&self) -> &str {
        "fake"
    }
    async fn respond(&self, alert: &Alert, mode: Mode) -> Result<ActionRecord, RespondError> {
        let ip = alert.src_ip.map(|i| i.to_string()).unwrap_or_default();
        let mut r = ActionRecord::new("firewall", "block", &ip, &alert.id, mode);
        r.commands.push(support::nft_block_argv(&ip));
        if self.fail {
            return Err(RespondError::CommandFailed {
                argv: "nft add element".into(),
                status: "1".into(),
                stderr: "Operation not permitted".into(),
            });
        }
        if mode == Mode::Live {
            self.blocks.fetch_add(1, Ordering::SeqCst);
        }
        Ok(r)
    }
}

fn alert() -> Alert {
    support::brute_force_alert("SSH brute force", Severity::Critical)
}

fn critical() -> Score {
    support::score("t", 95.0, RiskLevel::Critical)
}

fn cfg(dir: &std::path::Path, dry_run: bool) -> ResponseConfig {
    ResponseConfig {
        dry_run,
        audit_log: Some(dir.join("audit.jsonl")),
        ticket_file: Some(TicketFileConfig {
            path: dir.join("tickets.jsonl"),
        }),
        ..Default::default()
    }
}

fn engine(
    dir: &std::path::Path,
    dry_run: bool,
    blocks: &Arc<AtomicUsize>,
    fail: bool,
) -> (ResponseEngine, Arc<StateStore>) {
    let store = Arc::new(StateStore::open(dir.join("state.db")).unwrap());
    let mut e = ResponseEngine::from_config(&cfg(dir, dry_run), store.clone()).unwrap();
    e.register(
        "firewall",
        Box::new(FakeFirewall {
            blocks: blocks.clone(),
            fail,
        }),
    );
    (e, store)
}

#[tokio::test]
async fn dry_run_changes_nothing_and_shows_exact_commands() {
    let dir = tempfile::tempdir().unwrap();
    let blocks = Arc::new(AtomicUsize::new(0));
    let (e, store) = engine(dir.path(), true, &blocks, false);
    assert_eq!(e.mode(), Mode::DryRun);
    let recs = e.handle(&alert(), &critical()).await;
    let actions: Vec<&str> = recs.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["record", "watch", "ticket", "block"]);
    assert!(
        recs.iter()
            .all(|r| r.mode == Mode::DryRun && r.outcome == ActionOutcome::DryRun),
        "{recs:#?}"
    );
    let block = recs.iter().find(|r| r.action == "block").unwrap();
    assert_eq!(
        block.commands[0].last().unwrap(),
        "{ 203.0.113.9 timeout 1h }"
    );
    assert_eq!(blocks.load(Ordering::SeqCst), 0);
    assert!(store.watchlist().unwrap().is_empty());
    assert!(!dir.path().join("tickets.jsonl").exists());
    // Everything is audited, and nothing counts as done.
    assert_eq!(
        AuditLog::read_jsonl(&dir.path().join("audit.jsonl"))
            .unwrap()
            .len(),
        4
    );
    assert_eq!(
        store
            .last_done("firewall|203.0.113.9|ssh.brute_force")
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn live_actions_are_not_repeated_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let blocks = Arc::new(AtomicUsize::new(0));
    {
        let (e, store) = engine(dir.path(), false, &blocks, false);
        let recs = e.handle(&alert(), &critical()).await;
        assert!(
            recs.iter().all(|r| r.outcome == ActionOutcome::Done),
            "{recs:#?}"
        );
        assert_eq!(blocks.load(Ordering::SeqCst), 1);
        assert_eq!(store.watchlist().unwrap().len(), 1);
    }
    // A new process over the same state: the block and ticket are suppressed.
    let (e, store) = engine(dir.path(), false, &blocks, false);
    let recs = e.handle(&alert(), &critical()).await;
    assert_eq!(blocks.load(Ordering::SeqCst), 1, "no second block");
    assert_eq!(
        store.watchlist().unwrap()[0].hits,
        2,
        "sightings still counted"
    );
    for action in ["block", "ticket"] {
        let r = recs.iter().find(|r| r.action == action).unwrap();
        assert!(
            matches!(&r.outcome, ActionOutcome::Skipped(m) if m.contains("suppressed")),
            "{action}: {:?}",
            r.outcome
        );
    }
    // A different kind from the same source is a different key.
    let mut other = alert();
    other.kind = "ssh.password_spraying".into();
    e.handle(&other, &critical()).await;
    assert_eq!(blocks.load(Ordering::SeqCst), 2);
    // suppress_secs = 0 turns suppression off.
    let store = Arc::new(StateStore::open(dir.path().join("state.db")).unwrap());
    let mut c = cfg(dir.path(), false);
    c.suppress_secs = 0;
    let mut e = ResponseEngine::from_config(&c, store).unwrap();
    e.register(
        "firewall",
        Box::new(FakeFirewall {
            blocks: blocks.clone(),
            fail: false,
        }),
    );
    e.handle(&alert(), &critical()).await;
    assert_eq!(blocks.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn failures_are_audited_and_do_not_stop_other_actions() {
    let dir = tempfile::tempdir().unwrap();
    let blocks = Arc::new(AtomicUsize::new(0));
    let (e, store) = engine(dir.path(), false, &blocks, true);
    let recs = e.handle(&alert(), &critical()).await;
    let block = recs.iter().find(|r| r.action == "block").unwrap();
    assert!(
        matches!(&block.outcome, ActionOutcome::Failed(m) if m.contains("Operation not permitted"))
    );
    assert_eq!(block.alert_id, alert().id);
    assert!(recs
        .iter()
        .any(|r| r.action == "ticket" && r.outcome == ActionOutcome::Done));
    let audit = AuditLog::read_jsonl(&dir.path().join("audit.jsonl")).unwrap();
    assert!(audit
        .iter()
        .any(|a| a.key == "firewall|203.0.113.9|ssh.brute_force"
            && a.record.outcome.status() == "failed"));
    let saved = support::all_alerts(&store);
    assert_eq!(saved[0].alert.id, alert().id);
    assert_eq!(saved[0].score.as_ref().unwrap().level, RiskLevel::Critical);
}

#[tokio::test]
async fn missing_block_responder_is_reported_not_silent() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(StateStore::in_memory().unwrap());
    let e = ResponseEngine::from_config(&cfg(dir.path(), false), store).unwrap();
    let recs = e.handle(&alert(), &critical()).await;
    let block = recs.iter().find(|r| r.action == "block").unwrap();
    assert!(
        matches!(&block.outcome, ActionOutcome::Skipped(m) if m.contains("no responder 'firewall'"))
    );
    // Unconfigured notifiers simply do not appear.
    assert!(!recs.iter().any(|r| r.action == "notify"));
}

#[test]
fn config_errors_are_typed() {
    let store = Arc::new(StateStore::in_memory().unwrap());
    let c: ResponseConfig =
        toml::from_str("[slack]\nurl = \"${SOC_TEST_UNSET_SLACK_URL}\"\n").unwrap();
    let e = ResponseEngine::from_config(&c, store.clone()).unwrap_err();
    assert!(
        matches!(e, RespondError::Config { .. })
            && e.to_string().contains("SOC_TEST_UNSET_SLACK_URL")
    );
    assert!(
        toml::from_str::<ResponseConfig>("dryrun = false").is_err(),
        "unknown keys rejected"
    );
    let c: ResponseConfig =
        toml::from_str("[thehive]\nurl = \"ftp://x\"\napi_key = \"k\"\n").unwrap();
    assert!(ResponseEngine::from_config(&c, store).is_err());
}

/// Issue #14 item 3: through the whole engine, a critical Suricata alert
/// from 10.0.2.5 to the C2 server 198.51.100.66 plans and records isolating
/// the inventory host 10.0.2.5 is, never the destination.
#[tokio::test]
async fn isolation_plan_names_the_inventory_host_never_the_destination() {
    use soc_core::respond::isolate::{InventoryHost, IsolateConfig, SshIsolator};
    let store = Arc::new(StateStore::in_memory().unwrap());
    let mut engine = ResponseEngine::from_config(&ResponseConfig::default(), store).unwrap();
    let iso = SshIsolator::new(IsolateConfig {
        mgmt_ip: Some("192.0.2.10".into()),
        inventory: vec![InventoryHost {
            name: "ws17".into(),
            address: "10.0.2.5".into(),
        }],
        ..IsolateConfig::default()
    })
    .unwrap();
    engine.register("isolate", Box::new(iso));
    let mut a = Alert::new("suricata.alert", "k", "ET MALWARE C2", Severity::Critical);
    a.src_ip = Some("10.0.2.5".parse().unwrap());
    a.dst_ip = Some("198.51.100.66".parse().unwrap());
    let score = support::score("t", 95.0, RiskLevel::Critical);
    let plan = engine.plan(&a, &score);
    let iso_plan = plan.iter().find(|p| p.action == "isolate").unwrap();
    assert_eq!(iso_plan.target, "ws17");
    let records = engine.handle(&a, &score).await;
    let rec = records.iter().find(|r| r.action == "isolate").unwrap();
    assert_eq!(rec.outcome, ActionOutcome::DryRun);
    assert!(rec.commands[0].contains(&"10.0.2.5".to_string()));
    for r in &records {
        assert!(
            !r.commands
                .iter()
                .flatten()
                .any(|w| w.contains("198.51.100.66")),
            "{r:?}"
        );
    }
    // An unknown internal source: skipped, nothing run, the destination untouched.
    a.src_ip = Some("10.0.2.6".parse().unwrap());
    let records = engine.handle(&a, &score).await;
    let rec = records.iter().find(|r| r.action == "isolate").unwrap();
    assert!(matches!(rec.outcome, ActionOutcome::Skipped(_)), "{rec:?}");
    assert!(rec.commands.is_empty());
}
