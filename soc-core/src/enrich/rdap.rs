//! RDAP (the modern WHOIS) for IP addresses and domains: network name,
//! CIDR, country, registrant and abuse contacts, registration dates.
//!
//! Requests go to a bootstrap server (`https://rdap.org/ip/{ip}`,
//! `/domain/{name}`) that redirects to the authoritative registry; redirects
//! are followed (up to 10).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::api::ProviderApi;
use super::http::{malformed, HttpOptions};
use super::{ip_of, unsupported, Enricher, Reading};
use crate::error::EnrichError;
use crate::model::{Enrichment, Facts, Indicator, IndicatorKind, Verdict};

const NAME: &str = "rdap";

/// Domains registered fewer days ago than this are suspicious.
const YOUNG_DOMAIN_DAYS: i64 = 30;

/// The RDAP provider.
///
/// ```
/// use soc_core::enrich::rdap::Rdap;
/// use soc_core::enrich::http::HttpOptions;
/// let rdap = Rdap::new("https://rdap.org", HttpOptions::default(), 604800).unwrap();
/// assert!(format!("{rdap:?}").contains("rdap.org"));
/// ```
#[derive(Debug)]
pub struct Rdap {
    api: ProviderApi,
}

impl Rdap {
    /// A client for the bootstrap server `base_url` (e.g. `https://rdap.org`).
    pub fn new(base_url: &str, options: HttpOptions, ttl_secs: u64) -> Result<Self, EnrichError> {
        Ok(Rdap {
            api: ProviderApi::keyless(NAME, base_url, options, ttl_secs)?,
        })
    }
}

#[async_trait]
impl Enricher for Rdap {
    fn name(&self) -> &str {
        NAME
    }

    fn supports(&self, ind: &Indicator) -> bool {
        matches!(
            ind.kind,
            IndicatorKind::Ipv4 | IndicatorKind::Ipv6 | IndicatorKind::Domain
        )
    }

    async fn enrich(&self, ind: &Indicator) -> Result<Enrichment, EnrichError> {
        let path = match ind.kind {
            IndicatorKind::Ipv4 | IndicatorKind::Ipv6 => {
                let ip = ip_of(NAME, ind)?;
                format!("ip/{ip}")
            }
            IndicatorKind::Domain => format!("domain/{}", ind.value),
            _ => return Err(unsupported(NAME, ind)),
        };
        let accept = "application/rdap+json, application/json";
        self.api
            .lookup(ind, &path, accept, "not found in RDAP", parse)
            .await
    }
}

fn event(v: &Value, action: &str) -> Option<DateTime<Utc>> {
    v.get("events")?
        .as_array()?
        .iter()
        .find(|e| e.get("eventAction").and_then(Value::as_str) == Some(action))?
        .get("eventDate")?
        .as_str()
        .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
        .map(|d| d.with_timezone(&Utc))
}

/// A vCard property (`fn`, `email`, ...) of an entity.
fn vcard(entity: &Value, prop: &str) -> Option<String> {
    entity
        .get("vcardArray")?
        .get(1)?
        .as_array()?
        .iter()
        .find(|p| p.get(0).and_then(Value::as_str) == Some(prop))?
        .get(3)?
        .as_str()
        .map(str::to_string)
}

/// All entities, nested ones included, with their roles.
fn entities(v: &Value, out: &mut Vec<Value>, depth: usize) {
    if depth > 4 {
        return;
    }
    for e in v
        .get("entities")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.push(e.clone());
        entities(e, out, depth + 1);
    }
}

fn has_role(e: &Value, role: &str) -> bool {
    e.get("roles")
        .and_then(Value::as_array)
        .is_some_and(|r| r.iter().any(|x| x.as_str() == Some(role)))
}

