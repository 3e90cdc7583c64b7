//! The one HTTP layer every network provider uses: a reqwest client with a
//! timeout, retries with exponential backoff and jitter for 5xx and timeouts,
//! `Retry-After` honoured on 429, and HTTP status → [`EnrichError`] mapping.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use rand::Rng;

use crate::error::EnrichError;

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
    client: reqwest::Client,
    provider: String,
    options: HttpOptions,
    requests: AtomicU64,
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
    /// A client for `provider` with `options`.
    pub fn new(provider: &str, options: HttpOptions) -> Result<Self, EnrichError> {
        let client = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("soc/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::limited(10))
            .build()
            .map_err(|e| EnrichError::Transport {
                provider: provider.to_string(),
                message: format!("cannot build HTTP client: {e}"),
            })?;
        Ok(HttpClient {
            client,
            provider: provider.to_string(),
            options,
            requests: AtomicU64::new(0),
            remaining: AtomicI64::new(-1),
        })
    }

    /// The underlying reqwest client (to build requests).
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// HTTP requests sent so far (retries included).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
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
        let mut attempt: u32 = 0;
        loop {
            self.requests.fetch_add(1, Ordering::Relaxed);
            let outcome = build(&self.client).send().await;
            let retries_left = attempt < self.options.max_retries;
            match outcome {
                Err(e) => {
                    let err = if e.is_timeout() {
                        EnrichError::Timeout {
                            provider: self.provider.clone(),
                            after: self.options.timeout,
                        }
                    } else {
                        EnrichError::Transport {
                            provider: self.provider.clone(),
                            message: transport_message(&e),
                        }
                    };
                    if !retries_left || !(e.is_timeout() || e.is_connect() || e.is_request()) {
                        return Err(err);
                    }
                    tracing::debug!(provider = %self.provider, attempt, "retrying after {err}");
                }
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let headers = resp.headers().clone();
                    if let Some(rem) = header_u64(&headers, "x-ratelimit-remaining") {
                        self.remaining
                            .store(i64::try_from(rem).unwrap_or(i64::MAX), Ordering::Relaxed);
                    }
                    let body = resp.text().await.unwrap_or_default();
                    if (200..300).contains(&status) || accept.contains(&status) {
                        return Ok(HttpResponse { status, body });
                    }
                    match status {
                        401 | 403 => {
                            return Err(EnrichError::Auth {
                                provider: self.provider.clone(),
                                status,
                                message: error_message(&body),
                            })
                        }
                        429 => {
                            let retry_after = retry_after(&headers);
                            let wait = retry_after.unwrap_or_else(|| self.backoff(attempt));
                            if !retries_left || wait > self.options.max_retry_after {
                                return Err(EnrichError::RateLimited {
                                    provider: self.provider.clone(),
                                    retry_after,
                                });
                            }
                            tracing::info!(provider = %self.provider, "rate limited; waiting {}s", wait.as_secs_f32());
                            tokio::time::sleep(wait).await;
                            attempt += 1;
                            continue;
                        }
                        500..=599 if retries_left => {
                            tracing::debug!(provider = %self.provider, status, attempt, "server error; retrying");
                        }
                        _ => {
                            return Err(EnrichError::Api {
                                provider: self.provider.clone(),
                                status,
                                body: truncate(&error_message(&body), 300),
                            })
                        }
                    }
                }
            }
            tokio::time::sleep(self.backoff(attempt)).await;
            attempt += 1;
        }
    }

    /// Exponential backoff with full jitter: uniform in `[d/2, d]` where
    /// `d = backoff * 2^attempt`, capped at 60 s.
    fn backoff(&self, attempt: u32) -> Duration {
        let base = self.options.backoff.as_millis() as u64;
        let d = base.saturating_mul(1u64 << attempt.min(16)).min(60_000);
        if d == 0 {
            return Duration::ZERO;
        }
        let ms = rand::rng().random_range(d / 2..=d);
        Duration::from_millis(ms)
    }
}

fn transport_message(e: &reqwest::Error) -> String {
    // Keys travel in headers, never in URLs, so the message is safe to show.
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}

fn header_u64(headers: &reqwest::header::HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// Parses `Retry-After` as seconds or an HTTP date.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = headers.get("retry-after")?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let delta = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(delta.to_std().unwrap_or(Duration::ZERO))
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

/// At most `max` characters of `s`, with `…` when cut.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max).collect();
        out.push('…');
        out
    }
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
    fn retry_after_parses_seconds() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("retry-after", "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let c = HttpClient::new("t", HttpOptions::default()).unwrap();
        for attempt in 0..20 {
            let d = c.backoff(attempt);
            assert!(d <= Duration::from_secs(60));
            assert!(d >= Duration::from_millis(250));
        }
        assert!(c.backoff(3) >= Duration::from_millis(2000));
    }
}
