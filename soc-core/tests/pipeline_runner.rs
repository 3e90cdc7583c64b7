//! The runner with hand-made stages: batching, transactional state, pending
//! recovery, episode continuation, enrichment attachment, extra responders,
//! follow mode with graceful shutdown.

mod support;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{Duration, TimeZone, Utc};
use soc_core::error::{EnrichError, ParseError, RespondError, SourceError};
use soc_core::model::{
    ActionRecord, Alert, Enrichment, Indicator, IndicatorKind, Mode, Origin, Severity, Verdict,
};
use soc_core::pipeline::stages::{Analysis, Analyzer};
use soc_core::pipeline::{Pipeline, PipelineConfig, RunOptions};
use soc_core::source::{LogSource, SourceKind, SourceRecord};
use soc_core::{Enricher, Responder, StateStore};

/// Yields queued lines; `None` when empty (like a followed file with nothing new).
struct QueueSource {
    lines: Arc<Mutex<VecDeque<String>>>,
    n: u64,
}

impl LogSource for QueueSource {
    fn name(&self) -> &str {
        "queue"
    }
    fn next_record(&mut self) -> Option<Result<SourceRecord, SourceError>> {
        let line = self.lines.lock().unwrap().pop_front()?;
        self.n += 1;
        if line == "BAD" {
            return Some(Err(SourceError::Parse(ParseError::Malformed {
                source_name: "queue".into(),
                line: self.n,
                reason: "bad line".into(),
            })));
        }
        Some(Ok(SourceRecord {
            kind: SourceKind::Alerts,
            text: line,
            origin: Origin {
                file: "queue".into(),
                line: self.n,
            },
        }))
    }
}

fn queue(lines: &[&str]) -> (Box<dyn LogSource>, Arc<Mutex<VecDeque<String>>>) {
    let q = Arc::new(Mutex::new(lines.iter().map(|s| s.to_string()).collect()));
    (
        Box::new(QueueSource {
            lines: q.clone(),
            n: 0,
        }),
        q,
    )
}

/// Lines are `ip minute`: one alert per ip, raised at finish (like a
/// detector flushing its episodes), keyed by ip + first minute.
#[derive(Default)]
struct EpisodeAnalyzer {
    seen: Vec<(String, i64)>,
}

impl Analyzer for EpisodeAnalyzer {
    fn analyze(&mut self, record: &SourceRecord, out: &mut Analysis) {
        let mut parts = record.text.split_whitespace();
        let (Some(ip), Some(min)) = (parts.next(), parts.next().and_then(|m| m.parse().ok()))
        else {
            out.skipped += 1;
            return;
        };
        out.count_event("test.failure");
        self.seen.push((ip.to_string(), min));
    }

    fn finish(&mut self, out: &mut Analysis) {
        let base = Utc.with_ymd_and_hms(2026, 11, 22, 8, 0, 0).unwrap();
        let mut ips: Vec<String> = self.seen.iter().map(|(ip, _)| ip.clone()).collect();
        ips.sort();
        ips.dedup();
        for ip in ips {
            let mins: Vec<i64> = self
                .seen
                .iter()
                .filter(|(i, _)| *i == ip)
                .map(|(_, m)| *m)
                .collect();
            let first = *mins.iter().min().unwrap();
            let last = *mins.iter().max().unwrap();
            let mut a = Alert::new(
                "test.brute",
                &format!("{ip}|{first}"),
                format!("brute force from {ip}"),
                Severity::High,
            );
            a.src_ip = ip.parse().ok();
            a.first_seen = Some(base + Duration::minutes(first));
            a.last_seen = Some(base + Duration::minutes(last));
            a.count = mins.len() as u64;
            out.alerts.push(a);
        }
        self.seen.clear();
    }
}

struct CountingResponder {
    calls: Arc<AtomicUsize>,
}

#[async_trait]
impl Responder for CountingResponder {
    fn name(&self) -> &str {
        "counter"
    }
    async fn respond(&self, alert: &Alert, mode: Mode) -> Result<ActionRecord, RespondError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let mut r = ActionRecord::new("counter", "count", &alert.id, &alert.id, mode);
        r.commands.push(vec!["echo".into(), alert.id.clone()]);
        Ok(r)
    }
}

struct ListEnricher {
    calls: Arc<AtomicUsize>,
}

