//! HTTP for the cloud backends: [`ApiRequest`] (the exact request, secrets
//! redacted, for dry-run and audit) and [`ApiClient`], the crate's shared
//! retrying client with its outcome mapped to [`CloudError`].

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::CloudError;
use crate::http::{truncate, Outcome, RetryPolicy, RetryingClient};

/// Longest `Retry-After` waited for; a longer one fails with
/// [`CloudError::RateLimited`] and its value.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// What a redacted secret shows as.
pub const REDACTED: &str = "<redacted>";

/// One HTTP request as sent, with secrets already redacted.
///
/// ```
/// use soc_core::respond::cloud::ApiRequest;
/// let r = ApiRequest::new("DELETE", "https://api.example/rules/{rule_id}")
///     .header("Authorization", "Bearer <redacted>");
/// assert_eq!(r.to_string(), "DELETE https://api.example/rules/{rule_id}\nAuthorization: Bearer <redacted>");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiRequest {
    /// `GET`, `POST`, `PATCH`, `DELETE`...
    pub method: String,
    /// The full URL.
    pub url: String,
    /// Headers, secrets redacted.
    pub headers: Vec<(String, String)>,
    /// The body, if any.
    pub body: Option<String>,
}

impl ApiRequest {
    /// A request without headers or body.
    pub fn new(method: &str, url: &str) -> Self {
        ApiRequest {
            method: method.to_string(),
            url: url.to_string(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Sets a JSON body (and its content type).
    pub fn json(mut self, body: &serde_json::Value) -> Self {
        self.headers
            .push(("Content-Type".into(), "application/json".into()));
        self.body = Some(body.to_string());
        self
    }
}

impl fmt::Display for ApiRequest {
    /// `METHOD URL`, one `Name: value` line per header, then a blank line
    /// and the body when there is one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.url)?;
        for (k, v) in &self.headers {
            write!(f, "\n{k}: {v}")?;
        }
        if let Some(b) = &self.body {
            write!(f, "\n\n{b}")?;
        }
        Ok(())
    }
}

/// Timeout and retries of every cloud backend (`[response.cloud]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpSettings {
    /// Timeout of one request in seconds (15).
    pub timeout_secs: u64,
    /// Retries of a request after a transport error, 429 or 5xx (2).
    pub max_retries: u32,
    /// First backoff delay in milliseconds, doubled per retry (500).
    pub backoff_ms: u64,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            timeout_secs: 15,
            max_retries: 2,
            backoff_ms: 500,
        }
    }
}

/// A 2xx reply: status and body (whole, for parsing).
#[derive(Debug, Clone)]
pub struct ApiReply {
    /// The status.
    pub status: u16,
    /// The body.
    pub body: String,
}

impl ApiReply {
    /// The body as JSON.
    pub fn json<T: serde::de::DeserializeOwned>(&self, backend: &str) -> Result<T, CloudError> {
        serde_json::from_str(&self.body).map_err(|e| CloudError::BadResponse {
            backend: backend.to_string(),
            reason: format!("{e} in {}", truncate(&self.body, 200)),
        })
    }
}

/// The shared retrying HTTP client for one backend: retries transport
/// errors, 429 (honouring `Retry-After` up to 60 s) and 5xx; maps the final
/// non-2xx status to a typed [`CloudError`].
#[derive(Debug)]
pub struct ApiClient {
    inner: RetryingClient,
    backend: String,
    timeout_secs: u64,
}

impl ApiClient {
    /// A client for `backend` (its id, used in errors) with `settings`.
    pub fn new(backend: &str, settings: HttpSettings) -> Result<Self, CloudError> {
        let timeout_secs = settings.timeout_secs.max(1);
        let client = RetryingClient::builder(Duration::from_secs(timeout_secs))
            .build()
            .map_err(|e| CloudError::Config {
                backend: backend.to_string(),
                message: format!("cannot build the HTTP client: {}", e.without_url()),
            })?;
        let policy = RetryPolicy {
            max_retries: settings.max_retries,
            backoff: Duration::from_millis(settings.backoff_ms),
            max_retry_after: MAX_RETRY_AFTER,
        };
        Ok(ApiClient {
            inner: RetryingClient::new(client, policy, backend),
            backend: backend.to_string(),
            timeout_secs,
        })
    }

    /// HTTP requests sent so far (retries included).
    pub fn requests(&self) -> u64 {
        self.inner.requests()
    }

    /// Sends the request `build` makes (called again for each retry, so a
    /// signature can be made per attempt); a 2xx reply, else the typed error.
    pub async fn send(
        &self,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<ApiReply, CloudError> {
        let outcome = self
            .inner
            .send(build, |o| match o {
                Outcome::Failed(f) => f.transient,
                Outcome::Reply(r) => r.status == 429 || r.status >= 500,
            })
            .await;
        match outcome {
            Outcome::Failed(f) if f.timeout => Err(CloudError::Timeout {
                backend: self.backend.clone(),
                timeout_secs: self.timeout_secs,
            }),
            Outcome::Failed(f) => Err(CloudError::Transport {
                backend: self.backend.clone(),
                message: f.message,
            }),
            Outcome::Reply(r) if (200..300).contains(&r.status) => Ok(ApiReply {
                status: r.status,
                body: r.body,
            }),
            Outcome::Reply(r) => Err(status_error(
                &self.backend,
                r.status,
                &r.body,
                r.retry_after,
            )),
        }
    }
}

/// The typed error for a non-2xx `status` (body truncated to 300 characters).
pub(crate) fn status_error(
    backend: &str,
    status: u16,
    body: &str,
    retry_after: Option<Duration>,
) -> CloudError {
    let backend = backend.to_string();
    let body = truncate(body, 300);
    match status {
        401 => CloudError::Unauthorized { backend, body },
        403 => CloudError::Forbidden { backend, body },
        404 => CloudError::NotFound { backend, body },
        429 => CloudError::RateLimited {
            backend,
            retry_after,
        },
        500..=599 => CloudError::Server {
            backend,
            status,
            body,
        },
        _ => CloudError::Api {
            backend,
            status,
            body,
        },
    }
}

/// Checks a configured base URL (http or https, with a host).
pub fn check_base_url(backend: &str, url: &str) -> Result<url::Url, CloudError> {
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(u),
        _ => Err(CloudError::Config {
            backend: backend.to_string(),
            message: format!("'{url}' is not an http(s) URL with a host"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_typed_errors() {
        let e = |s| status_error("cloudflare@x", s, "b", Some(Duration::from_secs(7)));
        assert!(matches!(e(401), CloudError::Unauthorized { .. }));
        assert!(matches!(e(403), CloudError::Forbidden { .. }));
        assert!(matches!(e(404), CloudError::NotFound { .. }));
        assert!(e(429).to_string().contains("retry after 7s"), "{}", e(429));
        assert!(matches!(e(503), CloudError::Server { status: 503, .. }));
        assert!(matches!(e(400), CloudError::Api { status: 400, .. }));
        assert_eq!(e(502).status(), Some(502));
    }

    #[test]
    fn request_text_has_headers_and_body() {
        let r = ApiRequest::new("POST", "https://h/x")
            .header("X-API-Key", REDACTED)
            .json(&serde_json::json!({"a": 1}));
        assert_eq!(
            r.to_string(),
            "POST https://h/x\nX-API-Key: <redacted>\nContent-Type: application/json\n\n{\"a\":1}"
        );
        assert!(check_base_url("b", "ftp://h").is_err());
        assert!(check_base_url("b", "http://127.0.0.1:8080").is_ok());
    }
}
