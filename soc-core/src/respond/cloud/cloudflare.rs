//! Cloudflare IP Access Rules (`[[response.cloud.cloudflare]]`), at zone
//! or account level: `mode = "block"`, `configuration.target` `ip`, `ip6`
//! or `ip_range` (IPv4 /16 and /24, IPv6 /32, /48 and /64: what the API
//! accepts), soc's marker in `notes`, a Bearer API token.
//!
//! * lookup: `GET {scope}/firewall/access_rules/rules?mode=block&configuration.target=..&configuration.value=..`
//! * add: `POST {scope}/firewall/access_rules/rules`
//! * remove: the lookup, then `DELETE {scope}/firewall/access_rules/rules/{id}`
//!   for each rule whose notes carry soc's marker (rules made by people are
//!   never deleted).
//!
//! ```
//! use soc_core::respond::cloud::{BlockList, CloudflareConfig, HttpSettings};
//! use soc_core::respond::firewall::BlockTarget;
//! let cfg: CloudflareConfig = toml::from_str(r#"
//!     zone_id = "023e105f4ecef8ad9ca31a8372d0c353"
//!     token = "${CLOUDFLARE_API_TOKEN}"
//! "#).unwrap();
//! let cf = cfg.block_list(HttpSettings::default()).unwrap();
//! assert_eq!(cf.name(), "cloudflare@cloudflare");
//! let t = BlockTarget::parse("2001:db8:1:2::/64").unwrap();
//! let post = &cf.describe_add(&t, "soc: demo")[0];
//! assert_eq!(post.to_string(), "POST https://api.cloudflare.com/client/v4/zones/023e105f4ecef8ad9ca31a8372d0c353/firewall/access_rules/rules\n\
//!     Authorization: Bearer <redacted>\nContent-Type: application/json\n\n\
//!     {\"mode\":\"block\",\"configuration\":{\"target\":\"ip_range\",\"value\":\"2001:db8:1:2::/64\"},\"notes\":\"soc: demo\"}");
//! assert!(cf.unsupported(&BlockTarget::parse("198.51.100.0/25").unwrap()).is_some());
//! ```

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::api::{check_base_url, ApiClient, ApiRequest, HttpSettings, REDACTED};
use super::config::{backend_id, check_name};
use super::{BlockList, CloudError, ListedBlock, NOTE_MARKER};
use crate::respond::firewall::BlockTarget;
use crate::respond::Secret;

/// The Cloudflare API v4 base URL.
pub const CLOUDFLARE_API: &str = "https://api.cloudflare.com/client/v4";

/// One Cloudflare scope (`[[response.cloud.cloudflare]]`): a zone or an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudflareConfig {
    /// The name in `--cloud` and the backend id `cloudflare@<name>` (`cloudflare`).
    #[serde(default = "default_name")]
    pub name: String,
    /// The zone whose rules to manage (exactly one of `zone_id`, `account_id`).
    #[serde(default)]
    pub zone_id: Option<String>,
    /// The account whose rules (all its zones) to manage.
    #[serde(default)]
    pub account_id: Option<String>,
    /// API token with "Account/Zone Firewall Access Rules: Edit"; `${VAR}` reads the environment.
    pub token: Secret,
    /// API base URL (tests point it at a mock server).
    #[serde(default = "default_base")]
    pub base_url: String,
}

fn default_name() -> String {
    "cloudflare".into()
}

fn default_base() -> String {
    CLOUDFLARE_API.into()
}

impl CloudflareConfig {
    /// The backend id, `cloudflare@<name>`.
    pub fn id(&self) -> String {
        backend_id("cloudflare", &self.name)
    }

