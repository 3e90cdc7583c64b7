//! [`AwsApi`]: one signed AWS call, for what the block lists do not cover
//! (setting up an IP set or a network ACL, checking one).

use super::client::{AwsClient, AwsRequest};
use super::config::endpoint;
use super::credentials::{self, CredentialsConfig};
use super::to_cloud_error;
use crate::error::CloudError;
use crate::respond::cloud::HttpSettings;

/// A SigV4-signed client of one AWS service (JSON 1.1 or EC2 Query), with
/// credentials and region from the standard chain.
///
/// ```no_run
/// # async fn demo() -> Result<(), soc_core::respond::cloud::CloudError> {
/// use soc_core::respond::cloud::aws::AwsApi;
/// let ec2 = AwsApi::new("ec2", Some("eu-west-1"), None, None)?;
/// let xml = ec2.query("DescribeNetworkAcls", &[("NetworkAclId.1", "acl-0123")]).await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct AwsApi {
    client: AwsClient,
    endpoint: String,
    label: String,
}

impl AwsApi {
    /// A client of `service` (its signing name: `wafv2`, `ec2`...) in
    /// `region` (default: the chain's), using `profile` (default: the
    /// chain's) and `endpoint_url` (default: the public endpoint).
    pub fn new(
        service: &'static str,
        region: Option<&str>,
        profile: Option<&str>,
        endpoint_url: Option<&str>,
    ) -> Result<Self, CloudError> {
        let label = format!("aws {service}");
        let resolved = credentials::resolve(&CredentialsConfig {
            profile: profile.map(str::to_string),
            region: region.map(str::to_string),
        })
        .map_err(|e| to_cloud_error(&label, e, None))?;
        let endpoint = endpoint(endpoint_url, service, &resolved.region)
            .map_err(|e| to_cloud_error(&label, e, None))?;
        let client = AwsClient::new(
            &label,
            service,
            &resolved.region,
            resolved.credentials,
            HttpSettings::default(),
        )
        .map_err(|e| to_cloud_error(&label, e, None))?;
        Ok(AwsApi {
            client,
            endpoint,
            label,
        })
    }

    /// Calls a JSON 1.1 `action` (`X-Amz-Target: <target_prefix>.<action>`);
    /// the answer's body.
    pub async fn json(
        &self,
        target_prefix: &str,
        action: &str,
        body: &serde_json::Value,
    ) -> Result<String, CloudError> {
        let request = AwsRequest::json(&self.endpoint, target_prefix, action, body);
        self.client
            .call(&request)
            .await
            .map_err(|e| to_cloud_error(&self.label, e, None))
    }

    /// Calls an EC2 Query `action` with `params`; the answer's XML.
    pub async fn query(&self, action: &str, params: &[(&str, &str)]) -> Result<String, CloudError> {
        let params: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let request = AwsRequest::query(&self.endpoint, action, &params);
        self.client
            .call(&request)
            .await
            .map_err(|e| to_cloud_error(&self.label, e, None))
    }

    /// HTTP requests sent so far (retries included).
    pub fn requests(&self) -> u64 {
        self.client.requests()
    }
}
