//! Behaviour and golden tests of `soc iocs`. Set `SOC_UPDATE_GOLDEN=1` to
//! rewrite the golden files after an intended change (a missing golden
//! file fails).

mod common;

#[path = "../../soc-core/tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};

use common::soc;
use predicates::prelude::*;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    support::golden(&path, actual);
}

/// `soc iocs --allow FILE` over `stdin`, FILE holding `allow_list`.
fn iocs_allowing(allow_list: &str, stdin: &str) -> assert_cmd::assert::Assert {
    let dir = tempfile::tempdir().unwrap();
    let allow = dir.path().join("allow.txt");
    std::fs::write(&allow, allow_list).unwrap();
    soc()
        .args(["iocs", "--allow"])
        .arg(&allow)
        .write_stdin(stdin)
        .assert()
}

#[test]
fn golden_threat_report_jsonl() {
    let out = soc()
        .current_dir(root())
        .args([
            "iocs",
            "--format",
            "jsonl",
            "examples/data/threat-report.txt",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        for key in [
            "kind", "value", "raw", "start", "end", "defanged", "count", "tags",
        ] {
            assert!(v.get(key).is_some(), "{key} missing in {line}");
        }
    }
    golden("iocs_threat_report.jsonl", &text);
}

#[test]
fn golden_stdin_filters() {
    let out = soc()
        .args([
            "iocs",
            "--format",
            "csv",
            "--kinds",
            "ipv4,domain",
            "--no-private",
            "-",
        ])
        .write_stdin("hosts 10.0.0.1, 8.8.8.8 and evil[.]example[.]com; CVE-2021-44228\n")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    golden("iocs_stdin_filters.csv", &String::from_utf8(out).unwrap());
}

#[test]
fn piped_default_is_jsonl_with_allow_list() {
    let text = "203.0.113.5 198.51.100.5 a.example.com evil.example.net\n";
    iocs_allowing("# ours\n203.0.113.0/24\nexample.com\n", text)
        .success()
        .stdout(predicate::str::contains("\"value\":\"198.51.100.5\""))
        .stdout(predicate::str::contains("evil.example.net"))
        .stdout(predicate::str::contains("203.0.113.5").not())
        .stdout(predicate::str::contains("a.example.com").not());
}

#[test]
fn several_files_carry_file_field() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.txt");
    let b = dir.path().join("b.txt");
    std::fs::write(&a, "8.8.8.8\n").unwrap();
    std::fs::write(&b, "9.9.9.9\n").unwrap();
    let out = soc()
        .arg("iocs")
        .arg("--format")
        .arg("json")
        .arg(&a)
        .arg(&b)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["file"], a.display().to_string());
    assert_eq!(rows[1]["value"], "9.9.9.9");
}

#[test]
fn refang_mode_prints_text() {
    soc()
        .args(["iocs", "--refang"])
        .write_stdin("go to hxxps://evil[.]example[.]com/x now\nand bob[at]evil(.)org\n")
        .assert()
        .success()
        .stdout("go to https://evil.example.com/x now\nand bob@evil.org\n");
}

#[test]
fn table_format_has_header() {
    soc()
        .args(["iocs", "--format", "table"])
        .write_stdin("8.8.8.8")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("KIND"))
        .stdout(predicate::str::contains("8.8.8.8"));
}

#[test]
fn usage_errors_exit_2() {
    soc()
        .args(["iocs", "--kinds", "ipv4,ipv5"])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown indicator kind 'ipv5'"));
    soc()
        .args(["iocs", "--allow", "/nonexistent/allow.txt"])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/nonexistent/allow.txt"));
    soc()
        .args(["iocs", "/nonexistent/report.txt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "/nonexistent/report.txt: no such file",
        ));
    iocs_allowing("10.0.0.0/8\nthis is bad!\n", "")
        .code(2)
        .stderr(predicate::str::contains(":2:"));
}

#[test]
fn help_lists_every_kind() {
    let out = soc()
        .args(["iocs", "--help"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let help = String::from_utf8(out).unwrap();
    for kind in soc_core::IndicatorKind::ALL {
        assert!(
            help.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .any(|w| w == kind.as_str()),
            "`soc iocs --help` does not list {kind}"
        );
    }
}

#[test]
fn new_kinds_and_encoded_urls_end_to_end() {
    let out = soc()
        .args([
            "iocs",
            "--format",
            "jsonl",
            "--kinds",
            "url,imphash,arn,ltc",
        ])
        .write_stdin(
            "imphash: 18ddf28a71089acdbab5038f58044c0a\n\
             aHR0cDovL2V4YW1wbGUuY29tL3NvbWUvdXJs arn:aws:iam::123456789012:user/Bob\n\
             LM2WMpR1Rp6j3Sa59cMXMs1SPzj9eXpGc1\n",
        )
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let rows: Vec<serde_json::Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kv: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r["kind"].as_str().unwrap(), r["value"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kv,
        [
            ("imphash", "18ddf28a71089acdbab5038f58044c0a"),
            ("url", "http://example.com/some/url"),
            ("arn", "arn:aws:iam::123456789012:user/Bob"),
            ("ltc", "LM2WMpR1Rp6j3Sa59cMXMs1SPzj9eXpGc1"),
        ]
    );
    assert_eq!(rows[1]["tags"], serde_json::json!(["base64"]));
}
