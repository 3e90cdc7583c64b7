//! Provider tests against mockito servers answering with the contract fixtures.

mod support;

use std::time::Duration;

use mockito::{Matcher, Server};
use soc_core::enrich::abuseipdb::AbuseIpDb;
use soc_core::enrich::greynoise::GreyNoise;
use soc_core::enrich::http::HttpOptions;
use soc_core::enrich::internetdb::InternetDb;
use soc_core::enrich::rdap::Rdap;
use soc_core::enrich::virustotal::VirusTotal;
use soc_core::enrich::Enricher;
use soc_core::model::{Enrichment, Indicator, IndicatorKind, Verdict};
use soc_core::EnrichError;
use support::mock::{self, Answer};

fn fixture(name: &str) -> String {
    support::fixture(&format!("fixtures/enrich/{name}"))
}

fn opts() -> HttpOptions {
    HttpOptions {
        timeout: Duration::from_secs(5),
        max_retries: 2,
        backoff: Duration::from_millis(10),
        max_retry_after: Duration::from_secs(5),
    }
}

fn ip(v: &str) -> Indicator {
    Indicator::new(IndicatorKind::Ipv4, v)
}

const KEY: &str = "k3y-s3cr3t-0123456789";
/// VirusTotal's path for the address most tests look up.
const VT_IP: &str = "/ip_addresses/198.51.100.23";
const TRANSIENT: &str = r#"{"error":{"code":"TransientError","message":"try again"}}"#;

fn vt(server: &Server) -> VirusTotal {
    VirusTotal::new(KEY.into(), &server.url(), opts(), 3600).unwrap()
}

// ---- VirusTotal ------------------------------------------------------------

#[tokio::test]
async fn vt_ip_success_normalizes_verdict_and_facts() {
    let mut s = Server::new_async().await;
    let m = mock::get(&mut s, VT_IP, fixture("vt_ip.json"))
        .match_header("x-apikey", KEY)
        .expect(1)
        .create_async()
        .await;
    let e = vt(&s).enrich(&ip("198.51.100.23")).await.unwrap();
    m.assert_async().await;
    assert_eq!(e.verdict, Verdict::Malicious);
    assert_eq!(e.facts.malicious, Some(7));
    assert_eq!(e.facts.total, Some(94));
    assert_eq!(e.facts.asn, Some(64500));
    assert_eq!(e.facts.country.as_deref(), Some("NL"));
    assert!(
        e.summary
            .starts_with("7/94 engines malicious, 2 suspicious; reputation -11"),
        "{}",
        e.summary
    );
    assert!(e.score >= 70);
}

#[tokio::test]
async fn vt_file_and_domain_and_url() {
    let mut s = Server::new_async().await;
    let sha = "9f2c8a5e1b7d4c3a6e0f9b8d7c6a5e4f3d2c1b0a9e8f7d6c5b4a3e2f1d0c9b8a";
    mock::get(
        &mut s,
        format!("/files/{sha}").as_str(),
        fixture("vt_file.json"),
    )
    .create_async()
    .await;
    mock::get(&mut s, "/domains/evil.example", fixture("vt_domain.json"))
        .create_async()
        .await;
    // The URL id is unpadded base64url: "http://evil.example/x?a=b" -> no '=' and no '/'.
    let url_mock = mock::get(
        &mut s,
        "/urls/aHR0cDovL2V2aWwuZXhhbXBsZS94P2E9Yg",
        fixture("vt_not_found.json"),
    )
    .with_status(404)
    .expect(1)
    .create_async()
    .await;
    let client = vt(&s);
    let f = client
        .enrich(&Indicator::new(IndicatorKind::Sha256, sha))
        .await
        .unwrap();
    assert_eq!(f.verdict, Verdict::Malicious);
    assert!(f.summary.contains("trojan.mirai/gafgyt"), "{}", f.summary);
    assert!(f.facts.tags.iter().any(|t| t == "upx"));
    let d = client
        .enrich(&Indicator::new(IndicatorKind::Domain, "evil.example"))
        .await
        .unwrap();
    assert_eq!(d.provider, "virustotal");
    assert!(d.facts.total.is_some());
    let u = client
        .enrich(&Indicator::new(
            IndicatorKind::Url,
            "http://evil.example/x?a=b",
        ))
        .await
        .unwrap();
    url_mock.assert_async().await;
    assert_eq!(u.verdict, Verdict::Unknown);
    assert_eq!(u.summary, "not found in VirusTotal");
}

