//! Splunk: run an SPL search over the REST export endpoint and yield its results.
//!
//! [`SplunkSource::fetch`] is async: it `POST`s `search`, `output_mode=json`,
//! `earliest_time` and `latest_time` to `<url>/services/search/jobs/export`
//! and reads the streamed JSON lines. `preview: true` rows are dropped,
//! `lastrow: true` ends the stream, `messages` of type INFO/WARN are logged as
//! warnings and ERROR/FATAL fail the fetch (`SourceError::Remote`). Each
//! result becomes one record: its `_raw` text when it has one (raw events, for
//! the ssh or EVE parser), else the result object as JSON (for the alerts
//! parser).
//!
//! [`LogSource`](crate::source::LogSource) is sync, so [`SplunkSource::into_log_source`] wraps it in an
//! adapter that runs one fetch per window on a private thread and runtime
//! (safe to call from inside or outside a tokio runtime), buffers the results
//! and yields them one by one. The window runs from the last checkpoint (or
//! `earliest`, default `-15m`) to *now* minus `lag_secs`, in epoch seconds;
//! Splunk's `earliest_time` is inclusive and `latest_time` exclusive, so
//! consecutive windows neither overlap nor leave gaps. The window end becomes
//! the checkpoint once every result of the window was yielded. When
//! following, a new window is fetched every `interval_secs`.
//!
//! ```
//! use soc_core::source::{SourceKind, SplunkConfig, SplunkSource};
//!
//! let cfg = SplunkConfig {
//!     url: "https://splunk.example:8089".into(),
//!     query: "index=linux sourcetype=linux_secure".into(),
//!     token: Some("t0ken".into()),
//!     ..SplunkConfig::default()
//! };
//! let src = SplunkSource::new(cfg, SourceKind::Ssh).unwrap();
//! assert_eq!(src.search(), "search index=linux sourcetype=linux_secure");
//! assert!(!format!("{src:?}").contains("t0ken"));
//! ```

mod adapter;
mod stream;

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::SourceError;
use crate::http::{Outcome, RetryPolicy, RetryingClient};
use crate::secret::Secret;
use crate::source::{SourceKind, SourceRecord};

pub use adapter::SplunkLogSource;

/// Configuration of a Splunk search source (`splunk = { ... }` in a `[[sources]]` entry).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SplunkConfig {
    /// Management URL, e.g. `https://splunk.example:8089`.
    pub url: String,
    /// SPL; `search ` is prepended unless it starts with `search ` or `|`.
    pub query: String,
    /// Auth token (`${VAR}` is read from the environment).
    pub token: Option<Secret>,
    /// `Bearer` (JWT auth tokens, default) or `Splunk` (session keys).
    pub token_type: String,
    /// Basic-auth user name (when no token).
    pub username: Option<String>,
    /// Basic-auth password (`${VAR}` is read from the environment).
    pub password: Option<Secret>,
    /// Start of the first window, when there is no checkpoint (default `-15m`).
    pub earliest: String,
    /// Seconds before now where each window ends, for late-indexed events (default 0).
    pub lag_secs: u64,
    /// Verify the server's TLS certificate (default `true`).
    pub verify_tls: bool,
    /// Extra CA certificate (PEM) to trust, e.g. Splunk's own CA.
    pub ca_cert: Option<PathBuf>,
    /// Timeout of one export request, seconds (default 300).
    pub timeout_secs: u64,
    /// Retries of a failed export (connection errors, 429, 502-504; default 3).
    pub max_retries: u32,
    /// First retry delay in milliseconds, doubled per retry, with jitter (default 1000).
    pub retry_backoff_ms: u64,
    /// When following: seconds between searches (default 60).
    pub interval_secs: u64,
    /// Name for logs and the checkpoint key (default: the query).
    pub name: Option<String>,
}

impl Default for SplunkConfig {
    fn default() -> Self {
        SplunkConfig {
            url: String::new(),
            query: String::new(),
            token: None,
            token_type: "Bearer".into(),
            username: None,
            password: None,
            earliest: "-15m".into(),
            lag_secs: 0,
            verify_tls: true,
            ca_cert: None,
            timeout_secs: 300,
            max_retries: 3,
            retry_backoff_ms: 1000,
            interval_secs: 60,
            name: None,
        }
    }
}

/// The time range of one search: Splunk time modifiers (`-15m`, epoch seconds, `now`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchWindow {
    /// `earliest_time` (inclusive).
    pub earliest: String,
    /// `latest_time` (exclusive), epoch seconds.
    pub latest: i64,
}

