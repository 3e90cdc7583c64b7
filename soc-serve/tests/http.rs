//! HTTP-level tests of every route: status, content, pagination, escaping
//! of hostile strings, CSRF rejection, and the no-sign-in loopback mode.

mod common;

use common::*;
use soc_core::StateStore;
use soc_serve::AuthConfig;

async fn get(url: &str) -> (u16, String) {
    let r = client().get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The inbox filtered by `query`, checked to render and to show exactly
/// one alert (in one group); returns the page.
async fn inbox_with_one_alert(srv: &Server, query: &str) -> String {
    let (status, page) = get(&format!("{}/inbox?{query}", srv.base)).await;
    assert_eq!(status, 200, "{query}");
    assert!(page.contains("1 alerts in 1 groups"), "{query}: {page}");
    page
}

#[tokio::test]
async fn every_page_renders_with_security_headers() {
    let (srv, evil) = start(AuthConfig::none(), 3).await;
    let r = client().get(format!("{}/", srv.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    let body = r.text().await.unwrap();
    assert!(body.contains("Alerts over time, by risk level"));
    assert!(
        body.contains("id=\"alert-total\">4<"),
        "4 alerts in the last 24 h"
    );
    assert!(body.contains("<svg"), "server-rendered charts");

    let (s, inbox) = get(&format!("{}/inbox", srv.base)).await;
    assert_eq!(s, 200);
    assert!(inbox.contains("4 alerts in 4 groups"), "{inbox}");
    let (s, detail) = get(&format!("{}/alerts/{}", srv.base, enc(&evil))).await;
    assert_eq!(s, 200);
    assert!(
        detail.contains("/var/log/auth.log:42"),
        "evidence with file and line"
    );
    assert!(
        detail.contains("many failures") && detail.contains("+90.0"),
        "score factors"
    );
    assert!(detail.contains("Similar alerts from the same source"));
    let (s, blocks) = get(&format!("{}/blocks", srv.base)).await;
    assert_eq!(s, 200);
    assert!(blocks.contains("No active blocks") && blocks.contains("Allow-list"));
    let (s, health) = get(&format!("{}/health", srv.base)).await;
    assert_eq!(s, 200);
    assert!(health.contains("Recent runs"));
    let (s, csv) = get(&format!("{}/labels.csv", srv.base)).await;
    assert_eq!(s, 200);
    assert!(csv.starts_with("alert_id,severity,"), "{csv}");
    let (s, js) = get(&format!("{}/static/app.js", srv.base)).await;
    assert_eq!(s, 200);
    assert!(js.contains("EventSource"));
    assert_eq!(get(&format!("{}/static/app.css", srv.base)).await.0, 200);

    assert_eq!(get(&format!("{}/alerts/nope", srv.base)).await.0, 404);
    let (s, body) = get(&format!("{}/inbox?range=5y", srv.base)).await;
    assert_eq!(s, 400);
    assert!(body.contains("unknown range"));
    for page in ["/", "/blocks", "/health", "/alerts/nope"] {
        let (s, body) = get(&format!("{}{page}?range=custom&from=x", srv.base)).await;
        assert_eq!(s, 400, "{page}");
        assert!(body.contains("'x' is not a time"), "{page}: {body}");
    }
    assert_eq!(
        get(&format!("{}/inbox?sort=%3Cb%3E", srv.base)).await.0,
        400
    );
    assert_eq!(
        get(&format!(
            "{}/?range=custom&from=2030-01-01&to=2020-01-01",
            srv.base
        ))
        .await
        .0,
        400
    );
}

#[tokio::test]
async fn hostile_log_text_is_escaped_everywhere() {
    let (srv, evil) = start(AuthConfig::none(), 1).await;
    let urls = [
        format!("{}/", srv.base),
        format!("{}/inbox", srv.base),
        format!("{}/inbox?q={}", srv.base, enc("<img")),
        format!("{}/alerts/{}", srv.base, enc(&evil)),
        format!("{}/inbox?user={}", srv.base, enc(EVIL_USER)),
    ];
    for u in urls {
        let (s, body) = get(&u).await;
        assert_eq!(s, 200, "{u}");
        assert!(!body.contains("<img src=x"), "raw markup in {u}");
        assert!(!body.contains("<script>alert"), "raw script in {u}");
    }
    let (_, detail) = get(&format!("{}/alerts/{}", srv.base, enc(&evil))).await;
    assert!(detail.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(
        detail.contains("&lt;script&gt;alert('sig')&lt;/script&gt;")
            || detail.contains("&lt;script&gt;alert(&#39;sig&#39;)")
    );
    // The pivot on the hostile user works.
    inbox_with_one_alert(&srv, &format!("user={}", enc(EVIL_USER))).await;
}

#[tokio::test]
async fn inbox_is_paginated_on_the_server() {
    let (srv, _) = start(AuthConfig::none(), 120).await;
    let (_, p0) = get(&format!("{}/inbox?sort=count", srv.base)).await;
    assert!(
        p0.contains("121 alerts in 121 groups · page 1 of 3"),
        "{p0}"
    );
    assert_eq!(p0.matches("<tr class=\"group\"").count(), 50);
    assert!(p0.contains("rel=\"next\"") && !p0.contains("rel=\"first\""));
    // Keyset pages: each "next" link carries the last row's key.
    let next = |page: &str| {
        let at = page.find("rel=\"next\" href=\"").expect("a next link") + 17;
        let href = &page[at..at + page[at..].find('"').unwrap()];
        assert!(href.contains("after="), "{href}");
        format!("{}{}", srv.base, href.replace("&amp;", "&"))
    };
    let (_, p1) = get(&next(&p0)).await;
    assert!(p1.contains("page 2 of 3"), "{p1}");
    let (_, p2) = get(&next(&p1)).await;
    assert_eq!(p2.matches("<tr class=\"group\"").count(), 21);
    assert!(p2.contains("rel=\"first\"") && !p2.contains("rel=\"next\""));
    let rows = |p: &str| {
        p.split("<tr class=\"group\"")
            .skip(1)
            .map(|r| r[..r.find("</tr>").unwrap()].to_string())
            .collect::<Vec<_>>()
    };
    let mut all: Vec<String> = [&p0, &p1, &p2].iter().flat_map(|p| rows(p)).collect();
    assert_eq!(all.len(), 121);
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 121, "every group on exactly one page");
    let (s, bad) = get(&format!("{}/inbox?after=%3Cb%3E", srv.base)).await;
    assert_eq!(s, 400);
    assert!(bad.contains("bad inbox position") && !bad.contains("<b>"));
    let f = inbox_with_one_alert(&srv, "risk=critical").await;
    assert!(
        f.contains(
            r#"<form class="range" method="get"><input type="hidden" name="risk" value="critical">"#
        ),
        "the time-range picker keeps the filters"
    );
    // The source filter: 198.51.100.1 only (not .10x).
    inbox_with_one_alert(&srv, "src=198.51.100.1").await;
}

#[tokio::test]
async fn triage_needs_the_csrf_token_and_is_audited() {
    let (srv, evil) = start(AuthConfig::none(), 2).await;
    let c = client();
    let url = format!("{}/alerts/{}", srv.base, enc(&evil));
    let page = get_page(&c, &url, None).await;
    let token = csrf_of(&page);
    let post =
        |form: Vec<(&'static str, String)>| c.post(format!("{url}/triage")).form(&form).send();
    let r = post(vec![("op", "ack".into())]).await.unwrap();
    assert_eq!(r.status(), 403, "no token");
    let r = post(vec![("op", "ack".into()), ("csrf", "forged".into())])
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "wrong token");
    assert!(c
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .contains("id=\"status\">open<"));

    let r = post(vec![("op", "ack".into()), ("csrf", token.clone())])
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    for (reason, status) in [("bogus", 400), ("false_positive", 303)] {
        let r = post(vec![
            ("op", "close".into()),
            ("reason", reason.into()),
            ("comment", "<b>scanner</b>".into()),
            ("csrf", token.clone()),
        ])
        .await
        .unwrap();
        assert_eq!(r.status(), status, "close as {reason}");
    }
    let page = get_page(&c, &url, None).await;
    assert!(page.contains("closed (false_positive)"));
    assert!(
        page.contains("tester</strong> status: acknowledged"),
        "{page}"
    );
    assert!(
        page.contains("&lt;b&gt;scanner&lt;/b&gt;"),
        "comment escaped"
    );
    let csv = get_page(&c, &format!("{}/labels.csv", srv.base), None).await;
    assert!(
        csv.lines().nth(1).unwrap().starts_with(&evil)
            && csv.lines().nth(1).unwrap().ends_with(",0"),
        "{csv}"
    );
    let (_, open) = get(&format!("{}/inbox", srv.base)).await;
    assert!(
        open.contains("2 alerts in 2 groups"),
        "closed alerts leave the default (open) inbox"
    );

    // Group actions: archive a group from the inbox.
    let inbox = get_page(&c, &format!("{}/inbox?src=198.51.100.1", srv.base), None).await;
    let token = csrf_of(&inbox);
    let form = [
        ("csrf", token.as_str()),
        ("op", "archive"),
        ("kind", "ssh.brute_force"),
        ("sig", "ssh.brute_force"),
        ("src", "198.51.100.1"),
        ("target", "user0"),
        ("range", "24h"),
        ("back", "https://evil.example/"),
    ];
    let triage = format!("{}/inbox/triage", srv.base);
    let r = post_form(&c, &triage, None, &form).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/inbox", "no open redirect");
    let (_, open) = get(&format!("{}/inbox", srv.base)).await;
    assert!(open.contains("1 alerts in 1 groups"), "{open}");
    let r = post_form(&c, &triage, None, &form[1..]).await;
    assert_eq!(r.status(), 403, "no CSRF token");
}

#[tokio::test]
async fn blocks_refuse_protected_targets_and_dry_run_shows_commands() {
    let (srv, _) = start(AuthConfig::none(), 1).await;
    add_block(&srv, "192.0.2.77", "nftables", "<i>manual</i>", Some(1));
    let c = client();
    let page = get_page(&c, &format!("{}/blocks", srv.base), None).await;
    assert!(page.contains("192.0.2.77") && page.contains("&lt;i&gt;manual&lt;/i&gt;"));
    let token = csrf_of(&page);
    let block = |ip: &str| {
        c.post(format!("{}/blocks", srv.base))
            .form(&[("csrf", token.as_str()), ("ip", ip), ("duration", "10m")])
            .send()
    };
    for bad in ["127.0.0.1", "not-an-ip; rm -rf /", "10.0.0.5"] {
        let body = block(bad).await.unwrap().text().await.unwrap();
        assert!(body.contains("Refused:"), "{bad}: {body}");
    }
    let body = block("198.51.100.23").await.unwrap().text().await.unwrap();
    assert!(
        body.contains("nft add element inet soc block4 '{ 198.51.100.23 timeout 600s }'"),
        "{body}"
    );
    let unblock = c
        .post(format!("{}/blocks/unblock", srv.base))
        .form(&[
            ("csrf", token.as_str()),
            ("ip", "192.0.2.77"),
            ("backend", "nftables"),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(unblock.contains("Dry-run unblock 192.0.2.77"), "{unblock}");
    let r = post_form(
        &c,
        &format!("{}/blocks", srv.base),
        None,
        &[("ip", "198.51.100.23")],
    )
    .await;
    assert_eq!(r.status(), 403, "no CSRF token");
    let store = StateStore::open(&srv.store_path).unwrap();
    assert_eq!(store.blocks().unwrap().len(), 1, "dry-run changed nothing");
}

#[tokio::test]
async fn loopback_mode_rejects_foreign_host_headers() {
    let (srv, _) = start(AuthConfig::none(), 1).await;
    let r = client()
        .get(format!("{}/", srv.base))
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 421, "DNS rebinding guard");
    let r = client()
        .get(format!("{}/", srv.base))
        .header("host", format!("localhost:{}", srv.addr.port()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// The live feed (`GET /events`), checked to be an event stream that
/// starts with its `hello` event.
async fn open_live_feed(srv: &Server) -> reqwest::Response {
    let mut r = client()
        .get(format!("{}/events", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    let first = String::from_utf8(r.chunk().await.unwrap().unwrap().to_vec()).unwrap();
    assert!(first.contains("event: hello"), "{first}");
    r
}

#[tokio::test]
async fn live_feed_announces_new_alerts() {
    let (srv, _) = start(AuthConfig::none(), 1).await;
    let mut r = open_live_feed(&srv).await;
    let store = StateStore::open(&srv.store_path).unwrap();
    let (a, s) = alert("fresh", "198.51.100.200", "carol", 50.0);
    store.save_alert(&a, Some(&s)).unwrap();
    let next = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        loop {
            let c = r.chunk().await.unwrap().unwrap();
            let t = String::from_utf8(c.to_vec()).unwrap();
            if t.contains("event: alerts") {
                return t;
            }
        }
    })
    .await
    .expect("an alerts event");
    assert!(next.contains("\"new\":1"), "{next}");
}

#[tokio::test]
async fn graceful_shutdown_ends_open_live_feeds() {
    let (srv, _) = start(AuthConfig::none(), 1).await;
    let mut r = open_live_feed(&srv).await;
    tokio::time::timeout(std::time::Duration::from_secs(30), srv.shutdown())
        .await
        .expect("the server stopped although a browser was still listening");
    assert!(
        r.chunk().await.map(|c| c.is_none()).unwrap_or(true),
        "the feed ended"
    );
}

#[tokio::test]
async fn closed_alerts_are_labels_soc_triage_train_accepts() {
    let (srv, _) = start(AuthConfig::none(), 40).await;
    let store = StateStore::open(&srv.store_path).unwrap();
    store.ensure_triage_schema().unwrap();
    let page = store
        .inbox(&soc_core::store::queries::InboxQuery {
            per_page: 100,
            ..Default::default()
        })
        .unwrap();
    let ids: Vec<String> = page.groups.iter().map(|g| g.newest_id.clone()).collect();
    assert_eq!(ids.len(), 41);
    let c = client();
    let token = csrf_of(
        &c.get(format!("{}/inbox", srv.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    for (i, id) in ids.iter().enumerate() {
        let reason = if i % 2 == 0 {
            "true_positive"
        } else {
            "false_positive"
        };
        let r = c
            .post(format!("{}/alerts/{}/triage", srv.base, enc(id)))
            .form(&[
                ("csrf", token.as_str()),
                ("op", "close"),
                ("reason", reason),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
    }
    let csv = get_page(&c, &format!("{}/labels.csv", srv.base), None).await;
    assert_eq!(csv.lines().count(), 42);
    assert_eq!(csv.lines().filter(|l| l.ends_with(",0")).count(), 20);
    let file = srv.store_path.with_file_name("labels.csv");
    std::fs::write(&file, csv).unwrap();
    let report = soc_core::score::train::train_csv(&file, &Default::default()).unwrap();
    assert!(report.train_rows + report.test_rows == 41, "{report:?}");
}
