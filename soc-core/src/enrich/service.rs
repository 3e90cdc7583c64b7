//! [`EnrichmentService`]: the providers, each wrapped by the cache, its rate
//! limiter and in-flight de-duplication, with counters for the run summary.
//!
//! With a state store, daily quotas and per-minute limits are shared by
//! every run and process on that file, and provider errors are counted there
//! by provider, kind and day (see [`crate::store::usage`]). A lookup refused
//! because the quota is spent is *deferred*: it yields no answer (and no
//! error) for that provider, the run reports the spent quota once, and a
//! later run looks the indicator up.

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use serde::Serialize;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::cache::{Cache, Source};
use super::config::{EnrichConfig, ProviderName};
use super::limit::RateLimiter;
use super::lists::{ListSet, LocalLists};
use super::{abuseipdb, attack, greynoise, internetdb, rdap, rdns, virustotal, Enricher};
use crate::error::EnrichError;
use crate::model::{Enrichment, Indicator};
use crate::store::usage::error_kind;
use crate::store::StateStore;

/// An enricher with its `(per_min, per_day)` rate limits.
pub type LimitedEnricher = (Box<dyn Enricher>, Option<u32>, Option<u32>);

/// Counters of a service's work so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EnrichStats {
    /// Lookups sent to network providers (cache misses).
    pub requests: u64,
    /// Answers served from the cache.
    pub cache_hits: u64,
    /// Lookups that failed.
    pub errors: u64,
    /// Requests left per provider, where the API reports it
    /// (`X-RateLimit-Remaining`).
    pub quota: BTreeMap<String, u64>,
    /// Lookups deferred because a provider's daily quota was spent.
    pub deferred: u64,
}

struct Managed {
    enricher: Box<dyn Enricher>,
    limiter: Option<RateLimiter>,
}

struct Inner {
    providers: Vec<Managed>,
    cache: Cache,
    concurrency: usize,
    requests: AtomicU64,
    cache_hits: AtomicU64,
    errors: AtomicU64,
    deferred: AtomicU64,
    /// Where usage and errors are recorded.
    store: Option<Arc<StateStore>>,
    /// Providers whose spent quota was reported (once each), and the notices.
    quota_spent: std::sync::Mutex<(BTreeSet<String>, Vec<String>)>,
}

/// Providers behind one cache, per-provider rate limits and de-duplication.
///
/// ```
/// use soc_core::enrich::{attack::AttackEnricher, EnrichmentService};
/// use soc_core::model::{Indicator, IndicatorKind};
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let service = EnrichmentService::with_enrichers(vec![Box::new(AttackEnricher)], None);
/// let out = service.enrich(&Indicator::new(IndicatorKind::AttackTechnique, "T1046")).await;
/// assert!(out[0].as_ref().unwrap().summary.contains("Network Service Discovery"));
/// # });
/// ```
#[derive(Clone)]
pub struct EnrichmentService {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for EnrichmentService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrichmentService")
            .field("providers", &self.provider_names())
            .field("concurrency", &self.inner.concurrency)
            .finish()
    }
}

