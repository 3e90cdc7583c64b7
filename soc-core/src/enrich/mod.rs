//! Enrichment: threat-intelligence lookups for indicators.
//!
//! Every provider implements [`Enricher`] and returns a normalized
//! [`Enrichment`](crate::model::Enrichment) (verdict, 0–100 score, typed facts, a one-line summary and
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

pub mod abuseipdb;
mod api;
pub mod attack;
pub mod cache;
mod config;
mod enricher;
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
pub use enricher::{enrichable, provider_of, Enricher};
pub(crate) use enricher::{ip_of, unsupported, AddressProvider, Reading};
pub use service::{EnrichStats, EnrichmentService};

/// A string stored in Debug output in place of a secret.
pub(crate) use crate::secret::REDACTED;
