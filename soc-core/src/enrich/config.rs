//! Configuration of the enrichment stage (`[enrich]` in `soc.toml`).

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::EnrichError;
use crate::secret::{Secret, REDACTED};

/// The providers soc knows, by the names used in config, `--providers` and `--rate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderName {
    /// VirusTotal API v3 (key: `VIRUSTOTAL_API_KEY`).
    Virustotal,
    /// AbuseIPDB API v2 (key: `ABUSEIPDB_API_KEY`).
    Abuseipdb,
    /// GreyNoise Community API (key optional: `GREYNOISE_API_KEY`).
    Greynoise,
    /// Shodan InternetDB (no key).
    Internetdb,
    /// RDAP, the modern WHOIS (no key).
    Rdap,
    /// Reverse DNS (PTR).
    Rdns,
    /// Local threat-intelligence lists (offline).
    Lists,
    /// MITRE ATT&CK technique names (offline).
    Attack,
}

impl ProviderName {
    /// Every provider, in output order.
    pub const ALL: [ProviderName; 8] = [
        ProviderName::Virustotal,
        ProviderName::Abuseipdb,
        ProviderName::Greynoise,
        ProviderName::Internetdb,
        ProviderName::Rdap,
        ProviderName::Rdns,
        ProviderName::Lists,
        ProviderName::Attack,
    ];

    /// The name used in config and output.
    ///
    /// ```
    /// use soc_core::enrich::ProviderName;
    /// assert_eq!("vt".parse::<ProviderName>().unwrap().as_str(), "virustotal");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderName::Virustotal => "virustotal",
            ProviderName::Abuseipdb => "abuseipdb",
            ProviderName::Greynoise => "greynoise",
            ProviderName::Internetdb => "internetdb",
            ProviderName::Rdap => "rdap",
            ProviderName::Rdns => "rdns",
            ProviderName::Lists => "lists",
            ProviderName::Attack => "attack",
        }
    }

    /// Whether the provider works without network access.
    pub fn is_local(self) -> bool {
        matches!(self, ProviderName::Lists | ProviderName::Attack)
    }

    /// The environment variable holding the API key, for providers that take one.
    pub fn key_env(self) -> Option<&'static str> {
        match self {
            ProviderName::Virustotal => Some("VIRUSTOTAL_API_KEY"),
            ProviderName::Abuseipdb => Some("ABUSEIPDB_API_KEY"),
            ProviderName::Greynoise => Some("GREYNOISE_API_KEY"),
            _ => None,
        }
    }

    /// Whether the provider cannot work without a key.
    pub fn key_required(self) -> bool {
        matches!(self, ProviderName::Virustotal | ProviderName::Abuseipdb)
    }

    /// The environment variable overriding the base URL (or resolver, for rdns).
    pub fn url_env(self) -> Option<&'static str> {
        match self {
            ProviderName::Virustotal => Some("SOC_VIRUSTOTAL_URL"),
            ProviderName::Abuseipdb => Some("SOC_ABUSEIPDB_URL"),
            ProviderName::Greynoise => Some("SOC_GREYNOISE_URL"),
            ProviderName::Internetdb => Some("SOC_INTERNETDB_URL"),
            ProviderName::Rdap => Some("SOC_RDAP_URL"),
            ProviderName::Rdns => Some("SOC_RDNS_RESOLVER"),
            _ => None,
        }
    }

    /// Comma-separated list of all names (for help and errors).
    pub fn all_names() -> String {
        Self::ALL.map(|p| p.as_str()).join(", ")
    }
}

impl fmt::Display for ProviderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ProviderName {
    type Err = EnrichError;

    /// Parses a provider name; `vt` is an alias of `virustotal`, `shodan` of
    /// `internetdb`, `whois` of `rdap`, `ptr` of `rdns`, `mitre` of `attack`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase();
        let name = match norm.as_str() {
            "vt" => "virustotal",
            "shodan" => "internetdb",
            "whois" => "rdap",
            "ptr" => "rdns",
            "mitre" => "attack",
            "list" => "lists",
            other => other,
        };
        ProviderName::ALL
            .into_iter()
            .find(|p| p.as_str() == name)
            .ok_or_else(|| EnrichError::UnknownProvider {
                name: s.to_string(),
                known: Self::all_names(),
            })
    }
}