#[derive(Clone, PartialEq)]
enum Auth {
    Token { kind: String, token: String },
    Basic { user: String, password: String },
}

/// A Splunk export search; see the [module docs](self).
pub struct SplunkSource {
    cfg: SplunkConfig,
    kind: SourceKind,
    name: String,
    search: String,
    auth: Auth,
}

impl std::fmt::Debug for SplunkSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SplunkSource")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("cfg", &self.cfg)
            .finish()
    }
}

/// Resolves a secret's `${VAR}` references (the crate's one resolver).
fn resolve(name: &str, key: &str, v: Option<&Secret>) -> Result<String, SourceError> {
    match v {
        Some(s) => s.expose().map_err(|e| SourceError::Config {
            source_name: name.to_string(),
            message: format!("{key} {e}"),
        }),
        None => Ok(String::new()),
    }
}

impl SplunkSource {
    /// Validates the configuration (URL, auth, `${VAR}` references).
    pub fn new(cfg: SplunkConfig, kind: SourceKind) -> Result<Self, SourceError> {
        let search = normalize_query(&cfg.query);
        let name = format!(
            "splunk:{}",
            cfg.name.clone().unwrap_or_else(|| search.clone())
        );
        let bad = |message: String| SourceError::Config {
            source_name: name.clone(),
            message,
        };
        if cfg.query.trim().is_empty() {
            return Err(bad("splunk.query is empty; give an SPL search".into()));
        }
        match url::Url::parse(&cfg.url) {
            Ok(u) if u.scheme() == "https" || u.scheme() == "http" => {}
            _ => {
                return Err(bad(format!(
                    "splunk.url '{}' is not an http(s) URL like https://splunk:8089",
                    cfg.url
                )))
            }
        }
        let auth = match (&cfg.token, &cfg.username) {
            (Some(t), _) => {
                let kind = match cfg.token_type.to_ascii_lowercase().as_str() {
                    "bearer" => "Bearer",
                    "splunk" => "Splunk",
                    other => {
                        return Err(bad(format!(
                            "splunk.token_type '{other}' must be Bearer or Splunk"
                        )))
                    }
                };
                Auth::Token {
                    kind: kind.into(),
                    token: resolve(&name, "splunk.token", Some(t))?,
                }
            }
            (None, Some(user)) => Auth::Basic {
                user: user.clone(),
                password: resolve(&name, "splunk.password", cfg.password.as_ref())?,
            },
            (None, None) => {
                return Err(bad(
                    "no credentials; set splunk.token (or splunk.username and splunk.password)"
                        .into(),
                ))
            }
        };
        Ok(SplunkSource {
            cfg,
            kind,
            name,
            search,
            auth,
        })
    }

    /// The source name, `splunk:<name or search>`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The search as sent (with `search ` prepended when needed).
    pub fn search(&self) -> &str {
        &self.search
    }

    /// The configuration.
    pub fn config(&self) -> &SplunkConfig {
        &self.cfg
    }

    /// The store key of this source's checkpoint.
    pub fn checkpoint_key(&self) -> String {
        format!(
            "splunk:{}",
            self.cfg.name.as_deref().unwrap_or(&self.search)
        )
    }

    /// The window ending now (minus `lag_secs`), starting at `since` (a
    /// previous window end) or the configured `earliest`.
    pub fn window(&self, since: Option<i64>, now: chrono::DateTime<chrono::Utc>) -> SearchWindow {
        SearchWindow {
            earliest: since
                .map(|s| s.to_string())
                .unwrap_or_else(|| self.cfg.earliest.clone()),
            latest: now
                .timestamp()
                .saturating_sub(i64::try_from(self.cfg.lag_secs).unwrap_or(i64::MAX)),
        }
    }

    fn client(&self) -> Result<reqwest::Client, SourceError> {
        let mut b = RetryingClient::builder(Duration::from_secs(self.cfg.timeout_secs.max(1)))
            .connect_timeout(Duration::from_secs(30))
            .referer(false)
            .redirect(crate::http::same_origin_redirects())
            .danger_accept_invalid_certs(!self.cfg.verify_tls);
        if let Some(path) = &self.cfg.ca_cert {
            let pem = std::fs::read(path).map_err(|source| SourceError::Io {
                path: path.clone(),
                source,
            })?;
            let cert = reqwest::Certificate::from_pem(&pem).map_err(|e| SourceError::Config {
                source_name: self.name.clone(),
                message: format!("splunk.ca_cert {}: {e}", path.display()),
            })?;
            b = b.add_root_certificate(cert);
        }
        b.build()
            .map_err(|e| self.transport(format!("building the HTTP client: {e}")))
    }

