//! Enrichment: threat-intelligence lookups for indicators.

use async_trait::async_trait;

use crate::error::EnrichError;
use crate::model::{Enrichment, Indicator};

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
}
