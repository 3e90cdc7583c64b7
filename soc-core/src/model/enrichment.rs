//! Threat-intelligence results.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Indicator, IndicatorKind};

/// A provider's normalized verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Nothing known.
    Unknown,
    /// Known and benign.
    Harmless,
    /// Some signs of abuse.
    Suspicious,
    /// Known bad.
    Malicious,
}

impl Verdict {
    /// The output name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Unknown => "unknown",
            Verdict::Harmless => "harmless",
            Verdict::Suspicious => "suspicious",
            Verdict::Malicious => "malicious",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The key facts providers report, as typed fields. Everything is optional;
/// provider-specific facts that fit nowhere else go in `extra`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    /// ISO country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Autonomous system number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asn: Option<u32>,
    /// AS owner / organization / ISP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_owner: Option<String>,
    /// Network (CIDR) the address belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// Number of engines/sources that flagged it malicious.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub malicious: Option<u32>,
    /// Number of engines/sources that flagged it suspicious.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspicious: Option<u32>,
    /// Total engines/sources consulted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u32>,
    /// Number of abuse reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reports: Option<u64>,
    /// Provider tags / categories / detection names / list names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Host names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hostnames: Vec<String>,
    /// Last time the provider saw it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<DateTime<Utc>>,
    /// Anything else, by name.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// What one provider said about one indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Enrichment {
    /// Provider name (`virustotal`, `abuseipdb`, `lists`, ...).
    pub provider: String,
    /// The indicator's kind.
    pub kind: IndicatorKind,
    /// The indicator's normalized value.
    pub indicator: String,
    /// Normalized verdict.
    pub verdict: Verdict,
    /// 0..=100, higher is worse.
    pub score: u8,
    /// Key facts.
    pub facts: Facts,
    /// One-line explanation of the verdict (e.g. "12/94 engines: malicious").
    pub summary: String,
    /// The raw provider response (empty for local providers).
    #[serde(default)]
    pub raw: serde_json::Value,
    /// When it was fetched.
    pub fetched_at: DateTime<Utc>,
    /// How long it may be cached, in seconds.
    pub ttl_secs: u64,
    /// Whether this came from the cache.
    #[serde(default)]
    pub cached: bool,
}

impl Enrichment {
    /// What `provider` says about `indicator`: a verdict, a 0..=100 score
    /// (clamped) and a one-line summary; cached for a day unless
    /// [`with_ttl`](Self::with_ttl) says otherwise.
    ///
    /// ```
    /// use soc_core::{Enrichment, Indicator, IndicatorKind, Verdict};
    /// let ip = Indicator::new(IndicatorKind::Ipv4, "198.51.100.23");
    /// let e = Enrichment::new("mylist", &ip, Verdict::Malicious, 250, "listed").with_ttl(60);
    /// assert_eq!((e.score, e.ttl_secs, e.indicator.as_str()), (100, 60, "198.51.100.23"));
    /// ```
    pub fn new(
        provider: &str,
        indicator: &Indicator,
        verdict: Verdict,
        score: u8,
        summary: impl Into<String>,
    ) -> Self {
        Enrichment {
            provider: provider.to_string(),
            kind: indicator.kind,
            indicator: indicator.value.clone(),
            verdict,
            score: score.min(100),
            facts: Facts::default(),
            summary: summary.into(),
            raw: serde_json::Value::Null,
            fetched_at: Utc::now(),
            ttl_secs: 86_400,
            cached: false,
        }
    }

    /// "Nothing known": verdict `unknown`, score 0, summary "no data",
    /// cached for a day unless [`with_ttl`](Self::with_ttl) says otherwise.
    ///
    /// ```
    /// use soc_core::{Enrichment, Indicator, IndicatorKind, Verdict};
    /// let ip = Indicator::new(IndicatorKind::Ipv4, "198.51.100.23");
    /// let e = Enrichment::unknown("mylist", &ip).with_ttl(0);
    /// assert_eq!((e.verdict, e.score, e.ttl_secs), (Verdict::Unknown, 0, 0));
    /// ```
    pub fn unknown(provider: &str, indicator: &Indicator) -> Self {
        Self::new(provider, indicator, Verdict::Unknown, 0, "no data")
    }

    /// The same enrichment, cached for `secs` seconds.
    pub fn with_ttl(mut self, secs: u64) -> Self {
        self.ttl_secs = secs;
        self
    }

    /// The same enrichment with the provider's raw answer attached.
    pub fn with_raw(mut self, raw: serde_json::Value) -> Self {
        self.raw = raw;
        self
    }
}
