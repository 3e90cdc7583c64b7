//! Shodan InternetDB: open ports, CPEs, known vulnerabilities, tags and host
//! names of an address. No key; 404 means "no data".

use std::net::IpAddr;

use async_trait::async_trait;
use serde_json::Value;

use super::api::ProviderApi;
use super::http::{malformed, HttpOptions};
use super::{AddressProvider, Reading};
use crate::error::EnrichError;
use crate::model::{Enrichment, Facts, Indicator, Verdict};

const NAME: &str = "internetdb";

/// Tags that mean the host itself is bad, not merely exposed.
const BAD_TAGS: [&str; 4] = ["c2", "malware", "compromised", "botnet"];

/// The Shodan InternetDB provider.
///
/// ```
/// use soc_core::enrich::internetdb::InternetDb;
/// use soc_core::enrich::http::HttpOptions;
/// let idb = InternetDb::new("https://internetdb.shodan.io", HttpOptions::default(), 86400).unwrap();
/// assert!(format!("{idb:?}").contains("internetdb.shodan.io"));
/// ```
#[derive(Debug)]
pub struct InternetDb {
    api: ProviderApi,
}

impl InternetDb {
    /// A client for `base_url` (e.g. `https://internetdb.shodan.io`).
    pub fn new(base_url: &str, options: HttpOptions, ttl_secs: u64) -> Result<Self, EnrichError> {
        Ok(InternetDb {
            api: ProviderApi::keyless(NAME, base_url, options, ttl_secs)?,
        })
    }
}

#[async_trait]
impl AddressProvider for InternetDb {
    const NAME: &'static str = NAME;

    async fn enrich_address(&self, ind: &Indicator, ip: IpAddr) -> Result<Enrichment, EnrichError> {
        let not_found = "no data in InternetDB";
        self.api
            .lookup(ind, &ip.to_string(), "application/json", not_found, parse)
            .await
    }
}

fn strings(v: &Value, key: &str) -> Result<Vec<String>, EnrichError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => Ok(a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()),
        Some(_) => Err(malformed(NAME, key, "not an array")),
    }
}

/// Turns an InternetDB answer into an [`Enrichment`].
pub fn parse(ind: &Indicator, raw: Value, ttl_secs: u64) -> Result<Enrichment, EnrichError> {
    if !raw.is_object() {
        return Err(malformed(NAME, "body", "not an object"));
    }
    let ports: Vec<u64> = match raw.get("ports") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_u64).collect(),
        Some(_) => return Err(malformed(NAME, "ports", "not an array")),
    };
    let vulns = strings(&raw, "vulns")?;
    let cpes = strings(&raw, "cpes")?;
    let tags = strings(&raw, "tags")?;
    let facts = Facts {
        hostnames: strings(&raw, "hostnames")?,
        tags: tags.clone(),
        extra: [
            ("ports".to_string(), Value::from(ports.clone())),
            ("vulns".to_string(), Value::from(vulns.clone())),
            ("cpes".to_string(), Value::from(cpes)),
        ]
        .into_iter()
        .collect(),
        ..Facts::default()
    };
    let bad: Vec<&String> = tags
        .iter()
        .filter(|t| BAD_TAGS.contains(&t.as_str()))
        .collect();
    let port_list = ports
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let mut summary = format!(
        "{} open ports ({port_list}), {} known CVEs",
        ports.len(),
        vulns.len()
    );
    if !tags.is_empty() {
        summary.push_str(&format!("; tags {}", tags.join(",")));
    }
    let (verdict, score) = if !bad.is_empty() {
        (Verdict::Malicious, 80)
    } else if !vulns.is_empty() {
        (Verdict::Suspicious, (20 + 5 * vulns.len()).min(50) as u8)
    } else {
        (Verdict::Unknown, 0)
    };
    Ok(Reading::new(verdict, score, facts, summary)
        .answer(NAME, ind, ttl_secs)
        .with_raw(raw))
}
