//! pfSense (`[[response.cloud.pfsense]]`) through the REST API package
//! (pfrest `pfSense-pkg-RESTAPI`, API v2) with an `X-API-Key`:
//!
//! * lookup: `GET /api/v2/firewall/aliases?name={alias}` (the alias's `id`,
//!   `address` and `detail` lists)
//! * add / remove: `PATCH /api/v2/firewall/alias` with the alias `id` and
//!   the whole new `address` list (and `detail`, soc's note per entry),
//!   then `POST /api/v2/firewall/apply` (unless `apply = false`)
//!
//! The PATCH replaces the list, so soc reads it right before (changes in
//! between by someone else would be lost: keep the alias soc's alone).
//! Create the alias (type `network`) and a block rule using it once.
//!
//! ```
//! use soc_core::respond::cloud::{BlockList, HttpSettings, PfsenseConfig};
//! use soc_core::respond::firewall::BlockTarget;
//! let cfg: PfsenseConfig = toml::from_str(r#"
//!     name = "fw2"
//!     url = "https://fw2.example.net"
//!     api_key = "${PFSENSE_API_KEY}"
//! "#).unwrap();
//! let fw = cfg.block_list(HttpSettings::default()).unwrap();
//! let reqs = fw.describe_add(&BlockTarget::parse("198.51.100.0/24").unwrap(), "soc: x");
//! let text: Vec<String> = reqs.iter().map(|r| r.to_string()).collect();
//! assert_eq!(text[0], "GET https://fw2.example.net/api/v2/firewall/aliases?name=soc_block\nX-API-Key: <redacted>");
//! assert!(text[1].starts_with("PATCH https://fw2.example.net/api/v2/firewall/alias\n"));
//! assert!(text[1].contains(r#""address":["{current}","198.51.100.0/24"]"#));
//! assert_eq!(text[2], "POST https://fw2.example.net/api/v2/firewall/apply\nX-API-Key: <redacted>");
//! ```

use std::net::IpAddr;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::api::{ApiClient, ApiReply, ApiRequest, HttpSettings, REDACTED};
use super::appliance::{expose, send_json, Appliance};
use super::config::backend_id;
use super::opnsense::default_alias;
use super::{BlockList, CloudError, ListedBlock};
use crate::respond::firewall::BlockTarget;
use crate::respond::Secret;

/// One pfSense firewall with the REST API package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PfsenseConfig {
    /// The name in `--cloud` and the backend id `pfsense@<name>`.
    pub name: String,
    /// Base URL of the web UI (`https://fw2.example.net`).
    pub url: String,
    /// REST API key (System > REST API > Keys); `${VAR}` reads the environment.
    pub api_key: Secret,
    /// The alias soc manages (`soc_block`, type `network`).
    #[serde(default = "default_alias")]
    pub alias: String,
    /// Apply the firewall changes after each change (true).
    #[serde(default = "yes")]
    pub apply: bool,
}

fn yes() -> bool {
    true
}

impl PfsenseConfig {
    /// The backend id, `pfsense@<name>`.
    pub fn id(&self) -> String {
        backend_id("pfsense", &self.name)
    }

    /// Validates the section and builds the backend.
    pub fn block_list(&self, http: HttpSettings) -> Result<Pfsense, CloudError> {
        let a = Appliance::new("pfsense", &self.name, &self.alias, &self.url, http)?;
        Ok(Pfsense {
            api: format!("{}/api/v2", a.base),
            alias: self.alias.clone(),
            key: self.api_key.clone(),
            apply: self.apply,
            client: a.client,
            own: a.own,
            lock: tokio::sync::Mutex::new(()),
            id: a.id,
        })
    }
}

/// A pfSense alias as a [`BlockList`]. See the module docs.
#[derive(Debug)]
pub struct Pfsense {
    id: String,
    api: String,
    alias: String,
    key: Secret,
    apply: bool,
    client: ApiClient,
    own: Vec<IpAddr>,
    // Read-modify-write of the alias must not interleave in this process.
    lock: tokio::sync::Mutex<()>,
}

/// `{"code", "status", "response_id", "message", "data"}`.
#[derive(Deserialize)]
struct Envelope<T> {
    data: T,
}

#[derive(Deserialize, Clone)]
struct Alias {
    id: Value,
    name: String,
    #[serde(default)]
    address: Vec<String>,
    #[serde(default)]
    detail: Vec<String>,
}

impl Pfsense {
    fn lookup_url(&self) -> String {
        format!("{}/firewall/aliases?name={}", self.api, self.alias)
    }

