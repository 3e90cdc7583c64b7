//! Splunk export source against a mock server (mockito), with the contract
//! fixtures from `tests/fixtures/source/`.

mod support;

use std::sync::Arc;

use mockito::{Matcher, Server};
use soc_core::source::{
    build_source, LogSource, SourceConfig, SourceKind, SourceRecord, SplunkConfig, SplunkSource,
};
use soc_core::{SourceError, StateStore};

const EXPORT: &str = "/services/search/jobs/export";

fn fixture(name: &str) -> String {
    support::fixture(&format!("fixtures/source/{name}"))
}

fn config(url: &str) -> SplunkConfig {
    SplunkConfig {
        url: url.to_string(),
        query: "index=linux sourcetype=linux_secure".into(),
        token: Some("s3cret-token".into()),
        retry_backoff_ms: 1,
        ..SplunkConfig::default()
    }
}

fn all(src: &mut dyn LogSource) -> Vec<Result<SourceRecord, SourceError>> {
    std::iter::from_fn(|| src.next_record()).collect()
}

/// One fetch of the window up to now by an SSH source made of `cfg`.
fn fetch_once(cfg: SplunkConfig) -> Result<Vec<SourceRecord>, SourceError> {
    let src = SplunkSource::new(cfg, SourceKind::Ssh).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let window = src.window(None, chrono::Utc::now());
    rt.block_on(src.fetch(&window))
}

#[test]
fn raw_events_become_raw_lines_and_the_window_is_checkpointed() {
    let mut server = Server::new();
    let first = server
        .mock("POST", EXPORT)
        .match_header("authorization", "Bearer s3cret-token")
        .match_header("content-type", "application/x-www-form-urlencoded")
        .match_body(Matcher::AllOf(vec![
            Matcher::UrlEncoded(
                "search".into(),
                "search index=linux sourcetype=linux_secure".into(),
            ),
            Matcher::UrlEncoded("output_mode".into(), "json".into()),
            Matcher::UrlEncoded("earliest_time".into(), "-15m".into()),
            Matcher::Regex("latest_time=[0-9]{10}".into()),
        ]))
        .with_status(200)
        .with_body(fixture("splunk_export_events.ndjson"))
        .create();
    let store = Arc::new(StateStore::in_memory().unwrap());
    let src = SplunkSource::new(config(&server.url()), SourceKind::Ssh).unwrap();
    let key = src.checkpoint_key();
    let mut src = src.into_log_source(Some(store.clone()), false);
    assert!(src.checkpoints().is_empty());
    let first_rec = src.next_record().unwrap().unwrap();
    assert_eq!(first_rec.kind, SourceKind::Ssh);
    assert!(first_rec
        .text
        .starts_with("Nov 22 08:59:02 web01 sshd[23112]: Failed password for invalid user admin"));
    assert_eq!(first_rec.origin.line, 1);
    assert!(
        src.checkpoints().is_empty(),
        "no checkpoint before every result of the window is yielded"
    );
    let second = src.next_record().unwrap().unwrap();
    assert!(second.text.contains("Failed password for root"));
    assert!(src.next_record().is_none());
    first.assert();
    let cps = src.checkpoints();
    assert_eq!(cps.len(), 1);
    assert_eq!(cps[0].source_key, key);
    let end = cps[0].offset;
    let now = chrono::Utc::now().timestamp() as u64;
    assert!(
        end <= now && end + 600 > now,
        "window end {end} is about now {now}"
    );
    for cp in &cps {
        cp.save(&store).unwrap();
    }
    assert_eq!(store.checkpoint(&key).unwrap().map(|c| c.1), Some(end));

    // A window that is still empty (same second) is not searched at all.
    let mut src2 = SplunkSource::new(config(&server.url()), SourceKind::Ssh)
        .unwrap()
        .into_log_source(Some(store.clone()), false);
    if chrono::Utc::now().timestamp() as u64 == end {
        assert!(src2.next_record().is_none());
    }

    // The next run starts where the last one ended (a minute ago, say).
    let earlier = end - 60;
    store
        .set_checkpoint(&key, &cps[0].identity, earlier)
        .unwrap();
    let next = server
        .mock("POST", EXPORT)
        .match_body(Matcher::UrlEncoded(
            "earliest_time".into(),
            earlier.to_string(),
        ))
        .with_status(200)
        .with_body("")
        .create();
    let mut src = SplunkSource::new(config(&server.url()), SourceKind::Ssh)
        .unwrap()
        .into_log_source(Some(store), false);
    assert!(src.next_record().is_none());
    next.assert();
}

