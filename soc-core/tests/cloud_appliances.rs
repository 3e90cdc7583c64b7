//! OPNsense and pfSense aliases against mockito servers answering with the
//! documented shapes (`tests/contracts/{opnsense,pfsense}/`), through the
//! generic `CloudResponder`; and the engine sending `block` to them.

mod support;

use std::sync::Arc;

use chrono::Utc;
use mockito::Matcher;
use serde_json::json;

use soc_core::respond::cloud::{
    BlockList, CloudConfig, CloudError, CloudResponder, HttpSettings, OpnsenseConfig, PfsenseConfig,
};
use soc_core::respond::firewall::{BlockTarget, FirewallConfig};
use soc_core::respond::{ResponseConfig, ResponseEngine, Secret};
use soc_core::store::BlockEntry;
use soc_core::{ActionOutcome, Alert, Mode, RespondError, RiskLevel, Severity, StateStore};
use support::mock::{self, Answer};

const KEY: &str = "opn-key-must-not-leak";
const SECRET: &str = "opn-secret-must-not-leak";
const PF_KEY: &str = "pf-key-must-not-leak";

fn fixture(dir: &str, name: &str) -> String {
    support::fixture(&format!("contracts/{dir}/{name}"))
}

fn http() -> HttpSettings {
    HttpSettings {
        timeout_secs: 5,
        max_retries: 1,
        backoff_ms: 1,
    }
}

fn opnsense(url: &str) -> OpnsenseConfig {
    OpnsenseConfig {
        name: "fw1".into(),
        url: url.into(),
        key: Secret::new(KEY),
        secret: Secret::new(SECRET),
        alias: "soc_block".into(),
    }
}

fn pfsense(url: &str) -> PfsenseConfig {
    PfsenseConfig {
        name: "fw2".into(),
        url: url.into(),
        api_key: Secret::new(PF_KEY),
        alias: "soc_block".into(),
        apply: true,
    }
}

fn wrap(list: Box<dyn BlockList>) -> (CloudResponder, Arc<StateStore>) {
    let store = Arc::new(StateStore::in_memory().unwrap());
    let r = CloudResponder::new(list, &FirewallConfig::default(), Some(store.clone())).unwrap();
    (r, store)
}

/// `Basic base64(key:secret)`.
fn basic() -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{KEY}:{SECRET}"))
    )
}

/// OPNsense's listing of the soc alias.
const OPN_LIST: &str = "/api/firewall/alias_util/list/soc_block";
/// pfSense's aliases.
const PF_ALIASES: &str = "/api/v2/firewall/aliases";

/// Blocks `target` live with `r` (for `reason`): the block must be done.
async fn block_done(r: &CloudResponder, target: &str, reason: &str) {
    let rec = r.block(target, None, Mode::Live, reason).await.unwrap();
    assert_eq!(rec.outcome, ActionOutcome::Done, "{rec:?}");
}

#[tokio::test]
async fn opnsense_dry_run_block_unblock_and_idempotency() {
    let mut server = mockito::Server::new_async().await;
    let (r, store) = wrap(Box::new(
        opnsense(&server.url()).block_list(http()).unwrap(),
    ));
    let rec = r
        .block("198.51.100.8", None, Mode::DryRun, "a")
        .await
        .unwrap();
    assert_eq!(
        rec.requests,
        vec![format!(
            "POST {}/api/firewall/alias_util/add/soc_block\nAuthorization: Basic <redacted>\n\
             Content-Type: application/json\n\n{{\"address\":\"198.51.100.8\"}}",
            server.url()
        )]
    );
    let list = server
        .mock("GET", OPN_LIST)
        .match_header("authorization", basic().as_str())
        .with_body(fixture("opnsense", "list.json"))
        .expect_at_least(1)
        .create_async()
        .await;
    let add = server
        .mock("POST", "/api/firewall/alias_util/add/soc_block")
        .match_header("authorization", basic().as_str())
        .match_body(Matcher::Json(json!({"address": "198.51.100.8"})))
        .with_body(fixture("opnsense", "status_done.json"))
        .expect(1)
        .create_async()
        .await;
    block_done(&r, "198.51.100.8", "a").await;
    add.assert_async().await;
    assert_eq!(store.blocks().unwrap()[0].backend, "opnsense@fw1");
    // Already in the alias (list.json): nothing is added; IPv6 network too.
    for t in ["198.51.100.7", "2001:db8:1:2::/64"] {
        let rec = r.block(t, None, Mode::Live, "a").await.unwrap();
        assert!(
            matches!(rec.outcome, ActionOutcome::Skipped(_)),
            "{t}: {rec:?}"
        );
    }
    add.assert_async().await;
    let delete = server
        .mock("POST", "/api/firewall/alias_util/delete/soc_block")
        .match_body(Matcher::Json(json!({"address": "2001:db8:1:2::/64"})))
        .with_body(fixture("opnsense", "status_done.json"))
        .expect(1)
        .create_async()
        .await;
    let rec = r.unblock("2001:db8:1:2::/64", Mode::Live).await.unwrap();
    assert_eq!(rec.outcome, ActionOutcome::Done, "{rec:?}");
    delete.assert_async().await;
    list.assert_async().await;
}

