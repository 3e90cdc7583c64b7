//! The retry loop every HTTP integration shares (threat-intelligence
//! providers in [`crate::enrich`], webhooks, SIEM forwarders and ticketing in
//! [`crate::respond`]): exponential backoff with jitter, `Retry-After` (in
//! seconds or as an HTTP date) honoured up to a limit, a request counter, and
//! text helpers for error bodies. Each domain decides what to retry and maps
//! the final [`Outcome`] to its own error type.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rand::Rng;

/// How often and how long to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First backoff delay; doubles per retry (capped at 60 s), with jitter.
    pub backoff: Duration,
    /// Longest `Retry-After` to wait for; a longer one ends the retries and
    /// the reply that asked for it is returned.
    pub max_retry_after: Duration,
}

/// A reply that arrived: status, the headers the callers read, and the body.
#[derive(Debug, Clone)]
pub(crate) struct RawReply {
    /// HTTP status.
    pub status: u16,
    /// `Retry-After`, parsed.
    pub retry_after: Option<Duration>,
    /// `X-RateLimit-Remaining`, parsed.
    pub ratelimit_remaining: Option<u64>,
    /// The body as text (empty if it could not be read).
    pub body: String,
}

/// A request that got no answer.
#[derive(Debug, Clone)]
pub(crate) struct TransportFailure {
    /// The request timed out.
    pub timeout: bool,
    /// Connecting or sending failed (worth retrying).
    pub transient: bool,
    /// The error and its causes, without the URL (which may carry a token).
    pub message: String,
}

/// What the last attempt gave.
#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    /// The server answered (any status).
    Reply(RawReply),
    /// No answer: connection, TLS or timeout failure.
    Failed(TransportFailure),
}

/// A reqwest client with a retry policy and a request counter.
#[derive(Debug)]
pub(crate) struct RetryingClient {
    client: reqwest::Client,
    policy: RetryPolicy,
    label: String,
    requests: AtomicU64,
}

impl RetryingClient {
    /// Wraps `client`; `label` names the integration in debug logs.
    pub fn new(client: reqwest::Client, policy: RetryPolicy, label: &str) -> Self {
        RetryingClient {
            client,
            policy,
            label: label.to_string(),
            requests: AtomicU64::new(0),
        }
    }

    /// A client builder with soc's user agent and `timeout`, no `Referer`,
    /// and [`same_origin_redirects`]: the integrations send API keys in
    /// headers reqwest does not know are secret, so a redirect to another
    /// origin is refused rather than followed with them.
    pub fn builder(timeout: Duration) -> reqwest::ClientBuilder {
        reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("soc/", env!("CARGO_PKG_VERSION")))
            .referer(false)
            .redirect(same_origin_redirects())
    }

    /// HTTP requests sent so far (retries included).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Sends the request `build` makes until `retryable` says no, the
    /// retries are used up, or a `Retry-After` exceeds the policy's limit;
    /// returns the last outcome. A reply's `Retry-After` sets the wait,
    /// otherwise the jittered backoff does.
    pub async fn send(
        &self,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
        retryable: impl Fn(&Outcome) -> bool,
    ) -> Outcome {
        let mut attempt: u32 = 0;
        loop {
            self.requests.fetch_add(1, Ordering::Relaxed);
            let outcome = match build(&self.client).send().await {
                Err(e) => Outcome::Failed(TransportFailure {
                    timeout: e.is_timeout(),
                    transient: e.is_timeout() || e.is_connect() || e.is_request(),
                    message: transport_message(e),
                }),
                Ok(resp) => {
                    let headers = resp.headers();
                    let retry_after = retry_after(headers);
                    let ratelimit_remaining = header_u64(headers, "x-ratelimit-remaining");
                    let status = resp.status().as_u16();
                    let body = resp.text().await.unwrap_or_default();
                    Outcome::Reply(RawReply {
                        status,
                        retry_after,
                        ratelimit_remaining,
                        body,
                    })
                }
            };
            if attempt >= self.policy.max_retries || !retryable(&outcome) {
                return outcome;
            }
            let wait = match &outcome {
                Outcome::Reply(RawReply {
                    retry_after: Some(wait),
                    ..
                }) => *wait,
                _ => backoff(self.policy.backoff, attempt),
            };
            if wait > self.policy.max_retry_after {
                return outcome;
            }
            match &outcome {
                Outcome::Reply(r) => {
                    tracing::debug!(target: "soc::http", integration = %self.label, attempt, status = r.status, "retrying in {wait:?}")
                }
                Outcome::Failed(e) => {
                    tracing::debug!(target: "soc::http", integration = %self.label, attempt, "transport error, retrying in {wait:?}: {}", e.message)
                }
            }
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }
}

