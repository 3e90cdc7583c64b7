//! Cloudflare IP Access Rules against a mockito server answering with the
//! documented shapes (`tests/contracts/cloudflare/`), through the generic
//! `CloudResponder`: dry-run text, idempotency, protected addresses,
//! sweep, typed errors, IPv6 and networks.

mod support;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use mockito::Matcher;
use serde_json::json;

use soc_core::respond::cloud::{
    BlockList, CloudError, CloudResponder, CloudflareConfig, HttpSettings,
};
use soc_core::respond::firewall::{BlockTarget, FirewallConfig};
use soc_core::respond::Secret;
use soc_core::store::BlockEntry;
use soc_core::{ActionOutcome, Mode, RespondError, StateStore};
use support::mock::{self, Answer};

const ZONE: &str = "023e105f4ecef8ad9ca31a8372d0c353";
const TOKEN: &str = "cf-token-that-must-not-leak";
const RULES: &str = "/zones/023e105f4ecef8ad9ca31a8372d0c353/firewall/access_rules/rules";

fn fixture(name: &str) -> String {
    support::fixture(&format!("contracts/cloudflare/{name}"))
}

fn config(base: &str) -> CloudflareConfig {
    CloudflareConfig {
        name: "cloudflare".into(),
        zone_id: Some(ZONE.into()),
        account_id: None,
        token: Secret::new(TOKEN),
        base_url: base.into(),
    }
}

fn http(retries: u32) -> HttpSettings {
    HttpSettings {
        timeout_secs: 5,
        max_retries: retries,
        backoff_ms: 1,
    }
}

fn responder(base: &str) -> (CloudResponder, Arc<StateStore>) {
    let store = Arc::new(StateStore::in_memory().unwrap());
    let fw = FirewallConfig {
        allow: vec!["203.0.113.50".into()],
        ..FirewallConfig::default()
    };
    let list = config(base).block_list(http(0)).unwrap();
    let r = CloudResponder::new(Box::new(list), &fw, Some(store.clone())).unwrap();
    (r, store)
}

fn lookup(server: &mut mockito::Server, value: &str, body: &str) -> mockito::Mock {
    server
        .mock("GET", RULES)
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .match_query(Matcher::AllOf(vec![
            Matcher::UrlEncoded("mode".into(), "block".into()),
            Matcher::UrlEncoded("configuration.value".into(), value.into()),
        ]))
        .with_header("content-type", "application/json")
        .with_body(body)
}

#[tokio::test]
async fn dry_run_shows_the_exact_request_with_the_token_redacted() {
    let mut server = mockito::Server::new_async().await;
    let none = mock::never(&mut server, "GET").await;
    let (r, store) = responder(&server.url());
    let rec = r
        .block("198.51.100.7", None, Mode::DryRun, "alert-1")
        .await
        .unwrap();
    assert_eq!(rec.outcome, ActionOutcome::DryRun);
    assert_eq!(rec.responder, "cloudflare@cloudflare");
    assert_eq!(
        rec.requests,
        vec![format!(
            "POST {}{RULES}\nAuthorization: Bearer <redacted>\nContent-Type: application/json\n\n\
             {{\"mode\":\"block\",\"configuration\":{{\"target\":\"ip\",\"value\":\"198.51.100.7\"}},\"notes\":\"soc: alert-1\"}}",
            server.url()
        )]
    );
    let text = format!("{rec:?} {}", serde_json::to_string(&rec).unwrap());
    assert!(!text.contains(TOKEN), "the token leaked: {text}");
    assert!(!format!("{r:?}").contains(TOKEN));
    assert!(store.blocks().unwrap().is_empty());
    none.assert_async().await;
}

