//! VirusTotal API v3: IP addresses, domains, URLs and file hashes.
//!
//! `GET {base}/ip_addresses/{ip}`, `/domains/{d}`, `/urls/{id}` (id =
//! unpadded base64url of the URL), `/files/{hash}`, header `x-apikey`.
//! 404 is "unknown to VirusTotal", not an error.

use async_trait::async_trait;
use base64::Engine;
use serde_json::Value;

use super::api::{keyed_provider_new, ProviderApi};
use super::http::malformed;
use super::{unsupported, Enricher, Reading};
use crate::error::EnrichError;
use crate::model::{Enrichment, Facts, Indicator, IndicatorKind, Verdict};

const NAME: &str = "virustotal";

/// The VirusTotal provider.
///
/// ```
/// use soc_core::enrich::virustotal::VirusTotal;
/// use soc_core::enrich::http::HttpOptions;
/// let vt = VirusTotal::new("secret".into(), "http://127.0.0.1:9", HttpOptions::default(), 86400).unwrap();
/// assert!(!format!("{vt:?}").contains("secret"));
/// assert_eq!(VirusTotal::url_id("http://example.com/a?b=c"), "aHR0cDovL2V4YW1wbGUuY29tL2E_Yj1j");
/// ```
#[derive(Debug)]
pub struct VirusTotal {
    api: ProviderApi,
}

impl VirusTotal {
    keyed_provider_new! {
        name: NAME,
        example: "https://www.virustotal.com/api/v3",
        key: ("x-apikey", "VIRUSTOTAL_API_KEY"),
        build: |api| VirusTotal { api }
    }

    /// The VirusTotal URL identifier: unpadded base64url of the URL.
    pub fn url_id(url: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(url.as_bytes())
    }

    fn path(&self, ind: &Indicator) -> Option<String> {
        let v = &ind.value;
        Some(match ind.kind {
            IndicatorKind::Ipv4 | IndicatorKind::Ipv6 => format!("ip_addresses/{v}"),
            IndicatorKind::Domain => format!("domains/{v}"),
            IndicatorKind::Url => format!("urls/{}", Self::url_id(v)),
            IndicatorKind::Md5 | IndicatorKind::Sha1 | IndicatorKind::Sha256 => {
                format!("files/{}", v.to_ascii_lowercase())
            }
            _ => return None,
        })
    }
}

#[async_trait]
impl Enricher for VirusTotal {
    fn name(&self) -> &str {
        NAME
    }

    fn supports(&self, ind: &Indicator) -> bool {
        self.path(ind).is_some()
    }

    async fn enrich(&self, ind: &Indicator) -> Result<Enrichment, EnrichError> {
        let path = self.path(ind).ok_or_else(|| unsupported(NAME, ind))?;
        let not_found = "not found in VirusTotal";
        self.api
            .lookup(ind, &path, "application/json", not_found, parse)
            .await
    }
}

fn u32_at(v: &Value, key: &str) -> Option<u32> {
    v.get(key)?.as_u64().and_then(|n| u32::try_from(n).ok())
}

