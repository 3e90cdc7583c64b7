//! The HTTP client of the webhook, SIEM and ticket responders: the shared
//! retry loop of [`crate::http`] (timeouts, exponential backoff with jitter,
//! `Retry-After`), with error bodies truncated and free of URLs (which may
//! carry tokens).

use std::time::Duration;

use crate::error::RespondError;
use crate::http::{Outcome, RetryPolicy, RetryingClient};
use crate::model::{ActionRecord, Mode};

pub(crate) use crate::http::truncate;

/// Longest `Retry-After` honoured; longer waits fail instead of stalling a run.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// A response: status and body (truncated to 2 KiB).
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

/// Retry settings of a configured endpoint: timeout in seconds, retries,
/// first backoff in milliseconds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RetrySettings {
    pub timeout_secs: u64,
    pub max_retries: u32,
    pub backoff_ms: u64,
}

impl RetrySettings {
    /// The settings of a section's `timeout_secs`, `max_retries` and
    /// `retry_backoff_ms`.
    pub fn new(timeout_secs: u64, max_retries: u32, backoff_ms: u64) -> Self {
        RetrySettings {
            timeout_secs,
            max_retries,
            backoff_ms,
        }
    }
}

/// `impl From<&Section> for RetrySettings` for a config section with the
/// keys `timeout_secs`, `max_retries` and `retry_backoff_ms`, so that its
/// responder builds its client with `Http::for_url(name, url, cfg.into())`.
macro_rules! retry_settings_from {
    ($section:ty) => {
        impl From<&$section> for $crate::respond::http::RetrySettings {
            fn from(cfg: &$section) -> Self {
                Self::new(cfg.timeout_secs, cfg.max_retries, cfg.retry_backoff_ms)
            }
        }
    };
}
pub(crate) use retry_settings_from;

/// Retry settings and a pooled client.
#[derive(Debug)]
pub(crate) struct Http {
    inner: RetryingClient,
    responder: String,
}

impl Http {
    pub fn new(responder: &str, retry: RetrySettings) -> Result<Self, RespondError> {
        let client = RetryingClient::builder(Duration::from_secs(retry.timeout_secs.max(1)))
            .build()
            .map_err(|e| RespondError::Config {
                responder: responder.to_string(),
                message: format!("cannot build HTTP client: {}", e.without_url()),
            })?;
        let policy = RetryPolicy {
            max_retries: retry.max_retries,
            backoff: Duration::from_millis(retry.backoff_ms),
            max_retry_after: MAX_RETRY_AFTER,
        };
        Ok(Http {
            inner: RetryingClient::new(client, policy, responder),
            responder: responder.to_string(),
        })
    }

    /// The client of `responder` for its configured `url`, which must be an
    /// http(s) URL with a host.
    pub fn for_url(responder: &str, url: &str, retry: RetrySettings) -> Result<Self, RespondError> {
        check_url(responder, url)?;
        Self::new(responder, retry)
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
        let outcome = self
            .inner
            .send(build, |o| match o {
                Outcome::Failed(_) => true,
                Outcome::Reply(r) => retry(r.status, &r.body),
            })
            .await;
        match outcome {
            Outcome::Failed(f) => Err(RespondError::Http {
                responder: self.responder.clone(),
                status: 0,
                body: f.message,
            }),
            Outcome::Reply(r) => Ok(Reply {
                status: r.status,
                body: truncate(&r.body, 2048),
            }),
        }
    }
}

/// The endpoint of an HTTP ticket or SIEM client: the client for the
/// configured base URL and the URL its alerts are POSTed to.
pub(crate) struct Endpoint {
    http: Http,
    url: String,
}

impl Endpoint {
    /// `responder`'s client for the configured `base` URL (http(s) with a
    /// host), posting to `base/path`.
    pub fn new(
        responder: &str,
        base: &str,
        path: &str,
        retry: RetrySettings,
    ) -> Result<Self, RespondError> {
        Ok(Endpoint {
            http: Http::for_url(responder, base, retry)?,
            url: join(base, path),
        })
    }

    /// The client (for other requests to the same service).
    pub fn http(&self) -> &Http {
        &self.http
    }

    /// The URL as shown in records and `Debug` ([`shown_endpoint`]).
    pub fn shown(&self) -> String {
        shown_endpoint(&self.url)
    }

    /// Notes `POST <endpoint>` in `rec` and, in a dry run, the body that
    /// would be sent: true when the record is then complete (dry run).
    pub fn note_post(&self, rec: &mut ActionRecord, body: &impl std::fmt::Display) -> bool {
        rec.requests.push(format!("POST {}", self.shown()));
        if rec.mode == Mode::DryRun {
            rec.detail = format!("body: {body}");
            return true;
        }
        false
    }

    /// POSTs to the endpoint the request `build` completes (headers,
    /// body), retrying as [`Http::send`] does.
    pub async fn post(
        &self,
        build: impl Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
        retry: impl Fn(u16, &str) -> bool,
    ) -> Result<Reply, RespondError> {
        self.http.send(|c| build(c.post(&self.url)), retry).await
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

/// An API endpoint as shown in records, audit logs and `Debug`: the path
/// stays (it says what was called), user-info and secret query values
/// become `<redacted>` (see [`crate::pipeline::config::redact_url`]).
pub(crate) fn shown_endpoint(url: &str) -> String {
    crate::pipeline::config::redact_url(url).into_owned()
}

/// The `Debug` of an HTTP responder: its type and its endpoint with any
/// credentials redacted; tokens and keys are never shown.
pub(crate) fn debug_endpoint(
    f: &mut std::fmt::Formatter<'_>,
    type_name: &str,
    endpoint: &Endpoint,
) -> std::fmt::Result {
    f.debug_struct(type_name)
        .field("endpoint", &endpoint.shown())
        .finish_non_exhaustive()
}

/// `impl Debug` for an HTTP responder type with an `endpoint: Endpoint`
/// field: [`debug_endpoint`] under the type's name.
macro_rules! debug_shows_endpoint {
    ($ty:ident) => {
        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                $crate::respond::http::debug_endpoint(f, stringify!($ty), &self.endpoint)
            }
        }
    };
}
pub(crate) use debug_shows_endpoint;

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
