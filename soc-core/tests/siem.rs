//! SIEM forwarders against mockito servers speaking the contract shapes.

mod support;

use soc_core::respond::siem::{
    ElasticBulk, ElasticConfig, JsonSink, SinkConfig, SplunkHec, SplunkHecConfig,
};
use soc_core::respond::Secret;
use soc_core::{ActionOutcome, Alert, Mode, RespondError, Responder, Severity};
use support::mock::Answer;

fn fixture(name: &str) -> String {
    support::fixture(&format!("fixtures/respond/{name}"))
}

fn alerts(n: usize) -> Vec<Alert> {
    (0..n)
        .map(|i| {
            let mut a = Alert::new(
                "ssh.brute_force",
                &format!("k{i}"),
                "SSH brute force",
                Severity::High,
            );
            a.src_ip = Some(format!("203.0.113.{i}").parse().unwrap());
            a.host = Some("web01".into());
            a
        })
        .collect()
}

fn hec(url: String, batch: usize) -> SplunkHec {
    SplunkHec::new(&SplunkHecConfig {
        url,
        token: Secret::new("hec-token"),
        index: Some("soc".into()),
        batch_size: batch,
        retry_backoff_ms: 1,
        ..Default::default()
    })
    .unwrap()
}

/// The HEC event endpoint.
const HEC_EVENT: &str = "/services/collector/event";

/// What forwarding one alert to a HEC that answers `answer` gives, after
/// checking it was served as often as it expects; the mock is gone after.
async fn hec_answered(server: &mut mockito::Server, answer: Answer) -> Result<usize, RespondError> {
    let m = answer.on(server, "POST", HEC_EVENT).create_async().await;
    let result = hec(server.url(), 10).forward(&alerts(1)).await;
    m.assert_async().await;
    m.remove_async().await;
    result
}