#[tokio::test]
async fn vt_401_is_auth_error_without_the_key() {
    let mut s = Server::new_async().await;
    mock::get(&mut s, VT_IP, fixture("vt_wrong_credentials.json"))
        .with_status(401)
        .expect(1)
        .create_async()
        .await;
    let err = vt(&s).enrich(&ip("198.51.100.23")).await.unwrap_err();
    match &err {
        EnrichError::Auth {
            status, message, ..
        } => {
            assert_eq!(*status, 401);
            assert_eq!(message, "Wrong API key");
        }
        other => panic!("expected Auth, got {other:?}"),
    }
    assert!(!err.to_string().contains(KEY));
    assert!(!format!("{err:?}").contains(KEY));
}

#[tokio::test]
async fn vt_404_is_unknown_not_error() {
    let mut s = Server::new_async().await;
    mock::get(
        &mut s,
        Matcher::Regex("^/files/".into()),
        fixture("vt_not_found.json"),
    )
    .with_status(404)
    .create_async()
    .await;
    let e = vt(&s)
        .enrich(&Indicator::new(IndicatorKind::Sha256, "0".repeat(64)))
        .await
        .unwrap();
    assert_eq!(e.verdict, Verdict::Unknown);
    assert_eq!(e.score, 0);
}

/// Looks 198.51.100.23 up in a VirusTotal that gives `answers` in turn
/// (mockito serves the first created matching mock until it has had its
/// expected calls; then the next one), and checks each was served as often
/// as it expects.
async fn vt_lookup(answers: Vec<Answer>) -> Result<Enrichment, EnrichError> {
    let mut s = Server::new_async().await;
    let mut mocks = Vec::new();
    for a in answers {
        mocks.push(a.on(&mut s, "GET", VT_IP).create_async().await);
    }
    let result = vt(&s).enrich(&ip("198.51.100.23")).await;
    for m in mocks {
        m.assert_async().await;
    }
    result
}

#[tokio::test]
async fn vt_429_waits_for_retry_after_then_succeeds() {
    let e = vt_lookup(vec![
        Answer::new(429, Some("1"), fixture("vt_quota.json"), 1),
        Answer::new(200, None, fixture("vt_ip.json"), 1),
    ])
    .await
    .unwrap();
    assert_eq!(e.verdict, Verdict::Malicious);
}