/// Settings of one provider. Every field is optional; unset fields take the
/// provider's defaults (see [`ProviderConfig::resolved`]).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProviderConfig {
    /// `true` forces the provider on (an error if its key is missing),
    /// `false` turns it off; unset: on when it needs no key or its key is set.
    pub enabled: Option<bool>,
    /// API key (a literal or `${VAR}`, resolved like every other secret);
    /// else read from the provider's environment variable. Never serialized.
    #[serde(skip_serializing)]
    pub api_key: Option<Secret>,
    /// Base URL (proxies, private mirrors, tests); for `rdns` the resolver `IP:port`.
    pub base_url: Option<String>,
    /// Requests per minute (token bucket).
    pub rate_per_min: Option<u32>,
    /// Requests per UTC day.
    pub per_day: Option<u32>,
    /// How long answers are cached, in seconds.
    pub ttl_secs: Option<u64>,
}

impl fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("enabled", &self.enabled)
            .field("api_key", &self.api_key)
            .field("base_url", &self.base_url)
            .field("rate_per_min", &self.rate_per_min)
            .field("per_day", &self.per_day)
            .field("ttl_secs", &self.ttl_secs)
            .finish()
    }
}

/// Settings of one provider after defaults and environment are applied.
#[derive(Clone, PartialEq)]
pub struct Resolved {
    /// The API key, when one is configured.
    pub api_key: Option<String>,
    /// The base URL (or resolver address for rdns).
    pub base_url: String,
    /// Requests per minute, when limited.
    pub rate_per_min: Option<u32>,
    /// Requests per day, when limited.
    pub per_day: Option<u32>,
    /// Cache TTL in seconds.
    pub ttl_secs: u64,
}

impl fmt::Debug for Resolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resolved")
            .field("api_key", &self.api_key.as_ref().map(|_| REDACTED))
            .field("base_url", &self.base_url)
            .field("rate_per_min", &self.rate_per_min)
            .field("per_day", &self.per_day)
            .field("ttl_secs", &self.ttl_secs)
            .finish()
    }
}

fn env_nonempty(var: &str) -> Option<String> {
    std::env::var(var).ok().filter(|v| !v.trim().is_empty())
}

impl ProviderConfig {
    /// Applies environment variables and `provider`'s defaults: key from
    /// config, else its env var; URL from config, else its `SOC_*_URL` env
    /// var, else the public endpoint. A `${VAR}` in the key is resolved from
    /// the environment; an unset variable is [`EnrichError::MissingKey`].
    pub fn resolved(&self, provider: ProviderName) -> Result<Resolved, EnrichError> {
        let (url, per_min, per_day, ttl) = defaults(provider);
        let configured = match self.api_key.as_ref().filter(|k| !k.is_empty()) {
            Some(k) => Some(k.expose().map_err(|_| EnrichError::MissingKey {
                provider: provider.as_str().into(),
                env_var: k.env_var().unwrap_or_default().into(),
                config_key: format!("enrich.{provider}.api_key"),
            })?),
            None => None,
        };
        let api_key = configured
            .filter(|k| !k.trim().is_empty())
            .or_else(|| provider.key_env().and_then(env_nonempty));
        let base_url = self
            .base_url
            .clone()
            .or_else(|| provider.url_env().and_then(env_nonempty))
            .unwrap_or_else(|| url.to_string());
        Ok(Resolved {
            api_key,
            base_url: base_url.trim_end_matches('/').to_string(),
            rate_per_min: self.rate_per_min.or(per_min),
            per_day: self.per_day.or(per_day),
            ttl_secs: self.ttl_secs.unwrap_or(ttl),
        })
    }
}

/// Default (base URL, per minute, per day, TTL) of each provider.
fn defaults(p: ProviderName) -> (&'static str, Option<u32>, Option<u32>, u64) {
    const DAY: u64 = 86_400;
    match p {
        ProviderName::Virustotal => ("https://www.virustotal.com/api/v3", Some(4), Some(500), DAY),
        ProviderName::Abuseipdb => (
            "https://api.abuseipdb.com/api/v2",
            Some(60),
            Some(1000),
            DAY,
        ),
        ProviderName::Greynoise => (
            "https://api.greynoise.io/v3/community",
            Some(10),
            Some(100),
            DAY,
        ),
        ProviderName::Internetdb => ("https://internetdb.shodan.io", Some(60), None, DAY),
        ProviderName::Rdap => ("https://rdap.org", Some(30), None, 7 * DAY),
        ProviderName::Rdns => ("", None, None, DAY),
        ProviderName::Lists | ProviderName::Attack => ("", None, None, 0),
    }
}

