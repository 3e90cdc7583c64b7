//! Enrichment: threat-intelligence lookups for indicators.
//!
//! Every provider implements [`Enricher`] and returns a normalized
//! [`Enrichment`] (verdict, 0–100 score, typed facts, a one-line summary and
//! the raw answer). The cross-cutting machinery lives once:
//!
//! | module | what it does |
//! |---|---|
//! | [`http`] | shared HTTP client: timeouts, retries with backoff and jitter, `Retry-After`, status → error mapping |
//! | [`limit`] | per-provider token-bucket rate limits (per minute and per day) and concurrency |
//! | [`cache`] | memory + SQLite cache with per-provider TTL, in-flight de-duplication |
//! | [`service`] | [`EnrichmentService`]: providers wrapped by cache and limits, built from [`EnrichConfig`] |
//!
//! Providers: [`virustotal`], [`abuseipdb`], [`greynoise`], [`internetdb`],
//! [`rdap`], [`rdns`], [`lists`] (offline threat-intel lists) and [`attack`]
//! (MITRE ATT&CK mapping).
//!
//! ```
//! use soc_core::enrich::{EnrichConfig, EnrichmentService};
//! use soc_core::model::{Indicator, IndicatorKind, Verdict};
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! // Offline: only local sources (lists, ATT&CK) are used.
//! let service = EnrichmentService::from_config(&EnrichConfig::default(), None, true).unwrap();
//! let results = service
//!     .enrich(&Indicator::new(IndicatorKind::AttackTechnique, "T1110.001"))
//!     .await;
//! let e = results[0].as_ref().unwrap();
//! assert_eq!(e.provider, "attack");
//! assert!(e.summary.contains("Password Guessing"));
//! # });
//! ```

use async_trait::async_trait;

use crate::error::EnrichError;
use crate::model::{Enrichment, Indicator, IndicatorKind};

pub mod abuseipdb;
mod api;
pub mod attack;
pub mod cache;
mod config;
pub mod greynoise;
pub mod http;
pub mod internetdb;
pub mod limit;
pub mod lists;
pub mod rdap;
pub mod rdns;
pub mod service;
pub mod virustotal;

pub use config::{EnrichConfig, ListsConfig, ProviderConfig, ProviderName};
pub use service::{EnrichStats, EnrichmentService};

/// A threat-intelligence provider.
#[async_trait]
pub trait Enricher: Send + Sync {
    /// Provider name as used in config and `--providers` (`virustotal`, `abuseipdb`, ...).
    fn name(&self) -> &str;
    /// Whether this provider can say anything about `indicator`.
    fn supports(&self, indicator: &Indicator) -> bool;
    /// Look the indicator up. "Unknown indicator" (HTTP 404 on most APIs) is
    /// an `Ok` with verdict `unknown`, not an error.
    async fn enrich(&self, indicator: &Indicator) -> Result<Enrichment, EnrichError>;
    /// Whether the provider works offline (no network): local lists, ATT&CK.
    /// Local providers are neither cached nor rate limited.
    fn is_local(&self) -> bool {
        false
    }
    /// Requests left in the current quota window, when the API reports it.
    fn quota_remaining(&self) -> Option<u64> {
        None
    }
}

/// A shared enricher is an enricher (so one can sit in several services).
#[async_trait]
impl<E: Enricher + ?Sized> Enricher for std::sync::Arc<E> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn supports(&self, indicator: &Indicator) -> bool {
        (**self).supports(indicator)
    }
    async fn enrich(&self, indicator: &Indicator) -> Result<Enrichment, EnrichError> {
        (**self).enrich(indicator).await
    }
    fn is_local(&self) -> bool {
        (**self).is_local()
    }
    fn quota_remaining(&self) -> Option<u64> {
        (**self).quota_remaining()
    }
}

/// A fresh enrichment of `indicator` by `provider` (fetched now).
pub(crate) fn answer(
    provider: &str,
    indicator: &Indicator,
    (verdict, score): (crate::model::Verdict, u8),
    facts: crate::model::Facts,
    summary: String,
    raw: serde_json::Value,
    ttl_secs: u64,
) -> Enrichment {
    let mut e = Enrichment::new(provider, indicator, verdict, score, summary)
        .with_ttl(ttl_secs)
        .with_raw(raw);
    e.facts = facts;
    e
}

/// Whether some enricher can say something about indicators of `kind`
/// (addresses, domains, URLs, file hashes, ATT&CK ids): what `soc enrich
/// FILE` and `Enrichers.enrich_many` keep from extracted indicators.
///
/// ```
/// use soc_core::enrich::enrichable;
/// use soc_core::IndicatorKind;
/// assert!(enrichable(IndicatorKind::Sha256));
/// assert!(!enrichable(IndicatorKind::Cve));
/// ```
pub fn enrichable(kind: IndicatorKind) -> bool {
    kind.is_ip()
        || kind.is_hash()
        || matches!(
            kind,
            IndicatorKind::Domain
                | IndicatorKind::Url
                | IndicatorKind::AttackTechnique
                | IndicatorKind::AttackTactic
        )
}

/// The provider an enrichment error is about (`"enrich"` for errors that
/// belong to no single provider, such as the cache).
///
/// ```
/// use soc_core::enrich::provider_of;
/// use soc_core::EnrichError;
/// let e = EnrichError::Offline { provider: "virustotal".into() };
/// assert_eq!(provider_of(&e), "virustotal");
/// ```
pub fn provider_of(err: &EnrichError) -> &str {
    use EnrichError as E;
    match err {
        E::MissingKey { provider, .. }
        | E::Auth { provider, .. }
        | E::RateLimited { provider, .. }
        | E::Api { provider, .. }
        | E::Timeout { provider, .. }
        | E::Transport { provider, .. }
        | E::Malformed { provider, .. }
        | E::Unsupported { provider, .. }
        | E::Offline { provider } => provider,
        E::List { .. } | E::ListIo { .. } => "lists",
        _ => "enrich",
    }
}

/// The unsupported-kind error of `provider` for `indicator`.
pub(crate) fn unsupported(provider: &str, indicator: &Indicator) -> EnrichError {
    EnrichError::Unsupported {
        provider: provider.to_string(),
        kind: indicator.kind.as_str().to_string(),
    }
}

/// A string stored in Debug output in place of a secret.
pub(crate) use crate::secret::REDACTED;
