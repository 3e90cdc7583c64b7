//! GreyNoise Community API: is an IPv4 address internet background noise
//! (scanners) or a known benign service (RIOT)? 404 means "not seen".

use std::net::IpAddr;

use async_trait::async_trait;
use serde_json::Value;

use super::api::ProviderApi;
use super::http::HttpOptions;
use super::{unsupported, Enricher, Reading};
use crate::error::EnrichError;
use crate::model::{Enrichment, Facts, Indicator, Verdict};

const NAME: &str = "greynoise";

/// The GreyNoise Community provider (a key is optional; it raises the quota).
///
/// ```
/// use soc_core::enrich::greynoise::GreyNoise;
/// use soc_core::enrich::http::HttpOptions;
/// let gn = GreyNoise::new(Some("secret".into()), "http://127.0.0.1:9", HttpOptions::default(), 86400).unwrap();
/// assert!(!format!("{gn:?}").contains("secret"));
/// ```
#[derive(Debug)]
pub struct GreyNoise {
    api: ProviderApi,
}

impl GreyNoise {
    /// A client for `base_url` (e.g. `https://api.greynoise.io/v3/community`).
    pub fn new(
        api_key: Option<String>,
        base_url: &str,
        options: HttpOptions,
        ttl_secs: u64,
    ) -> Result<Self, EnrichError> {
        let key = api_key.filter(|k| !k.trim().is_empty());
        Ok(GreyNoise {
            api: ProviderApi::keyed(NAME, "key", key, base_url, options, ttl_secs)?,
        })
    }
}

#[async_trait]
impl Enricher for GreyNoise {
    fn name(&self) -> &str {
        NAME
    }

    fn supports(&self, ind: &Indicator) -> bool {
        matches!(ind.ip(), Some(IpAddr::V4(_)))
    }

    async fn enrich(&self, ind: &Indicator) -> Result<Enrichment, EnrichError> {
        let Some(IpAddr::V4(ip)) = ind.ip() else {
            return Err(unsupported(NAME, ind));
        };
        let resp = self
            .api
            .get(&ip.to_string(), &[], "application/json", &[404])
            .await?;
        let raw: Value = if resp.status == 404 {
            serde_json::from_str(&resp.body).unwrap_or(Value::Null)
        } else {
            resp.json(NAME)?
        };
        Ok(parse(ind, raw, resp.status == 404, self.api.ttl_secs()))
    }
}

/// Turns a GreyNoise Community answer into an [`Enrichment`] (`not_seen` for 404).
pub fn parse(ind: &Indicator, raw: Value, not_seen: bool, ttl_secs: u64) -> Enrichment {
    let b = |k: &str| raw.get(k).and_then(Value::as_bool).unwrap_or(false);
    let s = |k: &str| raw.get(k).and_then(Value::as_str).map(str::to_string);
    let (noise, riot) = (b("noise"), b("riot"));
    let class = s("classification").unwrap_or_else(|| "unknown".into());
    let name = s("name").filter(|n| n != "unknown");
    let mut facts = Facts::default();
    facts.extra.insert("noise".into(), noise.into());
    facts.extra.insert("riot".into(), riot.into());
    facts
        .extra
        .insert("classification".into(), class.clone().into());
    if let Some(n) = &name {
        facts.as_owner = Some(n.clone());
    }
    if let Some(link) = s("link") {
        facts.extra.insert("link".into(), link.into());
    }
    facts.last_seen = s("last_seen")
        .and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc());
    if noise {
        facts.tags.push("scanner".into());
    }
    if riot {
        facts.tags.push("riot".into());
    }
    let (verdict, score, summary) = if not_seen || (!noise && !riot) {
        (
            Verdict::Unknown,
            0,
            "not observed scanning the internet".to_string(),
        )
    } else if class == "malicious" {
        (
            Verdict::Malicious,
            80,
            "malicious internet scanner".to_string(),
        )
    } else if riot || class == "benign" {
        let who = name.clone().unwrap_or_else(|| "a known service".into());
        (
            Verdict::Harmless,
            0,
            format!("benign: {who}{}", if riot { " (RIOT)" } else { "" }),
        )
    } else {
        (
            Verdict::Suspicious,
            40,
            "internet scanner, intent unknown".to_string(),
        )
    };
    let summary = match &facts.last_seen {
        Some(t) if verdict != Verdict::Unknown => {
            format!("{summary}; last seen {}", t.date_naive())
        }
        _ => summary,
    };
    Reading::new(verdict, score, facts, summary)
        .answer(NAME, ind, ttl_secs)
        .with_raw(raw)
}
