//! Ticket responders: TheHive (idempotent on sourceRef), Jira, local file.

mod support;

use soc_core::respond::ticket::{
    jira_alert_label, Jira, JiraConfig, TheHive, TheHiveConfig, TicketFile,
};
use soc_core::respond::Secret;
use soc_core::{
    ActionOutcome, ActionRecord, Alert, AttackRef, Mode, RespondError, Responder, Severity,
};
use support::mock::Answer;

fn fixture(name: &str) -> String {
    support::fixture(&format!("fixtures/respond/{name}"))
}

fn alert() -> Alert {
    let mut a = support::brute_force_alert("SSH brute force from 203.0.113.9", Severity::High);
    a.host = Some("web01".into());
    a.attack.push(AttackRef {
        technique_id: "T1110.001".into(),
        technique_name: None,
        tactic_id: None,
        tactic_name: None,
    });
    a
}

fn hive(url: String) -> TheHive {
    TheHive::new(&TheHiveConfig {
        url,
        api_key: Secret::new("hive-key"),
        organisation: Some("soc-org".into()),
        retry_backoff_ms: 1,
        ..Default::default()
    })
    .unwrap()
}

fn jira(url: String) -> Jira {
    Jira::new(&JiraConfig {
        url,
        token: Secret::new("pat"),
        retry_backoff_ms: 1,
        ..Default::default()
    })
    .unwrap()
}

#[tokio::test]
async fn thehive_creates_alert_with_contract_shape() {
    let mut server = mockito::Server::new_async().await;
    let a = alert();
    let m = server
        .mock("POST", "/api/v1/alert")
        .match_header("authorization", "Bearer hive-key")
        .match_header("x-organisation", "soc-org")
        .match_body(mockito::Matcher::PartialJson(serde_json::json!({
            "type": "soc-alert",
            "source": "soc",
            "sourceRef": a.id,
            "title": "SSH brute force from 203.0.113.9",
            "severity": 3,
            "tlp": 2,
            "pap": 2,
            "tags": ["soc-auto", "ssh.brute_force", "attack.t1110.001"],
            "observables": [
                {"dataType": "ip", "data": "203.0.113.9", "ioc": true},
                {"dataType": "hostname", "data": "web01", "ioc": false}
            ]
        })))
        .with_status(201)
        .with_body(fixture("thehive_alert_response.json"))
        .expect(1)
        .create_async()
        .await;
    let rec = hive(server.url()).respond(&a, Mode::Live).await.unwrap();
    assert_eq!(rec.outcome, ActionOutcome::Done);
    assert_eq!(rec.detail, "created ~40964136");
    m.assert_async().await;
}

/// What creating the alert gives when TheHive answers `answer`, after
/// checking it was served as often as it expects; the mock is gone after.
async fn hive_answered(
    server: &mut mockito::Server,
    answer: Answer,
) -> Result<ActionRecord, RespondError> {
    let m = answer
        .on(server, "POST", "/api/v1/alert")
        .create_async()
        .await;
    let result = hive(server.url()).respond(&alert(), Mode::Live).await;
    m.assert_async().await;
    m.remove_async().await;
    result
}

#[tokio::test]
async fn thehive_already_exists_is_success_other_400_is_not() {
    let mut server = mockito::Server::new_async().await;
    let exists = r#"{"type":"CreateError","message":"Alert soc-alert:soc:abc already exists"}"#;
    let rec = hive_answered(&mut server, Answer::new(400, None, exists, 1))
        .await
        .unwrap();
    assert_eq!(rec.outcome, ActionOutcome::Done);
    assert!(rec.detail.contains("already exists"));

    let invalid = r#"{"type":"BadRequest","message":"Invalid json"}"#;
    let err = hive_answered(&mut server, Answer::new(400, None, invalid, 1))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, RespondError::Http { status: 400, body, .. } if body.contains("Invalid json")),
        "{err}"
    );

    let err = hive_answered(&mut server, Answer::new(401, None, "", 1))
        .await
        .unwrap_err();
    assert!(matches!(err, RespondError::Http { status: 401, .. }));
    assert!(!err.to_string().contains("hive-key"));
}

