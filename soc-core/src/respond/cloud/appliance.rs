//! What the appliance backends (OPNsense, pfSense) share: the base URL,
//! its host as a protected address, the alias name check, requests with
//! an optional JSON body.

use std::net::IpAddr;

use serde_json::Value;

use super::api::{check_base_url, ApiClient, ApiReply, HttpSettings};
use super::config::{backend_id, check_name};
use super::CloudError;

/// A validated appliance section: its id, base URL, own addresses and client.
pub(crate) struct Appliance {
    pub id: String,
    pub base: String,
    pub own: Vec<IpAddr>,
    pub client: ApiClient,
}

impl Appliance {
    /// Validates the name, alias and URL of a `kind` section.
    pub fn new(
        kind: &str,
        name: &str,
        alias: &str,
        url: &str,
        http: HttpSettings,
    ) -> Result<Self, CloudError> {
        let id = backend_id(kind, name);
        check_name(&id, name)?;
        check_alias(&id, alias)?;
        let (base, own) = appliance_base(&id, url)?;
        Ok(Appliance {
            client: ApiClient::new(&id, http)?,
            id,
            base,
            own,
        })
    }
}

/// Sends `method url`, with the JSON `body` if there is one, through
/// `client`; `auth` adds the appliance's credentials (again on each retry).
pub(crate) async fn send_json(
    client: &ApiClient,
    method: reqwest::Method,
    url: &str,
    body: Option<&Value>,
    auth: impl Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
) -> Result<ApiReply, CloudError> {
    client
        .send(|c| {
            let r = auth(c.request(method.clone(), url));
            match body {
                Some(b) => r.json(b),
                None => r,
            }
        })
        .await
}

/// A validated appliance base URL (`https://fw1.example.net`), without a
/// trailing `/`, and its address when the host is an IP literal.
fn appliance_base(id: &str, url: &str) -> Result<(String, Vec<IpAddr>), CloudError> {
    let u = check_base_url(id, url)?;
    let own = match u.host() {
        Some(url::Host::Ipv4(a)) => vec![IpAddr::V4(a)],
        Some(url::Host::Ipv6(a)) => vec![IpAddr::V6(a).to_canonical()],
        _ => Vec::new(),
    };
    Ok((url.trim_end_matches('/').to_string(), own))
}

/// An alias name both appliances accept: letters, digits and `_`, at most
/// 31 characters, not starting with a digit.
fn check_alias(id: &str, alias: &str) -> Result<(), CloudError> {
    let ok = !alias.is_empty()
        && alias.len() <= 31
        && !alias.starts_with(|c: char| c.is_ascii_digit())
        && alias
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(CloudError::Config {
            backend: id.to_string(),
            message: format!(
                "alias '{alias}' must be letters, digits and _ (at most 31, not starting with a digit)"
            ),
        })
    }
}

/// The secret's value, or a configuration error naming `key`.
pub(crate) fn expose(
    id: &str,
    secret: &crate::secret::Secret,
    key: &str,
) -> Result<String, CloudError> {
    let v = secret.expose().map_err(|e| CloudError::Config {
        backend: id.to_string(),
        message: format!("{key} {e}"),
    })?;
    if v.is_empty() {
        return Err(CloudError::Config {
            backend: id.to_string(),
            message: format!("{key} is empty"),
        });
    }
    Ok(v)
}