#[async_trait]
impl Enricher for ListEnricher {
    fn name(&self) -> &str {
        "testlist"
    }
    fn supports(&self, i: &Indicator) -> bool {
        i.kind.is_ip()
    }
    async fn enrich(&self, i: &Indicator) -> Result<Enrichment, EnrichError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let mut e = Enrichment::unknown("testlist", i).with_ttl(3600);
        if i.value.starts_with("203.0.113.") {
            e.verdict = Verdict::Malicious;
            e.score = 100;
            e.summary = "listed".into();
        }
        Ok(e)
    }
}

fn pipeline(store: Arc<StateStore>) -> Pipeline {
    Pipeline::new(PipelineConfig::default(), store)
        .unwrap()
        .with_analyzer(Box::new(EpisodeAnalyzer::default()))
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn once_stores_scores_enriches_and_acts_once() {
    let store = Arc::new(StateStore::in_memory().unwrap());
    let calls = Arc::new(AtomicUsize::new(0));
    let lookups = Arc::new(AtomicUsize::new(0));
    let mut p = pipeline(store.clone());
    p.add_responder(Arc::new(CountingResponder {
        calls: calls.clone(),
    }));
    p.add_enricher(Box::new(ListEnricher {
        calls: lookups.clone(),
    }));
    let (src, q) = queue(&[
        "203.0.113.5 1",
        "203.0.113.5 2",
        "BAD",
        "garbage",
        "10.1.1.1 3",
    ]);
    p.add_source(src);
    let rt = rt();
    let m = rt.block_on(p.run(RunOptions::default())).unwrap();
    assert_eq!(m.records, 5);
    assert_eq!(m.malformed, 1);
    assert_eq!(m.skipped, 1);
    assert_eq!(m.events_by_kind["test.failure"], 3);
    assert_eq!(m.alerts_new, 2);
    assert_eq!(m.actions["counter"]["dry_run"], 2);
    assert_eq!(m.mttd.count, 2);
    assert_eq!(
        m.enrich.indicators, 1,
        "only the external address is enriched"
    );
    assert_eq!(lookups.load(Ordering::SeqCst), 1);
    assert_eq!(m.malformed_samples.len(), 1);
    assert!(
        m.malformed_samples[0].contains("queue:3"),
        "{:?}",
        m.malformed_samples
    );

    let stored = support::all_alerts(&store);
    assert_eq!(stored.len(), 2);
    let ext = stored
        .iter()
        .find(|s| s.alert.src_ip.unwrap().to_string() == "203.0.113.5")
        .unwrap();
    assert_eq!(ext.alert.enrichments.len(), 1);
    assert_eq!(ext.alert.enrichments[0].verdict, Verdict::Malicious);
    assert!(ext
        .alert
        .indicators
        .iter()
        .any(|i| i.kind == IndicatorKind::Ipv4));
    let score = ext.score.as_ref().unwrap();
    assert!(
        score.factors.iter().any(|f| f.name == "threat_intel"),
        "{score:?}"
    );
    assert!(store.pending_alert_ids().unwrap().is_empty());
    assert_eq!(store.runs().unwrap().len(), 1);

    // The same evidence again (e.g. a source without checkpoints): the alerts
    // are updated, not duplicated, and the responder is not called again.
    q.lock()
        .unwrap()
        .extend(["203.0.113.5 1".to_string(), "203.0.113.5 2".to_string()]);
    let m2 = rt.block_on(p.run(RunOptions::default())).unwrap();
    assert_eq!(m2.alerts_new, 0);
    assert_eq!(m2.alerts_updated, 1);
    assert_eq!(m2.actions["counter"]["skipped"], 1);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(
        lookups.load(Ordering::SeqCst),
        1,
        "second lookup comes from the cache"
    );
    assert_eq!(m2.enrich.cache_hits, 1);
    assert_eq!(support::all_alerts(&store).len(), 2);
}

#[test]
fn episode_split_across_runs_keeps_one_alert_id() {
    let store = Arc::new(StateStore::in_memory().unwrap());
    let mut p = pipeline(store.clone());
    let (src, q) = queue(&["203.0.113.9 0", "203.0.113.9 1"]);
    p.add_source(src);
    let rt = rt();
    rt.block_on(p.run(RunOptions::default())).unwrap();
    let first = support::all_alerts(&store);
    assert_eq!(first.len(), 1);
    // The next run sees the rest of the episode, 3 minutes later.
    q.lock()
        .unwrap()
        .extend(["203.0.113.9 4".to_string(), "203.0.113.9 5".to_string()]);
    let m = rt.block_on(p.run(RunOptions::default())).unwrap();
    assert_eq!(m.alerts_updated, 1);
    let all = support::all_alerts(&store);
    assert_eq!(all.len(), 1, "continued, not a second alert");
    assert_eq!(all[0].alert.id, first[0].alert.id);
    assert_eq!(all[0].alert.count, 4);
    assert_eq!(all[0].alert.first_seen, first[0].alert.first_seen);
    // A much later episode is a new alert.
    q.lock().unwrap().push_back("203.0.113.9 500".to_string());
    rt.block_on(p.run(RunOptions::default())).unwrap();
    assert_eq!(support::all_alerts(&store).len(), 2);
}

#[test]
fn pending_alerts_from_a_crashed_run_get_their_actions() {
    let store = Arc::new(StateStore::in_memory().unwrap());
    store.pipeline_init().unwrap();
    let mut a = Alert::new("test.brute", "crashed", "left pending", Severity::Critical);
    a.src_ip = "203.0.113.77".parse().ok();
    let json = serde_json::to_string(&a).unwrap();
    store
        .with_tx(|tx| {
            soc_core::store::put_alert(tx, &a, &json, None, None)?;
            soc_core::pipeline::state::put_pending(tx, &a.id)
        })
        .unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let mut p = pipeline(store.clone());
    p.add_responder(Arc::new(CountingResponder {
        calls: calls.clone(),
    }));
    let (src, _q) = queue(&[]);
    p.add_source(src);
    let m = rt().block_on(p.run(RunOptions::default())).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(m.actions["counter"]["dry_run"], 1);
    assert!(store.pending_alert_ids().unwrap().is_empty());
}

#[test]
fn follow_mode_picks_up_new_records_and_drains_on_shutdown() {
    let store = Arc::new(StateStore::in_memory().unwrap());
    let mut cfg = PipelineConfig::default();
    cfg.run.poll_ms = 10;
    let mut p = Pipeline::new(cfg, store.clone())
        .unwrap()
        .with_analyzer(Box::new(EpisodeAnalyzer::default()));
    let (src, q) = queue(&["198.51.100.1 0"]);
    p.add_source(src);
    let shutdown = Arc::new(AtomicBool::new(false));
    let rt = rt();
    let flag = shutdown.clone();
    let feeder = std::thread::spawn(move || {
        // Records arriving while following are picked up.
        for i in 1..4 {
            std::thread::sleep(std::time::Duration::from_millis(30));
            q.lock().unwrap().push_back(format!("198.51.100.1 {i}"));
        }
        while !q.lock().unwrap().is_empty() {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        flag.store(true, Ordering::SeqCst);
    });
    let m = rt
        .block_on(p.run(RunOptions {
            follow: true,
            shutdown: Some(shutdown),
        }))
        .unwrap();
    feeder.join().unwrap();
    assert_eq!(m.mode, "follow");
    assert_eq!(m.records, 4);
    // The episode pending in the detector was flushed on shutdown.
    let all = support::all_alerts(&store);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].alert.count, 4);
}

