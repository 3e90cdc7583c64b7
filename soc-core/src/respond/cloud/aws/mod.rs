//! AWS block lists: WAF v2 IP sets ([`AwsWaf`]) and VPC network ACL deny
//! entries ([`AwsNacl`]).
//!
//! Requests are signed with SigV4 by the `aws-sigv4` crate and sent through
//! soc's shared retrying HTTP client (the full AWS SDK is not used):
//! WAF v2 speaks JSON 1.1 (`X-Amz-Target: AWSWAF_20190729.UpdateIPSet`),
//! EC2 the Query protocol (`Action=...&Version=2016-11-15`, XML answers).
//! Credentials come from the standard chain (environment, then the shared
//! credentials and config files with `AWS_PROFILE`; see [`credentials`]),
//! never from `soc.toml`, and never show in logs, `Debug` or dry-runs
//! (`Authorization` and `X-Amz-Security-Token` are redacted).
//!
//! * **WAF v2 IP sets**: one set per address family (`ipv4_set`,
//!   `ipv6_set`), `REGIONAL` (in `region`) or `CLOUDFRONT` (always signed
//!   for and sent to `us-east-1`, as AWS requires). `UpdateIPSet` writes the
//!   whole list with the lock token of the last read; a
//!   `WAFOptimisticLockException` (someone else changed the set) is
//!   answered by reading again and retrying once.
//! * **Network ACL deny entries**: rule numbers `first_rule..=last_rule`
//!   (default 1-99) below the allow rules, `ingress` or `egress`; AWS allows
//!   20 rules per direction by default and soc refuses to add past
//!   `max_rules` (default 20) with an error that says so.
//! * **Security groups cannot deny**: they only allow traffic, so they
//!   cannot block an address; use a network ACL (subnet level) or WAF
//!   (HTTP level) instead.
//!
//! `endpoint_url` overrides the service endpoint (a VPC endpoint, or a
//! local emulator such as moto in tests).

pub mod credentials;

mod api;
mod client;
mod nacl;
mod sigv4;
mod waf;

use std::time::Duration;

use ipnetwork::IpNetwork;
use serde::{Deserialize, Serialize};

pub use api::AwsApi;

use crate::error::RespondError;
use client::{AwsClient, AwsError, AwsRequest};
use credentials::CredentialsConfig;
use nacl::{NetworkAclDeny, RuleRange};
use waf::{SetRef, WafIpSets};

/// Timeout of one AWS request.
const TIMEOUT: Duration = Duration::from_secs(15);
/// Retries of a request after a transport error, throttling or 5xx.
const MAX_RETRIES: u32 = 2;

/// Where a WAF IP set applies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum WafScope {
    /// Regional resources (ALB, API Gateway, AppSync...) in `region`.
    #[default]
    #[serde(rename = "REGIONAL")]
    Regional,
    /// CloudFront distributions (the API is in `us-east-1`).
    #[serde(rename = "CLOUDFRONT")]
    Cloudfront,
}

impl WafScope {
    fn as_str(self) -> &'static str {
        match self {
            WafScope::Regional => "REGIONAL",
            WafScope::Cloudfront => "CLOUDFRONT",
        }
    }
}