impl EnrichmentService {
    /// Builds the providers `config` selects. With `offline`, only local
    /// providers (lists, attack) are built. A provider named in
    /// `config.providers` (or with `enabled = true`) whose key is missing is
    /// an [`EnrichError::MissingKey`]; otherwise keyless providers that need
    /// a key are skipped.
    pub fn from_config(
        config: &EnrichConfig,
        store: Option<Arc<StateStore>>,
        offline: bool,
    ) -> Result<Self, EnrichError> {
        let explicit: Vec<ProviderName> = config
            .providers
            .iter()
            .map(|s| s.parse())
            .collect::<Result<_, _>>()?;
        let opts = config.http_options();
        let concurrency = config.concurrency.max(1);
        let mut providers = Vec::new();
        for p in ProviderName::ALL {
            let named = explicit.contains(&p);
            if !explicit.is_empty() && !named {
                continue;
            }
            if p == ProviderName::Lists {
                if !config.lists.enabled || (config.lists.paths.is_empty() && !named) {
                    continue;
                }
                let (set, warnings) = ListSet::load(&config.lists.paths)?;
                for w in warnings {
                    tracing::warn!("{w}");
                }
                providers.push(Managed {
                    enricher: Box::new(LocalLists::new(Arc::new(set))),
                    limiter: None,
                });
                continue;
            }
            let Some(pc) = config.provider(p) else {
                continue;
            };
            let forced = named || pc.enabled == Some(true);
            if pc.enabled == Some(false) && !named {
                continue;
            }
            if offline && !p.is_local() {
                if named {
                    tracing::warn!("{p}: skipped, offline mode forbids network lookups");
                }
                continue;
            }
            let r = pc.resolved(p)?;
            if p.key_required() && r.api_key.is_none() {
                if forced {
                    return Err(EnrichError::MissingKey {
                        provider: p.as_str().into(),
                        env_var: p.key_env().unwrap_or_default().into(),
                        config_key: format!("enrich.{p}.api_key"),
                    });
                }
                continue;
            }
            let enricher: Box<dyn Enricher> = match p {
                ProviderName::Virustotal => Box::new(virustotal::VirusTotal::new(
                    r.api_key.clone().unwrap_or_default(),
                    &r.base_url,
                    opts,
                    r.ttl_secs,
                )?),
                ProviderName::Abuseipdb => Box::new(abuseipdb::AbuseIpDb::new(
                    r.api_key.clone().unwrap_or_default(),
                    &r.base_url,
                    opts,
                    r.ttl_secs,
                )?),
                ProviderName::Greynoise => Box::new(greynoise::GreyNoise::new(
                    r.api_key.clone(),
                    &r.base_url,
                    opts,
                    r.ttl_secs,
                )?),
                ProviderName::Internetdb => {
                    Box::new(internetdb::InternetDb::new(&r.base_url, opts, r.ttl_secs)?)
                }
                ProviderName::Rdap => Box::new(rdap::Rdap::new(&r.base_url, opts, r.ttl_secs)?),
                ProviderName::Rdns => {
                    let resolver = if r.base_url.is_empty() {
                        None
                    } else {
                        Some(r.base_url.parse().map_err(|_| EnrichError::Transport {
                            provider: "rdns".into(),
                            message: format!(
                                "resolver '{}' is not IP:port; fix enrich.rdns.base_url or SOC_RDNS_RESOLVER",
                                r.base_url
                            ),
                        })?)
                    };
                    Box::new(rdns::ReverseDns::new(resolver, opts.timeout, r.ttl_secs))
                }
                ProviderName::Attack => Box::new(attack::AttackEnricher),
                ProviderName::Lists => continue,
            };
            let limiter = (!p.is_local()).then(|| {
                shared(
                    RateLimiter::new(p.as_str(), r.rate_per_min, r.per_day, concurrency),
                    &store,
                )
            });
            providers.push(Managed { enricher, limiter });
        }
        let cache = Cache::new(store.clone(), config.cache);
        Ok(Self::build(providers, cache, concurrency, store))
    }

    /// A service over custom enrichers (no rate limits; cached in `store`
    /// when given), so pipelines and Python can add their own.
    pub fn with_enrichers(
        enrichers: Vec<Box<dyn Enricher>>,
        store: Option<Arc<StateStore>>,
    ) -> Self {
        let providers = enrichers
            .into_iter()
            .map(|enricher| Managed {
                enricher,
                limiter: None,
            })
            .collect();
        Self::build(providers, Cache::new(store.clone(), true), 8, store)
    }

    /// Like [`with_enrichers`](Self::with_enrichers), giving each enricher a
    /// rate limiter `(per_min, per_day)` and choosing the concurrency and
    /// whether the cache is used.
    pub fn with_limits(
        enrichers: Vec<LimitedEnricher>,
        store: Option<Arc<StateStore>>,
        concurrency: usize,
        cache: bool,
    ) -> Self {
        let concurrency = concurrency.max(1);
        let providers = enrichers
            .into_iter()
            .map(|(enricher, per_min, per_day)| {
                let limiter = (!enricher.is_local()).then(|| {
                    shared(
                        RateLimiter::new(enricher.name(), per_min, per_day, concurrency),
                        &store,
                    )
                });
                Managed { enricher, limiter }
            })
            .collect();
        Self::build(
            providers,
            Cache::new(store.clone(), cache),
            concurrency,
            store,
        )
    }

