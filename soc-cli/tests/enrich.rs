//! `soc enrich` behaviour: mock providers, offline lists, cache, output
//! formats and usage errors. Every test names its providers (or runs
//! offline), so nothing leaves 127.0.0.1.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;

const INTERNETDB: &str = r#"{"cpes":[],"hostnames":["vps-23.example-hosting.example"],"ip":"198.51.100.23","ports":[22,80],"tags":[],"vulns":["CVE-2023-38408"]}"#;

fn soc() -> Command {
    let mut c = common::soc();
    for var in [
        "VIRUSTOTAL_API_KEY",
        "ABUSEIPDB_API_KEY",
        "GREYNOISE_API_KEY",
        "SOC_VIRUSTOTAL_URL",
        "SOC_ABUSEIPDB_URL",
        "SOC_GREYNOISE_URL",
        "SOC_INTERNETDB_URL",
        "SOC_RDAP_URL",
        "SOC_RDNS_RESOLVER",
    ] {
        c.env_remove(var);
    }
    c
}

/// `soc enrich ip 198.51.100.23` through InternetDB alone.
const ENRICH_IP_INTERNETDB: [&str; 5] =
    ["enrich", "ip", "198.51.100.23", "--providers", "internetdb"];

/// A mock InternetDB that must answer the lookup of 198.51.100.23 once.
fn internetdb_once() -> (mockito::ServerGuard, mockito::Mock) {
    let mut server = mockito::Server::new();
    let m = server
        .mock("GET", "/198.51.100.23")
        .with_body(INTERNETDB)
        .expect(1)
        .create();
    (server, m)
}

fn demo_list() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/data/threat-intel.txt")
}

#[test]
fn single_ip_against_a_mock_provider_as_json() {
    let (server, m) = internetdb_once();
    let out = soc()
        .args(ENRICH_IP_INTERNETDB)
        .args(["--no-cache", "--format", "json"])
        .env("SOC_INTERNETDB_URL", server.url())
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "1 indicators, 1 requests, 0 cache hits, 0 errors",
        ))
        .get_output()
        .stdout
        .clone();
    m.assert();
    let rows: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let row = &rows[0];
    assert_eq!(row["indicator"], "198.51.100.23");
    assert_eq!(row["kind"], "ipv4");
    assert_eq!(row["verdict"], "suspicious");
    assert_eq!(
        row["internetdb"],
        "suspicious: 2 open ports (22,80), 1 known CVEs"
    );
    assert_eq!(
        row["enrichments"][0]["facts"]["hostnames"][0],
        "vps-23.example-hosting.example"
    );
}

#[test]
fn second_run_is_served_from_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache.db");
    let (server, m) = internetdb_once();
    for expected in ["1 requests, 0 cache hits", "0 requests, 1 cache hits"] {
        soc()
            .args(ENRICH_IP_INTERNETDB)
            .args(["--format", "jsonl"])
            .arg("--cache")
            .arg(&cache)
            .env("SOC_INTERNETDB_URL", server.url())
            .assert()
            .success()
            .stderr(predicate::str::contains(expected));
    }
    m.assert();
}

#[test]
fn file_mode_offline_with_lists_as_csv() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.txt");
    std::fs::write(
        &report,
        "Attackers: 203.0.113.45 and 198.51.100.99 (twice: 203.0.113.45)\nAlso seen: 203.0.113.9\n",
    )
    .unwrap();
    let out = soc()
        .args([
            "enrich",
            "--offline",
            "--no-cache",
            "--format",
            "csv",
            "--lists",
        ])
        .arg(demo_list())
        .arg("--")
        .arg(&report)
        .assert()
        .success()
        .stderr(predicate::str::contains("3 indicators, 0 requests"))
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "indicator,kind,verdict,score,country,as_owner,lists,attack"
    );
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines[1].starts_with("203.0.113.45,ipv4,malicious,90,,,malicious: listed in threat-intel (ssh-bruteforce-botnet)"),
        "{text}"
    );
    assert!(
        lines[2].starts_with("198.51.100.99,ipv4,malicious,90"),
        "{text}"
    );
    assert!(
        lines[2].contains("as 198.51.100.96/29 (mass-scanner)"),
        "{text}"
    );
    assert!(lines[3].starts_with("203.0.113.9,ipv4,unknown,0"), "{text}");
}

#[test]
fn provider_errors_are_shown_and_exit_nonzero() {
    let mut server = mockito::Server::new();
    server
        .mock("GET", mockito::Matcher::Any)
        .with_status(401)
        .with_body(r#"{"error":{"code":"WrongCredentialsError","message":"Wrong API key"}}"#)
        .create();
    let out = soc()
        .args([
            "enrich",
            "domain",
            "evil.example.com",
            "--providers",
            "vt",
            "--no-cache",
            "--format",
            "jsonl",
        ])
        .env("VIRUSTOTAL_API_KEY", "super-secret-key-123")
        .env("SOC_VIRUSTOTAL_URL", server.url())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("super-secret-key-123").not())
        .get_output()
        .stdout
        .clone();
    let row: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        row["virustotal"],
        "error: virustotal: credentials rejected (HTTP 401): Wrong API key"
    );
    assert!(!String::from_utf8_lossy(&out).contains("super-secret-key-123"));
}

#[test]
fn missing_key_for_a_named_provider_is_a_usage_error() {
    soc()
        .args([
            "enrich",
            "ip",
            "198.51.100.23",
            "--providers",
            "virustotal",
            "--no-cache",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("VIRUSTOTAL_API_KEY is not set"));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["enrich", "hash", "nothex", "--offline", "--no-cache"],
        vec!["enrich", "ip", "999.0.0.1", "--offline", "--no-cache"],
        vec!["enrich", "ip"],
        vec![
            "enrich",
            "ip",
            "192.0.2.1",
            "--rate",
            "vt=lots",
            "--offline",
            "--no-cache",
        ],
        vec![
            "enrich",
            "ip",
            "192.0.2.1",
            "--providers",
            "nosuch",
            "--no-cache",
        ],
        vec!["enrich", "/nonexistent/file.txt", "--offline", "--no-cache"],
    ] {
        soc().args(&args).assert().code(2);
    }
}

#[test]
fn empty_input_prints_just_the_header() {
    soc()
        .args([
            "enrich",
            "--offline",
            "--no-cache",
            "--format",
            "table",
            "-",
        ])
        .write_stdin("nothing to see\n")
        .assert()
        .success()
        .stdout("INDICATOR  KIND  VERDICT  SCORE  COUNTRY  AS_OWNER  ATTACK\n");
}
