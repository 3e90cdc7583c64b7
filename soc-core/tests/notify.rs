//! Notifications against real local peers: an SMTP sink on 127.0.0.1 and
//! mockito webhooks. Failures must be typed and land in the audit log.

mod support;

use std::sync::{Arc, Mutex};

use soc_core::respond::notify::{
    EmailConfig, EmailNotifier, SlackConfig, SlackNotifier, SmtpSecurity, WebhookConfig,
    WebhookNotifier,
};
use soc_core::respond::{AuditLog, ResponseConfig, ResponseEngine, Secret};
use soc_core::{
    ActionOutcome, ActionRecord, Alert, Mode, RespondError, Responder, RiskLevel, Severity,
    StateStore,
};
use support::mock::{self, Answer};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// What the sink received.
#[derive(Debug, Default, Clone)]
struct Received {
    mail_from: Vec<String>,
    rcpt_to: Vec<String>,
    data: Vec<String>,
}

/// A tiny plaintext SMTP server. With `refuse`, RCPT TO is answered 550.
async fn smtp_sink(refuse: bool) -> (u16, Arc<Mutex<Received>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let got = Arc::new(Mutex::new(Received::default()));
    let shared = got.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let got = shared.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                w.write_all(b"220 sink ESMTP ready\r\n").await.ok();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") {
                        b"250-sink\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("HELO")
                        || upper.starts_with("RSET")
                        || upper.starts_with("NOOP")
                    {
                        b"250 ok\r\n"
                    } else if upper.starts_with("MAIL FROM:") {
                        got.lock()
                            .unwrap()
                            .mail_from
                            .push(line[10..].trim().to_string());
                        b"250 ok\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        if refuse {
                            b"550 5.7.1 relaying denied\r\n"
                        } else {
                            got.lock()
                                .unwrap()
                                .rcpt_to
                                .push(line[8..].trim().to_string());
                            b"250 ok\r\n"
                        }
                    } else if upper == "DATA" {
                        w.write_all(b"354 go ahead\r\n").await.ok();
                        let mut body = String::new();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            body.push_str(&l);
                            body.push('\n');
                        }
                        got.lock().unwrap().data.push(body);
                        b"250 2.0.0 queued as 42\r\n"
                    } else if upper == "QUIT" {
                        w.write_all(b"221 bye\r\n").await.ok();
                        break;
                    } else {
                        b"502 not implemented\r\n"
                    };
                    w.write_all(reply).await.ok();
                }
            });
        }
    });
    (port, got)
}

/// What e-mailing `alert` in `mode` through a fresh SMTP sink (answering
/// RCPT TO with 550 when `refuse`) gives; with the sink's port (it keeps
/// listening) and what it had received by then.
async fn email(
    alert: &Alert,
    mode: Mode,
    refuse: bool,
) -> (Result<ActionRecord, RespondError>, u16, Received) {
    let (port, got) = smtp_sink(refuse).await;
    let n = EmailNotifier::new(&email_cfg(port)).unwrap();
    let result = n.respond(alert, mode).await;
    let received = got.lock().unwrap().clone();
    (result, port, received)
}

fn email_cfg(port: u16) -> EmailConfig {
    EmailConfig {
        host: "127.0.0.1".into(),
        port: Some(port),
        security: SmtpSecurity::Plain,
        from: "soc@example.org".into(),
        to: vec!["analyst@example.org".into()],
        timeout_secs: 5,
        ..Default::default()
    }
}

fn alert() -> Alert {
    let mut a = support::brute_force_alert("SSH brute force from 203.0.113.9", Severity::High);
    a.count = 412;
    a
}

#[tokio::test]
async fn email_is_delivered_to_a_real_smtp_server() {
    let (rec, _, got) = email(&alert(), Mode::Live, false).await;
    let rec = rec.unwrap();
    assert_eq!(rec.outcome, ActionOutcome::Done);
    assert!(rec.detail.contains("250"), "{}", rec.detail);
    assert!(
        got.mail_from[0].starts_with("<soc@example.org>"),
        "{:?}",
        got.mail_from
    );
    assert_eq!(got.rcpt_to, ["<analyst@example.org>"]);
    let data = &got.data[0];
    assert!(
        data.contains("Subject: [soc] high SSH brute force from 203.0.113.9"),
        "{data}"
    );
    assert!(
        data.contains("source: 203.0.113.9") && data.contains("events: 412"),
        "{data}"
    );
}

#[tokio::test]
async fn email_dry_run_sends_nothing() {
    let (rec, port, got) = email(&alert(), Mode::DryRun, false).await;
    let rec = rec.unwrap();
    assert_eq!(rec.outcome, ActionOutcome::DryRun);
    assert_eq!(
        rec.requests,
        [format!("SMTP smtp://127.0.0.1:{port} (plain) MAIL FROM:<soc@example.org> RCPT TO:<analyst@example.org>")]
    );
    assert!(got.mail_from.is_empty());
}