#[tokio::test]
async fn vt_429_with_long_retry_after_is_reported() {
    let quota = Answer::new(429, Some("3600"), fixture("vt_quota.json"), 1);
    let err = vt_lookup(vec![quota]).await.unwrap_err();
    match err {
        EnrichError::RateLimited { retry_after, .. } => {
            assert_eq!(retry_after, Some(Duration::from_secs(3600)))
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
}

#[tokio::test]
async fn vt_5xx_is_retried_then_succeeds() {
    let e = vt_lookup(vec![
        Answer::new(503, None, TRANSIENT, 2),
        Answer::new(200, None, fixture("vt_ip.json"), 1),
    ])
    .await
    .unwrap();
    assert_eq!(e.facts.malicious, Some(7));
}

#[tokio::test]
async fn vt_5xx_gives_up_after_the_retry_limit() {
    // first try + max_retries (2)
    let err = vt_lookup(vec![Answer::new(500, None, "boom", 3)])
        .await
        .unwrap_err();
    assert!(
        matches!(err, EnrichError::Api { status: 500, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn vt_malformed_json_names_provider_and_field() {
    let mut s = Server::new_async().await;
    mock::get(&mut s, VT_IP, "{not json").create_async().await;
    mock::get(
        &mut s,
        "/ip_addresses/198.51.100.24",
        r#"{"data":{"id":"x"}}"#,
    )
    .create_async()
    .await;
    let client = vt(&s);
    let err = client.enrich(&ip("198.51.100.23")).await.unwrap_err();
    assert!(
        matches!(&err, EnrichError::Malformed { provider, .. } if provider == "virustotal"),
        "{err:?}"
    );
    let err = client.enrich(&ip("198.51.100.24")).await.unwrap_err();
    assert!(err.to_string().contains("data.attributes"), "{err}");
}

#[test]
fn keys_never_in_debug() {
    let vt = VirusTotal::new(KEY.into(), "http://127.0.0.1:1", opts(), 1).unwrap();
    let ab = AbuseIpDb::new(KEY.into(), "http://127.0.0.1:1", opts(), 1).unwrap();
    let gn = GreyNoise::new(Some(KEY.into()), "http://127.0.0.1:1", opts(), 1).unwrap();
    for dbg in [format!("{vt:?}"), format!("{ab:?}"), format!("{gn:?}")] {
        assert!(!dbg.contains(KEY), "{dbg}");
        assert!(dbg.contains("redacted"), "{dbg}");
    }
    let mut cfg = soc_core::enrich::EnrichConfig::default();
    cfg.virustotal.api_key = Some(KEY.into());
    assert!(!format!("{cfg:?}").contains(KEY));
    assert!(!toml::to_string(&cfg).unwrap().contains(KEY));
}

#[test]
fn missing_key_names_env_var_and_config_key() {
    let err = VirusTotal::new(String::new(), "http://127.0.0.1:1", opts(), 1).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("VIRUSTOTAL_API_KEY") && msg.contains("enrich.virustotal.api_key"),
        "{msg}"
    );
}

// ---- AbuseIPDB -------------------------------------------------------------

fn abuse(s: &Server) -> AbuseIpDb {
    AbuseIpDb::new(KEY.into(), &s.url(), opts(), 3600).unwrap()
}

#[tokio::test]
async fn abuseipdb_check_success_reads_quota_and_categories() {
    let mut s = Server::new_async().await;
    let m = mock::get(&mut s, "/check", fixture("abuseipdb_check_verbose.json"))
        .match_header("key", KEY)
        .match_header("accept", "application/json")
        .match_query(Matcher::AllOf(vec![
            Matcher::UrlEncoded("ipAddress".into(), "198.51.100.23".into()),
            Matcher::UrlEncoded("maxAgeInDays".into(), "90".into()),
        ]))
        .with_header("x-ratelimit-remaining", "998")
        .expect(1)
        .create_async()
        .await;
    let db = abuse(&s);
    let e = db.enrich(&ip("198.51.100.23")).await.unwrap();
    m.assert_async().await;
    assert_eq!(e.verdict, Verdict::Malicious);
    assert_eq!(e.score, 100);
    assert_eq!(e.facts.as_owner.as_deref(), Some("Example Hosting B.V."));
    assert_eq!(e.facts.reports, Some(2));
    assert_eq!(e.facts.tags, vec!["Port Scan", "Brute-Force", "SSH"]);
    assert_eq!(db.quota_remaining(), Some(998));
}

#[tokio::test]
async fn abuseipdb_401_and_429() {
    let mut s = Server::new_async().await;
    mock::get(&mut s, "/check", fixture("abuseipdb_401.json"))
        .match_query(Matcher::UrlEncoded(
            "ipAddress".into(),
            "198.51.100.1".into(),
        ))
        .with_status(401)
        .create_async()
        .await;
    mock::get(&mut s, "/check", fixture("abuseipdb_429.json"))
        .match_query(Matcher::UrlEncoded(
            "ipAddress".into(),
            "198.51.100.2".into(),
        ))
        .with_status(429)
        .with_header("retry-after", "86000")
        .with_header("x-ratelimit-remaining", "0")
        .create_async()
        .await;
    let db = abuse(&s);
    let err = db.enrich(&ip("198.51.100.1")).await.unwrap_err();
    assert!(err.to_string().contains("Authentication failed"), "{err}");
    let err = db.enrich(&ip("198.51.100.2")).await.unwrap_err();
    assert!(matches!(err, EnrichError::RateLimited { .. }), "{err:?}");
    assert_eq!(db.quota_remaining(), Some(0));
}

#[tokio::test]
async fn abuseipdb_report_posts_the_form() {
    let mut s = Server::new_async().await;
    let m = s
        .mock("POST", "/report")
        .match_header("key", KEY)
        .match_body(Matcher::AllOf(vec![
            Matcher::UrlEncoded("ip".into(), "198.51.100.23".into()),
            Matcher::UrlEncoded("categories".into(), "18,22".into()),
            Matcher::UrlEncoded("comment".into(), "ssh brute force".into()),
        ]))
        .with_body(r#"{"data":{"ipAddress":"198.51.100.23","abuseConfidenceScore":52}}"#)
        .expect(1)
        .create_async()
        .await;
    let score = abuse(&s)
        .report(
            "198.51.100.23".parse().unwrap(),
            &[18, 22],
            "ssh brute force",
        )
        .await
        .unwrap();
    m.assert_async().await;
    assert_eq!(score, 52);
    assert!(abuse(&s)
        .report("198.51.100.23".parse().unwrap(), &[99], "x")
        .await
        .is_err());
}

// ---- GreyNoise -------------------------------------------------------------

#[tokio::test]
async fn greynoise_malicious_riot_and_not_seen() {
    let mut s = Server::new_async().await;
    mock::get(
        &mut s,
        "/198.51.100.23",
        fixture("greynoise_community.json"),
    )
    .create_async()
    .await;
    mock::get(
        &mut s,
        "/192.0.2.53",
        fixture("greynoise_community_riot.json"),
    )
    .create_async()
    .await;
    mock::get(
        &mut s,
        "/203.0.113.77",
        fixture("greynoise_community_404.json"),
    )
    .with_status(404)
    .create_async()
    .await;
    let gn = GreyNoise::new(None, &s.url(), opts(), 60).unwrap();
    let bad = gn.enrich(&ip("198.51.100.23")).await.unwrap();
    assert_eq!(bad.verdict, Verdict::Malicious);
    assert!(
        bad.summary.contains("last seen 2026-11-21"),
        "{}",
        bad.summary
    );
    let riot = gn.enrich(&ip("192.0.2.53")).await.unwrap();
    assert_eq!(riot.verdict, Verdict::Harmless);
    assert!(riot.summary.contains("Example Public DNS"));
    let unseen = gn.enrich(&ip("203.0.113.77")).await.unwrap();
    assert_eq!(unseen.verdict, Verdict::Unknown);
    assert!(!gn.supports(&Indicator::new(IndicatorKind::Ipv6, "2001:db8::1")));
}

#[tokio::test]
async fn greynoise_429_without_retry_after_is_retried_then_reported() {
    let mut s = Server::new_async().await;
    let m = mock::get(
        &mut s,
        "/198.51.100.23",
        fixture("greynoise_community_429.json"),
    )
    .with_status(429)
    .expect(3)
    .create_async()
    .await;
    let gn = GreyNoise::new(None, &s.url(), opts(), 60).unwrap();
    let err = gn.enrich(&ip("198.51.100.23")).await.unwrap_err();
    m.assert_async().await;
    assert!(
        matches!(
            err,
            EnrichError::RateLimited {
                retry_after: None,
                ..
            }
        ),
        "{err:?}"
    );
}

// ---- InternetDB ------------------------------------------------------------

#[tokio::test]
async fn internetdb_success_and_404() {
    let mut s = Server::new_async().await;
    mock::get(&mut s, "/198.51.100.23", fixture("internetdb.json"))
        .create_async()
        .await;
    mock::get(&mut s, "/203.0.113.9", fixture("internetdb_404.json"))
        .with_status(404)
        .create_async()
        .await;
    mock::get(&mut s, "/203.0.113.10", r#"{"ports":"22"}"#)
        .create_async()
        .await;
    let idb = InternetDb::new(&s.url(), opts(), 60).unwrap();
    let e = idb.enrich(&ip("198.51.100.23")).await.unwrap();
    assert_eq!(e.verdict, Verdict::Suspicious);
    assert!(
        e.summary
            .starts_with("4 open ports (22,80,443,2222), 2 known CVEs"),
        "{}",
        e.summary
    );
    assert_eq!(e.facts.hostnames, vec!["vps-23.example-hosting.example"]);
    let none = idb.enrich(&ip("203.0.113.9")).await.unwrap();
    assert_eq!(none.verdict, Verdict::Unknown);
    let err = idb.enrich(&ip("203.0.113.10")).await.unwrap_err();
    assert!(err.to_string().contains("ports"), "{err}");
}

// ---- RDAP ------------------------------------------------------------------

#[tokio::test]
async fn rdap_follows_the_bootstrap_redirect_chain() {
    let mut rir = Server::new_async().await;
    let mut rir_old = Server::new_async().await;
    let mut bootstrap = Server::new_async().await;
    let final_hop = mock::get(&mut rir, "/ip/198.51.100.23", fixture("rdap_ip.json"))
        .with_header("content-type", "application/rdap+json")
        .expect(1)
        .create_async()
        .await;
    let hop2 = rir_old
        .mock("GET", "/rdap/ip/198.51.100.23")
        .with_status(301)
        .with_header("location", &format!("{}/ip/198.51.100.23", rir.url()))
        .expect(1)
        .create_async()
        .await;
    let hop1 = bootstrap
        .mock("GET", "/ip/198.51.100.23")
        .with_status(302)
        .with_header(
            "location",
            &format!("{}/rdap/ip/198.51.100.23", rir_old.url()),
        )
        .expect(1)
        .create_async()
        .await;
    let rdap = Rdap::new(&bootstrap.url(), opts(), 60).unwrap();
    let e = rdap.enrich(&ip("198.51.100.23")).await.unwrap();
    hop1.assert_async().await;
    hop2.assert_async().await;
    final_hop.assert_async().await;
    assert_eq!(e.facts.network.as_deref(), Some("198.51.100.0/24"));
    assert_eq!(e.facts.country.as_deref(), Some("NL"));
    assert_eq!(
        e.facts.extra["abuse_email"],
        "abuse@example-hosting.example"
    );
    assert_eq!(e.facts.extra["registrant"], "Example Hosting B.V.");
    assert!(
        e.summary
            .starts_with("EXAMPLE-HOSTING-NET 198.51.100.0/24 (NL)"),
        "{}",
        e.summary
    );
}

#[tokio::test]
async fn rdap_404_and_young_domain() {
    let mut s = Server::new_async().await;
    mock::get(&mut s, "/ip/203.0.113.1", fixture("rdap_404.json"))
        .with_status(404)
        .create_async()
        .await;
    let registered = (chrono::Utc::now() - chrono::Duration::days(3)).to_rfc3339();
    let body = serde_json::json!({
        "objectClassName": "domain", "ldhName": "FRESH.EXAMPLE",
        "events": [{"eventAction": "registration", "eventDate": registered}],
        "nameservers": [{"ldhName": "NS1.EXAMPLE"}],
        "entities": [{"roles": ["registrar"], "vcardArray": ["vcard", [["fn", {}, "text", "Example Registrar"]]]}]
    });
    mock::get(&mut s, "/domain/fresh.example", body.to_string())
        .create_async()
        .await;
    let rdap = Rdap::new(&s.url(), opts(), 60).unwrap();
    let none = rdap.enrich(&ip("203.0.113.1")).await.unwrap();
    assert_eq!(none.verdict, Verdict::Unknown);
    let d = rdap
        .enrich(&Indicator::new(IndicatorKind::Domain, "fresh.example"))
        .await
        .unwrap();
    assert_eq!(d.verdict, Verdict::Suspicious);
    assert!(
        d.summary.contains("newly registered") && d.summary.contains("Example Registrar"),
        "{}",
        d.summary
    );
    assert_eq!(d.facts.hostnames, vec!["ns1.example"]);
}

// ---- redirects (#14 item 7) -------------------------------------------------

/// Reproduction: a provider answering 302 to another host made soc send its
/// `x-apikey` / `Key` / `key` header there. Now a cross-origin redirect is
/// refused: the other origin receives nothing, no `Referer` is ever sent,
/// and the error does not carry the key.
#[tokio::test]
async fn api_keys_never_follow_redirects_to_another_origin() {
    let mut provider = Server::new_async().await;
    let mut elsewhere = Server::new_async().await;
    let stolen = mock::get(&mut elsewhere, Matcher::Any, "{}")
        .expect(0)
        .create_async()
        .await;
    let to = format!("{}/stolen", elsewhere.url());
    provider
        .mock("GET", Matcher::Any)
        .with_status(302)
        .with_header("location", &to)
        .create_async()
        .await;
    let gn = GreyNoise::new(Some(KEY.into()), &provider.url(), opts(), 60).unwrap();
    let results = [
        vt(&provider).enrich(&ip("198.51.100.23")).await,
        abuse(&provider).enrich(&ip("198.51.100.23")).await,
        gn.enrich(&ip("198.51.100.23")).await,
    ];
    for r in results {
        let err = r.unwrap_err();
        assert!(!format!("{err:?}").contains(KEY), "{err:?}");
    }
    stolen.assert_async().await;
}

/// A redirect within the provider's own origin is still followed, with the
/// key and without a `Referer`.
#[tokio::test]
async fn same_origin_redirects_are_followed_without_referer() {
    let mut s = Server::new_async().await;
    s.mock("GET", VT_IP)
        .with_status(301)
        .with_header("location", "/v3/ip_addresses/198.51.100.23")
        .create_async()
        .await;
    let moved = mock::get(
        &mut s,
        "/v3/ip_addresses/198.51.100.23",
        fixture("vt_ip.json"),
    )
    .match_header("x-apikey", KEY)
    .match_header("referer", Matcher::Missing)
    .expect(1)
    .create_async()
    .await;
    vt(&s).enrich(&ip("198.51.100.23")).await.unwrap();
    moved.assert_async().await;
}
