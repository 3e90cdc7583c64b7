//! AbuseIPDB API v2: `check` an address (confidence score, reports, ISP,
//! usage type, Tor) and `report` one (for responders).

use std::net::IpAddr;

use async_trait::async_trait;
use serde_json::Value;

use super::api::{keyed_provider_new, ProviderApi};
use super::http::malformed;
use super::{AddressProvider, Reading};
use crate::error::EnrichError;
use crate::model::{Enrichment, Facts, Indicator, Verdict};

const NAME: &str = "abuseipdb";

/// The AbuseIPDB provider.
///
/// ```
/// use soc_core::enrich::abuseipdb::{AbuseIpDb, category_name};
/// use soc_core::enrich::http::HttpOptions;
/// let db = AbuseIpDb::new("secret".into(), "http://127.0.0.1:9", HttpOptions::default(), 86400).unwrap();
/// assert!(!format!("{db:?}").contains("secret"));
/// assert_eq!(category_name(22), Some("SSH"));
/// ```
#[derive(Debug)]
pub struct AbuseIpDb {
    api: ProviderApi,
    max_age_days: u32,
}

/// AbuseIPDB category names by number (1–23).
pub fn category_name(n: u8) -> Option<&'static str> {
    const NAMES: [&str; 23] = [
        "DNS Compromise",
        "DNS Poisoning",
        "Fraud Orders",
        "DDoS Attack",
        "FTP Brute-Force",
        "Ping of Death",
        "Phishing",
        "Fraud VoIP",
        "Open Proxy",
        "Web Spam",
        "Email Spam",
        "Blog Spam",
        "VPN IP",
        "Port Scan",
        "Hacking",
        "SQL Injection",
        "Spoofing",
        "Brute-Force",
        "Bad Web Bot",
        "Exploited Host",
        "Web App Attack",
        "SSH",
        "IoT Targeted",
    ];
    NAMES.get(usize::from(n).checked_sub(1)?).copied()
}

impl AbuseIpDb {
    keyed_provider_new! {
        name: NAME,
        example: "https://api.abuseipdb.com/api/v2",
        key: ("Key", "ABUSEIPDB_API_KEY"),
        build: |api| AbuseIpDb { api, max_age_days: 90 }
    }

    /// Reports `ip` for `categories` (numbers 1–23, see [`category_name`])
    /// with `comment` (cut to 1024 bytes). Returns the new confidence score.
    pub async fn report(
        &self,
        ip: IpAddr,
        categories: &[u8],
        comment: &str,
    ) -> Result<u8, EnrichError> {
        if let Some(bad) = categories.iter().find(|c| category_name(**c).is_none()) {
            return Err(EnrichError::Api {
                provider: NAME.into(),
                status: 0,
                body: format!("category {bad} does not exist; use 1-23"),
            });
        }
        let cats = categories
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let mut comment = comment.to_string();
        while comment.len() > 1024 {
            comment.pop();
        }
        let url = self.api.url("report");
        let form = [
            ("ip", ip.to_string()),
            ("categories", cats),
            ("comment", comment),
        ];
        let resp = self
            .api
            .http()
            .send(
                |c| {
                    let r = c.post(&url).header("Accept", "application/json");
                    self.api.with_key(r).form(&form)
                },
                &[],
            )
            .await?;
        let v = resp.json(NAME)?;
        v.pointer("/data/abuseConfidenceScore")
            .and_then(Value::as_u64)
            .map(|n| n.min(100) as u8)
            .ok_or_else(|| malformed(NAME, "data.abuseConfidenceScore", "missing or not a number"))
    }
}

#[async_trait]
impl AddressProvider for AbuseIpDb {
    const NAME: &'static str = NAME;

    fn address_quota_remaining(&self) -> Option<u64> {
        self.api.http().quota_remaining()
    }

    async fn enrich_address(&self, ind: &Indicator, ip: IpAddr) -> Result<Enrichment, EnrichError> {
        let query = [
            ("ipAddress", ip.to_string()),
            ("maxAgeInDays", self.max_age_days.to_string()),
            ("verbose", String::new()),
        ];
        let resp = self
            .api
            .get("check", &query, "application/json", &[])
            .await?;
        parse(ind, resp.json(NAME)?, self.api.ttl_secs())
    }
}

/// Turns an AbuseIPDB `check` answer into an [`Enrichment`].
pub fn parse(ind: &Indicator, raw: Value, ttl_secs: u64) -> Result<Enrichment, EnrichError> {
    let d = raw
        .get("data")
        .filter(|d| d.is_object())
        .ok_or_else(|| malformed(NAME, "data", "missing or not an object"))?;
    let score = d
        .get("abuseConfidenceScore")
        .and_then(Value::as_u64)
        .ok_or_else(|| malformed(NAME, "data.abuseConfidenceScore", "missing or not a number"))?
        .min(100) as u8;
    let s = |k: &str| d.get(k).and_then(Value::as_str).map(str::to_string);
    let reports = d.get("totalReports").and_then(Value::as_u64).unwrap_or(0);
    let whitelisted = d
        .get("isWhitelisted")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let tor = d.get("isTor").and_then(Value::as_bool).unwrap_or(false);
    let mut facts = Facts {
        country: s("countryCode"),
        as_owner: s("isp"),
        reports: Some(reports),
        ..Facts::default()
    };
    if let Some(h) = d.get("hostnames").and_then(Value::as_array) {
        facts.hostnames = h
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
    }
    facts.last_seen = s("lastReportedAt")
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&chrono::Utc));
    if let Some(u) = s("usageType") {
        facts.extra.insert("usage_type".into(), u.into());
    }
    for (k, name) in [
        ("domain", "domain"),
        ("numDistinctUsers", "distinct_users"),
        ("isWhitelisted", "whitelisted"),
    ] {
        if let Some(v) = d.get(k).filter(|v| !v.is_null()) {
            facts.extra.insert(name.into(), v.clone());
        }
    }
    facts.extra.insert("tor".into(), tor.into());
    if tor {
        facts.tags.push("tor".into());
    }
    // Categories of the (verbose) reports, most frequent first.
    let mut counts: std::collections::BTreeMap<u8, usize> = Default::default();
    for r in d
        .get("reports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for c in r
            .get("categories")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(n) = c.as_u64().and_then(|n| u8::try_from(n).ok()) {
                *counts.entry(n).or_default() += 1;
            }
        }
    }
    let mut cats: Vec<(u8, usize)> = counts.into_iter().collect();
    cats.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    facts.tags.extend(
        cats.iter()
            .filter_map(|(c, _)| category_name(*c))
            .map(str::to_string),
    );
    let verdict = if whitelisted {
        Verdict::Harmless
    } else if score >= 75 {
        Verdict::Malicious
    } else if score >= 25 || tor {
        Verdict::Suspicious
    } else if reports == 0 {
        Verdict::Unknown
    } else {
        Verdict::Harmless
    };
    let mut summary = format!("confidence {score}%, {reports} reports");
    if let Some(u) = d.get("numDistinctUsers").and_then(Value::as_u64) {
        summary.push_str(&format!(" by {u} users"));
    }
    if let Some(isp) = &facts.as_owner {
        summary.push_str(&format!("; {isp}"));
    }
    if let Some(c) = &facts.country {
        summary.push_str(&format!(" ({c})"));
    }
    if tor {
        summary.push_str("; Tor exit");
    }
    if whitelisted {
        summary.push_str("; whitelisted");
    }
    Ok(Reading::new(verdict, score, facts, summary)
        .answer(NAME, ind, ttl_secs)
        .with_raw(raw))
}
