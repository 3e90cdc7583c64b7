//! Two `soc enrich` processes on one state file share a provider's daily
//! quota (`--rate P=N/day`); the one that hits it reports it once and
//! leaves the rest for later.

mod common;

const BODY: &str =
    r#"{"cpes":[],"hostnames":[],"ip":"198.51.100.1","ports":[22],"tags":[],"vulns":[]}"#;

/// `soc enrich` on `input` (`ip VALUE`, or a file of indicators).
fn enrich(cache: &std::path::Path, url: &str, input: &[&str]) -> (String, String) {
    let mut c = common::soc();
    c.env_remove("SOC_INTERNETDB_URL");
    let out = c
        .arg("enrich")
        .args(input)
        .args(["--providers", "internetdb", "--rate", "internetdb=2/day"])
        .args(["--format", "jsonl", "--cache"])
        .arg(cache)
        .env("SOC_INTERNETDB_URL", url)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn two_processes_share_the_daily_quota() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("state.db");
    let mut server = mockito::Server::new();
    let api = server
        .mock(
            "GET",
            mockito::Matcher::Regex(r"^/198\.51\.100\.\d+$".into()),
        )
        .with_body(BODY)
        .expect(2)
        .create();
    let (_, first) = enrich(&cache, &server.url(), &["ip", "198.51.100.1"]);
    assert!(first.contains("1 requests"), "{first}");
    assert!(!first.contains("quota"), "{first}");
    let list = dir.path().join("ips.txt");
    std::fs::write(&list, "198.51.100.2\n198.51.100.3\n198.51.100.4\n").unwrap();
    let (rows, second) = enrich(&cache, &server.url(), &[list.to_str().unwrap()]);
    assert!(second.contains("1 requests"), "{second}");
    assert_eq!(
        second.matches("daily quota of 2 lookups is spent").count(),
        1,
        "reported once: {second}"
    );
    assert!(second.contains("2 lookups deferred"), "{second}");
    assert_eq!(
        rows.lines().count(),
        3,
        "every indicator keeps its row: {rows}"
    );
    api.assert();
}