/// One WAF v2 scope's IP sets (`[[response.cloud.aws_waf]]`).
///
/// ```
/// use soc_core::respond::cloud::aws::AwsWafConfig;
/// let c: AwsWafConfig = toml::from_str(r#"
///     name = "edge"
///     region = "eu-west-1"
///     ipv4_set = "soc-block-v4"
///     ipv6_set = "soc-block-v6"
/// "#).unwrap();
/// assert_eq!(c.scope, soc_core::respond::cloud::aws::WafScope::Regional);
/// assert!(toml::from_str::<AwsWafConfig>("name = 'x'\nsecret = 'y'").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwsWafConfig {
    /// The backend's name (`aws_waf@<name>`).
    pub name: String,
    /// `REGIONAL` (default) or `CLOUDFRONT`.
    #[serde(default)]
    pub scope: WafScope,
    /// AWS region (default: `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's).
    pub region: Option<String>,
    /// Profile of the shared credentials/config files (default: `AWS_PROFILE`).
    pub profile: Option<String>,
    /// Name of the IPv4 IP set (none: IPv4 is not blocked here).
    pub ipv4_set: Option<String>,
    /// Its id (default: found by name with `ListIPSets`).
    pub ipv4_set_id: Option<String>,
    /// Name of the IPv6 IP set (none: IPv6 is not blocked here).
    pub ipv6_set: Option<String>,
    /// Its id (default: found by name).
    pub ipv6_set_id: Option<String>,
    /// Service endpoint (default `https://wafv2.<region>.amazonaws.com/`).
    pub endpoint_url: Option<String>,
}

/// Inbound or outbound rules of a network ACL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Inbound rules (traffic from the blocked address).
    #[default]
    Ingress,
    /// Outbound rules (traffic to the blocked address).
    Egress,
}

fn default_first_rule() -> u32 {
    1
}
fn default_last_rule() -> u32 {
    99
}
fn default_max_rules() -> usize {
    20
}

/// One VPC network ACL (`[[response.cloud.aws_nacl]]`).
///
/// ```
/// use soc_core::respond::cloud::aws::{AwsNaclConfig, Direction};
/// let c: AwsNaclConfig = toml::from_str(r#"
///     name = "web-subnets"
///     network_acl_id = "acl-0123456789abcdef0"
/// "#).unwrap();
/// assert_eq!((c.first_rule, c.last_rule, c.max_rules), (1, 99, 20));
/// assert_eq!(c.direction, Direction::Ingress);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwsNaclConfig {
    /// The backend's name (`aws_nacl@<name>`).
    pub name: String,
    /// The network ACL, `acl-...`.
    pub network_acl_id: String,
    /// `ingress` (default) or `egress`.
    #[serde(default)]
    pub direction: Direction,
    /// Lowest rule number soc writes (default 1).
    #[serde(default = "default_first_rule")]
    pub first_rule: u32,
    /// Highest rule number soc writes (default 99); every allow rule of the
    /// direction must be numbered above it.
    #[serde(default = "default_last_rule")]
    pub last_rule: u32,
    /// Most rules per direction (default 20, the AWS default quota; the
    /// default `*` rule is not counted).
    #[serde(default = "default_max_rules")]
    pub max_rules: usize,
    /// AWS region (default: `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's).
    pub region: Option<String>,
    /// Profile of the shared credentials/config files (default: `AWS_PROFILE`).
    pub profile: Option<String>,
    /// Service endpoint (default `https://ec2.<region>.amazonaws.com/`).
    pub endpoint_url: Option<String>,
}

/// The responder error for `e` of backend `backend`.
pub(crate) fn to_error(backend: &str, e: AwsError) -> RespondError {
    match e {
        AwsError::Config(message) | AwsError::Unsupported(message) => RespondError::Config {
            responder: backend.to_string(),
            message,
        },
        AwsError::Api { status, .. } => RespondError::Http {
            responder: backend.to_string(),
            status,
            body: e.to_string(),
        },
        other => RespondError::Http {
            responder: backend.to_string(),
            status: 0,
            body: other.to_string(),
        },
    }
}

/// The endpoint URL: `configured` (checked, normalized to end in `/`) or
/// the service's public one in `region`.
fn endpoint(configured: Option<&str>, service: &str, region: &str) -> Result<String, AwsError> {
    match configured {
        None => Ok(format!("https://{service}.{region}.amazonaws.com/")),
        Some(u) => match url::Url::parse(u) {
            Ok(url)
                if matches!(url.scheme(), "http" | "https")
                    && url.host_str().is_some()
                    && url.query().is_none() =>
            {
                Ok(url.to_string())
            }
            _ => Err(AwsError::Config(format!(
                "endpoint_url '{u}' is not an http(s) URL with a host"
            ))),
        },
    }
}