/// Most redirects followed for one request.
const MAX_REDIRECTS: usize = 10;

/// `scheme://host:port` of `url` (the port made explicit).
fn origin(url: &reqwest::Url) -> String {
    format!(
        "{}://{}:{}",
        url.scheme(),
        url.host_str().unwrap_or(""),
        url.port_or_known_default().unwrap_or(0)
    )
}

/// A redirect policy for clients that send credentials (`x-apikey`, `Key`,
/// `Authorization`, tokens in headers): redirects are followed (up to 10)
/// only within the origin (scheme, host and port) of the first request; a
/// redirect anywhere else is an error, so no credential reaches another
/// host and no `https` request is downgraded.
pub(crate) fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
        }
        let to = origin(attempt.url());
        match attempt.previous().first() {
            Some(first) if origin(first) == to => attempt.follow(),
            _ => attempt.error(format!(
                "refused a redirect to another origin ({to}): the request carries credentials"
            )),
        }
    })
}

/// Exponential backoff with jitter: uniform in `[d/2, d]` where
/// `d = first * 2^attempt`, capped at 60 s.
pub(crate) fn backoff(first: Duration, attempt: u32) -> Duration {
    let base = u64::try_from(first.as_millis()).unwrap_or(u64::MAX);
    let d = base.saturating_mul(1u64 << attempt.min(16)).min(60_000);
    if d == 0 {
        return Duration::ZERO;
    }
    Duration::from_millis(rand::rng().random_range(d / 2..=d))
}

fn header_u64(headers: &reqwest::header::HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// Parses `Retry-After` as seconds or an HTTP date.
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = headers.get("retry-after")?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let delta = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

/// A transport error with its causes, without the URL (which may carry a
/// token).
fn transport_message(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}

/// At most `max` characters of `s` (trimmed), with `…` when cut.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    let s = s.trim();
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", s[..i].trim_end()),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_cuts_on_chars_and_marks_the_cut() {
        assert_eq!(truncate("  short  ", 10), "short");
        assert_eq!(truncate("ééééé", 3), "ééé…");
        assert_eq!(truncate("abc", 3), "abc");
    }

    #[test]
    fn retry_after_takes_seconds_and_http_dates() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("retry-after", "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            "retry-after",
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(
            retry_after(&h),
            Some(Duration::ZERO),
            "a past date means now"
        );
        let later = chrono::Utc::now() + chrono::Duration::seconds(90);
        h.insert("retry-after", later.to_rfc2822().parse().unwrap());
        let wait = retry_after(&h).unwrap();
        assert!(wait > Duration::from_secs(80) && wait <= Duration::from_secs(90));
        h.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }

    #[tokio::test]
    async fn a_long_retry_after_ends_the_retries_with_that_reply() {
        let mut server = mockito::Server::new_async().await;
        let m = server
            .mock("GET", "/x")
            .with_status(429)
            .with_header("retry-after", "3600")
            .expect(1)
            .create_async()
            .await;
        let policy = RetryPolicy {
            max_retries: 5,
            backoff: Duration::from_millis(1),
            max_retry_after: Duration::from_secs(60),
        };
        let c = RetryingClient::new(reqwest::Client::new(), policy, "t");
        let url = format!("{}/x", server.url());
        let out = c.send(|c| c.get(&url), |_| true).await;
        m.assert_async().await;
        match out {
            Outcome::Reply(r) => {
                assert_eq!(r.status, 429);
                assert_eq!(r.retry_after, Some(Duration::from_secs(3600)));
            }
            Outcome::Failed(f) => panic!("{f:?}"),
        }
        assert_eq!(c.requests(), 1);
    }

    #[tokio::test]
    async fn retries_until_the_policy_is_used_up() {
        let mut server = mockito::Server::new_async().await;
        let m = server
            .mock("GET", "/x")
            .with_status(503)
            .with_header("x-ratelimit-remaining", "41")
            .expect(3)
            .create_async()
            .await;
        let policy = RetryPolicy {
            max_retries: 2,
            backoff: Duration::from_millis(1),
            max_retry_after: Duration::from_secs(60),
        };
        let c = RetryingClient::new(reqwest::Client::new(), policy, "t");
        let url = format!("{}/x", server.url());
        let out = c
            .send(
                |c| c.get(&url),
                |o| matches!(o, Outcome::Reply(r) if r.status >= 500),
            )
            .await;
        m.assert_async().await;
        assert!(matches!(
            out,
            Outcome::Reply(RawReply {
                status: 503,
                ratelimit_remaining: Some(41),
                ..
            })
        ));
        assert_eq!(c.requests(), 3);
    }
}
