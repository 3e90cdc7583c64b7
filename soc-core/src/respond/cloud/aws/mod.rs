//! AWS block lists ([`AwsBlockList`]): WAF v2 IP sets
//! ([`AwsWafConfig`]) and VPC network ACL deny entries ([`AwsNaclConfig`]).
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
//! local emulator such as moto in tests). Both are [`BlockList`]s, so the
//! [`CloudResponder`](super::CloudResponder) adds the protected ranges,
//! dry-run, idempotency, expiry (`soc block sweep`) and retries.
//!
//! ```
//! use soc_core::respond::cloud::aws::AwsNaclConfig;
//! use soc_core::respond::cloud::{BlockList, HttpSettings};
//! use soc_core::respond::firewall::BlockTarget;
//! # std::env::set_var("AWS_REGION", "eu-west-1");
//! let cfg: AwsNaclConfig = toml::from_str(r#"
//!     name = "web"
//!     network_acl_id = "acl-0123456789abcdef0"
//! "#).unwrap();
//! let acl = cfg.block_list(HttpSettings::default()).unwrap();
//! let t = BlockTarget::parse("198.51.100.7").unwrap();
//! let create = acl.describe_add(&t, "soc: demo")[1].to_string();
//! assert!(create.starts_with("POST https://ec2.eu-west-1.amazonaws.com/\n"));
//! assert!(create.contains("Authorization: AWS4-HMAC-SHA256 <redacted>"));
//! assert!(create.ends_with("Action=CreateNetworkAclEntry&Version=2016-11-15&NetworkAclId=acl-0123456789abcdef0\
//!     &RuleNumber=%7Brule_number%7D&Protocol=-1&RuleAction=deny&Egress=false&CidrBlock=198.51.100.7%2F32"));
//! ```

pub mod credentials;

mod api;
mod client;
mod config;
mod nacl;
mod sigv4;
mod waf;

use async_trait::async_trait;

pub use api::AwsApi;
pub use config::{AwsNaclConfig, AwsWafConfig, Direction, WafScope};

use super::{BlockList, Capabilities, CloudError, ListedBlock};
use crate::respond::firewall::BlockTarget;
use client::AwsError;
use nacl::NetworkAclDeny;
use waf::WafIpSets;

/// The cloud error for `e` of backend `backend` (acting on `target`).
pub(crate) fn to_cloud_error(
    backend: &str,
    e: AwsError,
    target: Option<&BlockTarget>,
) -> CloudError {
    let backend = backend.to_string();
    match e {
        AwsError::Api {
            status,
            code,
            message,
        } => {
            let body = if code.is_empty() {
                message
            } else {
                format!("{code}: {message}")
            };
            super::api::status_error(&backend, status, &body, None)
        }
        AwsError::Transport {
            timeout: true,
            message,
        } => CloudError::Transport {
            backend,
            message: format!("timed out: {message}"),
        },
        AwsError::Transport { message, .. } => CloudError::Transport { backend, message },
        AwsError::BadResponse(reason) => CloudError::BadResponse { backend, reason },
        AwsError::Config(message) => CloudError::Config { backend, message },
        AwsError::Unsupported(reason) => match target {
            Some(t) => CloudError::Unsupported {
                backend,
                target: t.to_string(),
                reason,
            },
            None => CloudError::Config {
                backend,
                message: reason,
            },
        },
    }
}

/// The entries as block targets (those soc would never block are left out).
fn listed(nets: Vec<ipnetwork::IpNetwork>) -> Vec<ListedBlock> {
    nets.iter()
        .filter_map(|n| BlockTarget::parse(&waf::cidr(n)).ok())
        .map(|target| ListedBlock { target, note: None })
        .collect()
}

/// What an [`AwsBlockList`] writes to.
#[derive(Debug)]
pub(crate) enum Backend {
    /// WAF v2 IP sets.
    Waf(WafIpSets),
    /// Deny entries of a network ACL.
    Nacl(NetworkAclDeny),
}

/// An AWS block list (`aws_waf@<name>`: WAF v2 IP sets; `aws_nacl@<name>`:
/// VPC network ACL deny entries) as a [`BlockList`]. See the module docs.
#[derive(Debug)]
pub struct AwsBlockList {
    id: String,
    backend: Backend,
}

impl AwsBlockList {
    pub(crate) fn new(id: &str, backend: Backend) -> Self {
        AwsBlockList {
            id: id.to_string(),
            backend,
        }
    }

    /// HTTP requests sent so far (retries included).
    pub fn requests(&self) -> u64 {
        match &self.backend {
            Backend::Waf(w) => w.requests(),
            Backend::Nacl(n) => n.requests(),
        }
    }

    /// Adds (`add`) or removes `t`; whether anything changed.
    async fn change(&self, t: &BlockTarget, add: bool) -> Result<bool, CloudError> {
        let net = t.network();
        let done = match (&self.backend, add) {
            (Backend::Waf(w), _) => w.change(&net, add).await,
            (Backend::Nacl(n), true) => n.add(&net).await,
            (Backend::Nacl(n), false) => n.remove(&net).await,
        };
        done.map_err(|e| to_cloud_error(&self.id, e, Some(t)))
    }

    fn describe(&self, t: &BlockTarget, add: bool) -> Vec<super::ApiRequest> {
        let requests = match &self.backend {
            Backend::Waf(w) => w.describe(&t.network(), add),
            Backend::Nacl(n) => n.describe(&t.network(), add),
        };
        requests.iter().map(|r| r.to_api()).collect()
    }
}

#[async_trait]
impl BlockList for AwsBlockList {
    fn name(&self) -> &str {
        &self.id
    }

    fn capabilities(&self) -> Capabilities {
        let max = match &self.backend {
            Backend::Waf(_) => waf::MAX_ADDRESSES,
            Backend::Nacl(n) => n.range().max_rules,
        };
        Capabilities {
            ipv6: true,
            networks: true,
            max_entries: Some(max),
        }
    }

    fn unsupported(&self, t: &BlockTarget) -> Option<String> {
        match &self.backend {
            Backend::Waf(w) => w.unsupported(&t.network()),
            Backend::Nacl(_) => None,
        }
    }

    async fn contains(&self, t: &BlockTarget) -> Result<bool, CloudError> {
        let net = t.network();
        let found = match &self.backend {
            Backend::Waf(w) => w.contains(&net).await,
            Backend::Nacl(n) => n.contains(&net).await,
        };
        found.map_err(|e| to_cloud_error(&self.id, e, Some(t)))
    }

    async fn add(&self, t: &BlockTarget, _note: &str) -> Result<(), CloudError> {
        self.change(t, true).await.map(|_| ())
    }

    async fn remove(&self, t: &BlockTarget) -> Result<bool, CloudError> {
        self.change(t, false).await
    }

    async fn list(&self) -> Result<Vec<ListedBlock>, CloudError> {
        let nets = match &self.backend {
            Backend::Waf(w) => w.list().await,
            Backend::Nacl(n) => n.list().await,
        };
        Ok(listed(nets.map_err(|e| to_cloud_error(&self.id, e, None))?))
    }

    fn describe_add(&self, t: &BlockTarget, _note: &str) -> Vec<super::ApiRequest> {
        self.describe(t, true)
    }

    fn describe_remove(&self, t: &BlockTarget) -> Vec<super::ApiRequest> {
        self.describe(t, false)
    }
}
