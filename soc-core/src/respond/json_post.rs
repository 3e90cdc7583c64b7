//! A URL that takes JSON POSTs with an optional bearer token: what the
//! generic webhook notifier and the SIEM JSON sink share (the URL and token
//! resolved from `${VAR}`s, the URL checked and shown redacted, 429 and 5xx
//! retried).

use serde::Serialize;

use crate::error::RespondError;
pub(crate) use crate::respond::http::RetrySettings;
use crate::respond::http::{redact_url, Http, Reply};
use crate::respond::secret::Secret;

/// A JSON endpoint; `Debug` shows only its redacted URL.
pub(crate) struct JsonPost {
    responder: &'static str,
    http: Http,
    url: String,
    token: Option<String>,
}

impl std::fmt::Debug for JsonPost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonPost")
            .field("url", &self.shown_url())
            .finish_non_exhaustive()
    }
}

impl JsonPost {
    /// `responder`'s endpoint: `url` and the optional bearer token (named
    /// `token_field` in the config, for errors) are resolved and the URL
    /// must be http(s).
    pub(crate) fn new(
        responder: &'static str,
        url: &Secret,
        token: Option<&Secret>,
        token_field: &str,
        retry: RetrySettings,
    ) -> Result<Self, RespondError> {
        let url = url.resolve(responder, "url")?;
        let http = Http::for_url(responder, &url, retry)?;
        let token = token
            .map(|t| t.resolve(responder, token_field))
            .transpose()?;
        Ok(JsonPost {
            responder,
            http,
            url,
            token,
        })
    }

    /// The URL as records and logs show it (the path hidden: it may carry
    /// a token).
    pub(crate) fn shown_url(&self) -> String {
        redact_url(&self.url)
    }

    /// POSTs `body` as JSON, retrying 429, 5xx and transport errors; a
    /// final reply that is not 2xx is an error.
    pub(crate) async fn post<T: Serialize + ?Sized + Sync>(
        &self,
        body: &T,
    ) -> Result<Reply, RespondError> {
        let reply = self
            .http
            .send(
                |c| {
                    let r = c.post(&self.url).json(body);
                    match &self.token {
                        Some(t) => r.bearer_auth(t),
                        None => r,
                    }
                },
                |s, _| s == 429 || s >= 500,
            )
            .await?;
        if !reply.ok() {
            return Err(reply.error(self.responder));
        }
        Ok(reply)
    }
}