/// Checks an AWS resource id such as `acl-0abc` (letters, digits, `-`, `_`).
fn check_id(what: &str, id: &str) -> Result<(), AwsError> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(AwsError::Config(format!(
            "{what} '{id}' is not a valid AWS id or name"
        )))
    }
}

/// WAF v2 IP sets as a block list. See the module docs.
#[derive(Debug)]
pub struct AwsWaf {
    id: String,
    sets: WafIpSets,
}

impl AwsWaf {
    /// The backend for `config`, with credentials and region from the
    /// standard chain. Missing credentials fail at the first live request.
    pub fn new(config: &AwsWafConfig) -> Result<Self, RespondError> {
        Self::build(config).map_err(|e| to_error(&format!("aws_waf@{}", config.name), e))
    }

    fn build(config: &AwsWafConfig) -> Result<Self, AwsError> {
        check_id("name", &config.name)?;
        let resolved = credentials::resolve(&CredentialsConfig {
            profile: config.profile.clone(),
            region: config.region.clone(),
        })?;
        // CloudFront's WAF lives in us-east-1 whatever the default region.
        let region = match config.scope {
            WafScope::Cloudfront => "us-east-1".to_string(),
            WafScope::Regional => resolved.region,
        };
        let endpoint = endpoint(config.endpoint_url.as_deref(), "wafv2", &region)?;
        let set =
            |name: &Option<String>, id: &Option<String>| -> Result<Option<SetRef>, AwsError> {
                let Some(name) = name else { return Ok(None) };
                check_id("IP set name", name)?;
                if let Some(id) = id {
                    check_id("IP set id", id)?;
                }
                Ok(Some(SetRef {
                    name: name.clone(),
                    id: id.clone(),
                }))
            };
        let v4 = set(&config.ipv4_set, &config.ipv4_set_id)?;
        let v6 = set(&config.ipv6_set, &config.ipv6_set_id)?;
        if v4.is_none() && v6.is_none() {
            return Err(AwsError::Config("set ipv4_set, ipv6_set or both".into()));
        }
        let client = AwsClient::new(
            &format!("aws_waf@{}", config.name),
            "wafv2",
            &region,
            resolved.credentials,
            TIMEOUT,
            MAX_RETRIES,
        )?;
        Ok(AwsWaf {
            id: format!("aws_waf@{}", config.name),
            sets: WafIpSets::new(client, &endpoint, config.scope.as_str(), v4, v6),
        })
    }
}

/// VPC network ACL deny entries as a block list. See the module docs.
#[derive(Debug)]
pub struct AwsNacl {
    id: String,
    acl: NetworkAclDeny,
}

impl AwsNacl {
    /// The backend for `config`, with credentials and region from the
    /// standard chain. Missing credentials fail at the first live request.
    pub fn new(config: &AwsNaclConfig) -> Result<Self, RespondError> {
        Self::build(config).map_err(|e| to_error(&format!("aws_nacl@{}", config.name), e))
    }

    fn build(config: &AwsNaclConfig) -> Result<Self, AwsError> {
        check_id("name", &config.name)?;
        check_id("network_acl_id", &config.network_acl_id)?;
        if !(1..=32_766).contains(&config.first_rule)
            || !(config.first_rule..=32_766).contains(&config.last_rule)
        {
            return Err(AwsError::Config(format!(
                "first_rule..last_rule ({}..{}) must be within 1..32766 and in order",
                config.first_rule, config.last_rule
            )));
        }
        if config.max_rules == 0 {
            return Err(AwsError::Config("max_rules must be at least 1".into()));
        }
        let resolved = credentials::resolve(&CredentialsConfig {
            profile: config.profile.clone(),
            region: config.region.clone(),
        })?;
        let endpoint = endpoint(config.endpoint_url.as_deref(), "ec2", &resolved.region)?;
        let id = format!("aws_nacl@{}", config.name);
        let client = AwsClient::new(
            &id,
            "ec2",
            &resolved.region,
            resolved.credentials,
            TIMEOUT,
            MAX_RETRIES,
        )?;
        let range = RuleRange {
            first: config.first_rule,
            last: config.last_rule,
            egress: config.direction == Direction::Egress,
            max_rules: config.max_rules,
        };
        Ok(AwsNacl {
            id,
            acl: NetworkAclDeny::new(client, &endpoint, &config.network_acl_id, range),
        })
    }
}

