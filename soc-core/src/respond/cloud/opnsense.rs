//! OPNsense (`[[response.cloud.opnsense]]`): entries of a firewall alias
//! through the official API's `alias_util` controller, with an API key and
//! secret (HTTP basic auth).
//!
//! * lookup and list: `GET /api/firewall/alias_util/list/{alias}` (`rows[].ip`)
//! * add: `POST /api/firewall/alias_util/add/{alias}` with `{"address": ...}`
//! * remove: `POST /api/firewall/alias_util/delete/{alias}`
//!
//! `alias_util` changes the alias's live pf table (and the stored content
//! of `host`/`network` aliases) at once, so no `reconfigure` is needed.
//! Create the alias (type `External (advanced)` is best: its content is
//! soc's alone) and a block rule that uses it, once, in the web UI.
//!
//! ```
//! use soc_core::respond::cloud::{BlockList, HttpSettings, OpnsenseConfig};
//! use soc_core::respond::firewall::BlockTarget;
//! let cfg: OpnsenseConfig = toml::from_str(r#"
//!     name = "fw1"
//!     url = "https://192.0.2.1"
//!     key = "${OPNSENSE_KEY}"
//!     secret = "${OPNSENSE_SECRET}"
//! "#).unwrap();
//! let fw = cfg.block_list(HttpSettings::default()).unwrap();
//! assert_eq!(fw.name(), "opnsense@fw1");
//! assert_eq!(fw.own_addresses(), ["192.0.2.1".parse::<std::net::IpAddr>().unwrap()]);
//! let add = &fw.describe_add(&BlockTarget::parse("198.51.100.7").unwrap(), "soc: x")[0];
//! assert_eq!(add.to_string(), "POST https://192.0.2.1/api/firewall/alias_util/add/soc_block\n\
//!     Authorization: Basic <redacted>\nContent-Type: application/json\n\n{\"address\":\"198.51.100.7\"}");
//! ```

use std::net::IpAddr;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::api::{ApiClient, ApiRequest, HttpSettings, REDACTED};
use super::appliance::{expose, send_json, Appliance};
use super::config::backend_id;
use super::{BlockList, CloudError, ListedBlock};
use crate::respond::firewall::BlockTarget;
use crate::respond::Secret;

/// One OPNsense firewall.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpnsenseConfig {
    /// The name in `--cloud` and the backend id `opnsense@<name>`.
    pub name: String,
    /// Base URL of the web UI (`https://fw1.example.net`).
    pub url: String,
    /// API key (System > Access > Users > API keys); `${VAR}` reads the environment.
    pub key: Secret,
    /// API secret.
    pub secret: Secret,
    /// The alias soc adds to (`soc_block`).
    #[serde(default = "default_alias")]
    pub alias: String,
}

pub(crate) fn default_alias() -> String {
    "soc_block".into()
}

impl OpnsenseConfig {
    /// The backend id, `opnsense@<name>`.
    pub fn id(&self) -> String {
        backend_id("opnsense", &self.name)
    }

    /// Validates the section and builds the backend.
    pub fn block_list(&self, http: HttpSettings) -> Result<Opnsense, CloudError> {
        let a = Appliance::new("opnsense", &self.name, &self.alias, &self.url, http)?;
        Ok(Opnsense {
            util: format!("{}/api/firewall/alias_util", a.base),
            alias: self.alias.clone(),
            key: self.key.clone(),
            secret: self.secret.clone(),
            client: a.client,
            own: a.own,
            id: a.id,
        })
    }
}

/// An OPNsense alias as a [`BlockList`]. See the module docs.
#[derive(Debug)]
pub struct Opnsense {
    id: String,
    util: String,
    alias: String,
    key: Secret,
    secret: Secret,
    client: ApiClient,
    own: Vec<IpAddr>,
}

#[derive(Deserialize)]
struct Status {
    #[serde(default)]
    status: String,
}

impl Opnsense {
    fn url(&self, verb: &str) -> String {
        format!("{}/{verb}/{}", self.util, self.alias)
    }

    async fn send(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<super::ApiReply, CloudError> {
        let key = expose(&self.id, &self.key, "key")?;
        let secret = expose(&self.id, &self.secret, "secret")?;
        send_json(&self.client, method, url, body, |r| {
            r.basic_auth(&key, Some(&secret))
        })
        .await
    }

    /// `POST add|delete` and check `{"status": "done"}`.
    async fn change(&self, verb: &str, t: &BlockTarget) -> Result<(), CloudError> {
        let reply = self
            .send(
                reqwest::Method::POST,
                &self.url(verb),
                Some(&json!({"address": t.to_string()})),
            )
            .await?;
        let s: Status = reply.json(&self.id)?;
        if s.status != "done" {
            return Err(CloudError::Api {
                backend: self.id.clone(),
                status: reply.status,
                body: format!("alias_util/{verb} answered status '{}'", s.status),
            });
        }
        Ok(())
    }

    /// The alias's entries: `{"rows": [{"ip": ...}]}` (or, before 21.1, a bare list).
    async fn entries(&self) -> Result<Vec<BlockTarget>, CloudError> {
        let reply = self
            .send(reqwest::Method::GET, &self.url("list"), None)
            .await?;
        let v: Value = reply.json(&self.id)?;
        let rows = match &v {
            Value::Array(a) => a.clone(),
            Value::Object(o) => match o.get("rows") {
                Some(Value::Array(a)) => a.clone(),
                _ => {
                    return Err(CloudError::BadResponse {
                        backend: self.id.clone(),
                        reason: "alias_util/list has no rows".into(),
                    })
                }
            },
            _ => Vec::new(),
        };
        Ok(rows
            .iter()
            .filter_map(|r| r.get("ip").and_then(Value::as_str).or(r.as_str()))
            .filter_map(|s| BlockTarget::parse(s).ok())
            .collect())
    }

    fn auth_header() -> String {
        format!("Basic {REDACTED}")
    }
}

#[async_trait]
impl BlockList for Opnsense {
    fn name(&self) -> &str {
        &self.id
    }

    fn own_addresses(&self) -> Vec<IpAddr> {
        self.own.clone()
    }

    async fn contains(&self, t: &BlockTarget) -> Result<bool, CloudError> {
        Ok(self.entries().await?.contains(t))
    }

    async fn add(&self, t: &BlockTarget, _note: &str) -> Result<(), CloudError> {
        self.change("add", t).await
    }

    async fn remove(&self, t: &BlockTarget) -> Result<bool, CloudError> {
        if !self.contains(t).await? {
            return Ok(false);
        }
        self.change("delete", t).await.map(|()| true)
    }

    async fn list(&self) -> Result<Vec<ListedBlock>, CloudError> {
        Ok(self
            .entries()
            .await?
            .into_iter()
            .map(|target| ListedBlock { target, note: None })
            .collect())
    }

    fn describe_add(&self, t: &BlockTarget, _note: &str) -> Vec<ApiRequest> {
        vec![ApiRequest::new("POST", &self.url("add"))
            .header("Authorization", &Self::auth_header())
            .json(&json!({"address": t.to_string()}))]
    }

    fn describe_remove(&self, t: &BlockTarget) -> Vec<ApiRequest> {
        vec![
            ApiRequest::new("GET", &self.url("list")).header("Authorization", &Self::auth_header()),
            ApiRequest::new("POST", &self.url("delete"))
                .header("Authorization", &Self::auth_header())
                .json(&json!({"address": t.to_string()})),
        ]
    }
}