#[tokio::test]
async fn opnsense_errors_and_refusals() {
    let mut server = mockito::Server::new_async().await;
    let fw = opnsense(&server.url()).block_list(http()).unwrap();
    let t = BlockTarget::parse("198.51.100.8").unwrap();
    let unauthorized = Answer::new(401, None, fixture("opnsense", "error_401.json"), 1);
    let e = mock::failed_contains(&mut server, &fw, &t, OPN_LIST, unauthorized).await;
    assert!(matches!(e, CloudError::Unauthorized { .. }), "{e}");
    assert!(!e.to_string().contains(SECRET));
    let _l = server
        .mock("GET", OPN_LIST)
        .with_body(fixture("opnsense", "list_empty.json"))
        .create_async()
        .await;
    let _a = server
        .mock("POST", "/api/firewall/alias_util/add/soc_block")
        .with_body(fixture("opnsense", "status_not_an_address.json"))
        .create_async()
        .await;
    let e = fw.add(&t, "soc: x").await.unwrap_err();
    assert!(e.to_string().contains("not_an_address"), "{e}");
    // The firewall's own management address is never blocked on it.
    let fw = opnsense("https://198.51.100.1").block_list(http()).unwrap();
    let (r, _) = wrap(Box::new(fw));
    let e = r
        .block("198.51.100.1", None, Mode::DryRun, "x")
        .await
        .unwrap_err();
    assert!(matches!(e, RespondError::Refused { .. }), "{e}");
}

#[tokio::test]
async fn pfsense_patches_the_alias_applies_and_sweeps() {
    let mut server = mockito::Server::new_async().await;
    let (r, store) = wrap(Box::new(pfsense(&server.url()).block_list(http()).unwrap()));
    let lookup = server
        .mock("GET", PF_ALIASES)
        .match_header("x-api-key", PF_KEY)
        .match_query(Matcher::UrlEncoded("name".into(), "soc_block".into()))
        .with_body(fixture("pfsense", "aliases.json"))
        .expect_at_least(1)
        .create_async()
        .await;
    let patch = server
        .mock("PATCH", "/api/v2/firewall/alias")
        .match_header("x-api-key", PF_KEY)
        .match_body(Matcher::Json(json!({
            "id": 3,
            "address": ["203.0.113.77", "198.51.100.7"],
            "detail": ["soc: earlier", "soc: alert-1"]
        })))
        .with_body(fixture("pfsense", "alias_patched.json"))
        .expect(1)
        .create_async()
        .await;
    let apply = server
        .mock("POST", "/api/v2/firewall/apply")
        .match_header("x-api-key", PF_KEY)
        .with_body(fixture("pfsense", "apply.json"))
        .expect(2)
        .create_async()
        .await;
    block_done(&r, "198.51.100.7", "alert-1").await;
    patch.assert_async().await;
    // Already there (aliases.json lists 203.0.113.77): no PATCH.
    let rec = r
        .block("203.0.113.77", None, Mode::Live, "x")
        .await
        .unwrap();
    assert!(matches!(rec.outcome, ActionOutcome::Skipped(_)), "{rec:?}");
    // The recorded block of 203.0.113.77 expired: sweep removes it.
    store
        .add_block(&BlockEntry {
            ip: "203.0.113.77".into(),
            backend: "pfsense@fw2".into(),
            created_at: Utc::now() - chrono::Duration::hours(2),
            expires_at: Some(Utc::now() - chrono::Duration::hours(1)),
            reason: "earlier".into(),
        })
        .unwrap();
    let removal = server
        .mock("PATCH", "/api/v2/firewall/alias")
        .match_body(Matcher::Json(json!({"id": 3, "address": [], "detail": []})))
        .with_body(fixture("pfsense", "alias_patched.json"))
        .expect(1)
        .create_async()
        .await;
    let recs = r.sweep(Mode::Live).await.unwrap();
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].outcome, ActionOutcome::Done, "{recs:?}");
    removal.assert_async().await;
    apply.assert_async().await;
    lookup.assert_async().await;
    assert!(!store
        .blocks()
        .unwrap()
        .iter()
        .any(|b| b.ip == "203.0.113.77"));
}