    fn build(
        providers: Vec<Managed>,
        cache: Cache,
        concurrency: usize,
        store: Option<Arc<StateStore>>,
    ) -> Self {
        EnrichmentService {
            inner: Arc::new(Inner {
                providers,
                cache,
                concurrency: concurrency.max(1),
                requests: AtomicU64::new(0),
                cache_hits: AtomicU64::new(0),
                errors: AtomicU64::new(0),
                deferred: AtomicU64::new(0),
                store,
                quota_spent: Default::default(),
            }),
        }
    }

    /// One notice per provider whose daily quota was spent during this
    /// service's life (each is also logged once, as a warning).
    pub fn notices(&self) -> Vec<String> {
        lock(&self.inner.quota_spent).1.clone()
    }

    /// Names of the providers in use, in order.
    pub fn provider_names(&self) -> Vec<String> {
        self.inner
            .providers
            .iter()
            .map(|m| m.enricher.name().to_string())
            .collect()
    }

    /// Every provider that supports `indicator`, asked at once; one result
    /// per provider, in provider order.
    pub async fn enrich(&self, indicator: &Indicator) -> Vec<Result<Enrichment, EnrichError>> {
        let mut set = JoinSet::new();
        for (i, m) in self.inner.providers.iter().enumerate() {
            if !m.enricher.supports(indicator) {
                continue;
            }
            let inner = self.inner.clone();
            let ind = indicator.clone();
            set.spawn(async move { (i, inner.lookup(i, &ind).await) });
        }
        let mut out = Vec::new();
        while let Some(joined) = set.join_next().await {
            match joined {
                Ok((i, Some(r))) => out.push((i, r)),
                // Deferred: the provider's quota is spent.
                Ok((_, None)) => {}
                Err(e) => {
                    self.inner.errors.fetch_add(1, Ordering::Relaxed);
                    out.push((
                        usize::MAX,
                        Err(EnrichError::Transport {
                            provider: "enrich".into(),
                            message: format!("lookup task failed: {e}"),
                        }),
                    ));
                }
            }
        }
        out.sort_by_key(|(i, _)| *i);
        out.into_iter().map(|(_, r)| r).collect()
    }

    /// Enriches many indicators, `concurrency` of them at a time (from the
    /// config), returning them in input order. Duplicates cost one lookup.
    pub async fn enrich_many(
        &self,
        indicators: &[Indicator],
    ) -> Vec<(Indicator, Vec<Result<Enrichment, EnrichError>>)> {
        self.enrich_many_with_progress(indicators, |_| {}).await
    }

    /// [`enrich_many`](Self::enrich_many), calling `progress(done)` after each indicator.
    pub async fn enrich_many_with_progress(
        &self,
        indicators: &[Indicator],
        mut progress: impl FnMut(usize),
    ) -> Vec<(Indicator, Vec<Result<Enrichment, EnrichError>>)> {
        let sem = Arc::new(Semaphore::new(self.inner.concurrency));
        let mut set = JoinSet::new();
        for (i, ind) in indicators.iter().enumerate() {
            let this = self.clone();
            let sem = sem.clone();
            let ind = ind.clone();
            set.spawn(async move {
                let _permit = sem.acquire_owned().await.ok();
                let res = this.enrich(&ind).await;
                (i, ind, res)
            });
        }
        let mut out: Vec<Option<(Indicator, Vec<_>)>> =
            (0..indicators.len()).map(|_| None).collect();
        let mut done = 0;
        while let Some(joined) = set.join_next().await {
            if let Ok((i, ind, res)) = joined {
                out[i] = Some((ind, res));
            }
            done += 1;
            progress(done);
        }
        out.into_iter()
            .enumerate()
            .map(|(i, o)| {
                o.unwrap_or_else(|| {
                    (
                        indicators[i].clone(),
                        vec![Err(EnrichError::Transport {
                            provider: "enrich".into(),
                            message: "lookup task failed".into(),
                        })],
                    )
                })
            })
            .collect()
    }

