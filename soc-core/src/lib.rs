//! # soc-core
//!
//! The library behind `soc`: security-operations automation that replaces the
//! one-off scripts a SOC glues together (grep `auth.log`, pull alert IPs out of
//! `eve.json`, extract IOCs from reports, check reputation, block, notify,
//! ticket) with one fast, safe and tested toolkit.
//!
//! The pieces, in pipeline order:
//!
//! | module | what it does |
//! |---|---|
//! | [`model`] | shared data: [`Event`], [`Indicator`], [`Alert`], [`Enrichment`], [`Score`], [`ActionRecord`] |
//! | [`ioc`] | indicator extraction from free text, defang-aware |
//! | [`parse`] | OpenSSH auth logs, Suricata EVE JSON, generic JSON/CSV alerts |
//! | [`detect`] | brute force, spraying, success-after-failures, ... |
//! | [`source`] | the [`LogSource`] trait and its implementations (files, stdin, Splunk) |
//! | [`enrich`] | the [`Enricher`] trait and threat-intelligence providers |
//! | [`score`] | the [`Scorer`] trait: weighted and model-based triage |
//! | [`respond`] | the [`Responder`] trait: firewall, notify, SIEM, tickets, host isolation |
//! | [`pipeline`] | configuration and orchestration of all of the above |
//! | [`store`] | the embedded SQLite state store shared by all stages |
//! | [`rt`] | drive async code from sync code; [`macro@async_trait`] for implementers |
//!
//! The Python module `soc_core` binds the same pieces under matching names:
//! `extract_iocs` is [`ioc::extract`], `parse_ssh` [`SshReader`] (over
//! [`parse::ssh::SshParser`]), `parse_eve` [`EveReader`], `read_alerts`
//! [`AlertReader`], `ssh_summary` [`SshSummary`], the iterators' `.stats`
//! [`ParseStats`], `detect_bruteforce` [`alerts_of`] over a [`DetectorSet`],
//! `Enrichers` [`EnrichmentService`],
//! `WeightedScorer` [`score::WeightedScorer`], `Firewall(backend="nft")`
//! [`respond::firewall::Firewall`], `Pipeline` [`pipeline::Pipeline`].
//!
//! Implementing a provider needs only this crate:
//!
//! ```
//! use soc_core::{async_trait, EnrichError, Enricher, Enrichment, Indicator, Verdict};
//!
//! struct Watchlist;
//!
//! #[async_trait]
//! impl Enricher for Watchlist {
//!     fn name(&self) -> &str { "watchlist" }
//!     fn supports(&self, i: &Indicator) -> bool { i.kind.is_ip() }
//!     async fn enrich(&self, i: &Indicator) -> Result<Enrichment, EnrichError> {
//!         Ok(Enrichment::new(self.name(), i, Verdict::Suspicious, 60, "on the watchlist"))
//!     }
//! }
//!
//! let ip = Indicator::parse(None, "198.51.100.23").unwrap();
//! let e = soc_core::rt::block_on(Watchlist.enrich(&ip)).unwrap();
//! assert_eq!((e.verdict, e.score), (Verdict::Suspicious, 60));
//! ```
//!
//! ```
//! use soc_core::model::{Indicator, IndicatorKind};
//!
//! let ind = Indicator::new(IndicatorKind::Ipv4, "198.51.100.23");
//! assert_eq!(ind.kind.as_str(), "ipv4");
//! assert_eq!(ind.ip(), Some("198.51.100.23".parse().unwrap()));
//! ```

#![deny(missing_docs)]

#[cfg(feature = "arrow")]
pub mod columnar;
pub mod detect;
pub mod enrich;
pub mod error;
mod http;
pub mod ioc;
pub mod model;
pub mod parse;
pub mod pipeline;
pub mod respond;
pub mod rt;
pub mod score;
pub mod secret;
pub mod source;
pub mod store;
mod swar;

/// The attribute for implementing [`Enricher`], [`Responder`] and the other
/// async traits (re-exported so implementers need no extra dependency).
pub use async_trait::async_trait;
pub use detect::{alerts_of, DetectConfig, DetectorSet, SshSummary};
pub use enrich::{Enricher, EnrichmentService};
pub use error::{
    ConfigError, EnrichError, Error, IocError, ParseError, RespondError, ScoreError, SourceError,
    StoreError,
};
pub use model::{
    ActionOutcome, ActionRecord, AddrClass, Alert, AttackRef, Enrichment, Event, EventOutcome,
    Facts, Indicator, IndicatorKind, IndicatorTag, Mode, Origin, RiskLevel, Score, ScoreFactor,
    Severity, Verdict,
};
pub use parse::alerts::AlertReader;
pub use parse::ssh::Reader as SshReader;
pub use parse::suricata::Reader as EveReader;
pub use parse::ParseStats;
pub use respond::Responder;
pub use score::Scorer;
pub use source::LogSource;
pub use store::StateStore;

/// The crate version, as in `Cargo.toml`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