/// Local threat-intelligence lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ListsConfig {
    /// `false` turns local lists off.
    pub enabled: bool,
    /// List files (plain IP/CIDR, FireHOL netset, Spamhaus DROP, abuse.ch CSV,
    /// domain or hash lists); the format is detected per line.
    pub paths: Vec<PathBuf>,
}

impl Default for ListsConfig {
    fn default() -> Self {
        ListsConfig {
            enabled: true,
            paths: Vec::new(),
        }
    }
}

/// The `[enrich]` section of `soc.toml`.
///
/// ```
/// use soc_core::enrich::EnrichConfig;
/// let cfg: EnrichConfig = toml::from_str(r#"
///     concurrency = 10
///     [virustotal]
///     rate_per_min = 1000   # premium key
/// "#).unwrap();
/// assert_eq!(cfg.virustotal.rate_per_min, Some(1000));
/// assert!(cfg.cache);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EnrichConfig {
    /// Providers to use (names as in [`ProviderName`]); empty means the
    /// default set: those that need no key plus those whose key is set.
    pub providers: Vec<String>,
    /// How many indicators are looked up at once.
    pub concurrency: usize,
    /// Per-request timeout, seconds.
    pub timeout_secs: u64,
    /// Retries for 5xx, timeouts and 429 (with `Retry-After`).
    pub max_retries: u32,
    /// First backoff delay in milliseconds (doubles per retry, with jitter).
    pub backoff_ms: u64,
    /// Longest `Retry-After` soc waits for before reporting the rate limit, seconds.
    pub max_retry_after_secs: u64,
    /// Use the cache (memory and state store).
    pub cache: bool,
    /// VirusTotal settings.
    pub virustotal: ProviderConfig,
    /// AbuseIPDB settings.
    pub abuseipdb: ProviderConfig,
    /// GreyNoise settings.
    pub greynoise: ProviderConfig,
    /// Shodan InternetDB settings.
    pub internetdb: ProviderConfig,
    /// RDAP settings.
    pub rdap: ProviderConfig,
    /// Reverse DNS settings (`base_url` is the resolver `IP:port`).
    pub rdns: ProviderConfig,
    /// ATT&CK mapping settings (only `enabled` matters).
    pub attack: ProviderConfig,
    /// Local lists.
    pub lists: ListsConfig,
}

impl Default for EnrichConfig {
    fn default() -> Self {
        EnrichConfig {
            providers: Vec::new(),
            concurrency: 8,
            timeout_secs: 20,
            max_retries: 3,
            backoff_ms: 500,
            max_retry_after_secs: 120,
            cache: true,
            virustotal: ProviderConfig::default(),
            abuseipdb: ProviderConfig::default(),
            greynoise: ProviderConfig::default(),
            internetdb: ProviderConfig::default(),
            rdap: ProviderConfig::default(),
            rdns: ProviderConfig::default(),
            attack: ProviderConfig::default(),
            lists: ListsConfig::default(),
        }
    }
}

impl EnrichConfig {
    /// The sub-config of a network provider (`None` for `lists`).
    pub fn provider(&self, p: ProviderName) -> Option<&ProviderConfig> {
        Some(match p {
            ProviderName::Virustotal => &self.virustotal,
            ProviderName::Abuseipdb => &self.abuseipdb,
            ProviderName::Greynoise => &self.greynoise,
            ProviderName::Internetdb => &self.internetdb,
            ProviderName::Rdap => &self.rdap,
            ProviderName::Rdns => &self.rdns,
            ProviderName::Attack => &self.attack,
            ProviderName::Lists => return None,
        })
    }

    /// Mutable sub-config of a network provider (`None` for `lists`).
    pub fn provider_mut(&mut self, p: ProviderName) -> Option<&mut ProviderConfig> {
        Some(match p {
            ProviderName::Virustotal => &mut self.virustotal,
            ProviderName::Abuseipdb => &mut self.abuseipdb,
            ProviderName::Greynoise => &mut self.greynoise,
            ProviderName::Internetdb => &mut self.internetdb,
            ProviderName::Rdap => &mut self.rdap,
            ProviderName::Rdns => &mut self.rdns,
            ProviderName::Attack => &mut self.attack,
            ProviderName::Lists => return None,
        })
    }

    /// The HTTP options these settings give.
    pub fn http_options(&self) -> super::http::HttpOptions {
        super::http::HttpOptions {
            timeout: std::time::Duration::from_secs(self.timeout_secs.max(1)),
            max_retries: self.max_retries,
            backoff: std::time::Duration::from_millis(self.backoff_ms),
            max_retry_after: std::time::Duration::from_secs(self.max_retry_after_secs),
        }
    }
}