#[test]
fn stats_results_become_json_and_previews_are_dropped() {
    let mut server = Server::new();
    let body = format!(
        "{}\n{}",
        r#"{"preview":true,"offset":0,"result":{"src_ip":"192.0.2.1","count":"1"}}"#,
        fixture("splunk_export_stream.ndjson")
    );
    let m = server
        .mock("POST", EXPORT)
        .with_status(200)
        .with_body(body)
        .create();
    let cfg: SourceConfig = toml::from_str(&format!(
        "kind = \"alerts\"\nsplunk = {{ url = \"{}\", query = \"| tstats count\", token = \"t\", token_type = \"Splunk\" }}",
        server.url()
    ))
    .unwrap();
    let mut src = build_source(&cfg, None).unwrap();
    let out: Vec<_> = all(src.as_mut()).into_iter().map(|r| r.unwrap()).collect();
    m.assert();
    assert_eq!(out.len(), 3, "the preview row is dropped");
    let v: serde_json::Value = serde_json::from_str(&out[1].text).unwrap();
    assert_eq!(v["src_ip"], "203.0.113.77");
    assert_eq!(v["user"], serde_json::json!(["admin", "ubuntu"]));
    assert_eq!(out[2].origin.line, 3);
    assert!(out.iter().all(|r| r.kind == SourceKind::Alerts));
}

