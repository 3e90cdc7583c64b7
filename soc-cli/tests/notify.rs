//! `soc notify --test`.

mod common;

use common::{soc, succeed};
use predicates::prelude::*;

#[test]
fn test_notification_to_slack_and_webhook() {
    let mut server = mockito::Server::new();
    let slack = server
        .mock("POST", "/services/T/B/secret-token")
        .match_body(mockito::Matcher::Regex("soc test notification".into()))
        .with_status(200)
        .with_body("ok")
        .expect(1)
        .create();
    let hook = server
        .mock("POST", "/hook")
        .match_body(mockito::Matcher::PartialJsonString(
            r#"{"alert":{"kind":"soc.test"}}"#.into(),
        ))
        .with_status(200)
        .expect(1)
        .create();
    let out = succeed(
        soc()
            .env_remove("SOC_SLACK_WEBHOOK")
            .args(["notify", "--test", "--format", "jsonl", "--slack"])
            .arg(format!("{}/services/T/B/secret-token", server.url()))
            .arg("--webhook")
            .arg(format!("{}/hook", server.url())),
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.matches("\"status\":\"done\"").count(), 2, "{stdout}");
    assert!(
        !stdout.contains("secret-token"),
        "webhook token leaked: {stdout}"
    );
    slack.assert();
    hook.assert();
}

#[test]
fn failures_exit_nonzero_with_reason() {
    let mut server = mockito::Server::new();
    let _m = server
        .mock("POST", "/s")
        .with_status(403)
        .with_body("invalid_token")
        .create();
    soc()
        .env_remove("SOC_SLACK_WEBHOOK")
        .args(["notify", "--test", "--format", "jsonl", "--slack"])
        .arg(format!("{}/s", server.url()))
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("invalid_token")
                .and(predicate::str::contains("\"status\":\"failed\"")),
        );
    // Nothing listens on port 1: the SMTP failure is reported, not a panic.
    soc()
        .args([
            "notify",
            "--test",
            "--format",
            "jsonl",
            "--email-to",
            "a@example.org",
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            "1",
            "--smtp-security",
            "plain",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("smtp:"));
}

#[test]
fn dry_run_and_usage() {
    soc()
        .args([
            "notify",
            "--test",
            "--dry-run",
            "--format",
            "jsonl",
            "--email-to",
            "a@example.org",
            "--smtp-host",
            "mail.example.org",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("\"status\":\"dry_run\"").and(predicate::str::contains(
                "smtp://mail.example.org:587 (starttls)",
            )),
        );
    soc()
        .env_remove("SOC_SLACK_WEBHOOK")
        .args(["notify", "--test"])
        .assert()
        .code(2);
    soc().args(["notify"]).assert().code(2);
}
