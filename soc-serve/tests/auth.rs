//! Sign-in, roles, sessions and CSRF when credentials are configured, and
//! the refusal to listen beyond loopback without them.

mod common;

use common::*;
use soc_serve::{AuthConfig, Role, ServeConfig, ServeError};

const ANALYST: &str = "analyst-token-0123456789";
const VIEWER: &str = "viewer-token-0123456789";

fn auth() -> AuthConfig {
    AuthConfig::none()
        .with_token(Role::Analyst, ANALYST)
        .unwrap()
        .with_token(Role::Viewer, VIEWER)
        .unwrap()
}

async fn sign_in(base: &str, name: &str, secret: &str) -> (u16, Option<String>) {
    let c = client();
    let r = c.get(format!("{base}/login")).send().await.unwrap();
    let login_cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let token = csrf_of(&r.text().await.unwrap());
    let r = c
        .post(format!("{base}/login"))
        .header("cookie", login_cookie)
        .form(&[("csrf", token.as_str()), ("name", name), ("secret", secret)])
        .send()
        .await
        .unwrap();
    let session = r
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_string())
        .filter(|c| c.starts_with("soc_session="));
    (r.status().as_u16(), session)
}

#[test]
fn beyond_loopback_needs_credentials() {
    let cfg = ServeConfig::new("x.db", "0.0.0.0:8080".parse().unwrap(), AuthConfig::none());
    assert!(matches!(cfg.check(), Err(ServeError::AuthRequired { .. })));
    assert!(cfg
        .check()
        .unwrap_err()
        .to_string()
        .contains("SOC_SERVE_TOKEN"));
    let cfg = ServeConfig::new("x.db", "0.0.0.0:8080".parse().unwrap(), auth());
    assert!(cfg.check().is_ok());
}

#[tokio::test]
async fn pages_need_a_session_and_sessions_are_strict_cookies() {
    let (srv, evil) = start(auth(), 1).await;
    let r = client()
        .get(format!("{}/inbox", srv.base))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection());
    assert_eq!(r.headers()["location"], "/login");
    let r = client()
        .post(format!("{}/blocks", srv.base))
        .form(&[("ip", "198.51.100.1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    assert_eq!(
        sign_in(&srv.base, "ana", "wrong-secret-0123456789").await,
        (401, None)
    );
    // The sign-in form itself is CSRF-protected (double submit).
    let r = client()
        .post(format!("{}/login", srv.base))
        .form(&[("csrf", "x"), ("name", "ana"), ("secret", ANALYST)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    let (status, cookie) = sign_in(&srv.base, "ana", ANALYST).await;
    assert_eq!(status, 303);
    let cookie = cookie.unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_string();
    let c = client();
    let url = format!("{}/alerts/{}", srv.base, enc(&evil));
    let page = get_page(&c, &url, Some(&session)).await;
    assert!(page.contains("ana (analyst)"));
    let token = csrf_of(&page);
    let r = post_form(
        &c,
        &format!("{url}/triage"),
        Some(&session),
        &[("op", "ack")],
    )
    .await;
    assert_eq!(r.status(), 403, "CSRF token required with a session");
    let ack = [("op", "ack"), ("csrf", token.as_str())];
    let r = post_form(&c, &format!("{url}/triage"), Some(&session), &ack).await;
    assert_eq!(r.status(), 303);
    let page = get_page(&c, &url, Some(&session)).await;
    assert!(page.contains("ana</strong> status: acknowledged"));

    // Sign out ends the session.
    let logout = format!("{}/logout", srv.base);
    let r = post_form(&c, &logout, Some(&session), &[("csrf", token.as_str())]).await;
    assert_eq!(r.status(), 303);
    let r = c.get(&url).header("cookie", &session).send().await.unwrap();
    assert!(r.status().is_redirection());
}

#[tokio::test]
async fn the_viewer_role_is_read_only_and_bearer_tokens_work() {
    let (srv, evil) = start(auth(), 1).await;
    let (_, cookie) = sign_in(&srv.base, "vic", VIEWER).await;
    let session = cookie.unwrap().split(';').next().unwrap().to_string();
    let c = client();
    let url = format!("{}/alerts/{}", srv.base, enc(&evil));
    let page = get_page(&c, &url, Some(&session)).await;
    assert!(page.contains("vic (viewer)"));
    let token = csrf_of(&page);
    let ack = [("op", "ack"), ("csrf", token.as_str())];
    let r = post_form(&c, &format!("{url}/triage"), Some(&session), &ack).await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("read-only"));

    let r = c
        .get(format!("{}/inbox", srv.base))
        .bearer_auth(VIEWER)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = c
        .post(format!("{url}/triage"))
        .bearer_auth(ANALYST)
        .form(&[("op", "ack")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        303,
        "bearer clients need no CSRF token (browsers never send the header)"
    );
    let r = c
        .get(format!("{}/inbox", srv.base))
        .bearer_auth("nope-nope-nope-nope")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection());
}
