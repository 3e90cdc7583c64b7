//! Who may use the dashboard: credentials (tokens or argon2 password
//! hashes) with a role, in-memory sessions behind an `HttpOnly`,
//! `SameSite=Strict` cookie, and a CSRF token per session that every
//! state-changing form carries.
//!
//! Without credentials the dashboard only listens on loopback, everyone on
//! this host is the analyst named by `--user`, and forms still carry a
//! per-process CSRF token (another site in the browser cannot read it).

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordVerifier};
use argon2::Argon2;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::ServeError;

/// What a signed-in user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Read everything, triage alerts, block and unblock.
    Analyst,
    /// Read only.
    Viewer,
}

impl Role {
    /// The display name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Analyst => "analyst",
            Role::Viewer => "viewer",
        }
    }
}

#[derive(Clone)]
enum Secret {
    /// SHA-256 of the token (the token itself is not kept).
    Token([u8; 32]),
    /// An argon2 PHC string (`$argon2id$v=19$...`).
    PasswordHash(String),
}

/// Credentials and their roles. `Debug` never shows secrets.
#[derive(Clone, Default)]
pub struct AuthConfig {
    credentials: Vec<(Role, Secret)>,
}

impl fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "AuthConfig({} credentials, redacted)",
            self.credentials.len()
        )
    }
}

/// The environment variables read by [`AuthConfig::from_env`].
pub const AUTH_ENV: [(&str, Role, bool); 4] = [
    ("SOC_SERVE_TOKEN", Role::Analyst, false),
    ("SOC_SERVE_PASSWORD_HASH", Role::Analyst, true),
    ("SOC_SERVE_VIEWER_TOKEN", Role::Viewer, false),
    ("SOC_SERVE_VIEWER_PASSWORD_HASH", Role::Viewer, true),
];

impl AuthConfig {
    /// No credentials: loopback only.
    pub fn none() -> Self {
        AuthConfig::default()
    }

    /// Reads `SOC_SERVE_TOKEN`, `SOC_SERVE_PASSWORD_HASH` (analyst) and
    /// `SOC_SERVE_VIEWER_TOKEN`, `SOC_SERVE_VIEWER_PASSWORD_HASH` (read-only).
    pub fn from_env() -> Result<Self, ServeError> {
        let mut cfg = AuthConfig::none();
        for (var, role, is_hash) in AUTH_ENV {
            if let Some(v) = std::env::var(var).ok().filter(|v| !v.trim().is_empty()) {
                cfg = if is_hash {
                    cfg.with_password_hash(role, v.trim())?
                } else {
                    cfg.with_token(role, &v)?
                };
            }
        }
        Ok(cfg)
    }

    /// Adds a bearer token / password for `role` (at least 16 characters).
    pub fn with_token(mut self, role: Role, token: &str) -> Result<Self, ServeError> {
        if token.chars().count() < 16 {
            return Err(ServeError::Auth {
                what: format!("{} token", role.as_str()),
                reason: "must be at least 16 characters".into(),
            });
        }
        self.credentials
            .push((role, Secret::Token(Sha256::digest(token.as_bytes()).into())));
        Ok(self)
    }

    /// Adds an argon2 password hash (PHC string) for `role`.
    pub fn with_password_hash(mut self, role: Role, phc: &str) -> Result<Self, ServeError> {
        PasswordHash::new(phc).map_err(|e| ServeError::Auth {
            what: format!("{} password hash", role.as_str()),
            reason: format!(
                "not an argon2 PHC string ({e}); make one with `argon2` or Python's argon2-cffi"
            ),
        })?;
        self.credentials
            .push((role, Secret::PasswordHash(phc.to_string())));
        Ok(self)
    }

    /// Whether any credential is configured.
    pub fn is_configured(&self) -> bool {
        !self.credentials.is_empty()
    }