#[tokio::test]
async fn smtp_refusal_is_typed_and_audited() {
    let (rec, port, _) = email(&alert(), Mode::Live, true).await;
    let err = rec.unwrap_err();
    assert!(
        matches!(&err, RespondError::Smtp { message } if message.contains("relaying denied")),
        "{err}"
    );

    // Through the engine: the failure is recorded (store and JSONL), the alert is kept.
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(StateStore::open(dir.path().join("state.db")).unwrap());
    let cfg = ResponseConfig {
        dry_run: false,
        audit_log: Some(dir.path().join("audit.jsonl")),
        email: Some(email_cfg(port)),
        ..Default::default()
    };
    let engine = ResponseEngine::from_config(&cfg, store.clone()).unwrap();
    let score = support::score("t", 40.0, RiskLevel::Medium);
    let recs = engine.handle(&alert(), &score).await;
    let email = recs.iter().find(|r| r.responder == "email").unwrap();
    assert!(
        matches!(&email.outcome, ActionOutcome::Failed(m) if m.starts_with("smtp:") && m.contains("550")),
        "{:?}",
        email.outcome
    );
    let logged = AuditLog::read_jsonl(&dir.path().join("audit.jsonl")).unwrap();
    let e = logged
        .iter()
        .find(|e| e.record.responder == "email")
        .unwrap();
    assert_eq!(e.key, "email|203.0.113.9|ssh.brute_force");
    assert_eq!(e.record.outcome.status(), "failed");
    let stored = store
        .actions_since(chrono::DateTime::<chrono::Utc>::MIN_UTC)
        .unwrap();
    assert!(stored
        .iter()
        .any(|r| r.responder == "email" && r.outcome.status() == "failed"));
    assert_eq!(support::all_alerts(&store).len(), 1, "alert kept");
    // A failure is not "done": the next run tries again.
    assert_eq!(
        store
            .last_done("email|203.0.113.9|ssh.brute_force")
            .unwrap(),
        None
    );
}

#[test]
fn email_config_is_checked_and_secrets_stay_hidden() {
    let mut cfg = email_cfg(25);
    cfg.username = Some(Secret::new("bob"));
    cfg.password = Some(Secret::new("hunter2-secret"));
    let e = EmailNotifier::new(&cfg).unwrap_err().to_string();
    assert!(e.contains("unencrypted"), "{e}");
    assert!(!format!("{cfg:?}").contains("hunter2-secret"));
    cfg.security = SmtpSecurity::Starttls;
    let n = EmailNotifier::new(&cfg).unwrap();
    assert!(!format!("{n:?}").contains("hunter2"));
    cfg.username = None;
    cfg.password = Some(Secret::new("${SOC_TEST_UNSET_PASSWORD_VAR}"));
    let e = EmailNotifier::new(&cfg).unwrap_err().to_string();
    assert!(e.contains("SOC_TEST_UNSET_PASSWORD_VAR"), "{e}");
    cfg.password = None;
    cfg.to.clear();
    assert!(EmailNotifier::new(&cfg)
        .unwrap_err()
        .to_string()
        .contains("no recipients"));
}

fn slack(url: String) -> SlackNotifier {
    SlackNotifier::new(&SlackConfig {
        url: Secret::new(url),
        retry_backoff_ms: 1,
        ..Default::default()
    })
    .unwrap()
}

/// The error of a Slack notification to the webhook at `path` that answers
/// `answer`, after checking it was served as often as it expects.
async fn slack_answered(server: &mut mockito::Server, path: &str, answer: Answer) -> RespondError {
    let m = answer.on(server, "POST", path).create_async().await;
    let err = slack(format!("{}{path}", server.url()))
        .respond(&alert(), Mode::Live)
        .await
        .unwrap_err();
    m.assert_async().await;
    err
}

#[tokio::test]
async fn slack_success_errors_and_rate_limit() {
    let mut server = mockito::Server::new_async().await;
    let ok = Answer::new(200, None, "ok", 1)
        .on(&mut server, "POST", "/services/T1/B1/tok")
        .match_header("content-type", "application/json")
        .match_body(mockito::Matcher::Regex("SSH brute force".into()))
        .with_header("content-type", "text/plain")
        .create_async()
        .await;
    let s = slack(format!("{}/services/T1/B1/tok", server.url()));
    let rec = s.respond(&alert(), Mode::Live).await.unwrap();
    assert_eq!(rec.outcome, ActionOutcome::Done);
    assert!(!rec.requests[0].contains("tok"), "{:?}", rec.requests);
    ok.assert_async().await;

    let gone = Answer::new(404, None, "channel_not_found", 1);
    let err = slack_answered(&mut server, "/services/T1/B1/gone", gone).await;
    assert!(
        matches!(&err, RespondError::Http { status: 404, body, .. } if body == "channel_not_found"),
        "{err}"
    );

    let limited = Answer::new(429, Some("0"), "rate_limited", 4); // 1 try + 3 retries
    let err = slack_answered(&mut server, "/services/T1/B1/busy", limited).await;
    assert!(matches!(err, RespondError::Http { status: 429, .. }));
}

