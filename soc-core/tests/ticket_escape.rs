//! Issue #14, same class as the Markdown report: ticket systems render log
//! text (TheHive as Markdown, Jira as wiki markup), so links, images and
//! macros written by an attacker must arrive inert.

use soc_core::respond::ticket::{Jira, JiraConfig, TheHive, TheHiveConfig};
use soc_core::respond::Secret;
use soc_core::{Alert, Severity};

fn hostile() -> Alert {
    let mut a = Alert::new(
        "ssh.brute_force",
        "k",
        "SSH brute force [click|http://evil.example] ![x](http://evil.example/p.png)\r\n{html}<img src=x>{html}",
        Severity::High,
    );
    a.user = Some("![t](https://evil.example/track.png) !https://evil.example/i.png!".into());
    a
}

#[test]
fn thehive_description_has_no_live_markdown_links_or_images() {
    let hive = TheHive::new(&TheHiveConfig {
        url: "http://127.0.0.1:9".into(),
        api_key: Secret::new("k"),
        ..Default::default()
    })
    .unwrap();
    let body = hive.body(&hostile());
    let d = body["description"].as_str().unwrap();
    assert!(!d.replace("\\]", "").contains("]("), "{d}");
    assert!(!d.contains("://"), "{d}");
    assert!(!d.contains('<') && !d.contains('\r'), "{d}");
}

#[test]
fn jira_description_has_no_live_wiki_links_images_or_macros() {
    let jira = Jira::new(&JiraConfig {
        url: "http://127.0.0.1:9".into(),
        token: Secret::new("pat"),
        ..Default::default()
    })
    .unwrap();
    let body = jira.body(&hostile());
    let d = body["fields"]["description"].as_str().unwrap();
    // Every bracket, brace, bang and pipe is escaped.
    let unescaped = d
        .char_indices()
        .filter(|(i, c)| "[]{}!|".contains(*c) && !d[..*i].ends_with('\\'))
        .count();
    assert_eq!(unescaped, 0, "{d}");
    assert!(d.contains("\\[click\\|http://evil.example\\]"), "{d}");
    let summary = body["fields"]["summary"].as_str().unwrap();
    assert!(
        !summary.contains('\n') && !summary.contains('\r'),
        "{summary}"
    );
}