    /// The role `secret` signs in as, if any (the analyst role wins).
    pub fn verify(&self, secret: &str) -> Option<Role> {
        let digest: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
        let mut found = None;
        for (role, s) in &self.credentials {
            let ok = match s {
                Secret::Token(t) => constant_time_eq(t, &digest),
                Secret::PasswordHash(phc) => PasswordHash::new(phc)
                    .map(|h| {
                        Argon2::default()
                            .verify_password(secret.as_bytes(), &h)
                            .is_ok()
                    })
                    .unwrap_or(false),
            };
            if ok && found != Some(Role::Analyst) {
                found = Some(*role);
            }
        }
        found
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Compares two tokens without an early exit.
pub(crate) fn tokens_match(a: &str, b: &str) -> bool {
    constant_time_eq(a.as_bytes(), b.as_bytes())
}

/// 32 random bytes, URL-safe base64.
pub(crate) fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// The signed-in user of a request.
#[derive(Debug, Clone)]
pub(crate) struct Principal {
    /// Name recorded in the audit log.
    pub actor: String,
    pub role: Role,
    /// The token forms must carry (`None`: bearer-token API requests, which
    /// a browser never sends on its own, need none).
    pub csrf: Option<String>,
}

struct Session {
    actor: String,
    role: Role,
    csrf: String,
    expires: Instant,
}

/// Sessions in memory (a restart signs everyone out).
#[derive(Default)]
pub(crate) struct Sessions {
    map: Mutex<HashMap<String, Session>>,
}

/// How long a session lasts.
pub(crate) const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);
/// The session cookie's name.
pub(crate) const SESSION_COOKIE: &str = "soc_session";
/// The pre-login CSRF cookie's name.
pub(crate) const LOGIN_COOKIE: &str = "soc_login";

impl Sessions {
    /// Starts a session; returns its id.
    pub fn create(&self, actor: &str, role: Role) -> String {
        let id = random_token();
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        map.retain(|_, s| s.expires > now);
        map.insert(
            id.clone(),
            Session {
                actor: actor.to_string(),
                role,
                csrf: random_token(),
                expires: now + SESSION_TTL,
            },
        );
        id
    }

    /// The principal of session `id`, if it is live.
    pub fn get(&self, id: &str) -> Option<Principal> {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.get(id)
            .filter(|s| s.expires > Instant::now())
            .map(|s| Principal {
                actor: s.actor.clone(),
                role: s.role,
                csrf: Some(s.csrf.clone()),
            })
    }

    /// Ends session `id`.
    pub fn remove(&self, id: &str) {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
    }
}

/// The value of cookie `name` in a `Cookie` header.
pub(crate) fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

/// A `Set-Cookie` value: `HttpOnly`, `SameSite=Strict`, path `/`.
pub(crate) fn set_cookie(name: &str, value: &str, max_age: Option<Duration>) -> String {
    let age = max_age
        .map(|d| format!("; Max-Age={}", d.as_secs()))
        .unwrap_or_default();
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict{age}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, SaltString};

    #[test]
    fn tokens_and_hashes_verify_with_their_role() {
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let phc = Argon2::default()
            .hash_password(b"correct horse battery", &salt)
            .unwrap()
            .to_string();
        let cfg = AuthConfig::none()
            .with_token(Role::Viewer, "viewer-token-0123456789")
            .unwrap()
            .with_password_hash(Role::Analyst, &phc)
            .unwrap();
        assert_eq!(cfg.verify("viewer-token-0123456789"), Some(Role::Viewer));
        assert_eq!(cfg.verify("correct horse battery"), Some(Role::Analyst));
        assert_eq!(cfg.verify("wrong"), None);
        assert!(!format!("{cfg:?}").contains("viewer-token"));
        assert!(AuthConfig::none()
            .with_token(Role::Analyst, "short")
            .is_err());
        assert!(AuthConfig::none()
            .with_password_hash(Role::Analyst, "plain")
            .is_err());
    }

    #[test]
    fn sessions_and_cookies() {
        let s = Sessions::default();
        let id = s.create("ana", Role::Analyst);
        let p = s.get(&id).unwrap();
        assert_eq!((p.actor.as_str(), p.role), ("ana", Role::Analyst));
        assert_ne!(p.csrf.as_deref(), Some(id.as_str()));
        s.remove(&id);
        assert!(s.get(&id).is_none());
        assert_eq!(cookie("a=1; soc_session=xyz", SESSION_COOKIE), Some("xyz"));
        let c = set_cookie(SESSION_COOKIE, "v", None);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict"));
    }
}
