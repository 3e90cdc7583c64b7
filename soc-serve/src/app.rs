//! The shared state of the server and the request plumbing every page
//! uses: who is asking ([`Principal`] as an extractor), CSRF and role
//! checks, and running store queries off the async runtime.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::{header, request::Parts, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use soc_core::error::StoreError;
use soc_core::respond::firewall::FirewallConfig;
use soc_core::StateStore;

use crate::auth::{cookie, AuthConfig, Principal, Role, Sessions, SESSION_COOKIE};
use crate::error::HttpError;

/// Everything a handler needs.
pub(crate) struct App {
    pub store: Arc<StateStore>,
    pub firewall: FirewallConfig,
    /// Dashboard firewall actions only describe their commands.
    pub dry_run: bool,
    /// Remote firewalls (`[response.firewall]`), for unblocking `backend@host` blocks.
    pub remote_firewalls: soc_core::respond::remote::RemoteFirewallConfig,
    pub auth: AuthConfig,
    pub sessions: Sessions,
    /// The CSRF token of the no-sign-in (loopback) mode.
    pub open_csrf: String,
    /// The analyst named in the audit log in the no-sign-in mode.
    pub actor: String,
    /// How often the live feed looks for new alerts.
    pub live_poll: Duration,
    /// Turns `true` when the server shuts down (live feeds end then, so a
    /// graceful shutdown does not wait for open browser tabs).
    pub shutdown: tokio::sync::watch::Sender<bool>,
}

pub(crate) type AppState = Arc<App>;

impl App {
    /// Runs a store call on the blocking pool.
    pub async fn db<T, F>(&self, f: F) -> Result<T, HttpError>
    where
        T: Send + 'static,
        F: FnOnce(&StateStore) -> Result<T, StoreError> + Send + 'static,
    {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .map_err(|e| HttpError::Internal(format!("store task failed: {e}")))?
            .map_err(HttpError::from)
    }
}

impl Principal {
    /// Fails unless `token` is this principal's CSRF token.
    pub fn check_csrf(&self, token: &str) -> Result<(), HttpError> {
        match &self.csrf {
            None => Ok(()),
            Some(t) if crate::auth::tokens_match(t, token) => Ok(()),
            Some(_) => Err(HttpError::Forbidden(
                "missing or wrong CSRF token: reload the page and try again".into(),
            )),
        }
    }

    /// Fails for the read-only role.
    pub fn require_analyst(&self) -> Result<(), HttpError> {
        match self.role {
            Role::Analyst => Ok(()),
            Role::Viewer => Err(HttpError::Forbidden("the viewer role is read-only".into())),
        }
    }

    /// [`check_csrf`](Self::check_csrf) and [`require_analyst`](Self::require_analyst).
    pub fn may_write(&self, token: &str) -> Result<(), HttpError> {
        self.check_csrf(token)?;
        self.require_analyst()
    }

    /// The token to put in forms (empty for bearer clients).
    pub fn csrf_token(&self) -> &str {
        self.csrf.as_deref().unwrap_or("")
    }
}

/// No principal: pages send the browser to the sign-in form, the rest get 401.
pub(crate) struct SignInFirst {
    to_login: bool,
}

impl IntoResponse for SignInFirst {
    fn into_response(self) -> Response {
        if self.to_login {
            Redirect::to("/login").into_response()
        } else {
            HttpError::Unauthorized.into_response()
        }
    }
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = SignInFirst;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if !app.auth.is_configured() {
            return Ok(Principal {
                actor: app.actor.clone(),
                role: Role::Analyst,
                csrf: Some(app.open_csrf.clone()),
            });
        }
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if let Some(token) = bearer {
            if let Some(role) = app.auth.verify(token.trim()) {
                return Ok(Principal {
                    actor: format!("token:{}", role.as_str()),
                    role,
                    csrf: None,
                });
            }
        }
        let session = parts
            .headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|h| cookie(h, SESSION_COOKIE))
            .and_then(|id| app.sessions.get(id));
        session.ok_or(SignInFirst {
            to_login: parts.method == Method::GET,
        })
    }
}

/// Headers on every response: a strict Content-Security-Policy (no inline
/// script, so even a missed escape cannot run), no framing, no sniffing.
/// Without sign-in, requests must name a loopback host (DNS rebinding).
pub(crate) async fn guard(State(app): State<AppState>, req: Request, next: Next) -> Response {
    if !app.auth.is_configured() {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let name = host
            .rsplit_once(':')
            .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
            .map_or(host, |(h, _)| h);
        if !matches!(name, "127.0.0.1" | "localhost" | "[::1]" | "") {
            return (
                StatusCode::MISDIRECTED_REQUEST,
                "this dashboard answers only to localhost without sign-in configured",
            )
                .into_response();
        }
    }
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}