#[tokio::test]
async fn pfsense_errors() {
    let mut server = mockito::Server::new_async().await;
    let fw = pfsense(&server.url()).block_list(http()).unwrap();
    let t = BlockTarget::parse("2001:db8:1:2::9").unwrap();
    let unauthorized = Answer::new(401, None, fixture("pfsense", "error_401.json"), 1);
    assert!(matches!(
        mock::failed_contains(&mut server, &fw, &t, PF_ALIASES, unauthorized).await,
        CloudError::Unauthorized { .. }
    ));
    let none = Answer::new(200, None, fixture("pfsense", "aliases_none.json"), 1);
    let e = mock::failed_contains(&mut server, &fw, &t, PF_ALIASES, none).await;
    assert!(e.to_string().contains("no alias 'soc_block'"), "{e}");
    let bad_gateway = Answer::new(502, None, "", 2);
    assert!(matches!(
        mock::failed_contains(&mut server, &fw, &t, PF_ALIASES, bad_gateway).await,
        CloudError::Server { status: 502, .. }
    ));
}

#[test]
fn config_rejects_bad_values() {
    let bad_alias = OpnsenseConfig {
        alias: "soc-block; x".into(),
        ..opnsense("https://fw1.example.net")
    };
    assert!(bad_alias.block_list(http()).is_err());
    assert!(opnsense("ftp://fw1").block_list(http()).is_err());
    let cfg = CloudConfig {
        opnsense: vec![opnsense("https://a.example"), opnsense("https://b.example")],
        ..Default::default()
    };
    assert!(cfg.ids().unwrap_err().to_string().contains("two backends"));
    let clash: ResponseConfig = toml::from_str(
        "[[firewall.remote]]\nname = \"fw1\"\nhost = \"192.0.2.21\"\n\
         [[cloud.opnsense]]\nname = \"fw1\"\nurl = \"https://192.0.2.1\"\nkey = \"k\"\nsecret = \"s\"\n",
    )
    .unwrap();
    let store = Arc::new(StateStore::in_memory().unwrap());
    let e = ResponseEngine::from_config(&clash, store).unwrap_err();
    assert!(
        e.to_string()
            .contains("also a [[response.firewall.remote]] host"),
        "{e}"
    );
    let unknown = toml::from_str::<CloudConfig>(
        "[[pfsense]]\nname = \"x\"\nurl = \"https://x\"\napi_key = \"k\"\nbogus = 1",
    );
    assert!(unknown.is_err(), "unknown keys are refused");
}

#[tokio::test]
async fn the_engine_blocks_on_every_cloud_backend() {
    let mut server = mockito::Server::new_async().await;
    let store = Arc::new(StateStore::in_memory().unwrap());
    let cfg: ResponseConfig = toml::from_str(&format!(
        "[[cloud.opnsense]]\nname = \"fw1\"\nurl = \"{}\"\nkey = \"k\"\nsecret = \"s\"\n",
        server.url()
    ))
    .unwrap();
    let mut engine = ResponseEngine::from_config(&cfg, store.clone()).unwrap();
    let ids = engine
        .register_cloud(&cfg.cloud, &FirewallConfig::default())
        .unwrap();
    assert_eq!(ids, ["opnsense@fw1"]);
    assert!(engine.responders().contains(&"opnsense@fw1"));
    let none = server
        .mock("POST", Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    let mut alert = Alert::new("ssh.brute_force", "k", "SSH brute force", Severity::High);
    alert.src_ip = Some("198.51.100.44".parse().unwrap());
    let score = support::score("x", 95.0, RiskLevel::Critical);
    let recs = engine.handle(&alert, &score).await;
    let rec = recs
        .iter()
        .find(|r| r.responder == "opnsense@fw1")
        .expect("block went to the cloud backend");
    assert_eq!(
        (rec.action.as_str(), &rec.outcome),
        ("block", &ActionOutcome::DryRun)
    );
    assert!(rec.requests[0].contains("alias_util/add/soc_block"));
    none.assert_async().await;
}