#[test]
fn lastrow_ends_the_stream_and_warnings_do_not_fail() {
    let mut server = Server::new();
    let body = concat!(
        r#"{"preview":false,"messages":[{"type":"WARN","text":"search truncated"}]}"#,
        "\n",
        r#"{"preview":false,"offset":0,"lastrow":true,"result":{"a":"1"}}"#,
        "\n",
        r#"{"preview":false,"offset":1,"result":{"a":"after lastrow"}}"#,
        "\n",
    );
    server.mock("POST", EXPORT).with_body(body).create();
    let mut src = SplunkSource::new(config(&server.url()), SourceKind::Alerts)
        .unwrap()
        .into_log_source(None, false);
    let out: Vec<_> = all(&mut src).into_iter().map(|r| r.unwrap().text).collect();
    assert_eq!(out, [r#"{"a":"1"}"#]);
}

#[test]
fn error_messages_in_the_stream_fail_the_fetch() {
    let mut server = Server::new();
    let body = r#"{"messages":[{"type":"FATAL","text":"Unknown search command 'stat'."}]}"#;
    server.mock("POST", EXPORT).with_body(body).create();
    let mut src = SplunkSource::new(config(&server.url()), SourceKind::Alerts)
        .unwrap()
        .into_log_source(None, false);
    match src.next_record() {
        Some(Err(SourceError::Remote {
            status, message, ..
        })) => {
            assert_eq!(status, 200);
            assert!(message.contains("Unknown search command"), "{message}");
        }
        other => panic!("expected Remote, got {other:?}"),
    }
    assert!(src.next_record().is_none(), "one-shot: no retry loop");
    assert!(
        src.checkpoints().is_empty(),
        "a failed window is not checkpointed"
    );
}

#[test]
fn http_401_and_400_are_typed_errors_without_the_secret() {
    let mut server = Server::new();
    server
        .mock("POST", EXPORT)
        .with_status(401)
        .with_body(r#"{"messages":[{"type":"WARN","text":"call not properly authenticated"}]}"#)
        .create();
    let e = fetch_once(config(&server.url())).unwrap_err();
    let text = e.to_string();
    assert!(
        matches!(e, SourceError::Remote { status: 401, .. }),
        "{text}"
    );
    assert!(text.contains("check splunk.token"), "{text}");
    assert!(text.contains("not properly authenticated"), "{text}");
    assert!(!text.contains("s3cret") && !format!("{e:?}").contains("s3cret"));

    let mut server = Server::new();
    server
        .mock("POST", EXPORT)
        .with_status(400)
        .with_body(r#"{"messages":[{"type":"ERROR","text":"Error in 'search' command: Unable to parse the search."}]}"#)
        .create();
    let e = fetch_once(config(&server.url())).unwrap_err();
    assert!(matches!(e, SourceError::Remote { status: 400, .. }));
    assert!(e.to_string().contains("Unable to parse the search"), "{e}");
}

#[test]
fn busy_servers_are_retried_through_the_shared_client() {
    let mut server = Server::new();
    let busy = server
        .mock("POST", EXPORT)
        .with_status(503)
        .with_body("search head busy")
        .expect(1)
        .create();
    let ok = server
        .mock("POST", EXPORT)
        .with_body(fixture("splunk_export_events.ndjson"))
        .expect(1)
        .create();
    let records = fetch_once(config(&server.url())).unwrap();
    assert_eq!(records.len(), 2);
    busy.assert();
    ok.assert();

    // With retries used up, the last answer is the error.
    let mut server = Server::new();
    let always = server
        .mock("POST", EXPORT)
        .with_status(503)
        .with_body("search head busy")
        .expect(3)
        .create();
    let cfg = SplunkConfig {
        max_retries: 2,
        ..config(&server.url())
    };
    let e = fetch_once(cfg).unwrap_err();
    assert!(matches!(e, SourceError::Remote { status: 503, .. }), "{e}");
    always.assert();
}

#[test]
fn basic_auth_is_sent() {
    let mut server = Server::new();
    // base64("analyst:pw")
    let m = server
        .mock("POST", EXPORT)
        .match_header("authorization", "Basic YW5hbHlzdDpwdw==")
        .with_body(r#"{"preview":false,"result":{"_raw":"x"}}"#)
        .create();
    let cfg = SplunkConfig {
        token: None,
        username: Some("analyst".into()),
        password: Some("pw".into()),
        ..config(&server.url())
    };
    let mut src = SplunkSource::new(cfg, SourceKind::Ssh)
        .unwrap()
        .into_log_source(None, false);
    assert_eq!(src.next_record().unwrap().unwrap().text, "x");
    m.assert();
}

#[test]
fn unreachable_server_is_a_transport_error() {
    // A port nothing listens on: bind, note the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut src = SplunkSource::new(config(&format!("http://127.0.0.1:{port}")), SourceKind::Ssh)
        .unwrap()
        .into_log_source(None, false);
    assert!(matches!(
        src.next_record(),
        Some(Err(SourceError::Transport { .. }))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sync_adapter_works_inside_a_tokio_runtime() {
    let mut server = Server::new_async().await;
    server
        .mock("POST", EXPORT)
        .with_body(fixture("splunk_export_events.ndjson"))
        .create_async()
        .await;
    let mut src = SplunkSource::new(config(&server.url()), SourceKind::Ssh)
        .unwrap()
        .into_log_source(None, false);
    let n = tokio::task::block_in_place(|| all(&mut src).len());
    assert_eq!(n, 2);
}

#[test]
fn following_searches_the_next_window_after_the_interval() {
    let mut server = Server::new();
    let first = server
        .mock("POST", EXPORT)
        .match_body(Matcher::UrlEncoded("earliest_time".into(), "-15m".into()))
        .with_body(r#"{"preview":false,"lastrow":true,"result":{"_raw":"one"}}"#)
        .create();
    let cfg = SplunkConfig {
        interval_secs: 1,
        ..config(&server.url())
    };
    let mut src = SplunkSource::new(cfg, SourceKind::Ssh)
        .unwrap()
        .into_log_source(None, true);
    assert!(src.is_following());
    assert_eq!(src.next_record().unwrap().unwrap().text, "one");
    assert!(src.next_record().is_none(), "not due yet");
    first.assert();
    let end = src.checkpoints()[0].offset;
    let second = server
        .mock("POST", EXPORT)
        .match_body(Matcher::UrlEncoded("earliest_time".into(), end.to_string()))
        .with_body(r#"{"preview":false,"lastrow":true,"result":{"_raw":"two"}}"#)
        .create();
    std::thread::sleep(src.poll_interval() + std::time::Duration::from_millis(100));
    assert_eq!(src.next_record().unwrap().unwrap().text, "two");
    second.assert();
    assert!(src.checkpoints()[0].offset > end);
}