#[tokio::test]
async fn jira_issue_created_and_errors_typed() {
    let mut server = mockito::Server::new_async().await;
    let label = jira_alert_label(&alert().id);
    let search = server
        .mock("GET", "/rest/api/2/search")
        .match_header("authorization", "Bearer pat")
        .match_query(mockito::Matcher::AllOf(vec![
            mockito::Matcher::UrlEncoded("jql".into(), format!("labels = \"{label}\"")),
            mockito::Matcher::UrlEncoded("maxResults".into(), "1".into()),
        ]))
        .with_status(200)
        .with_body(r#"{"startAt":0,"maxResults":1,"total":0,"issues":[]}"#)
        .expect(2)
        .create_async()
        .await;
    let m = server
        .mock("POST", "/rest/api/2/issue")
        .match_header("authorization", "Bearer pat")
        .match_body(mockito::Matcher::PartialJson(
            serde_json::json!({"fields": {
                "project": {"key": "SOC"},
                "issuetype": {"name": "Task"},
                "summary": "SSH brute force from 203.0.113.9",
                "labels": ["soc-auto", "T1110.001", label],
                "priority": {"name": "High"}
            }}),
        ))
        .with_status(201)
        .with_body(
            r#"{"id":"10042","key":"SOC-42","self":"https://jira.example/rest/api/2/issue/10042"}"#,
        )
        .expect(1)
        .create_async()
        .await;
    let jira = jira(server.url());
    let rec = jira.respond(&alert(), Mode::Live).await.unwrap();
    assert_eq!(rec.detail, "created SOC-42");
    m.assert_async().await;
    m.remove_async().await;
    let bad = server
        .mock("POST", "/rest/api/2/issue")
        .with_status(400)
        .with_body(r#"{"errorMessages":[],"errors":{"summary":"You must specify a summary of the issue."}}"#)
        .create_async()
        .await;
    let err = jira.respond(&alert(), Mode::Live).await.unwrap_err();
    assert!(
        err.to_string().contains("You must specify a summary"),
        "{err}"
    );
    bad.assert_async().await;
    search.assert_async().await;
}

#[tokio::test]
async fn jira_finds_the_existing_issue_and_creates_none() {
    let mut server = mockito::Server::new_async().await;
    let a = alert();
    let label = jira_alert_label(&a.id);
    assert!(label.starts_with("soc-") && !label.contains(' '));
    let search = server
        .mock("GET", "/rest/api/2/search")
        .match_query(mockito::Matcher::UrlEncoded(
            "jql".into(),
            format!("labels = \"{label}\""),
        ))
        .with_status(200)
        .with_body(r#"{"startAt":0,"maxResults":1,"total":1,"issues":[{"id":"10042","key":"SOC-42","self":"https://jira.example/rest/api/2/issue/10042"}]}"#)
        .expect(1)
        .create_async()
        .await;
    let create = server
        .mock("POST", "/rest/api/2/issue")
        .expect(0)
        .create_async()
        .await;
    let jira = jira(server.url());
    let rec = jira.respond(&a, Mode::Live).await.unwrap();
    assert_eq!(rec.detail, "exists SOC-42");
    assert_eq!(
        rec.requests,
        [format!("GET {}/rest/api/2/search", server.url())]
    );
    search.assert_async().await;
    create.assert_async().await;

    // A rejected token fails the action instead of creating blindly.
    search.remove_async().await;
    let denied = server
        .mock("GET", "/rest/api/2/search")
        .match_query(mockito::Matcher::Any)
        .with_status(401)
        .create_async()
        .await;
    let err = jira.respond(&a, Mode::Live).await.unwrap_err();
    assert!(
        matches!(err, RespondError::Http { status: 401, .. }),
        "{err}"
    );
    assert!(!err.to_string().contains("pat\""));
    denied.assert_async().await;
    create.assert_async().await;
}

#[tokio::test]
async fn dry_runs_touch_nothing() {
    let server = mockito::Server::new_async().await; // no mocks: any request would 501
    let rec = hive(server.url())
        .respond(&alert(), Mode::DryRun)
        .await
        .unwrap();
    assert_eq!(rec.outcome, ActionOutcome::DryRun);
    assert_eq!(
        rec.requests,
        [format!("POST {}/api/v1/alert", server.url())]
    );
    assert!(rec.detail.contains("\"sourceRef\""));
    let dir = tempfile::tempdir().unwrap();
    let tf = TicketFile::new(dir.path().join("t.jsonl"));
    let rec = tf.respond(&alert(), Mode::DryRun).await.unwrap();
    assert_eq!(rec.outcome, ActionOutcome::DryRun);
    assert!(!dir.path().join("t.jsonl").exists());
}

#[tokio::test]
async fn ticket_file_is_idempotent_by_alert_id() {
    let dir = tempfile::tempdir().unwrap();
    let tf = TicketFile::new(dir.path().join("sub/t.jsonl"));
    tf.respond(&alert(), Mode::Live).await.unwrap();
    tf.respond(&alert(), Mode::Live).await.unwrap();
    let mut other = alert();
    other.id = "other".into();
    tf.respond(&other, Mode::Live).await.unwrap();
    let t = tf.tickets().unwrap();
    assert_eq!(t.len(), 2);
    assert_eq!(t[0].alert_id, alert().id);
    assert!(t[0].description.contains("203.0.113.9"));
}