/// Turns an RDAP object (IP network or domain) into an [`Enrichment`].
pub fn parse(ind: &Indicator, raw: Value, ttl_secs: u64) -> Result<Enrichment, EnrichError> {
    let class = raw
        .get("objectClassName")
        .and_then(Value::as_str)
        .ok_or_else(|| malformed(NAME, "objectClassName", "missing"))?
        .to_string();
    let mut all = Vec::new();
    entities(&raw, &mut all, 0);
    let registrant = all
        .iter()
        .find(|e| has_role(e, "registrant"))
        .and_then(|e| vcard(e, "fn"));
    let registrar = all
        .iter()
        .find(|e| has_role(e, "registrar"))
        .and_then(|e| vcard(e, "fn"));
    let abuse = all
        .iter()
        .find(|e| has_role(e, "abuse"))
        .and_then(|e| vcard(e, "email"));
    let registered = event(&raw, "registration");
    let s = |k: &str| raw.get(k).and_then(Value::as_str).map(str::to_string);
    let mut facts = Facts {
        country: s("country"),
        as_owner: registrant.clone(),
        ..Facts::default()
    };
    for (k, v) in [
        ("registrant", registrant.clone()),
        ("registrar", registrar.clone()),
        ("abuse_email", abuse.clone()),
        ("handle", s("handle")),
        ("name", s("name")),
    ] {
        if let Some(v) = v {
            facts.extra.insert(k.into(), v.into());
        }
    }
    if let Some(r) = registered {
        facts
            .extra
            .insert("registered".into(), r.to_rfc3339().into());
    }
    if let Some(c) = event(&raw, "last changed") {
        facts
            .extra
            .insert("last_changed".into(), c.to_rfc3339().into());
    }
    let (verdict, score, summary) = match class.as_str() {
        "ip network" => {
            let cidr = raw
                .get("cidr0_cidrs")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(|c| {
                    let prefix = c.get("v4prefix").or_else(|| c.get("v6prefix"))?.as_str()?;
                    Some(format!("{prefix}/{}", c.get("length")?.as_u64()?))
                })
                .or_else(|| Some(format!("{} - {}", s("startAddress")?, s("endAddress")?)));
            facts.network = cidr.clone();
            let mut summary = s("name").unwrap_or_else(|| "unnamed network".into());
            if let Some(c) = &cidr {
                summary.push_str(&format!(" {c}"));
            }
            if let Some(c) = &facts.country {
                summary.push_str(&format!(" ({c})"));
            }
            if let Some(r) = &registrant {
                summary.push_str(&format!(", {r}"));
            }
            if let Some(a) = &abuse {
                summary.push_str(&format!("; abuse {a}"));
            }
            (Verdict::Unknown, 0, summary)
        }
        "domain" => {
            let ns: Vec<String> = raw
                .get("nameservers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|n| n.get("ldhName").and_then(Value::as_str))
                .map(|n| n.to_ascii_lowercase())
                .collect();
            facts.hostnames = ns;
            if let Some(e) = event(&raw, "expiration") {
                facts.extra.insert("expires".into(), e.to_rfc3339().into());
            }
            let mut summary = s("ldhName")
                .unwrap_or_else(|| ind.value.clone())
                .to_ascii_lowercase();
            let age = registered.map(|r| (Utc::now() - r).num_days());
            if let (Some(r), Some(days)) = (registered, age) {
                summary.push_str(&format!(" registered {} ({days} days ago)", r.date_naive()));
            }
            if let Some(r) = &registrar {
                summary.push_str(&format!(" via {r}"));
            }
            match age {
                Some(days) if days < YOUNG_DOMAIN_DAYS => {
                    facts.tags.push("newly-registered".into());
                    (
                        Verdict::Suspicious,
                        40,
                        format!("{summary}; newly registered"),
                    )
                }
                _ => (Verdict::Unknown, 0, summary),
            }
        }
        other => (Verdict::Unknown, 0, format!("RDAP {other} object")),
    };
    Ok(Reading::new(verdict, score, facts, summary)
        .answer(NAME, ind, ttl_secs)
        .with_raw(raw))
}
