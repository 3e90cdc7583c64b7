//! The enrichment cache: answers kept in memory and in the SQLite state
//! store with each provider's TTL, plus in-flight de-duplication (two lookups
//! of the same indicator at the same time make one request).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{Duration as ChronoDuration, Utc};
use tokio::sync::OnceCell;

use crate::error::EnrichError;
use crate::model::{Enrichment, Indicator};
use crate::store::StateStore;

type Key = (String, String, String);
type Shared = Arc<OnceCell<Result<Enrichment, EnrichError>>>;

/// Where an answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// From the memory or store cache.
    Cache,
    /// This call fetched it.
    Fetched,
    /// Another caller fetched it at the same time; this one waited for it.
    Shared,
}

/// Memory + store cache with in-flight de-duplication.
///
/// ```
/// use soc_core::enrich::cache::{Cache, Source};
/// use soc_core::model::{Enrichment, Indicator, IndicatorKind};
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let cache = Cache::new(None, true);
/// let ind = Indicator::new(IndicatorKind::Ipv4, "198.51.100.23");
/// let fetch = || async { Ok(Enrichment::unknown("demo", &Indicator::new(IndicatorKind::Ipv4, "198.51.100.23")).with_ttl(60)) };
/// let (_, first) = cache.get_or_fetch("demo", &ind, fetch).await;
/// let (_, second) = cache.get_or_fetch("demo", &ind, fetch).await;
/// assert_eq!((first, second), (Source::Fetched, Source::Cache));
/// # });
/// ```
pub struct Cache {
    memory: Mutex<HashMap<Key, Enrichment>>,
    inflight: Mutex<HashMap<Key, Shared>>,
    store: Option<Arc<StateStore>>,
    enabled: bool,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("store", &self.store)
            .field("enabled", &self.enabled)
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn key(provider: &str, ind: &Indicator) -> Key {
    (
        provider.to_string(),
        ind.kind.as_str().to_string(),
        ind.value.clone(),
    )
}

impl Cache {
    /// A cache persisted in `store` (when given). With `enabled == false`
    /// nothing is read or written, but concurrent lookups are still shared.
    pub fn new(store: Option<Arc<StateStore>>, enabled: bool) -> Self {
        Cache {
            memory: Mutex::new(HashMap::new()),
            inflight: Mutex::new(HashMap::new()),
            store,
            enabled,
        }
    }

    /// A cached, unexpired answer of `provider` for `ind`.
    pub fn get(&self, provider: &str, ind: &Indicator) -> Option<Enrichment> {
        if !self.enabled {
            return None;
        }
        let now = Utc::now();
        let k = key(provider, ind);
        if let Some(e) = lock(&self.memory).get(&k) {
            if expires(e) > now {
                let mut e = e.clone();
                e.cached = true;
                return Some(e);
            }
        }
        let store = self.store.as_ref()?;
        let text = match store.cache_get(&k.0, &k.1, &k.2, now) {
            Ok(v) => v?,
            Err(e) => {
                tracing::warn!("enrichment cache read failed: {e}");
                return None;
            }
        };
        let mut e: Enrichment = match serde_json::from_str(&text) {
            Ok(e) => e,
            Err(err) => {
                tracing::warn!("ignoring undecodable cache entry for {}: {err}", k.2);
                return None;
            }
        };
        lock(&self.memory).insert(k, e.clone());
        e.cached = true;
        Some(e)
    }

    /// Stores an answer until its `fetched_at + ttl_secs` (no-op for TTL 0).
    pub fn put(&self, e: &Enrichment) {
        if !self.enabled || e.ttl_secs == 0 {
            return;
        }
        let k = (
            e.provider.clone(),
            e.kind.as_str().to_string(),
            e.indicator.clone(),
        );
        if let Some(store) = &self.store {
            match serde_json::to_string(e) {
                Ok(text) => {
                    if let Err(err) =
                        store.cache_put(&k.0, &k.1, &k.2, &text, e.fetched_at, expires(e))
                    {
                        tracing::warn!("enrichment cache write failed: {err}");
                    }
                }
                Err(err) => tracing::warn!("cannot encode enrichment for the cache: {err}"),
            }
        }
        lock(&self.memory).insert(k, e.clone());
    }

