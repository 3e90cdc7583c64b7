//! `GET/POST /login` and `POST /logout`. The sign-in form carries a
//! double-submit CSRF token (cookie + field); a session cookie is
//! `HttpOnly` and `SameSite=Strict`.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup, DOCTYPE};
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::{
    cookie, random_token, set_cookie, tokens_match, Principal, LOGIN_COOKIE, SESSION_COOKIE,
    SESSION_TTL,
};
use crate::error::HttpError;

fn form(token: &str, error: Option<&str>) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head { meta charset="utf-8"; title { "Sign in · soc" } link rel="stylesheet" href="/static/app.css"; }
            body { main.login {
                h1 { "soc: sign in" }
                @if let Some(e) = error { p.message.refused { (e) } }
                form method="post" action="/login" {
                    input type="hidden" name="csrf" value=(token);
                    label { "Your name (for the audit log) " input name="name" required size="20" autocomplete="username"; } br;
                    label { "Password or token " input type="password" name="secret" required size="30" autocomplete="current-password"; } br;
                    button type="submit" { "Sign in" }
                }
            } }
        }
    }
}

fn login_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| cookie(h, LOGIN_COOKIE))
        .map(str::to_string)
}

/// `GET /login`.
pub(crate) async fn login_form(State(app): State<AppState>) -> Response {
    if !app.auth.is_configured() {
        return Redirect::to("/").into_response();
    }
    let token = random_token();
    (
        [(header::SET_COOKIE, set_cookie(LOGIN_COOKIE, &token, None))],
        form(&token, None),
    )
        .into_response()
}

/// The sign-in form.
#[derive(Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    secret: String,
}

/// `POST /login`.
pub(crate) async fn login(
    State(app): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, HttpError> {
    if !app.auth.is_configured() {
        return Ok(Redirect::to("/").into_response());
    }
    let expected = login_cookie(&headers).unwrap_or_default();
    if expected.is_empty() || !tokens_match(&expected, &f.csrf) {
        return Err(HttpError::Forbidden(
            "missing or wrong CSRF token: reload the sign-in page".into(),
        ));
    }
    let name: String = f
        .name
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(64)
        .collect();
    let auth = app.auth.clone();
    let secret = f.secret;
    // argon2 is deliberately slow: verify off the async runtime.
    let role = tokio::task::spawn_blocking(move || auth.verify(&secret))
        .await
        .map_err(|e| HttpError::Internal(e.to_string()))?;
    match role {
        Some(role) if !name.is_empty() => {
            let id = app.sessions.create(&name, role);
            tracing::info!(actor = %name, role = role.as_str(), "signed in");
            Ok((
                StatusCode::SEE_OTHER,
                [
                    (
                        header::SET_COOKIE,
                        set_cookie(SESSION_COOKIE, &id, Some(SESSION_TTL)),
                    ),
                    (header::LOCATION, "/".to_string()),
                ],
            )
                .into_response())
        }
        _ => {
            tracing::warn!(actor = %name, "failed sign-in");
            let token = random_token();
            Ok((
                StatusCode::UNAUTHORIZED,
                [(header::SET_COOKIE, set_cookie(LOGIN_COOKIE, &token, None))],
                form(&token, Some("Wrong name or password.")),
            )
                .into_response())
        }
    }
}

/// The sign-out form.
#[derive(Deserialize)]
pub(crate) struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /logout`.
pub(crate) async fn logout(
    State(app): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Form(f): Form<LogoutForm>,
) -> Result<Response, HttpError> {
    who.check_csrf(&f.csrf)?;
    if let Some(id) = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| cookie(h, SESSION_COOKIE))
    {
        app.sessions.remove(id);
    }
    Ok((
        StatusCode::SEE_OTHER,
        [
            (
                header::SET_COOKIE,
                set_cookie(SESSION_COOKIE, "", Some(std::time::Duration::ZERO)),
            ),
            (header::LOCATION, "/login".to_string()),
        ],
    )
        .into_response())
}