    fn transport(&self, message: String) -> SourceError {
        SourceError::Transport {
            source_name: self.name.clone(),
            message,
        }
    }

    /// Runs the search over `window` and returns its results as records.
    pub async fn fetch(&self, window: &SearchWindow) -> Result<Vec<SourceRecord>, SourceError> {
        let url = format!(
            "{}/services/search/jobs/export",
            self.cfg.url.trim_end_matches('/')
        );
        let latest = window.latest.to_string();
        let form = [
            ("search", self.search.as_str()),
            ("output_mode", "json"),
            ("earliest_time", window.earliest.as_str()),
            ("latest_time", latest.as_str()),
        ];
        // The shared retry loop (backoff with jitter, Retry-After): a search
        // export only reads, so retrying it is safe.
        let policy = RetryPolicy {
            max_retries: self.cfg.max_retries,
            backoff: Duration::from_millis(self.cfg.retry_backoff_ms),
            max_retry_after: Duration::from_secs(120),
        };
        let client = RetryingClient::new(self.client()?, policy, &self.name);
        let build = |c: &reqwest::Client| {
            let req = c.post(&url).form(&form);
            match &self.auth {
                Auth::Token { kind, token } => {
                    req.header(reqwest::header::AUTHORIZATION, format!("{kind} {token}"))
                }
                Auth::Basic { user, password } => req.basic_auth(user, Some(password)),
            }
        };
        let retryable = |o: &Outcome| match o {
            Outcome::Failed(f) => f.transient,
            Outcome::Reply(r) => matches!(r.status, 429 | 502 | 503 | 504),
        };
        match client.send(build, retryable).await {
            Outcome::Failed(f) => Err(self.transport(format!(
                "POST {url}: {} (after {} attempt(s))",
                f.message,
                client.requests()
            ))),
            Outcome::Reply(r) => stream::read_export((&self.name, self.kind), r.status, &r.body),
        }
    }

    /// Wraps this search into a sync [`LogSource`](crate::source::LogSource).
    pub fn into_log_source(
        self,
        store: Option<std::sync::Arc<crate::store::StateStore>>,
        follow: bool,
    ) -> SplunkLogSource {
        SplunkLogSource::new(self, store, follow)
    }
}

/// Prepends `search ` unless the query starts with `search ` or `|`.
fn normalize_query(q: &str) -> String {
    let q = q.trim();
    let lower = q.get(..7).map(str::to_ascii_lowercase);
    if q.starts_with('|') || lower.as_deref() == Some("search ") {
        q.to_string()
    } else {
        format!("search {q}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_normalization() {
        assert_eq!(normalize_query("index=x"), "search index=x");
        assert_eq!(normalize_query("  search index=x"), "search index=x");
        assert_eq!(normalize_query("| tstats count"), "| tstats count");
        assert_eq!(normalize_query("searchable=1"), "search searchable=1");
    }

    #[test]
    fn config_errors_say_what_to_do() {
        let base = SplunkConfig {
            url: "https://s:8089".into(),
            query: "index=x".into(),
            ..Default::default()
        };
        let e = SplunkSource::new(base.clone(), SourceKind::Ssh).unwrap_err();
        assert!(e.to_string().contains("set splunk.token"), "{e}");
        let e = SplunkSource::new(
            SplunkConfig {
                token: Some("${SOC_TEST_SURELY_UNSET_VAR}".into()),
                ..base.clone()
            },
            SourceKind::Ssh,
        )
        .unwrap_err();
        assert!(e.to_string().contains("SOC_TEST_SURELY_UNSET_VAR"), "{e}");
        let e = SplunkSource::new(
            SplunkConfig {
                url: "splunk:8089".into(),
                token: Some("t".into()),
                ..base
            },
            SourceKind::Ssh,
        )
        .unwrap_err();
        assert!(e.to_string().contains("not an http(s) URL"), "{e}");
    }

    #[test]
    fn window_uses_checkpoint_or_earliest() {
        let src = SplunkSource::new(
            SplunkConfig {
                url: "https://s:8089".into(),
                query: "index=x".into(),
                username: Some("u".into()),
                password: Some("p".into()),
                lag_secs: 30,
                ..Default::default()
            },
            SourceKind::Alerts,
        )
        .unwrap();
        let now = chrono::DateTime::from_timestamp(1_000_000, 0).unwrap();
        assert_eq!(
            src.window(None, now),
            SearchWindow {
                earliest: "-15m".into(),
                latest: 999_970
            }
        );
        assert_eq!(src.window(Some(999_000), now).earliest, "999000");
    }
}
