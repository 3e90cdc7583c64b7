//! `[[response.cloud.aws_waf]]` and `[[response.cloud.aws_nacl]]`: the
//! settings of each AWS backend, checked when it is built.

use serde::{Deserialize, Serialize};

use super::client::{AwsClient, AwsError};
use super::credentials::{self, CredentialsConfig};
use super::nacl::{NetworkAclDeny, RuleRange};
use super::waf::{SetRef, WafIpSets};
use super::{to_cloud_error, AwsBlockList, Backend};
use crate::error::CloudError;
use crate::respond::cloud::config::{backend_id, valid_id_part};
use crate::respond::cloud::HttpSettings;

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
/// use soc_core::respond::cloud::aws::{AwsWafConfig, WafScope};
/// let c: AwsWafConfig = toml::from_str(r#"
///     name = "edge"
///     region = "eu-west-1"
///     ipv4_set = "soc-block-v4"
///     ipv6_set = "soc-block-v6"
/// "#).unwrap();
/// assert_eq!(c.scope, WafScope::Regional);
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

/// The endpoint URL: `configured` (checked, normalized to end in `/`) or
/// the service's public one in `region`.
pub(crate) fn endpoint(
    configured: Option<&str>,
    service: &str,
    region: &str,
) -> Result<String, AwsError> {
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

/// Checks a backend's name and resolves the region and credentials.
fn resolve(
    name: &str,
    profile: &Option<String>,
    region: &Option<String>,
) -> Result<credentials::ResolvedAws, AwsError> {
    if !valid_id_part(name) {
        return Err(AwsError::Config(format!(
            "name '{name}' must be letters, digits, _ . -"
        )));
    }
    credentials::resolve(&CredentialsConfig {
        profile: profile.clone(),
        region: region.clone(),
    })
}

impl AwsWafConfig {
    /// The backend id, `aws_waf@<name>`.
    pub fn id(&self) -> String {
        backend_id("aws_waf", &self.name)
    }

    /// Validates the section and builds the backend, with the region and
    /// credentials of the standard chain (missing credentials fail at the
    /// first live request, so dry-runs work without them).
    pub fn block_list(&self, http: HttpSettings) -> Result<AwsBlockList, CloudError> {
        let id = self.id();
        self.build(&id, http)
            .map_err(|e| to_cloud_error(&id, e, None))
    }

    fn build(&self, id: &str, http: HttpSettings) -> Result<AwsBlockList, AwsError> {
        let resolved = resolve(&self.name, &self.profile, &self.region)?;
        // CloudFront's WAF API is in us-east-1 whatever the default region.
        let region = match self.scope {
            WafScope::Cloudfront => "us-east-1".to_string(),
            WafScope::Regional => resolved.region,
        };
        let endpoint = endpoint(self.endpoint_url.as_deref(), "wafv2", &region)?;
        let set =
            |name: &Option<String>, set_id: &Option<String>| -> Result<Option<SetRef>, AwsError> {
                let Some(name) = name else { return Ok(None) };
                check_id("IP set name", name)?;
                if let Some(i) = set_id {
                    check_id("IP set id", i)?;
                }
                Ok(Some(SetRef {
                    name: name.clone(),
                    id: set_id.clone(),
                }))
            };
        let v4 = set(&self.ipv4_set, &self.ipv4_set_id)?;
        let v6 = set(&self.ipv6_set, &self.ipv6_set_id)?;
        if v4.is_none() && v6.is_none() {
            return Err(AwsError::Config("set ipv4_set, ipv6_set or both".into()));
        }
        let client = AwsClient::new(id, "wafv2", &region, resolved.credentials, http)?;
        let sets = WafIpSets::new(client, &endpoint, self.scope.as_str(), v4, v6);
        Ok(AwsBlockList::new(id, Backend::Waf(sets)))
    }
}

impl AwsNaclConfig {
    /// The backend id, `aws_nacl@<name>`.
    pub fn id(&self) -> String {
        backend_id("aws_nacl", &self.name)
    }

    /// Validates the section and builds the backend, with the region and
    /// credentials of the standard chain.
    pub fn block_list(&self, http: HttpSettings) -> Result<AwsBlockList, CloudError> {
        let id = self.id();
        self.build(&id, http)
            .map_err(|e| to_cloud_error(&id, e, None))
    }

    fn build(&self, id: &str, http: HttpSettings) -> Result<AwsBlockList, AwsError> {
        check_id("network_acl_id", &self.network_acl_id)?;
        if !(1..=32_766).contains(&self.first_rule)
            || !(self.first_rule..=32_766).contains(&self.last_rule)
        {
            return Err(AwsError::Config(format!(
                "first_rule..last_rule ({}..{}) must be within 1..32766 and in order",
                self.first_rule, self.last_rule
            )));
        }
        if self.max_rules == 0 {
            return Err(AwsError::Config("max_rules must be at least 1".into()));
        }
        let resolved = resolve(&self.name, &self.profile, &self.region)?;
        let endpoint = endpoint(self.endpoint_url.as_deref(), "ec2", &resolved.region)?;
        let client = AwsClient::new(id, "ec2", &resolved.region, resolved.credentials, http)?;
        let range = RuleRange {
            first: self.first_rule,
            last: self.last_rule,
            egress: self.direction == Direction::Egress,
            max_rules: self.max_rules,
        };
        let acl = NetworkAclDeny::new(client, &endpoint, &self.network_acl_id, range);
        Ok(AwsBlockList::new(id, Backend::Nacl(acl)))
    }
}