// Until the shared block-list trait lands: the operations it will call.
impl AwsWaf {
    /// The backend id, `aws_waf@<name>`.
    pub fn name(&self) -> &str {
        &self.id
    }
    /// Why `net` cannot be held (no set of its family, /0).
    pub fn unsupported(&self, net: &IpNetwork) -> Option<String> {
        self.sets.unsupported(net)
    }
    /// Whether `net` is in its family's IP set.
    pub async fn contains(&self, net: &IpNetwork) -> Result<bool, RespondError> {
        self.sets
            .contains(net)
            .await
            .map_err(|e| to_error(&self.id, e))
    }
    /// Adds `net`; `false` when it was there already.
    pub async fn add(&self, net: &IpNetwork) -> Result<bool, RespondError> {
        self.sets
            .change(net, true)
            .await
            .map_err(|e| to_error(&self.id, e))
    }
    /// Removes `net`; `false` when it was not there.
    pub async fn remove(&self, net: &IpNetwork) -> Result<bool, RespondError> {
        self.sets
            .change(net, false)
            .await
            .map_err(|e| to_error(&self.id, e))
    }
    /// Every entry of the sets.
    pub async fn list(&self) -> Result<Vec<IpNetwork>, RespondError> {
        self.sets.list().await.map_err(|e| to_error(&self.id, e))
    }
    /// The requests an add or remove sends, as shown in dry-runs.
    pub fn describe(&self, net: &IpNetwork, add: bool) -> Vec<String> {
        self.sets
            .describe(net, add)
            .iter()
            .map(AwsRequest::shown)
            .collect()
    }
    /// HTTP requests sent so far.
    pub fn requests(&self) -> u64 {
        self.sets.requests()
    }
}

impl AwsNacl {
    /// The backend id, `aws_nacl@<name>`.
    pub fn name(&self) -> &str {
        &self.id
    }
    /// The most rules per direction soc lets the ACL hold.
    pub fn max_rules(&self) -> usize {
        self.acl.range().max_rules
    }
    /// Whether a deny entry for `net` exists.
    pub async fn contains(&self, net: &IpNetwork) -> Result<bool, RespondError> {
        self.acl
            .contains(net)
            .await
            .map_err(|e| to_error(&self.id, e))
    }
    /// Adds a deny entry; `false` when one existed.
    pub async fn add(&self, net: &IpNetwork) -> Result<bool, RespondError> {
        self.acl.add(net).await.map_err(|e| to_error(&self.id, e))
    }
    /// Removes soc's deny entries for `net`.
    pub async fn remove(&self, net: &IpNetwork) -> Result<bool, RespondError> {
        self.acl
            .remove(net)
            .await
            .map_err(|e| to_error(&self.id, e))
    }
    /// soc's deny entries.
    pub async fn list(&self) -> Result<Vec<IpNetwork>, RespondError> {
        self.acl.list().await.map_err(|e| to_error(&self.id, e))
    }
    /// The requests an add or remove sends, as shown in dry-runs.
    pub fn describe(&self, net: &IpNetwork, add: bool) -> Vec<String> {
        self.acl
            .describe(net, add)
            .iter()
            .map(AwsRequest::shown)
            .collect()
    }
    /// HTTP requests sent so far.
    pub fn requests(&self) -> u64 {
        self.acl.requests()
    }
}
