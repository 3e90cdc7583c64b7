//! The [`Enricher`] trait (and `AddressProvider`, the shape of the
//! address-only providers), which kinds of indicator can be enriched, and
//! the helpers every provider builds its answers and errors with. A leaf:
//! the providers and the service use it.

use async_trait::async_trait;

use crate::error::EnrichError;
use crate::model::{Enrichment, Indicator, IndicatorKind};

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

/// A provider that looks up IP addresses only (AbuseIPDB, InternetDB,
/// reverse DNS). It is an [`Enricher`] named [`NAME`](Self::NAME) that
/// supports exactly the address indicators and is handed the address.
#[async_trait]
pub(crate) trait AddressProvider: Send + Sync {
    /// Provider name as used in config and `--providers`.
    const NAME: &'static str;
    /// What the provider says about `ip`, the address of `indicator`.
    async fn enrich_address(
        &self,
        indicator: &Indicator,
        ip: std::net::IpAddr,
    ) -> Result<Enrichment, EnrichError>;
    /// See [`Enricher::quota_remaining`].
    fn address_quota_remaining(&self) -> Option<u64> {
        None
    }
}

#[async_trait]
impl<P: AddressProvider> Enricher for P {
    fn name(&self) -> &str {
        P::NAME
    }
    fn supports(&self, indicator: &Indicator) -> bool {
        indicator.ip().is_some()
    }
    async fn enrich(&self, indicator: &Indicator) -> Result<Enrichment, EnrichError> {
        let ip = ip_of(P::NAME, indicator)?;
        self.enrich_address(indicator, ip).await
    }
    fn quota_remaining(&self) -> Option<u64> {
        self.address_quota_remaining()
    }
}

/// What a provider read about one indicator: the part of an [`Enrichment`]
/// each provider decides for itself. [`answer`](Self::answer) adds the part
/// every provider fills the same way.
pub(crate) struct Reading {
    verdict: crate::model::Verdict,
    score: u8,
    facts: crate::model::Facts,
    summary: String,
}

impl Reading {
    /// A reading of `verdict` with `score` (0-100), `facts` and `summary`.
    pub(crate) fn new(
        verdict: crate::model::Verdict,
        score: u8,
        facts: crate::model::Facts,
        summary: String,
    ) -> Self {
        Reading {
            verdict,
            score,
            facts,
            summary,
        }
    }

    /// The fresh (fetched now) enrichment of `indicator` by `provider`,
    /// valid for `ttl_secs`; HTTP providers add their answer with
    /// [`Enrichment::with_raw`].
    pub(crate) fn answer(self, provider: &str, indicator: &Indicator, ttl_secs: u64) -> Enrichment {
        let mut e = Enrichment::new(provider, indicator, self.verdict, self.score, self.summary)
            .with_ttl(ttl_secs);
        e.facts = self.facts;
        e
    }
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

/// The address of `indicator` for a provider that looks up addresses only,
/// or its [`unsupported`] error.
pub(crate) fn ip_of(
    provider: &str,
    indicator: &Indicator,
) -> Result<std::net::IpAddr, EnrichError> {
    indicator
        .ip()
        .ok_or_else(|| unsupported(provider, indicator))
}