    /// Counters so far.
    pub fn stats(&self) -> EnrichStats {
        let mut quota = BTreeMap::new();
        for m in &self.inner.providers {
            // Only what the API reports: a locally counted daily quota would
            // not know about other runs or other clients of the same key.
            if let Some(q) = m.enricher.quota_remaining() {
                quota.insert(m.enricher.name().to_string(), q);
            }
        }
        EnrichStats {
            requests: self.inner.requests.load(Ordering::Relaxed),
            cache_hits: self.inner.cache_hits.load(Ordering::Relaxed),
            errors: self.inner.errors.load(Ordering::Relaxed),
            quota,
            deferred: self.inner.deferred.load(Ordering::Relaxed),
        }
    }
}

/// `limiter` sharing its quota through `store`, when there is one.
fn shared(limiter: RateLimiter, store: &Option<Arc<StateStore>>) -> RateLimiter {
    match store {
        Some(s) => limiter.shared(s.clone()),
        None => limiter,
    }
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Inner {
    /// One lookup; `None` when deferred because the provider's quota is spent.
    async fn lookup(&self, i: usize, ind: &Indicator) -> Option<Result<Enrichment, EnrichError>> {
        let m = &self.providers[i];
        if m.enricher.is_local() {
            let r = m.enricher.enrich(ind).await;
            if let Err(e) = &r {
                self.count_error(m.enricher.name(), e).await;
            }
            return Some(r);
        }
        let refused = AtomicBool::new(false);
        let (result, source) = self
            .cache
            .get_or_fetch(m.enricher.name(), ind, || async {
                let _permit = match &m.limiter {
                    Some(l) => Some(l.acquire().await.inspect_err(|e| {
                        if matches!(e, EnrichError::RateLimited { .. }) {
                            refused.store(true, Ordering::Relaxed);
                        }
                    })?),
                    None => None,
                };
                self.requests.fetch_add(1, Ordering::Relaxed);
                m.enricher.enrich(ind).await
            })
            .await;
        if refused.load(Ordering::Relaxed) {
            self.deferred.fetch_add(1, Ordering::Relaxed);
            self.report_spent(m);
            return None;
        }
        if source == Source::Cache {
            self.cache_hits.fetch_add(1, Ordering::Relaxed);
        }
        if let (Err(e), true) = (&result, source != Source::Shared) {
            self.count_error(m.enricher.name(), e).await;
        }
        Some(result)
    }

    /// Counts an error, and records it in the store by provider, kind and day.
    async fn count_error(&self, provider: &str, e: &EnrichError) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        let Some(store) = self.store.clone() else {
            return;
        };
        let (provider, kind) = (provider.to_string(), error_kind(e));
        let today = chrono::Utc::now().date_naive();
        let done = tokio::task::spawn_blocking(move || {
            store.record_provider_error(&provider, today, kind)
        })
        .await;
        if let Ok(Err(e)) = done {
            tracing::warn!("could not record a provider error: {e}");
        }
    }

    /// Reports, once per provider, that its daily quota is spent.
    fn report_spent(&self, m: &Managed) {
        let name = m.enricher.name();
        let mut spent = lock(&self.quota_spent);
        if !spent.0.insert(name.to_string()) {
            return;
        }
        let quota = m
            .limiter
            .as_ref()
            .and_then(RateLimiter::per_day)
            .map(|q| format!(" of {q} lookups"))
            .unwrap_or_default();
        let shared = self
            .store
            .as_ref()
            .map(|s| format!(", shared by every run on {}", s.path().display()))
            .unwrap_or_default();
        let notice = format!(
            "{name}: the daily quota{quota} is spent{shared}; its remaining lookups are left for a later run (the quota resets at 00:00 UTC)"
        );
        tracing::warn!("{notice}");
        spent.1.push(notice);
    }
}
