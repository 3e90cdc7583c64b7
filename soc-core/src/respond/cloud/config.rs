//! `[response.cloud]`: the cloud and appliance backends to block on, and
//! the HTTP settings they share.
//!
//! ```
//! use soc_core::respond::cloud::CloudConfig;
//! let cfg: CloudConfig = toml::from_str(r#"
//!     [http]
//!     timeout_secs = 5
//!     [[cloudflare]]
//!     zone_id = "023e105f4ecef8ad9ca31a8372d0c353"
//!     token = "${CLOUDFLARE_API_TOKEN}"
//!     [[opnsense]]
//!     name = "fw1"
//!     url = "https://192.0.2.1"
//!     key = "${OPNSENSE_KEY}"
//!     secret = "${OPNSENSE_SECRET}"
//!     [[pfsense]]
//!     name = "fw2"
//!     url = "https://192.0.2.2"
//!     api_key = "${PFSENSE_API_KEY}"
//! "#).unwrap();
//! assert_eq!(cfg.ids().unwrap(), ["cloudflare@cloudflare", "opnsense@fw1", "pfsense@fw2"]);
//! assert_eq!(cfg.resolve(&["fw1".into()]).unwrap(), ["opnsense@fw1"]);
//! assert!(cfg.resolve(&["nope".into()]).is_err());
//! ```

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::api::HttpSettings;
use super::aws::{AwsNaclConfig, AwsWafConfig};
use super::cloudflare::CloudflareConfig;
use super::opnsense::OpnsenseConfig;
use super::pfsense::PfsenseConfig;
use super::{BlockList, CloudError, CloudResponder};
use crate::error::RespondError;
use crate::respond::firewall::FirewallConfig;
use crate::store::StateStore;

/// The `[response.cloud]` section. Every list is optional.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CloudConfig {
    /// Timeout and retries of every backend's requests.
    pub http: HttpSettings,
    /// Cloudflare IP Access Rules (`[[response.cloud.cloudflare]]`).
    pub cloudflare: Vec<CloudflareConfig>,
    /// OPNsense aliases (`[[response.cloud.opnsense]]`).
    pub opnsense: Vec<OpnsenseConfig>,
    /// pfSense aliases through the REST API package (`[[response.cloud.pfsense]]`).
    pub pfsense: Vec<PfsenseConfig>,
    /// AWS WAF v2 IP sets (`[[response.cloud.aws_waf]]`).
    pub aws_waf: Vec<AwsWafConfig>,
    /// AWS VPC network ACL deny entries (`[[response.cloud.aws_nacl]]`).
    pub aws_nacl: Vec<AwsNaclConfig>,
}

/// `kind@name`.
pub(crate) fn backend_id(kind: &str, name: &str) -> String {
    format!("{kind}@{name}")
}

/// A name part of a backend id: letters, digits, `_ . -`, not starting with `-`.
pub(crate) fn valid_id_part(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
}

/// Refuses a `name` that cannot be part of a backend id.
pub(crate) fn check_name(id: &str, name: &str) -> Result<(), CloudError> {
    if valid_id_part(name) {
        return Ok(());
    }
    Err(CloudError::Config {
        backend: id.to_string(),
        message: format!("name '{name}' must be letters, digits, _ . - (not starting with -)"),
    })
}

impl CloudConfig {
    /// Whether no backend is configured.
    pub fn is_empty(&self) -> bool {
        self.cloudflare.is_empty()
            && self.opnsense.is_empty()
            && self.pfsense.is_empty()
            && self.aws_waf.is_empty()
            && self.aws_nacl.is_empty()
    }

    /// Builds every configured backend, in config order (Cloudflare,
    /// OPNsense, pfSense, AWS WAF, AWS network ACLs). Ids must be unique.
    pub fn block_lists(&self) -> Result<Vec<Box<dyn BlockList>>, CloudError> {
        let mut out: Vec<Box<dyn BlockList>> = Vec::new();
        for c in &self.cloudflare {
            out.push(Box::new(c.block_list(self.http)?));
        }
        for c in &self.opnsense {
            out.push(Box::new(c.block_list(self.http)?));
        }
        for c in &self.pfsense {
            out.push(Box::new(c.block_list(self.http)?));
        }
        for c in &self.aws_waf {
            out.push(Box::new(c.block_list(self.http)?));
        }
        for c in &self.aws_nacl {
            out.push(Box::new(c.block_list(self.http)?));
        }
        let mut seen = std::collections::BTreeSet::new();
        for l in &out {
            if !seen.insert(l.name().to_string()) {
                return Err(CloudError::Config {
                    backend: l.name().to_string(),
                    message: "two backends have this id; give them different names".into(),
                });
            }
        }
        Ok(out)
    }

    /// Refuses a backend named like a remote firewall host: both keep
    /// their blocks under `…@<name>` in the state store, and each host's
    /// expiry would take the other's records for its own.
    pub fn check_names_against(&self, remote_hosts: &[String]) -> Result<(), CloudError> {
        for id in self.ids()? {
            let name = id.split_once('@').map_or(id.as_str(), |(_, n)| n);
            if remote_hosts.iter().any(|h| h == name) {
                return Err(CloudError::Config {
                    backend: id.clone(),
                    message: format!(
                        "'{name}' is also a [[response.firewall.remote]] host; give one of them another name"
                    ),
                });
            }
        }
        Ok(())
    }

    /// The configured backend ids (validates the section).
    pub fn ids(&self) -> Result<Vec<String>, CloudError> {
        Ok(self
            .block_lists()?
            .iter()
            .map(|l| l.name().to_string())
            .collect())
    }

    /// The ids `wanted` names: ids (`opnsense@fw1`), names (`fw1`, a kind
    /// with one backend such as `cloudflare`), or `all`.
    pub fn resolve(&self, wanted: &[String]) -> Result<Vec<String>, CloudError> {
        let ids = self.ids()?;
        let mut out: Vec<String> = Vec::new();
        for w in wanted.iter().map(|w| w.trim()) {
            let hits: Vec<&String> = if w == "all" {
                ids.iter().collect()
            } else {
                ids.iter()
                    .filter(|id| {
                        id.as_str() == w
                            || id.split_once('@').is_some_and(|(k, n)| n == w || k == w)
                    })
                    .collect()
            };
            if hits.is_empty() {
                return Err(CloudError::Config {
                    backend: w.to_string(),
                    message: format!(
                        "no [[response.cloud.*]] backend is called '{w}'; configured: {}",
                        if ids.is_empty() {
                            "none".to_string()
                        } else {
                            ids.join(", ")
                        }
                    ),
                });
            }
            for h in hits {
                if !out.contains(h) {
                    out.push(h.clone());
                }
            }
        }
        Ok(out)
    }

    /// A [`CloudResponder`] per configured backend, protecting what the
    /// local firewall under `fw` protects and recording in `store`.
    pub fn responders(
        &self,
        fw: &FirewallConfig,
        store: Option<Arc<StateStore>>,
    ) -> Result<Vec<CloudResponder>, RespondError> {
        self.block_lists()?
            .into_iter()
            .map(|l| CloudResponder::new(l, fw, store.clone()))
            .collect()
    }
}