#[tokio::test]
async fn hec_batches_concatenated_events() {
    let mut server = mockito::Server::new_async().await;
    let m = Answer::new(200, None, fixture("hec_ok.json"), 2)
        .on(&mut server, "POST", HEC_EVENT)
        .match_header("authorization", "Splunk hec-token")
        .match_body(mockito::Matcher::Regex(r#"^(\{"time":[0-9.]+,"source":"soc","sourcetype":"soc:alert","event":\{[^\n]*\},"host":"web01","index":"soc"\}\n){2}$"#.into()))
        .create_async()
        .await;
    let h = hec(server.url(), 2);
    assert_eq!(h.forward(&alerts(4)).await.unwrap(), 4);
    m.assert_async().await;
}

#[tokio::test]
async fn hec_retries_busy_but_never_bad_token() {
    let mut server = mockito::Server::new_async().await;
    let busy = Answer::new(503, None, r#"{"text":"Server is busy","code":9}"#, 4);
    let err = hec_answered(&mut server, busy).await.unwrap_err();
    assert!(
        matches!(&err, RespondError::Http { status: 503, body, .. } if body.contains("code 9")),
        "{err}"
    );

    let forbidden = Answer::new(403, None, fixture("hec_invalid_token.json"), 1);
    let err = hec_answered(&mut server, forbidden).await.unwrap_err();
    assert!(
        matches!(&err, RespondError::Http { status: 403, body, .. } if body == "HEC code 4: Invalid token"),
        "{err}"
    );

    let bad = Answer::new(400, None, fixture("hec_invalid_format.json"), 1);
    let err = hec_answered(&mut server, bad).await.unwrap_err();
    assert!(err.to_string().contains("Invalid data format"), "{err}");
}

#[tokio::test]
async fn hec_respond_live_and_dry_run() {
    let mut server = mockito::Server::new_async().await;
    let m = Answer::new(200, None, fixture("hec_ok.json"), 1)
        .on(&mut server, "POST", HEC_EVENT)
        .create_async()
        .await;
    let h = hec(server.url(), 10);
    let a = &alerts(1)[0];
    let dry = h.respond(a, Mode::DryRun).await.unwrap();
    assert_eq!(dry.outcome, ActionOutcome::DryRun);
    assert_eq!(
        dry.requests,
        [format!("POST {}/services/collector/event", server.url())]
    );
    assert!(dry.detail.contains("\"sourcetype\":\"soc:alert\""));
    let live = h.respond(a, Mode::Live).await.unwrap();
    assert_eq!(live.outcome, ActionOutcome::Done);
    m.assert_async().await; // exactly one request: the dry run sent nothing
}

fn es(url: String) -> ElasticBulk {
    ElasticBulk::new(&ElasticConfig {
        url,
        index: "soc-alerts".into(),
        api_key: Some(Secret::new("k3y")),
        retry_backoff_ms: 1,
        ..Default::default()
    })
    .unwrap()
}

#[tokio::test]
async fn es_bulk_reports_partial_failures() {
    let mut server = mockito::Server::new_async().await;
    let m = server
        .mock("POST", "/_bulk")
        .match_header("content-type", "application/x-ndjson")
        .match_header("authorization", "ApiKey k3y")
        .match_body(mockito::Matcher::Regex(r#"^(\{"index":\{"_index":"soc-alerts","_id":"[0-9a-f]{16}"\}\}\n\{[^\n]*"@timestamp"[^\n]*\}\n){2}$"#.into()))
        .with_status(200)
        .with_body(fixture("es_bulk_response_partial.json"))
        .create_async()
        .await;
    let err = es(server.url()).forward(&alerts(2)).await.unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, RespondError::Http { status: 400, .. }),
        "{msg}"
    );
    assert!(
        msg.contains("1 of 2 documents rejected") && msg.contains("document_parsing_exception"),
        "{msg}"
    );
    m.assert_async().await;
}

#[tokio::test]
async fn es_bulk_retries_only_rate_limited_items() {
    let mut server = mockito::Server::new_async().await;
    let a = alerts(2);
    let first = server
        .mock("POST", "/_bulk")
        .match_body(mockito::Matcher::Regex(format!("{}[\\s\\S]*{}", a[0].id, a[1].id)))
        .with_status(200)
        .with_body(format!(
            r#"{{"took":1,"errors":true,"items":[{{"index":{{"_id":"{}","status":201}}}},{{"index":{{"_id":"{}","status":429,"error":{{"type":"es_rejected_execution_exception","reason":"queue full"}}}}}}]}}"#,
            a[0].id, a[1].id
        ))
        .expect(1)
        .create_async()
        .await;
    let retry = server
        .mock("POST", "/_bulk")
        .match_body(mockito::Matcher::Regex(format!(
            "^[^\\n]*{}[^\\n]*\\n[^\\n]*\\n$",
            a[1].id
        )))
        .with_status(200)
        .with_body(format!(
            r#"{{"took":1,"errors":false,"items":[{{"index":{{"_id":"{}","status":200}}}}]}}"#,
            a[1].id
        ))
        .expect(1)
        .create_async()
        .await;
    assert_eq!(es(server.url()).forward(&a).await.unwrap(), 2);
    first.assert_async().await;
    retry.assert_async().await;
}

#[tokio::test]
async fn json_sink_batches_with_bearer() {
    let mut server = mockito::Server::new_async().await;
    let m = server
        .mock("POST", "/ingest")
        .match_header("authorization", "Bearer tok")
        .match_body(mockito::Matcher::Regex(r#"^\[\{"id".*\}\]$"#.into()))
        .with_status(202)
        .expect(2)
        .create_async()
        .await;
    let sink = JsonSink::new(&SinkConfig {
        url: Secret::new(format!("{}/ingest", server.url())),
        token: Some(Secret::new("tok")),
        batch_size: 3,
        retry_backoff_ms: 1,
        ..Default::default()
    })
    .unwrap();
    assert_eq!(sink.forward(&alerts(5)).await.unwrap(), 5);
    m.assert_async().await;
    let bad = Answer::new(401, None, "nope", 1)
        .on(&mut server, "POST", "/ingest")
        .create_async()
        .await;
    let err = sink.forward(&alerts(1)).await.unwrap_err();
    assert!(matches!(err, RespondError::Http { status: 401, .. }));
    bad.assert_async().await;
}
