//! The HTTP client shared by the webhook, SIEM and ticket responders:
//! timeouts, retries with exponential backoff, `Retry-After`, and error
//! bodies truncated and free of URLs (which may carry tokens).

use std::time::Duration;

use crate::error::RespondError;

/// Longest `Retry-After` honoured; longer waits fail instead of stalling a run.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// A response: status, body (truncated to 2 KiB) and `Retry-After`.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: u16,
    pub body: String,
}

impl Reply {
    /// Whether the status is 2xx.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The typed error for this reply.
    pub fn error(&self, responder: &str) -> RespondError {
        RespondError::Http {
            responder: responder.to_string(),
            status: self.status,
            body: truncate(&self.body, 300),
        }
    }
}

/// Truncates on a char boundary, adding `...` when cut.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.trim().to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", s[..end].trim())
}

/// Retry settings and a pooled client.
#[derive(Debug, Clone)]
pub(crate) struct Http {
    client: reqwest::Client,
    responder: String,
    max_retries: u32,
    backoff: Duration,
}

impl Http {
    pub fn new(
        responder: &str,
        timeout_secs: u64,
        max_retries: u32,
        backoff_ms: u64,
    ) -> Result<Self, RespondError> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(timeout_secs.max(1)))
            .user_agent(concat!("soc/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| RespondError::Config {
                responder: responder.to_string(),
                message: format!("cannot build HTTP client: {}", e.without_url()),
            })?;
        Ok(Http {
            client,
            responder: responder.to_string(),
            max_retries,
            backoff: Duration::from_millis(backoff_ms),
        })
    }

    /// Sends the request built by `build`, retrying transport errors and the
    /// statuses `retry(status, body)` accepts, up to `max_retries` times.
    /// Returns the last reply, successful or not; transport failures after
    /// the last retry are `RespondError::Http` with status 0.
    pub async fn send(
        &self,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
        retry: impl Fn(u16, &str) -> bool,
    ) -> Result<Reply, RespondError> {
        let mut attempt = 0u32;
        loop {
            let wait_default = self.backoff * 2u32.saturating_pow(attempt.min(10));
            match build(&self.client).send().await {
                Err(e) => {
                    if attempt >= self.max_retries {
                        return Err(RespondError::Http {
                            responder: self.responder.clone(),
                            status: 0,
                            body: e.without_url().to_string(),
                        });
                    }
                    tracing::debug!(responder = %self.responder, attempt, "transport error, retrying: {}", e.without_url());
                    tokio::time::sleep(wait_default).await;
                }
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let retry_after = resp
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs);
                    let body = resp.text().await.unwrap_or_default();
                    let body = truncate(&body, 2048);
                    if attempt >= self.max_retries || !retry(status, &body) {
                        return Ok(Reply { status, body });
                    }
                    let wait = retry_after.unwrap_or(wait_default);
                    if wait > MAX_RETRY_AFTER {
                        return Ok(Reply { status, body });
                    }
                    tracing::debug!(responder = %self.responder, attempt, status, "retrying after {wait:?}");
                    tokio::time::sleep(wait).await;
                }
            }
            attempt += 1;
        }
    }
}

/// `scheme://host[:port]/...` with the path hidden (webhook URLs carry tokens).
pub(crate) fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => {
            let host = u.host_str().unwrap_or("");
            match u.port() {
                Some(p) => format!("{}://{host}:{p}/***", u.scheme()),
                None => format!("{}://{host}/***", u.scheme()),
            }
        }
        Err(_) => "<invalid url>".to_string(),
    }
}

/// Joins a base URL and a path with exactly one `/`.
pub(crate) fn join(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// Checks that a configured URL is http(s).
pub(crate) fn check_url(responder: &str, url: &str) -> Result<(), RespondError> {
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(()),
        _ => Err(RespondError::Config {
            responder: responder.to_string(),
            message: "url is not an http(s) URL with a host".to_string(),
        }),
    }
}
