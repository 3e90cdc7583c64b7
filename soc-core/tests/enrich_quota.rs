//! Quotas that hold across runs: a provider's daily quota and per-minute
//! limit live in the state store, shared by every run on that file; a run
//! that hits the quota reports it once and leaves the rest for later;
//! provider errors are counted by provider, kind and day.

use std::sync::Arc;
use std::time::Duration;

use chrono::{Timelike, Utc};
use mockito::{Matcher, Server};
use soc_core::enrich::{EnrichConfig, EnrichmentService};
use soc_core::model::{Indicator, IndicatorKind};
use soc_core::store::StateStore;

const BODY: &str =
    r#"{"ip":"198.51.100.1","ports":[22],"hostnames":[],"cpes":[],"tags":[],"vulns":[]}"#;

/// InternetDB at `url` with a daily quota and a per-minute limit.
fn config(url: &str, per_day: Option<u32>, per_min: u32) -> EnrichConfig {
    let mut cfg = EnrichConfig {
        providers: vec!["internetdb".into()],
        backoff_ms: 10,
        max_retries: 0,
        ..EnrichConfig::default()
    };
    cfg.internetdb.base_url = Some(url.to_string());
    cfg.internetdb.rate_per_min = Some(per_min);
    cfg.internetdb.per_day = per_day;
    cfg
}

fn ips(range: std::ops::Range<u8>) -> Vec<Indicator> {
    range
        .map(|i| Indicator::new(IndicatorKind::Ipv4, format!("198.51.100.{i}")))
        .collect()
}

/// A run: a fresh store handle and service on `path`, as a new process has.
fn run(path: &std::path::Path, cfg: &EnrichConfig) -> (Arc<StateStore>, EnrichmentService) {
    let store = Arc::new(StateStore::open(path).unwrap());
    let svc = EnrichmentService::from_config(cfg, Some(store.clone()), false).unwrap();
    (store, svc)
}

/// A mock InternetDB that must answer `n` lookups in 198.51.100.0/24.
async fn lookups(server: &mut Server, n: usize) -> mockito::Mock {
    server
        .mock("GET", Matcher::Regex(r"^/198\.51\.100\.\d+$".into()))
        .with_body(BODY)
        .expect(n)
        .create_async()
        .await
}

#[tokio::test]
async fn runs_share_the_daily_quota_report_it_once_and_leave_the_rest() {
    let mut server = Server::new_async().await;
    let api = lookups(&mut server, 3).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let cfg = config(&server.url(), Some(3), 1000);

    // Cron's first run spends two of the three lookups.
    let (_, first) = run(&path, &cfg);
    let answered = first.enrich_many(&ips(1..3)).await;
    assert!(answered.iter().all(|(_, r)| r.len() == 1 && r[0].is_ok()));

    // The next run does not start with a fresh quota: one lookup is left.
    let (store, second) = run(&path, &cfg);
    let out = second.enrich_many(&ips(3..7)).await;
    let got: usize = out.iter().map(|(_, r)| r.len()).sum();
    assert_eq!(got, 1, "one answer, the other lookups deferred: {out:?}");
    assert!(out.iter().flat_map(|(_, r)| r).all(Result::is_ok));
    assert_eq!(second.stats().deferred, 3);
    let notices = second.notices();
    assert_eq!(notices.len(), 1, "reported once: {notices:?}");
    assert!(notices[0].contains("internetdb: the daily quota of 3 lookups is spent"));
    assert!(notices[0].contains("left for a later run"));
    let usage = store.provider_usage(Utc::now().date_naive()).unwrap();
    assert_eq!(
        (usage[0].used, usage[0].refused, usage[0].left()),
        (3, 3, Some(0))
    );
    api.assert_async().await;

    // A later run with quota to spend looks the deferred ones up (they were
    // neither answered nor cached as failures).
    let later = lookups(&mut server, 3).await;
    let (_, third) = run(&path, &config(&server.url(), Some(6), 1000));
    let out = third.enrich_many(&ips(3..7)).await;
    assert!(
        out.iter().all(|(_, r)| r.len() == 1 && r[0].is_ok()),
        "{out:?}"
    );
    assert_eq!(
        third.stats().cache_hits,
        1,
        "the one answered before is cached"
    );
    later.assert_async().await;
}

#[tokio::test]
async fn a_restart_within_the_minute_keeps_the_per_minute_limit() {
    // Start early in a minute, so the whole test runs inside one.
    let second = Utc::now().second();
    if second > 50 {
        tokio::time::sleep(Duration::from_secs(u64::from(61 - second))).await;
    }
    let mut server = Server::new_async().await;
    let api = lookups(&mut server, 2).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let cfg = config(&server.url(), None, 2);
    let (_, first) = run(&path, &cfg);
    assert_eq!(first.enrich_many(&ips(1..3)).await.len(), 2);
    drop(first);
    // The restarted run has a fresh in-memory bucket; the store says this
    // minute's two lookups are spent, so the third waits for the next one.
    let (_, restarted) = run(&path, &cfg);
    let third = ips(3..4);
    let waited = tokio::time::timeout(Duration::from_secs(2), restarted.enrich_many(&third)).await;
    assert!(
        waited.is_err(),
        "the third lookup must wait for the next minute"
    );
    api.assert_async().await;
}

#[tokio::test]
async fn provider_errors_are_counted_by_kind_and_day() {
    let mut server = Server::new_async().await;
    server
        .mock("GET", "/198.51.100.1")
        .with_status(503)
        .create_async()
        .await;
    server
        .mock("GET", "/198.51.100.2")
        .with_status(401)
        .create_async()
        .await;
    let dir = tempfile::tempdir().unwrap();
    let (store, svc) = run(
        &dir.path().join("state.db"),
        &config(&server.url(), Some(100), 1000),
    );
    let out = svc.enrich_many(&ips(1..3)).await;
    assert!(out.iter().all(|(_, r)| r[0].is_err()));
    let usage = store.provider_usage(Utc::now().date_naive()).unwrap();
    assert_eq!(usage[0].provider, "internetdb");
    assert_eq!(usage[0].errors.get("server"), Some(&1), "{usage:?}");
    assert_eq!(usage[0].errors.get("auth"), Some(&1), "{usage:?}");
    assert_eq!(usage[0].left(), Some(98));
}
