//! EnrichmentService: cache, persisted cache, in-flight de-duplication,
//! provider selection, offline mode, stats.

mod support;

use std::sync::Arc;

use mockito::{Mock, Server};
use soc_core::enrich::{EnrichConfig, EnrichmentService};
use soc_core::model::{Indicator, IndicatorKind, Verdict};
use soc_core::store::StateStore;
use soc_core::EnrichError;

fn fixture(name: &str) -> String {
    support::fixture(&format!("fixtures/enrich/{name}"))
}

/// Config with only InternetDB, pointed at `url` (no key needed).
fn idb_config(url: &str) -> EnrichConfig {
    let mut cfg = EnrichConfig {
        providers: vec!["internetdb".into()],
        backoff_ms: 10,
        ..EnrichConfig::default()
    };
    cfg.internetdb.base_url = Some(url.to_string());
    cfg.internetdb.rate_per_min = Some(100_000);
    cfg
}

/// The InternetDB fixture answer at `path`, expected `times` times.
async fn internetdb_answer(s: &mut Server, path: &str, times: usize) -> Mock {
    s.mock("GET", path)
        .with_body(fixture("internetdb.json"))
        .expect(times)
        .create_async()
        .await
}

fn ip(v: &str) -> Indicator {
    Indicator::new(IndicatorKind::Ipv4, v)
}

#[tokio::test]
async fn cache_hit_makes_no_second_request() {
    let mut s = Server::new_async().await;
    let m = internetdb_answer(&mut s, "/198.51.100.23", 1).await;
    let svc = EnrichmentService::from_config(&idb_config(&s.url()), None, false).unwrap();
    let first = svc.enrich(&ip("198.51.100.23")).await;
    let second = svc.enrich(&ip("198.51.100.23")).await;
    m.assert_async().await;
    assert!(!first[0].as_ref().unwrap().cached);
    assert!(second[0].as_ref().unwrap().cached);
    let st = svc.stats();
    assert_eq!((st.requests, st.cache_hits), (1, 1));
}

#[tokio::test]
async fn second_run_over_the_store_spends_no_quota() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state.db");
    let mut s = Server::new_async().await;
    let m = internetdb_answer(&mut s, "/198.51.100.23", 1).await;
    for run in 0..2 {
        let store = Arc::new(StateStore::open(&db).unwrap());
        let svc =
            EnrichmentService::from_config(&idb_config(&s.url()), Some(store), false).unwrap();
        let out = svc.enrich(&ip("198.51.100.23")).await;
        let e = out[0].as_ref().unwrap();
        assert_eq!(e.cached, run == 1);
        assert_eq!(e.verdict, Verdict::Suspicious);
    }
    m.assert_async().await;
}

#[tokio::test]
async fn no_cache_asks_again() {
    let mut s = Server::new_async().await;
    let m = internetdb_answer(&mut s, "/198.51.100.23", 2).await;
    let cfg = EnrichConfig {
        cache: false,
        ..idb_config(&s.url())
    };
    let svc = EnrichmentService::from_config(&cfg, None, false).unwrap();
    svc.enrich(&ip("198.51.100.23")).await;
    svc.enrich(&ip("198.51.100.23")).await;
    m.assert_async().await;
}

#[tokio::test]
async fn duplicates_in_flight_make_one_request() {
    let mut s = Server::new_async().await;
    let m = internetdb_answer(&mut s, "/198.51.100.23", 1).await;
    let other = s
        .mock("GET", "/198.51.100.24")
        .with_status(404)
        .with_body(fixture("internetdb_404.json"))
        .expect(1)
        .create_async()
        .await;
    // Cache off: only in-flight sharing can collapse the duplicates.
    let cfg = EnrichConfig {
        cache: false,
        concurrency: 20,
        ..idb_config(&s.url())
    };
    let svc = EnrichmentService::from_config(&cfg, None, false).unwrap();
    let mut inds = vec![ip("198.51.100.23"); 10];
    inds.push(ip("198.51.100.24"));
    let out = svc.enrich_many(&inds).await;
    assert_eq!(out.len(), 11);
    assert_eq!(out[10].0.value, "198.51.100.24");
    assert!(out.iter().all(|(_, r)| r[0].is_ok()));
    m.assert_async().await;
    other.assert_async().await;
}

