//! Errors: [`ServeError`] when the server cannot start, [`HttpError`] when
//! one request fails (rendered as an escaped HTML page with its status).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;

use soc_core::error::StoreError;
use soc_core::RespondError;

/// Why `soc serve` could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// Listening beyond loopback without sign-in configured.
    #[error("refusing to listen on {addr} without authentication: set SOC_SERVE_TOKEN or SOC_SERVE_PASSWORD_HASH (an argon2 hash), or listen on 127.0.0.1")]
    AuthRequired {
        /// The requested address.
        addr: std::net::SocketAddr,
    },
    /// A credential in the configuration is unusable.
    #[error("authentication config: {what}: {reason}")]
    Auth {
        /// Which setting.
        what: String,
        /// Why.
        reason: String,
    },
    /// The state store could not be opened or migrated.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The firewall settings are invalid.
    #[error(transparent)]
    Firewall(#[from] RespondError),
    /// Binding or serving failed.
    #[error("listening on {addr}: {source}")]
    Io {
        /// The address.
        addr: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// A failed request.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HttpError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("sign in first")]
    Unauthorized,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Internal(String),
}

impl HttpError {
    fn status(&self) -> StatusCode {
        match self {
            HttpError::NotFound(_) => StatusCode::NOT_FOUND,
            HttpError::BadRequest(_) => StatusCode::BAD_REQUEST,
            HttpError::Forbidden(_) => StatusCode::FORBIDDEN,
            HttpError::Unauthorized => StatusCode::UNAUTHORIZED,
            HttpError::Store(_) | HttpError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!("{self}");
        }
        let body = html! {
            (maud::DOCTYPE)
            html lang="en" {
                head { meta charset="utf-8"; title { "soc: " (status.as_u16()) } link rel="stylesheet" href="/static/app.css"; }
                body { main {
                    h1 { (status.as_u16()) " " (status.canonical_reason().unwrap_or("")) }
                    p.error { (self.to_string()) }
                    p { a href="/" { "Back to the overview" } }
                } }
            }
        };
        (status, body).into_response()
    }
}
