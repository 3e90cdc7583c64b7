//! One enrichment stack: custom (Rust or Python) enrichers in a pipeline
//! run through the same `EnrichmentService` as the built-in providers:
//! concurrently, through the state store's cache, with errors counted by
//! provider in the store.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use soc_core::async_trait;
use soc_core::enrich::Enricher;
use soc_core::model::{Enrichment, Indicator, IndicatorKind};
use soc_core::pipeline::stages::{EnrichStage, EnricherList};
use soc_core::store::StateStore;
use soc_core::EnrichError;

/// Answers for 198.51.100.x, fails for 203.0.113.x; counts calls and the
/// most calls in flight at once.
#[derive(Default)]
struct Intel {
    calls: AtomicUsize,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
}

#[async_trait]
impl Enricher for Intel {
    fn name(&self) -> &str {
        "internal_intel"
    }
    fn supports(&self, i: &Indicator) -> bool {
        i.kind == IndicatorKind::Ipv4
    }
    async fn enrich(&self, i: &Indicator) -> Result<Enrichment, EnrichError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_in_flight.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(30)).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        if i.value.starts_with("203.0.113.") {
            return Err(EnrichError::Api {
                provider: "internal_intel".into(),
                status: 502,
                body: "upstream down".into(),
            });
        }
        Ok(Enrichment::unknown("internal_intel", i).with_ttl(3600))
    }
}

fn ips(prefix: &str, n: u8) -> Vec<Indicator> {
    (1..=n)
        .map(|i| Indicator::new(IndicatorKind::Ipv4, format!("{prefix}{i}")))
        .collect()
}

#[tokio::test]
async fn custom_enrichers_get_concurrency_the_store_cache_and_error_accounting() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let intel = Arc::new(Intel::default());
    let store = Arc::new(StateStore::open(&path).unwrap());
    let stage = EnricherList::with_store(vec![Box::new(intel.clone())], Some(store.clone()));
    let mut wanted = ips("198.51.100.", 6);
    wanted.extend(ips("203.0.113.", 2));
    let out = stage.enrich_all(&wanted).await;
    assert_eq!(out.len(), 8);
    assert!(out[..6].iter().all(|(_, r)| r[0].is_ok()));
    assert!(out[6..].iter().all(|(_, r)| r[0].is_err()));
    assert!(
        intel.most_in_flight.load(Ordering::SeqCst) > 1,
        "lookups run concurrently, not one after another"
    );
    let c = stage.counters();
    assert_eq!((c.requests, c.cache_hits, c.errors), (8, 0, 2));
    let usage = store.provider_usage(Utc::now().date_naive()).unwrap();
    assert_eq!(usage[0].provider, "internal_intel");
    assert_eq!(usage[0].errors.get("server"), Some(&2));

    // The next run (a new stage on the same state file) is served from the
    // store's cache; failures were not cached and are asked again.
    let next = EnricherList::with_store(
        vec![Box::new(intel.clone())],
        Some(Arc::new(StateStore::open(&path).unwrap())),
    );
    let again = next.enrich_all(&wanted).await;
    assert!(again[..6]
        .iter()
        .all(|(_, r)| r[0].as_ref().unwrap().cached));
    assert_eq!(intel.calls.load(Ordering::SeqCst), 10);
    assert_eq!(next.counters().cache_hits, 6);
}