/// A webhook posting to `/hook` on `server` with the bearer token "s3cret".
fn webhook(server: &mockito::Server) -> WebhookConfig {
    WebhookConfig {
        url: Secret::new(format!("{}/hook", server.url())),
        bearer_token: Some(Secret::new("s3cret")),
        retry_backoff_ms: 1,
        ..Default::default()
    }
}

#[tokio::test]
async fn webhook_posts_alert_json_with_bearer() {
    let mut server = mockito::Server::new_async().await;
    let m = server
        .mock("POST", "/hook")
        .match_header("authorization", "Bearer s3cret")
        .match_body(mockito::Matcher::PartialJsonString(format!(
            "{{\"alert\":{{\"id\":\"{}\"}}}}",
            alert().id
        )))
        .with_status(204)
        .create_async()
        .await;
    let w = WebhookNotifier::new(&webhook(&server)).unwrap();
    assert_eq!(
        w.respond(&alert(), Mode::Live).await.unwrap().outcome,
        ActionOutcome::Done
    );
    m.assert_async().await;
    let m500 = Answer::new(500, None, "boom", 4)
        .on(&mut server, "POST", "/hook")
        .create_async()
        .await;
    let err = w.respond(&alert(), Mode::Live).await.unwrap_err();
    assert!(
        matches!(err, RespondError::Http { status: 500, .. }),
        "{err}"
    );
    m500.assert_async().await;
}

/// #14 item 7 for responders: a webhook answering 307 to another origin
/// must not receive the bearer token (the redirect is refused and the
/// action fails), and no `Referer` is sent.
#[tokio::test]
async fn webhook_bearer_never_follows_a_cross_origin_redirect() {
    let mut server = mockito::Server::new_async().await;
    let mut elsewhere = mockito::Server::new_async().await;
    let stolen = mock::never(&mut elsewhere, "POST").await;
    server
        .mock("POST", "/hook")
        .match_header("referer", mockito::Matcher::Missing)
        .with_status(307)
        .with_header("location", &format!("{}/collect", elsewhere.url()))
        .create_async()
        .await;
    let w = WebhookNotifier::new(&WebhookConfig {
        max_retries: 0,
        ..webhook(&server)
    })
    .unwrap();
    let err = w.respond(&alert(), Mode::Live).await.unwrap_err();
    assert!(!err.to_string().contains("s3cret"), "{err}");
    stolen.assert_async().await;
}

/// An alert whose title and user were written by an attacker.
fn hostile_alert() -> Alert {
    let mut a = alert();
    a.title = "SSH brute force\r\nBcc: victim@example.net\r\n\x1b]0;pwned\x07 <!channel> <https://evil.example|click> & ```".into();
    a.user = Some("root\nforged: line".into());
    a
}

/// Reproduction (#14 low): control characters in an alert title reached
/// the e-mail subject; a CRLF must not add a header, ESC must not survive.
#[tokio::test]
async fn email_subject_and_body_carry_no_control_characters() {
    let (rec, _, got) = email(&hostile_alert(), Mode::Live, false).await;
    assert_eq!(rec.unwrap().outcome, ActionOutcome::Done);
    assert_eq!(got.rcpt_to, ["<analyst@example.org>"], "no extra recipient");
    let data = &got.data[0];
    assert!(!data.lines().any(|l| l.starts_with("Bcc:")), "{data}");
    assert!(!data.contains('\x1b') && !data.contains('\x07'), "{data}");
    assert!(!data.lines().any(|l| l.starts_with("forged:")), "{data}");
    let subject = data.lines().find(|l| l.starts_with("Subject:")).unwrap();
    assert!(subject.contains("\\r\\nBcc"), "{subject}");
}

/// Reproduction (#14 low): Slack mrkdwn `<!channel>` and `<url|label>` from
/// log text were sent unescaped.
#[tokio::test]
async fn slack_text_escapes_mrkdwn_and_disables_unfurling() {
    let mut server = mockito::Server::new_async().await;
    let body = Arc::new(Mutex::new(String::new()));
    let seen = body.clone();
    let m = server
        .mock("POST", "/services/T1/B1/tok")
        .with_body_from_request(move |req| {
            *seen.lock().unwrap() = String::from_utf8_lossy(req.body().unwrap()).into_owned();
            b"ok".to_vec()
        })
        .create_async()
        .await;
    let s = slack(format!("{}/services/T1/B1/tok", server.url()));
    let rec = s.respond(&hostile_alert(), Mode::Live).await.unwrap();
    assert_eq!(rec.outcome, ActionOutcome::Done);
    m.assert_async().await;
    let payload: serde_json::Value = serde_json::from_str(&body.lock().unwrap()).unwrap();
    let text = payload["text"].as_str().unwrap();
    assert!(!text.contains('<') && !text.contains('>'), "{text}");
    assert!(text.contains("&lt;!channel&gt;"), "{text}");
    assert!(
        text.contains("&lt;https://evil.example|click&gt; &amp;"),
        "{text}"
    );
    // The only code fence is soc's own: log text cannot close it.
    assert_eq!(text.matches("```").count(), 2, "{text}");
    assert_eq!(payload["unfurl_links"], false);
    assert_eq!(payload["unfurl_media"], false);
}