#[tokio::test]
async fn live_block_looks_up_first_and_a_second_block_posts_nothing() {
    let mut server = mockito::Server::new_async().await;
    let empty = lookup(&mut server, "198.51.100.7", &fixture("list_empty.json"))
        .expect(1)
        .create_async()
        .await;
    let post = server
        .mock("POST", RULES)
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .match_body(Matcher::Json(json!({
            "mode": "block",
            "configuration": {"target": "ip", "value": "198.51.100.7"},
            "notes": "soc: alert-1"
        })))
        .with_body(fixture("create.json"))
        .expect(1)
        .create_async()
        .await;
    let (r, store) = responder(&server.url());
    let rec = r
        .block(
            "198.51.100.7",
            Some(Duration::from_secs(600)),
            Mode::Live,
            "alert-1",
        )
        .await
        .unwrap();
    assert_eq!(rec.outcome, ActionOutcome::Done, "{rec:?}");
    empty.assert_async().await;
    empty.remove_async().await;
    let blocks = store.blocks().unwrap();
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0].backend, "cloudflare@cloudflare");
    assert!(blocks[0].expires_at.is_some_and(|e| e > Utc::now()));
    // The rule now exists: the second block looks it up and posts nothing.
    let found = lookup(&mut server, "198.51.100.7", &fixture("list_soc_rule.json"))
        .expect(1)
        .create_async()
        .await;
    let again = r
        .block("198.51.100.7", None, Mode::Live, "alert-2")
        .await
        .unwrap();
    assert!(
        matches!(&again.outcome, ActionOutcome::Skipped(w) if w.contains("already blocked")),
        "{again:?}"
    );
    found.assert_async().await;
    post.assert_async().await;
}

#[tokio::test]
async fn protected_addresses_are_refused_without_any_request() {
    let mut server = mockito::Server::new_async().await;
    let none = mock::never(&mut server, "GET").await;
    let post = mock::never(&mut server, "POST").await;
    let (r, _) = responder(&server.url());
    for t in [
        "10.1.2.3",
        "127.0.0.1",
        "203.0.113.50",
        "203.0.113.0/24",
        "fe80::1",
    ] {
        let e = r.block(t, None, Mode::Live, "x").await.unwrap_err();
        assert!(matches!(e, RespondError::Refused { .. }), "{t}: {e}");
    }
    // A range Cloudflare does not accept is skipped before any request too.
    let rec = r
        .block("198.51.100.0/25", None, Mode::Live, "x")
        .await
        .unwrap();
    assert!(
        matches!(&rec.outcome, ActionOutcome::Skipped(w) if w.contains("/16 or /24")),
        "{rec:?}"
    );
    none.assert_async().await;
    post.assert_async().await;
}

#[tokio::test]
async fn sweep_deletes_the_expired_rule_and_only_soc_rules_are_deleted() {
    let mut server = mockito::Server::new_async().await;
    let (r, store) = responder(&server.url());
    store
        .add_block(&BlockEntry {
            ip: "198.51.100.7".into(),
            backend: "cloudflare@cloudflare".into(),
            created_at: Utc::now() - chrono::Duration::hours(2),
            expires_at: Some(Utc::now() - chrono::Duration::hours(1)),
            reason: "alert-1".into(),
        })
        .unwrap();
    let dry = r.sweep(Mode::DryRun).await.unwrap();
    assert_eq!(dry.len(), 1);
    assert!(dry[0].requests[1].starts_with(&format!("DELETE {}{RULES}/{{rule_id}}", server.url())));
    let found = lookup(&mut server, "198.51.100.7", &fixture("list_soc_rule.json"))
        .create_async()
        .await;
    let delete = server
        .mock(
            "DELETE",
            format!("{RULES}/92f17202ed8bd63d69a66b86a49a8f6b").as_str(),
        )
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .with_body(fixture("delete.json"))
        .expect(1)
        .create_async()
        .await;
    let recs = r.sweep(Mode::Live).await.unwrap();
    assert_eq!(recs.len(), 1);
    assert_eq!(
        (recs[0].action.as_str(), &recs[0].outcome),
        ("expire", &ActionOutcome::Done)
    );
    delete.assert_async().await;
    assert!(store.blocks().unwrap().is_empty());
    found.remove_async().await;
    // A rule someone made by hand (no soc marker) is left alone.
    let manual = lookup(
        &mut server,
        "198.51.100.7",
        &fixture("list_manual_rule.json"),
    )
    .create_async()
    .await;
    let other_delete = mock::never(&mut server, "DELETE").await;
    let rec = r.unblock("198.51.100.7", Mode::Live).await.unwrap();
    assert!(matches!(rec.outcome, ActionOutcome::Skipped(_)), "{rec:?}");
    manual.assert_async().await;
    other_delete.assert_async().await;
}