    async fn send(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<ApiReply, CloudError> {
        let key = expose(&self.id, &self.key, "api_key")?;
        send_json(&self.client, method, url, body, |r| {
            r.header("X-API-Key", &key)
        })
        .await
    }

    async fn alias(&self) -> Result<Alias, CloudError> {
        let reply = self
            .send(reqwest::Method::GET, &self.lookup_url(), None)
            .await?;
        let env: Envelope<Vec<Alias>> = reply.json(&self.id)?;
        env.data
            .into_iter()
            .find(|a| a.name == self.alias)
            .ok_or_else(|| CloudError::Config {
                backend: self.id.clone(),
                message: format!(
                    "pfSense has no alias '{}'; create it (type network) and a block rule using it",
                    self.alias
                ),
            })
    }

    /// Writes the alias's new lists, then applies.
    async fn write(
        &self,
        alias: &Alias,
        address: Vec<String>,
        detail: Vec<String>,
    ) -> Result<(), CloudError> {
        let body = json!({"id": alias.id, "address": address, "detail": detail});
        self.send(
            reqwest::Method::PATCH,
            &format!("{}/firewall/alias", self.api),
            Some(&body),
        )
        .await?;
        if self.apply {
            self.send(
                reqwest::Method::POST,
                &format!("{}/firewall/apply", self.api),
                None,
            )
            .await?;
        }
        Ok(())
    }

    fn header(&self, r: ApiRequest) -> ApiRequest {
        r.header("X-API-Key", REDACTED)
    }

    fn describe_write(&self, address: Value, detail: Value) -> Vec<ApiRequest> {
        let mut v = vec![
            self.header(ApiRequest::new("GET", &self.lookup_url())),
            self.header(ApiRequest::new(
                "PATCH",
                &format!("{}/firewall/alias", self.api),
            ))
            .json(&json!({"id": "{alias_id}", "address": address, "detail": detail})),
        ];
        if self.apply {
            v.push(self.header(ApiRequest::new(
                "POST",
                &format!("{}/firewall/apply", self.api),
            )));
        }
        v
    }
}

/// Entries of `alias` with their index, parsed.
fn parsed(alias: &Alias) -> impl Iterator<Item = (usize, BlockTarget)> + '_ {
    alias
        .address
        .iter()
        .enumerate()
        .filter_map(|(i, a)| BlockTarget::parse(a).ok().map(|t| (i, t)))
}

#[async_trait]
impl BlockList for Pfsense {
    fn name(&self) -> &str {
        &self.id
    }

    fn own_addresses(&self) -> Vec<IpAddr> {
        self.own.clone()
    }

    async fn contains(&self, t: &BlockTarget) -> Result<bool, CloudError> {
        Ok(parsed(&self.alias().await?).any(|(_, x)| x == *t))
    }

    async fn add(&self, t: &BlockTarget, note: &str) -> Result<(), CloudError> {
        let _guard = self.lock.lock().await;
        let alias = self.alias().await?;
        if parsed(&alias).any(|(_, x)| x == *t) {
            return Ok(());
        }
        let mut address = alias.address.clone();
        let mut detail = alias.detail.clone();
        detail.resize(address.len(), String::new());
        address.push(t.to_string());
        detail.push(note.to_string());
        self.write(&alias, address, detail).await
    }

    async fn remove(&self, t: &BlockTarget) -> Result<bool, CloudError> {
        let _guard = self.lock.lock().await;
        let alias = self.alias().await?;
        let gone: Vec<usize> = parsed(&alias)
            .filter(|(_, x)| x == t)
            .map(|(i, _)| i)
            .collect();
        if gone.is_empty() {
            return Ok(false);
        }
        let keep = |i: &usize| !gone.contains(i);
        let address = alias
            .address
            .iter()
            .enumerate()
            .filter(|(i, _)| keep(i))
            .map(|(_, a)| a.clone())
            .collect();
        let detail = alias
            .detail
            .iter()
            .enumerate()
            .filter(|(i, _)| keep(i))
            .map(|(_, d)| d.clone())
            .collect();
        self.write(&alias, address, detail).await.map(|()| true)
    }

    async fn list(&self) -> Result<Vec<ListedBlock>, CloudError> {
        let alias = self.alias().await?;
        Ok(parsed(&alias)
            .map(|(i, target)| ListedBlock {
                target,
                note: alias.detail.get(i).filter(|d| !d.is_empty()).cloned(),
            })
            .collect())
    }

    fn describe_add(&self, t: &BlockTarget, note: &str) -> Vec<ApiRequest> {
        self.describe_write(
            json!(["{current}", t.to_string()]),
            json!(["{current}", note]),
        )
    }

    fn describe_remove(&self, t: &BlockTarget) -> Vec<ApiRequest> {
        self.describe_write(
            json!([format!("{{current without {t}}}")]),
            json!([format!("{{current without the detail of {t}}}")]),
        )
    }
}