    /// Validates the section and builds the backend (the token is read
    /// when the first request is sent).
    pub fn block_list(&self, http: HttpSettings) -> Result<Cloudflare, CloudError> {
        let id = self.id();
        let bad = |message: String| CloudError::Config {
            backend: id.clone(),
            message,
        };
        check_name(&id, &self.name)?;
        let scope = match (&self.zone_id, &self.account_id) {
            (Some(z), None) => format!(
                "zones/{}",
                hex_id(z)
                    .ok_or_else(|| bad("zone_id is not a Cloudflare id (32 hex digits)".into()))?
            ),
            (None, Some(a)) => format!(
                "accounts/{}",
                hex_id(a).ok_or_else(|| bad(
                    "account_id is not a Cloudflare id (32 hex digits)".into()
                ))?
            ),
            _ => return Err(bad("set exactly one of zone_id and account_id".into())),
        };
        check_base_url(&id, &self.base_url)?;
        let rules = format!(
            "{}/{scope}/firewall/access_rules/rules",
            self.base_url.trim_end_matches('/')
        );
        let rules_url = url::Url::parse(&rules).map_err(|e| bad(format!("base_url: {e}")))?;
        Ok(Cloudflare {
            rules,
            rules_url,
            client: ApiClient::new(&id, http)?,
            token: self.token.clone(),
            id,
        })
    }
}

fn hex_id(s: &str) -> Option<&str> {
    let s = s.trim();
    (s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())).then_some(s)
}

/// Cloudflare IP Access Rules as a [`BlockList`]. See the module docs.
#[derive(Debug)]
pub struct Cloudflare {
    id: String,
    rules: String,
    rules_url: url::Url,
    token: Secret,
    client: ApiClient,
}

/// `configuration.target` and `configuration.value` for a target.
fn configuration(t: &BlockTarget) -> (&'static str, String) {
    match (t.is_network(), t.is_ipv4()) {
        (true, _) => ("ip_range", t.to_string()),
        (false, true) => ("ip", t.to_string()),
        (false, false) => ("ip6", t.to_string()),
    }
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    success: bool,
    #[serde(default)]
    errors: Vec<Value>,
    #[serde(default)]
    result: Value,
    #[serde(default)]
    result_info: Option<ResultInfo>,
}

#[derive(Deserialize)]
struct ResultInfo {
    #[serde(default)]
    total_pages: Option<u64>,
}

#[derive(Deserialize)]
struct Rule {
    id: String,
    #[serde(default)]
    mode: String,
    configuration: RuleConfig,
    #[serde(default)]
    notes: Option<String>,
}

#[derive(Deserialize)]
struct RuleConfig {
    target: String,
    value: String,
}

impl Cloudflare {
    fn lookup_url(&self, t: &BlockTarget) -> String {
        let (target, value) = configuration(t);
        let mut u = self.rules_url.clone();
        u.query_pairs_mut()
            .append_pair("mode", "block")
            .append_pair("configuration.target", target)
            .append_pair("configuration.value", &value);
        u.to_string()
    }

    fn bearer(&self) -> Result<String, CloudError> {
        let token = self.token.expose().map_err(|e| CloudError::Config {
            backend: self.id.clone(),
            message: format!("token {e}"),
        })?;
        Ok(format!("Bearer {token}"))
    }