#[tokio::test]
async fn http_errors_are_typed() {
    let mut server = mockito::Server::new_async().await;
    let t = BlockTarget::parse("198.51.100.7").unwrap();
    let cf = config(&server.url()).block_list(http(1)).unwrap();
    let e = mock::failed_contains(
        &mut server,
        &cf,
        &t,
        RULES,
        Answer::new(401, None, fixture("error_auth.json"), 1),
    )
    .await;
    assert!(matches!(e, CloudError::Unauthorized { .. }), "{e}");
    assert!(e.to_string().contains("Authentication error") && !e.to_string().contains(TOKEN));
    // 429 with a Retry-After longer than soc waits: no retry, the wait is kept.
    let e = mock::failed_contains(
        &mut server,
        &cf,
        &t,
        RULES,
        Answer::new(429, Some("120"), fixture("error_rate_limited.json"), 1),
    )
    .await;
    assert!(
        matches!(e, CloudError::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(120)),
        "{e}"
    );
    // 5xx is retried (max_retries = 1), then typed.
    let e = mock::failed_contains(
        &mut server,
        &cf,
        &t,
        RULES,
        Answer::new(503, None, "upstream unavailable", 2),
    )
    .await;
    assert!(matches!(e, CloudError::Server { status: 503, .. }), "{e}");
    // A 2xx-less API refusal (duplicate) carries Cloudflare's message.
    let _l = lookup(&mut server, "198.51.100.7", &fixture("list_empty.json"))
        .create_async()
        .await;
    let _p = server
        .mock("POST", RULES)
        .with_status(400)
        .with_body(fixture("error_duplicate.json"))
        .create_async()
        .await;
    let e = cf.add(&t, "soc: x").await.unwrap_err();
    assert!(
        matches!(e, CloudError::Api { status: 400, .. }) && e.to_string().contains("duplicate"),
        "{e}"
    );
}

#[tokio::test]
async fn a_failed_live_block_is_recorded_as_pending() {
    let mut server = mockito::Server::new_async().await;
    let _m = server
        .mock("GET", RULES)
        .match_query(Matcher::Any)
        .with_status(500)
        .create_async()
        .await;
    let (r, store) = responder(&server.url());
    let rec = r
        .block("198.51.100.9", None, Mode::Live, "alert-9")
        .await
        .unwrap();
    assert!(
        matches!(&rec.outcome, ActionOutcome::Failed(w) if w.contains("HTTP 500") && w.contains("pending")),
        "{rec:?}"
    );
    assert_eq!(
        store.blocks().unwrap()[0].backend,
        "retry-cloud-block@cloudflare@cloudflare"
    );
}

#[tokio::test]
async fn ipv6_addresses_and_networks_use_ip6_and_ip_range() {
    let mut server = mockito::Server::new_async().await;
    let (r, _) = responder(&server.url());
    for (t, target) in [
        ("2001:db8:1:2::77", "ip6"),
        ("2001:db8:1:2::/64", "ip_range"),
        ("198.51.100.0/24", "ip_range"),
    ] {
        let _l = lookup(&mut server, t, &fixture("list_empty.json"))
            .create_async()
            .await;
        let post = server
            .mock("POST", RULES)
            .match_body(Matcher::PartialJson(json!({
                "mode": "block",
                "configuration": {"target": target, "value": t}
            })))
            .with_body(fixture("create.json"))
            .expect(1)
            .create_async()
            .await;
        let rec = r.block(t, None, Mode::Live, "x").await.unwrap();
        assert_eq!(rec.outcome, ActionOutcome::Done, "{t}: {rec:?}");
        assert_eq!(rec.detail.starts_with("network, "), t.contains('/'));
        post.assert_async().await;
    }
}

#[tokio::test]
async fn account_level_rules_and_bad_config() {
    let mut cfg = config("https://api.example");
    cfg.zone_id = None;
    cfg.account_id = Some("01a7362d577a6c3019a474fd6f485823".into());
    let cf = cfg.block_list(HttpSettings::default()).unwrap();
    let t = BlockTarget::parse("198.51.100.7").unwrap();
    assert!(cf.describe_add(&t, "soc: x")[0]
        .url
        .ends_with("/accounts/01a7362d577a6c3019a474fd6f485823/firewall/access_rules/rules"));
    cfg.zone_id = Some(ZONE.into());
    assert!(cfg
        .block_list(HttpSettings::default())
        .unwrap_err()
        .to_string()
        .contains("exactly one"));
    cfg.account_id = None;
    cfg.zone_id = Some("../../etc".into());
    assert!(cfg.block_list(HttpSettings::default()).is_err());
}
