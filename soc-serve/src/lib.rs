//! `soc serve`: the live SOC dashboard over the soc state store.
//!
//! An axum (tower, tokio) server rendering every page on the server with
//! maud templates (checked at compile time, escaping every value), with
//! its stylesheet and one small script embedded in the binary. It reads and
//! writes the same SQLite file as `soc run` through
//! [`soc_core::StateStore`], so `soc run --follow` and `soc serve` can run at
//! the same time on one file (WAL; every write is a short transaction).
//!
//! Pages: overview (`/`), inbox (`/inbox`, grouped and paginated on the
//! server), alert detail and triage (`/alerts/{id}`), blocks (`/blocks`),
//! pipeline health (`/health`), live updates (`/events`, server-sent
//! events), and `/labels.csv` (analyst labels for `soc triage train`).
//!
//! Safety: without credentials it only listens on loopback and only
//! answers to a loopback `Host`; with them, sessions use `HttpOnly`,
//! `SameSite=Strict` cookies, every state-changing form carries a CSRF
//! token, and the viewer role is read-only. Responses carry a strict
//! Content-Security-Policy (no inline script).
//!
//! ```no_run
//! use soc_serve::{serve, AuthConfig, ServeConfig};
//! let cfg = ServeConfig::new("soc-state.db", "127.0.0.1:8080".parse().unwrap(), AuthConfig::none());
//! tokio::runtime::Runtime::new().unwrap().block_on(serve(cfg)).unwrap();
//! ```

mod app;
mod auth;
mod error;
mod labels;
mod live;
mod pages;
mod range;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;

use soc_core::respond::firewall::FirewallConfig;
use soc_core::StateStore;

pub use auth::{AuthConfig, Role, AUTH_ENV};
pub use error::ServeError;

/// Everything `soc serve` needs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The state store (`[store] path` of `soc.toml`).
    pub store_path: PathBuf,
    /// Where to listen (loopback unless authentication is configured).
    pub listen: SocketAddr,
    /// Credentials; none means loopback only.
    pub auth: AuthConfig,
    /// The firewall used by block and unblock (`[firewall]` of `soc.toml`).
    pub firewall: FirewallConfig,
    /// Block and unblock only show their commands (`[response] dry_run`).
    pub dry_run: bool,
    /// Remote firewalls (`[response.firewall]`): a block stored as
    /// `backend@host` is unblocked there, as `soc unblock --host` does.
    pub remote_firewalls: soc_core::respond::remote::RemoteFirewallConfig,
    /// The name the audit log records when nobody signs in.
    pub actor: String,
    /// How often the live feed looks for new alerts.
    pub live_poll: Duration,
}

impl ServeConfig {
    /// A configuration with the default firewall, dry-run, and the local
    /// user (`$USER`, else `local`) as the actor.
    pub fn new(store_path: impl Into<PathBuf>, listen: SocketAddr, auth: AuthConfig) -> Self {
        ServeConfig {
            store_path: store_path.into(),
            listen,
            auth,
            firewall: FirewallConfig::default(),
            dry_run: true,
            remote_firewalls: Default::default(),
            actor: std::env::var("USER")
                .ok()
                .filter(|u| !u.is_empty())
                .unwrap_or_else(|| "local".into()),
            live_poll: Duration::from_secs(1),
        }
    }

    /// Refuses a non-loopback address without credentials.
    pub fn check(&self) -> Result<(), ServeError> {
        if !self.listen.ip().is_loopback() && !self.auth.is_configured() {
            return Err(ServeError::AuthRequired { addr: self.listen });
        }
        Ok(())
    }
}

const CSS: &str = include_str!("../assets/app.css");
const JS: &str = include_str!("../assets/app.js");

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=300"),
        ],
        CSS,
    )
}

async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=300"),
        ],
        JS,
    )
}

/// The application: opens the store (adding the dashboard's tables and
/// indexes if missing) and builds every route.
pub fn router(cfg: &ServeConfig) -> Result<Router, ServeError> {
    build(cfg).map(|(router, _)| router)
}

/// The router and the sender that ends the live feeds.
fn build(cfg: &ServeConfig) -> Result<(Router, tokio::sync::watch::Sender<bool>), ServeError> {
    cfg.check()?;
    let store = StateStore::open(&cfg.store_path)?;
    store.ensure_triage_schema()?;
    // Validate the firewall settings now rather than on the first block.
    soc_core::respond::firewall::Firewall::new(cfg.firewall.clone(), None)?;
    let app = Arc::new(app::App {
        store: Arc::new(store),
        firewall: cfg.firewall.clone(),
        dry_run: cfg.dry_run,
        remote_firewalls: cfg.remote_firewalls.clone(),
        auth: cfg.auth.clone(),
        sessions: auth::Sessions::default(),
        open_csrf: auth::random_token(),
        actor: cfg.actor.clone(),
        live_poll: cfg.live_poll,
        shutdown: tokio::sync::watch::channel(false).0,
    });
    let shutdown = app.shutdown.clone();
    let router = Router::new()
        .route("/", get(pages::overview::overview))
        .route("/inbox", get(pages::inbox::inbox))
        .route("/inbox/triage", post(pages::inbox::group_triage))
        .route("/alerts/{id}", get(pages::alert::alert))
        .route("/alerts/{id}/triage", post(pages::alert::triage))
        .route(
            "/blocks",
            get(pages::blocks::blocks).post(pages::blocks::block),
        )
        .route("/blocks/unblock", post(pages::blocks::unblock))
        .route("/health", get(pages::health::health))
        .route("/events", get(live::events))
        .route("/labels.csv", get(labels::labels))
        .route(
            "/login",
            get(pages::login::login_form).post(pages::login::login),
        )
        .route("/logout", post(pages::login::logout))
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            app::guard,
        ))
        .with_state(app);
    Ok((router, shutdown))
}

/// Serves on an already bound listener until `shutdown` completes.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    cfg: &ServeConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let (app, live) = build(cfg)?;
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            let _ = live.send(true);
        })
        .await
        .map_err(|source| ServeError::Io { addr, source })
}

/// Binds `cfg.listen` and serves until Ctrl-C.
pub async fn serve(cfg: ServeConfig) -> Result<(), ServeError> {
    cfg.check()?;
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .map_err(|source| ServeError::Io {
            addr: cfg.listen.to_string(),
            source,
        })?;
    let addr = listener.local_addr().unwrap_or(cfg.listen);
    eprintln!(
        "soc serve: dashboard on http://{addr}/ (state {}){}",
        cfg.store_path.display(),
        if cfg.auth.is_configured() {
            ", sign-in required"
        } else {
            ""
        }
    );
    serve_on(listener, &cfg, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