/// Turns a VirusTotal object into an [`Enrichment`].
pub fn parse(ind: &Indicator, raw: Value, ttl_secs: u64) -> Result<Enrichment, EnrichError> {
    let attrs = raw
        .pointer("/data/attributes")
        .filter(|a| a.is_object())
        .ok_or_else(|| malformed(NAME, "data.attributes", "missing or not an object"))?;
    let stats = attrs.get("last_analysis_stats");
    if let Some(s) = stats {
        if !s.is_object() {
            return Err(malformed(
                NAME,
                "data.attributes.last_analysis_stats",
                "not an object",
            ));
        }
    }
    let mut facts = Facts {
        country: attrs
            .get("country")
            .and_then(Value::as_str)
            .map(str::to_string),
        asn: u32_at(attrs, "asn"),
        as_owner: attrs
            .get("as_owner")
            .and_then(Value::as_str)
            .map(str::to_string),
        network: attrs
            .get("network")
            .and_then(Value::as_str)
            .map(str::to_string),
        ..Facts::default()
    };
    let (mal, susp) = match stats {
        Some(s) => (
            u32_at(s, "malicious").unwrap_or(0),
            u32_at(s, "suspicious").unwrap_or(0),
        ),
        None => (0, 0),
    };
    let harmless = stats.and_then(|s| u32_at(s, "harmless")).unwrap_or(0);
    let total: u32 = stats
        .and_then(Value::as_object)
        .map(|m| m.values().filter_map(Value::as_u64).map(|n| n as u32).sum())
        .unwrap_or(0);
    if stats.is_some() {
        facts.malicious = Some(mal);
        facts.suspicious = Some(susp);
        facts.total = Some(total);
    }
    if let Some(tags) = attrs.get("tags").and_then(Value::as_array) {
        facts
            .tags
            .extend(tags.iter().filter_map(Value::as_str).map(str::to_string));
    }
    // Detection names of the engines that flagged it.
    let mut detections: Vec<String> = attrs
        .get("last_analysis_results")
        .and_then(Value::as_object)
        .map(|m| {
            m.values()
                .filter(|r| {
                    matches!(
                        r.get("category").and_then(Value::as_str),
                        Some("malicious" | "suspicious")
                    )
                })
                .filter_map(|r| r.get("result").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    detections.sort();
    detections.dedup();
    if let Some(label) = attrs
        .pointer("/popular_threat_classification/suggested_threat_label")
        .and_then(Value::as_str)
    {
        facts.tags.push(label.to_string());
        facts.extra.insert("threat_label".into(), label.into());
    }
    if !detections.is_empty() {
        facts
            .extra
            .insert("detections".into(), detections.clone().into());
    }
    let reputation = attrs.get("reputation").and_then(Value::as_i64);
    if let Some(r) = reputation {
        facts.extra.insert("reputation".into(), r.into());
    }
    for key in [
        "meaningful_name",
        "type_description",
        "size",
        "registrar",
        "sha256",
        "categories",
    ] {
        if let Some(v) = attrs.get(key) {
            facts.extra.insert(key.into(), v.clone());
        }
    }
    if let Some(t) = attrs.get("last_analysis_date").and_then(Value::as_i64) {
        facts.last_seen = chrono::DateTime::from_timestamp(t, 0);
    }
    let (verdict, score) = if stats.is_none() {
        (Verdict::Unknown, 0)
    } else if mal >= 3 {
        (Verdict::Malicious, (40 + mal * 10 + susp * 5).min(100))
    } else if mal >= 1 || susp >= 2 || reputation.is_some_and(|r| r < -10) {
        (Verdict::Suspicious, (20 + mal * 15 + susp * 5).min(69))
    } else if harmless > 0 {
        (Verdict::Harmless, 0)
    } else {
        (Verdict::Unknown, 0)
    };
    let mut summary = if stats.is_some() {
        format!("{mal}/{total} engines malicious, {susp} suspicious")
    } else {
        "no analysis yet".to_string()
    };
    if let Some(r) = reputation {
        summary.push_str(&format!("; reputation {r}"));
    }
    if let Some(label) = facts.extra.get("threat_label").and_then(Value::as_str) {
        summary.push_str(&format!("; {label}"));
    } else if !detections.is_empty() {
        summary.push_str(&format!(
            "; {}",
            detections
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let (Some(asn), Some(owner)) = (facts.asn, &facts.as_owner) {
        summary.push_str(&format!("; AS{asn} {owner}"));
    }
    if let Some(c) = &facts.country {
        summary.push_str(&format!(" ({c})"));
    }
    Ok(Reading::new(verdict, score as u8, facts, summary)
        .answer(NAME, ind, ttl_secs)
        .with_raw(raw))
}
