//! What the HTTP providers share: a base URL, the provider's client, the
//! lifetime of its answers and, for keyed APIs, the key and the header it
//! goes in (never shown by `Debug`); GETs with the key attached, and the
//! "not found" answer of providers for which 404 means "no data".

use serde_json::Value;

use super::http::{HttpClient, HttpOptions, HttpResponse};
use super::REDACTED;
use crate::error::EnrichError;
use crate::model::{Enrichment, Indicator};

/// The public `new(api_key, base_url, options, ttl_secs)` of a provider
/// whose API requires a key: the key goes in the header `key.0` and a blank
/// one is [`EnrichError::MissingKey`] naming the variable `key.1` (see
/// [`ProviderApi::key_required`]); `build` makes the provider from the
/// [`ProviderApi`] bound to `api`.
macro_rules! keyed_provider_new {
    (name: $name:expr, example: $url:literal, key: $key:expr, build: |$api:ident| $build:expr) => {
        #[doc = concat!("A client for `base_url` (e.g. `", $url, "`); a blank `api_key`")]
        /// is [`EnrichError::MissingKey`](crate::error::EnrichError::MissingKey).
        pub fn new(
            api_key: String,
            base_url: &str,
            options: $crate::enrich::http::HttpOptions,
            ttl_secs: u64,
        ) -> Result<Self, $crate::error::EnrichError> {
            let $api = $crate::enrich::api::ProviderApi::key_required(
                $name, $key, api_key, base_url, options, ttl_secs,
            )?;
            Ok($build)
        }
    };
}
pub(crate) use keyed_provider_new;

/// One provider's API endpoint and client.
pub(crate) struct ProviderApi {
    name: &'static str,
    /// `(header, key)`.
    key: Option<(&'static str, String)>,
    base_url: String,
    http: HttpClient,
    ttl_secs: u64,
}

impl std::fmt::Debug for ProviderApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderApi")
            .field("provider", &self.name)
            .field("api_key", &self.key.as_ref().map(|_| REDACTED))
            .field("base_url", &self.base_url)
            .field("ttl_secs", &self.ttl_secs)
            .finish()
    }
}

impl ProviderApi {
    /// An API that takes no credentials: redirects to other origins are
    /// followed (see [`HttpClient::without_credentials`]).
    pub(crate) fn keyless(
        name: &'static str,
        base_url: &str,
        options: HttpOptions,
        ttl_secs: u64,
    ) -> Result<Self, EnrichError> {
        let http = HttpClient::without_credentials(name, options)?;
        Ok(Self::with_client(name, None, base_url, http, ttl_secs))
    }

    /// An API that sends `key` (when there is one) in the header `header`.
    pub(crate) fn keyed(
        name: &'static str,
        header: &'static str,
        key: Option<String>,
        base_url: &str,
        options: HttpOptions,
        ttl_secs: u64,
    ) -> Result<Self, EnrichError> {
        let http = HttpClient::new(name, options)?;
        let key = key.map(|k| (header, k));
        Ok(Self::with_client(name, key, base_url, http, ttl_secs))
    }

    fn with_client(
        name: &'static str,
        key: Option<(&'static str, String)>,
        base_url: &str,
        http: HttpClient,
        ttl_secs: u64,
    ) -> Self {
        ProviderApi {
            name,
            key,
            base_url: base_url.trim_end_matches('/').to_string(),
            http,
            ttl_secs,
        }
    }

    /// An API that requires a key, sent in the header `header`: a blank
    /// `key` is [`EnrichError::MissingKey`], naming `env_var` and the config
    /// key `enrich.<name>.api_key`.
    pub(crate) fn key_required(
        name: &'static str,
        (header, env_var): (&'static str, &str),
        key: String,
        base_url: &str,
        options: HttpOptions,
        ttl_secs: u64,
    ) -> Result<Self, EnrichError> {
        if key.trim().is_empty() {
            return Err(EnrichError::MissingKey {
                provider: name.into(),
                env_var: env_var.into(),
                config_key: format!("enrich.{name}.api_key"),
            });
        }
        Self::keyed(name, header, Some(key), base_url, options, ttl_secs)
    }

    /// How long answers stay valid, in seconds.
    pub(crate) fn ttl_secs(&self) -> u64 {
        self.ttl_secs
    }

    /// The client (for its counters and other requests).
    pub(crate) fn http(&self) -> &HttpClient {
        &self.http
    }

    /// `base_url/path`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.base_url)
    }

    /// `request` with the key header, if the API has a key.
    pub(crate) fn with_key(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.key {
            Some((header, key)) => request.header(*header, key),
            None => request,
        }
    }

    /// GETs `base_url/path` with `query`, the key and `Accept: accept`;
    /// statuses in `accept_statuses` besides 2xx are answers (see
    /// [`HttpClient::send`]).
    pub(crate) async fn get(
        &self,
        path: &str,
        query: &[(&str, String)],
        accept: &str,
        accept_statuses: &[u16],
    ) -> Result<HttpResponse, EnrichError> {
        let url = self.url(path);
        self.http
            .send(
                |c| self.with_key(c.get(&url).query(query).header("accept", accept)),
                accept_statuses,
            )
            .await
    }

    /// GETs `path` (as [`get`](Self::get)) for an API where 404 means "no
    /// data": that is an `Unknown` answer summarised `not_found` (with the
    /// body, if JSON, as its raw answer); any other answer is the JSON
    /// body handed to the provider's `parse(ind, body, ttl_secs)`.
    pub(crate) async fn lookup(
        &self,
        ind: &Indicator,
        path: &str,
        accept: &str,
        not_found: &str,
        parse: impl FnOnce(&Indicator, Value, u64) -> Result<Enrichment, EnrichError>,
    ) -> Result<Enrichment, EnrichError> {
        let resp = self.get(path, &[], accept, &[404]).await?;
        if resp.status == 404 {
            let mut e = Enrichment::unknown(self.name, ind).with_ttl(self.ttl_secs);
            e.summary = not_found.into();
            e.raw = serde_json::from_str(&resp.body).unwrap_or(Value::Null);
            return Ok(e);
        }
        parse(ind, resp.json(self.name)?, self.ttl_secs)
    }
}