#[tokio::test]
async fn missing_key_for_a_named_provider_is_an_error() {
    let cfg = EnrichConfig {
        providers: vec!["vt".into()],
        ..EnrichConfig::default()
    };
    // Explicitly empty key in config wins over nothing; env may be set on a
    // developer machine, so only assert when it is not.
    if std::env::var("VIRUSTOTAL_API_KEY").is_err() {
        let err = EnrichmentService::from_config(&cfg, None, false).unwrap_err();
        assert!(matches!(err, EnrichError::MissingKey { .. }), "{err:?}");
        assert!(err.to_string().contains("VIRUSTOTAL_API_KEY"));
    }
    let bad = EnrichConfig {
        providers: vec!["nosuch".into()],
        ..EnrichConfig::default()
    };
    let err = EnrichmentService::from_config(&bad, None, false).unwrap_err();
    assert!(
        matches!(err, EnrichError::UnknownProvider { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("virustotal, abuseipdb"), "{err}");
}

#[tokio::test]
async fn offline_uses_only_local_providers() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("bad-ips.txt");
    std::fs::write(&list, "198.51.100.0/24\n").unwrap();
    let mut cfg = EnrichConfig::default();
    cfg.lists.paths = vec![list];
    cfg.internetdb.base_url = Some("http://127.0.0.1:1".into());
    let svc = EnrichmentService::from_config(&cfg, None, true).unwrap();
    assert_eq!(svc.provider_names(), vec!["lists", "attack"]);
    let out = svc.enrich(&ip("198.51.100.23")).await;
    assert_eq!(out.len(), 1);
    let e = out[0].as_ref().unwrap();
    assert_eq!(e.verdict, Verdict::Malicious);
    assert_eq!(e.summary, "listed in bad-ips as 198.51.100.0/24");
    assert_eq!(svc.stats().requests, 0);
}

#[tokio::test]
async fn errors_are_counted_and_returned_per_provider() {
    let mut s = Server::new_async().await;
    s.mock("GET", "/198.51.100.23")
        .with_status(400)
        .with_body(r#"{"detail":"bad"}"#)
        .create_async()
        .await;
    let svc = EnrichmentService::from_config(&idb_config(&s.url()), None, false).unwrap();
    let out = svc.enrich(&ip("198.51.100.23")).await;
    assert!(matches!(out[0], Err(EnrichError::Api { status: 400, .. })));
    assert_eq!(svc.stats().errors, 1);
}

#[tokio::test]
async fn stats_report_the_quota_the_api_announces() {
    let mut s = Server::new_async().await;
    s.mock("GET", "/check")
        .match_query(mockito::Matcher::Any)
        .with_header("x-ratelimit-remaining", "998")
        .with_body(fixture("abuseipdb_check.json"))
        .create_async()
        .await;
    let mut cfg = EnrichConfig {
        providers: vec!["abuseipdb".into()],
        ..EnrichConfig::default()
    };
    cfg.abuseipdb.api_key = Some("test-key".into());
    cfg.abuseipdb.base_url = Some(s.url());
    let svc = EnrichmentService::from_config(&cfg, None, false).unwrap();
    assert!(
        svc.stats().quota.is_empty(),
        "nothing reported before the first call"
    );
    let out = svc.enrich(&ip("198.51.100.23")).await;
    assert_eq!(out[0].as_ref().unwrap().verdict, Verdict::Malicious);
    assert_eq!(svc.stats().quota.get("abuseipdb"), Some(&998));
}