    /// The cached answer, or the result of `fetch`, shared with every
    /// concurrent caller asking for the same `(provider, indicator)`.
    pub async fn get_or_fetch<F, Fut>(
        &self,
        provider: &str,
        ind: &Indicator,
        fetch: F,
    ) -> (Result<Enrichment, EnrichError>, Source)
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Enrichment, EnrichError>>,
    {
        if let Some(hit) = self.get(provider, ind) {
            return (Ok(hit), Source::Cache);
        }
        let k = key(provider, ind);
        let cell = lock(&self.inflight).entry(k.clone()).or_default().clone();
        let mut ran = false;
        let result = cell
            .get_or_init(|| {
                ran = true;
                fetch()
            })
            .await;
        if ran {
            lock(&self.inflight).remove(&k);
            if let Ok(e) = result {
                self.put(e);
            }
            return (clone_result(result), Source::Fetched);
        }
        (clone_result(result), Source::Shared)
    }
}

fn expires(e: &Enrichment) -> chrono::DateTime<Utc> {
    let ttl = i64::try_from(e.ttl_secs).unwrap_or(i64::MAX / 1000);
    e.fetched_at + ChronoDuration::try_seconds(ttl).unwrap_or(ChronoDuration::MAX)
}

fn clone_result(r: &Result<Enrichment, EnrichError>) -> Result<Enrichment, EnrichError> {
    match r {
        Ok(e) => Ok(e.clone()),
        Err(e) => Err(dup_error(e)),
    }
}

/// A copy of an error (errors are not `Clone` because store errors wrap
/// SQLite's; those are copied as their message).
pub fn dup_error(e: &EnrichError) -> EnrichError {
    use EnrichError as E;
    match e {
        E::MissingKey {
            provider,
            env_var,
            config_key,
        } => E::MissingKey {
            provider: provider.clone(),
            env_var: env_var.clone(),
            config_key: config_key.clone(),
        },
        E::Auth {
            provider,
            status,
            message,
        } => E::Auth {
            provider: provider.clone(),
            status: *status,
            message: message.clone(),
        },
        E::RateLimited {
            provider,
            retry_after,
        } => E::RateLimited {
            provider: provider.clone(),
            retry_after: *retry_after,
        },
        E::Api {
            provider,
            status,
            body,
        } => E::Api {
            provider: provider.clone(),
            status: *status,
            body: body.clone(),
        },
        E::Timeout { provider, after } => E::Timeout {
            provider: provider.clone(),
            after: *after,
        },
        E::Malformed {
            provider,
            field,
            reason,
        } => E::Malformed {
            provider: provider.clone(),
            field: field.clone(),
            reason: reason.clone(),
        },
        E::Unsupported { provider, kind } => E::Unsupported {
            provider: provider.clone(),
            kind: kind.clone(),
        },
        E::Offline { provider } => E::Offline {
            provider: provider.clone(),
        },
        E::List { path, line, reason } => E::List {
            path: path.clone(),
            line: *line,
            reason: reason.clone(),
        },
        E::Transport { provider, message } => E::Transport {
            provider: provider.clone(),
            message: message.clone(),
        },
        other => E::Transport {
            provider: "cache".into(),
            message: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::IndicatorKind;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn ind() -> Indicator {
        Indicator::new(IndicatorKind::Ipv4, "198.51.100.23")
    }

    #[tokio::test]
    async fn store_cache_survives_a_new_cache() {
        let store = Arc::new(StateStore::in_memory().unwrap());
        let c1 = Cache::new(Some(store.clone()), true);
        let mut e = Enrichment::unknown("p", &ind()).with_ttl(600);
        e.summary = "from the network".into();
        c1.put(&e);
        let c2 = Cache::new(Some(store), true);
        let hit = c2.get("p", &ind()).expect("persisted");
        assert!(hit.cached);
        assert_eq!(hit.summary, "from the network");
    }

    #[tokio::test]
    async fn expired_and_disabled_entries_miss() {
        let c = Cache::new(None, true);
        let mut e = Enrichment::unknown("p", &ind()).with_ttl(10);
        e.fetched_at = Utc::now() - ChronoDuration::seconds(11);
        c.put(&e);
        assert!(c.get("p", &ind()).is_none());
        let off = Cache::new(None, false);
        off.put(&Enrichment::unknown("p", &ind()).with_ttl(600));
        assert!(off.get("p", &ind()).is_none());
    }

    #[tokio::test]
    async fn concurrent_lookups_share_one_fetch() {
        let c = Arc::new(Cache::new(None, false));
        let calls = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let c = c.clone();
            let calls = calls.clone();
            tasks.push(tokio::spawn(async move {
                c.get_or_fetch("p", &ind(), || async move {
                    calls.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    Ok(Enrichment::unknown("p", &ind()).with_ttl(60))
                })
                .await
                .1
            }));
        }
        let mut sources = Vec::new();
        for t in tasks {
            sources.push(t.await.unwrap());
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(sources.iter().filter(|s| **s == Source::Fetched).count(), 1);
        assert_eq!(sources.iter().filter(|s| **s == Source::Shared).count(), 7);
    }

    #[tokio::test]
    async fn errors_are_shared_but_not_cached() {
        let c = Cache::new(None, true);
        let (r, _) = c
            .get_or_fetch("p", &ind(), || async {
                Err(EnrichError::Offline {
                    provider: "p".into(),
                })
            })
            .await;
        assert!(matches!(r, Err(EnrichError::Offline { .. })));
        assert!(c.get("p", &ind()).is_none());
    }
}