    /// Sends and unwraps the `{success, errors, result}` envelope.
    async fn call(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<Envelope, CloudError> {
        let auth = self.bearer()?;
        let reply = self
            .client
            .send(|c| {
                let r = c
                    .request(method.clone(), url)
                    .header("Authorization", &auth);
                match body {
                    Some(b) => r.json(b),
                    None => r,
                }
            })
            .await?;
        let env: Envelope = reply.json(&self.id)?;
        if !env.success {
            return Err(CloudError::Api {
                backend: self.id.clone(),
                status: reply.status,
                body: Value::Array(env.errors).to_string(),
            });
        }
        Ok(env)
    }

    /// The block rules for `t` (anyone's).
    async fn rules_for(&self, t: &BlockTarget) -> Result<Vec<Rule>, CloudError> {
        let env = self
            .call(reqwest::Method::GET, &self.lookup_url(t), None)
            .await?;
        let (target, value) = configuration(t);
        Ok(self
            .rules(env.result)?
            .into_iter()
            .filter(|r| {
                r.mode == "block"
                    && r.configuration.target == target
                    && same_value(&r.configuration.value, &value)
            })
            .collect())
    }

    fn rules(&self, result: Value) -> Result<Vec<Rule>, CloudError> {
        serde_json::from_value(result).map_err(|e| CloudError::BadResponse {
            backend: self.id.clone(),
            reason: format!("result is not a list of rules: {e}"),
        })
    }

    fn post_body(t: &BlockTarget, note: &str) -> Value {
        let (target, value) = configuration(t);
        json!({"mode": "block", "configuration": {"target": target, "value": value}, "notes": note})
    }
}

/// Whether Cloudflare's value is the same address or network as ours
/// (it may print IPv6 differently).
fn same_value(theirs: &str, ours: &str) -> bool {
    theirs == ours || BlockTarget::parse(theirs).is_ok_and(|t| t.to_string() == ours)
}

fn is_ours(note: Option<&str>) -> bool {
    note.is_some_and(|n| n.starts_with(NOTE_MARKER))
}

#[async_trait]
impl BlockList for Cloudflare {
    fn name(&self) -> &str {
        &self.id
    }

    fn unsupported(&self, t: &BlockTarget) -> Option<String> {
        let p = t.network().prefix();
        let ok = !t.is_network()
            || if t.is_ipv4() {
                matches!(p, 16 | 24)
            } else {
                matches!(p, 32 | 48 | 64)
            };
        (!ok).then(|| {
            "Cloudflare IP ranges are IPv4 /16 or /24 and IPv6 /32, /48 or /64".to_string()
        })
    }

    async fn contains(&self, t: &BlockTarget) -> Result<bool, CloudError> {
        Ok(!self.rules_for(t).await?.is_empty())
    }

    async fn add(&self, t: &BlockTarget, note: &str) -> Result<(), CloudError> {
        self.call(
            reqwest::Method::POST,
            &self.rules,
            Some(&Self::post_body(t, note)),
        )
        .await
        .map(|_| ())
    }

    async fn remove(&self, t: &BlockTarget) -> Result<bool, CloudError> {
        let mut removed = false;
        for rule in self.rules_for(t).await? {
            if !is_ours(rule.notes.as_deref()) {
                tracing::info!(backend = %self.id, rule = %rule.id, "leaving a block rule soc did not create");
                continue;
            }
            let url = format!("{}/{}", self.rules, rule.id);
            self.call(reqwest::Method::DELETE, &url, None).await?;
            removed = true;
        }
        Ok(removed)
    }

    async fn list(&self) -> Result<Vec<ListedBlock>, CloudError> {
        let mut out = Vec::new();
        for page in 1..=100u64 {
            let url = format!("{}?mode=block&per_page=100&page={page}", self.rules);
            let env = self.call(reqwest::Method::GET, &url, None).await?;
            let pages = env
                .result_info
                .as_ref()
                .and_then(|i| i.total_pages)
                .unwrap_or(1);
            for r in self.rules(env.result)? {
                if !is_ours(r.notes.as_deref()) {
                    continue;
                }
                if let Ok(target) = BlockTarget::parse(&r.configuration.value) {
                    out.push(ListedBlock {
                        target,
                        note: r.notes,
                    });
                }
            }
            if page >= pages {
                break;
            }
        }
        Ok(out)
    }

    fn describe_add(&self, t: &BlockTarget, note: &str) -> Vec<ApiRequest> {
        let auth = format!("Bearer {REDACTED}");
        vec![ApiRequest::new("POST", &self.rules)
            .header("Authorization", &auth)
            .json(&Self::post_body(t, note))]
    }

    fn describe_remove(&self, t: &BlockTarget) -> Vec<ApiRequest> {
        let auth = format!("Bearer {REDACTED}");
        vec![
            ApiRequest::new("GET", &self.lookup_url(t)).header("Authorization", &auth),
            ApiRequest::new("DELETE", &format!("{}/{{rule_id}}", self.rules))
                .header("Authorization", &auth),
        ]
    }
}
