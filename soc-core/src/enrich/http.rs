//! The HTTP layer every network provider uses: the shared retry loop of
//! `crate::http` (timeouts, exponential backoff with jitter for 5xx and
//! timeouts, `Retry-After` honoured on 429) plus HTTP status →
//! [`EnrichError`] mapping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use crate::error::EnrichError;
use crate::http::{Outcome, RawReply, RetryPolicy, RetryingClient};

pub(crate) use crate::http::truncate;

/// Retry and timeout settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpOptions {
    /// Per-request timeout.
    pub timeout: Duration,
    /// Retries after the first attempt (5xx, timeouts, connection errors, 429).
    pub max_retries: u32,
    /// First backoff delay; doubles per retry, with full jitter.
    pub backoff: Duration,
    /// Longest `Retry-After` to wait for; longer ones are returned as
    /// [`EnrichError::RateLimited`] straight away.
    pub max_retry_after: Duration,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            timeout: Duration::from_secs(20),
            max_retries: 3,
            backoff: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

/// A response whose status the caller accepted.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// HTTP status.
    pub status: u16,
    /// The body as text.
    pub body: String,
}

impl HttpResponse {
    /// The body parsed as JSON, or [`EnrichError::Malformed`] naming `provider`.
    pub fn json(&self, provider: &str) -> Result<serde_json::Value, EnrichError> {
        serde_json::from_str(&self.body).map_err(|e| EnrichError::Malformed {
            provider: provider.to_string(),
            field: "body".into(),
            reason: format!("not JSON ({e})"),
        })
    }
}

/// The shared client of one provider. Counts requests and remembers the
/// `X-RateLimit-Remaining` the API last reported.
pub struct HttpClient {
    inner: RetryingClient,
    provider: String,
    options: HttpOptions,
    remaining: AtomicI64,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("provider", &self.provider)
            .field("options", &self.options)
            .finish()
    }
}

impl HttpClient {
    /// A client for `provider` with `options`. Redirects are followed only
    /// within the origin of the request (a cross-origin redirect is an
    /// error), because providers send their API key in headers; no
    /// `Referer` is sent.
    pub fn new(provider: &str, options: HttpOptions) -> Result<Self, EnrichError> {
        Self::build(provider, options, crate::http::same_origin_redirects())
    }

    /// A client for a provider that sends no credentials (RDAP, InternetDB):
    /// redirects to other origins are followed (up to 10), as RDAP's
    /// bootstrap redirects to the authoritative registry.
    pub fn without_credentials(provider: &str, options: HttpOptions) -> Result<Self, EnrichError> {
        Self::build(provider, options, reqwest::redirect::Policy::limited(10))
    }

    fn build(
        provider: &str,
        options: HttpOptions,
        redirects: reqwest::redirect::Policy,
    ) -> Result<Self, EnrichError> {
        let client = RetryingClient::builder(options.timeout)
            .connect_timeout(options.timeout.min(Duration::from_secs(10)))
            .redirect(redirects)
            .build()
            .map_err(|e| EnrichError::Transport {
                provider: provider.to_string(),
                message: format!("cannot build HTTP client: {e}"),
            })?;
        let policy = RetryPolicy {
            max_retries: options.max_retries,
            backoff: options.backoff,
            max_retry_after: options.max_retry_after,
        };
        Ok(HttpClient {
            inner: RetryingClient::new(client, policy, provider),
            provider: provider.to_string(),
            options,
            remaining: AtomicI64::new(-1),
        })
    }

    /// HTTP requests sent so far (retries included).
    pub fn requests(&self) -> u64 {
        self.inner.requests()
    }

    /// The last `X-RateLimit-Remaining` seen, if any.
    pub fn quota_remaining(&self) -> Option<u64> {
        u64::try_from(self.remaining.load(Ordering::Relaxed)).ok()
    }

    /// Sends the request `build` makes, retrying as configured. Statuses in
    /// `accept` (besides 2xx) are returned as responses (e.g. 404 "not
    /// found" answers); 401/403 become [`EnrichError::Auth`], 429
    /// [`EnrichError::RateLimited`] (after waiting out short `Retry-After`s),
    /// other failures [`EnrichError::Api`] / [`EnrichError::Timeout`] /
    /// [`EnrichError::Transport`].
    pub async fn send(
        &self,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
        accept: &[u16],
    ) -> Result<HttpResponse, EnrichError> {
        let accepted = |status: u16| (200..300).contains(&status) || accept.contains(&status);
        let outcome = self
            .inner
            .send(build, |o| match o {
                Outcome::Failed(f) => f.transient,
                Outcome::Reply(r) => {
                    !accepted(r.status) && (r.status == 429 || (500..600).contains(&r.status))
                }
            })
            .await;
        let reply = match outcome {
            Outcome::Failed(f) if f.timeout => {
                return Err(EnrichError::Timeout {
                    provider: self.provider.clone(),
                    after: self.options.timeout,
                })
            }
            Outcome::Failed(f) => {
                return Err(EnrichError::Transport {
                    provider: self.provider.clone(),
                    message: f.message,
                })
            }
            Outcome::Reply(reply) => reply,
        };
        if let Some(rem) = reply.ratelimit_remaining {
            self.remaining
                .store(i64::try_from(rem).unwrap_or(i64::MAX), Ordering::Relaxed);
        }
        let RawReply {
            status,
            retry_after,
            body,
            ..
        } = reply;
        if accepted(status) {
            return Ok(HttpResponse { status, body });
        }
        Err(match status {
            401 | 403 => EnrichError::Auth {
                provider: self.provider.clone(),
                status,
                message: error_message(&body),
            },
            429 => EnrichError::RateLimited {
                provider: self.provider.clone(),
                retry_after,
            },
            _ => EnrichError::Api {
                provider: self.provider.clone(),
                status,
                body: truncate(&error_message(&body), 300),
            },
        })
    }
}

/// Parses `Retry-After` as seconds or an HTTP date.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    crate::http::retry_after(headers)
}

/// The human message of an API error body: `error.message` (VirusTotal),
/// `errors[0].detail` (AbuseIPDB), `message`, `detail`, `title` (RDAP), or the
/// body itself.
pub fn error_message(body: &str) -> String {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(body) else {
        return truncate(body.trim(), 300);
    };
    let candidates = [
        v.pointer("/error/message"),
        v.pointer("/errors/0/detail"),
        v.get("message"),
        v.get("detail"),
        v.get("title"),
    ];
    let found = candidates
        .into_iter()
        .flatten()
        .find_map(|m| m.as_str())
        .map(|s| truncate(s, 300));
    found.unwrap_or_else(|| truncate(body.trim(), 300))
}

/// A malformed-response error for `provider` at `field`.
pub(crate) fn malformed(provider: &str, field: &str, reason: &str) -> EnrichError {
    EnrichError::Malformed {
        provider: provider.to_string(),
        field: field.to_string(),
        reason: reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_message_shapes() {
        assert_eq!(
            error_message(r#"{"error":{"code":"X","message":"Wrong API key"}}"#),
            "Wrong API key"
        );
        assert_eq!(
            error_message(r#"{"errors":[{"detail":"Authentication failed.","status":401}]}"#),
            "Authentication failed."
        );
        assert_eq!(error_message("plain text"), "plain text");
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let first = HttpOptions::default().backoff;
        for attempt in 0..20 {
            let d = crate::http::backoff(first, attempt);
            assert!(d <= Duration::from_secs(60));
            assert!(d >= Duration::from_millis(250));
        }
        assert!(crate::http::backoff(first, 3) >= Duration::from_millis(2000));
    }
}
