//! `soc block --cloud` / `soc unblock --cloud` / `soc block list --cloud` /
//! `soc block sweep --cloud`: dry-run request text with secrets redacted,
//! a live block and unblock against a mockito OPNsense, refusals, unknown
//! names, and the list filter.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;

const TOKEN: &str = "cf-cli-token-must-not-leak";

fn soc(dir: &std::path::Path) -> Command {
    let mut c = common::soc();
    c.env("SOC_CONFIG", dir.join("soc.toml"))
        .env("SOC_TEST_CF_TOKEN", TOKEN);
    c
}

fn write_config(dir: &std::path::Path, opnsense_url: &str) {
    std::fs::write(
        dir.join("soc.toml"),
        format!(
            r#"
[firewall]
allow = ["198.51.100.99"]

[[response.cloud.cloudflare]]
zone_id = "023e105f4ecef8ad9ca31a8372d0c353"
token = "${{SOC_TEST_CF_TOKEN}}"

[[response.cloud.opnsense]]
name = "fw1"
url = "{opnsense_url}"
key = "k"
secret = "s"

[response.cloud.http]
max_retries = 0
"#
        ),
    )
    .unwrap();
}

#[test]
fn dry_run_prints_each_request_with_secrets_redacted() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), "https://192.0.2.1");
    soc(dir.path())
        .args(["block", "198.51.100.7", "--cloud", "all", "--dry-run"])
        .assert()
        .success()
        .stdout(predicate::str::contains("# cloudflare@cloudflare\nPOST https://api.cloudflare.com/client/v4/zones/023e105f4ecef8ad9ca31a8372d0c353/firewall/access_rules/rules\nAuthorization: Bearer <redacted>\n"))
        .stdout(predicate::str::contains("\"notes\":\"soc: operator\""))
        .stdout(predicate::str::contains("# opnsense@fw1\nPOST https://192.0.2.1/api/firewall/alias_util/add/soc_block\nAuthorization: Basic <redacted>\n"))
        .stdout(predicate::str::contains(TOKEN).not());
    // One backend by name; IPv6 network.
    soc(dir.path())
        .args([
            "block",
            "2001:db8:1:2::/64",
            "--cloud",
            "cloudflare",
            "--dry-run",
            "--json",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "\"responder\":\"cloudflare@cloudflare\"",
        ))
        .stdout(predicate::str::contains("ip_range"))
        .stdout(predicate::str::contains("opnsense").not());
}

#[test]
fn refusals_unknown_names_and_help() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), "https://192.0.2.1");
    for ip in ["10.0.0.1", "198.51.100.99"] {
        soc(dir.path())
            .args(["block", ip, "--cloud", "all", "--dry-run"])
            .assert()
            .code(3)
            .stdout(predicate::str::contains("refusing to act on"));
    }
    soc(dir.path())
        .args(["block", "198.51.100.7", "--cloud", "fw9", "--dry-run"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains(
            "no [[response.cloud.*]] backend is called 'fw9'",
        ));
    soc(dir.path())
        .args(["block", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--cloud <NAMES>"));
    soc(dir.path())
        .args(["block", "198.51.100.7", "--cloud", "fw1", "--host", "web1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be used with"));
}

#[test]
fn live_block_list_and_unblock_against_opnsense() {
    let mut server = mockito::Server::new();
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &server.url());
    let state = dir.path().join("state.db");
    let state = state.to_str().unwrap();
    let empty = server
        .mock("GET", "/api/firewall/alias_util/list/soc_block")
        .with_body(r#"{"total":0,"rowCount":0,"current":1,"rows":[]}"#)
        .create();
    let add = server
        .mock("POST", "/api/firewall/alias_util/add/soc_block")
        .match_body(mockito::Matcher::Json(
            serde_json::json!({"address": "198.51.100.7"}),
        ))
        .with_body(r#"{"status":"done"}"#)
        .expect(1)
        .create();
    soc(dir.path())
        .args([
            "block",
            "198.51.100.7",
            "--cloud",
            "fw1",
            "--for",
            "2h",
            "--state",
            state,
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "opnsense@fw1: blocked 198.51.100.7 for 2h",
        ));
    add.assert();
    empty.remove();
    soc(dir.path())
        .args(["block", "list", "--format", "jsonl", "--state", state])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"backend\":\"opnsense@fw1\""));
    soc(dir.path())
        .args([
            "block", "list", "--format", "jsonl", "--cloud", "fw1", "--state", state,
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("198.51.100.7"));
    soc(dir.path())
        .args([
            "block", "list", "--format", "jsonl", "--host", "web1", "--state", state,
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("198.51.100.7").not());
    let _full = server
        .mock("GET", "/api/firewall/alias_util/list/soc_block")
        .with_body(r#"{"total":1,"rowCount":1,"current":1,"rows":[{"ip":"198.51.100.7"}]}"#)
        .create();
    let delete = server
        .mock("POST", "/api/firewall/alias_util/delete/soc_block")
        .with_body(r#"{"status":"done"}"#)
        .expect(1)
        .create();
    soc(dir.path())
        .args([
            "unblock",
            "198.51.100.7",
            "--cloud",
            "opnsense@fw1",
            "--state",
            state,
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "opnsense@fw1: unblocked 198.51.100.7",
        ));
    delete.assert();
    soc(dir.path())
        .args([
            "block", "list", "--format", "jsonl", "--all", "--state", state,
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("198.51.100.7").not());
}

#[test]
fn a_failed_block_exits_1_and_sweep_retries_it() {
    let mut server = mockito::Server::new();
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &server.url());
    let state = dir.path().join("state.db");
    let state = state.to_str().unwrap();
    let down = server
        .mock("GET", "/api/firewall/alias_util/list/soc_block")
        .with_status(503)
        .create();
    soc(dir.path())
        .args(["block", "198.51.100.8", "--cloud", "fw1", "--state", state])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("HTTP 503"));
    soc(dir.path())
        .args([
            "block", "list", "--format", "jsonl", "--cloud", "fw1", "--state", state,
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("retry-cloud-block@opnsense@fw1"));
    down.remove();
    let _up = server
        .mock("GET", "/api/firewall/alias_util/list/soc_block")
        .with_body(r#"{"rows":[]}"#)
        .create();
    let add = server
        .mock("POST", "/api/firewall/alias_util/add/soc_block")
        .with_body(r#"{"status":"done"}"#)
        .expect(1)
        .create();
    soc(dir.path())
        .args(["block", "sweep", "--cloud", "all", "--state", state])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "opnsense@fw1: blocked 198.51.100.8",
        ));
    add.assert();
}