#[test]
fn a_pipeline_without_analyzer_is_a_config_error() {
    let store = Arc::new(StateStore::in_memory().unwrap());
    let mut p = Pipeline::new(PipelineConfig::default(), store).unwrap();
    let err = rt().block_on(p.run(RunOptions::default())).unwrap_err();
    assert!(err.to_string().contains("[[sources]]"), "{err}");
    p.add_source(queue(&[]).0);
    let err = rt().block_on(p.run(RunOptions::default())).unwrap_err();
    assert!(err.to_string().contains("analyzer"), "{err}");
}

#[test]
fn a_custom_enrichers_answer_is_cached_in_the_state_file_across_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let lookups = Arc::new(AtomicUsize::new(0));
    let rt = rt();
    let mut enriched = Vec::new();
    for minute in ["1", "90"] {
        let mut p = pipeline(Arc::new(StateStore::open(&path).unwrap()));
        p.add_enricher(Box::new(ListEnricher {
            calls: lookups.clone(),
        }));
        let (src, _q) = queue(&[&format!("203.0.113.5 {minute}")]);
        p.add_source(src);
        let m = rt.block_on(p.run(RunOptions::default())).unwrap();
        assert_eq!(m.alerts_new, 1, "run at minute {minute}: {m:?}");
        enriched.push(m.enrich.clone());
    }
    assert_eq!(
        lookups.load(Ordering::SeqCst),
        1,
        "the second run is answered from the state file's cache: {enriched:?}"
    );
    assert_eq!(enriched[1].cache_hits, 1, "{enriched:?}");
}
