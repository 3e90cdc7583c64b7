//! The fast reader against the `serde_json` reader: whenever the fast one
//! accepts a line, `serde_json` accepts it too and reads the same record
//! (full and alert-only), and Suricata's lines take the fast path.

use proptest::prelude::*;

use super::record::read_serde;
use super::{alert_from_eve, alert_from_line, fast, EveRecord};

/// Fast result, with the line attached (so `raw` compares too).
fn fast_read(line: &str, full: bool) -> Option<EveRecord> {
    fast::read(line, full).map(|mut r| {
        r.line = line.into();
        r
    })
}

/// Asserts the fast reader's promise on `line`; true when it took it.
fn agrees(line: &str) -> bool {
    // The alert path (borrowed metadata when fast) against the full
    // `serde_json` record.
    let want = match read_serde(line, true) {
        Ok(Some(r)) => Ok(alert_from_eve(&r)),
        _ => Err(()),
    };
    assert_eq!(alert_from_line(line).map_err(drop), want, "{line}");
    let mut took = false;
    for full in [true, false] {
        if let Some(got) = fast_read(line, full) {
            let mut want = match read_serde(line, full) {
                Ok(Some(r)) => r,
                other => panic!("fast accepted {line:?}, serde_json: {other:?}"),
            };
            want.line = line.into();
            assert_eq!(got, want, "{line}");
            assert_eq!(got.ts_text, want.ts_text, "{line}");
            // Map equality ignores key order; the written views do not.
            let json = |r: &EveRecord| serde_json::to_string(&(r.alert_ref(), r.dns())).ok();
            assert_eq!(json(&got), json(&want), "{line}");
            took = true;
        }
    }
    took
}

const SAMPLE: &str = include_str!("../../../../examples/data/eve.json");

#[test]
fn sample_lines_take_the_fast_path_and_agree() {
    let mut n = 0;
    for line in SAMPLE.lines() {
        assert!(agrees(line), "fast path refused {line}");
        let (mut rec, mut meta) = (EveRecord::empty(), super::rule_meta::Meta::default());
        assert!(fast::read_alert_into(line, &mut rec, &mut meta), "{line}");
        n += 1;
    }
    assert!(n > 100, "{n}");
}

#[test]
fn edge_cases_agree() {
    let deep = |n: usize| format!("{{\"a\":{}1{}}}", "[".repeat(n), "]".repeat(n));
    let mut lines: Vec<String> = [
        "{}",
        " {\"a\":1}\r\n",
        "\t{ \"event_type\" : \"alert\" , \"alert\" : { } }  ",
        "{\"a\":1}x",
        "{\"a\":1,}",
        "{\"a\":[1,]}",
        "{\"a\":[,1]}",
        "{\"a\":01}",
        "{\"a\":-0}",
        "{\"a\":-1}",
        "{\"a\":1.5}",
        "{\"a\":1e5}",
        "{\"a\":1E5}",
        "{\"a\":0.}",
        "{\"a\":\"\\u0041\"}",
        "{\"a\\u0041\":1}",
        "{\"a\":\"tab\there\"}",
        "{\"a\":\"nul\u{0}\"}",
        "{\"a\":\"del\u{7f} ñ 日本 🦀\"}",
        "{\"a\":tru}",
        "{\"a\":truex}",
        "{\"a\":nul}",
        "{\"a\" 1}",
        "{\"a\":1 \"b\":2}",
        "{1:2}",
        "{\"a\":1",
        "{\"a\":\"x",
        "{\"a\":",
        "[]",
        "1",
        "\"x\"",
        "",
        "{\"flow_id\":18446744073709551615}",
        "{\"flow_id\":18446744073709551616}",
        "{\"flow_id\":9999999999999999999}",
        "{\"flow_id\":\"42\",\"src_port\":70000,\"dest_port\":\"22\"}",
        "{\"event_type\":\"a\",\"event_type\":\"b\"}",
        "{\"event_type\":7,\"proto\":6,\"host\":true}",
        "{\"timestamp\":1}",
        "{\"timestamp\":\"2026-11-21T02:14:40.5+0100\",\"timestamp\":null}",
        "{\"src_ip\":\"fe80::1%eth0\",\"dest_ip\":\"::ffff:10.0.0.1\"}",
        "{\"vlan\":[1,\"x\",2,null,[3]]}",
        "{\"vlan\":5}",
        "{\"vlan\":{\"a\":1}}",
        "{\"vlan\":\"5\"}",
        "{\"tls\":{\"ja3\":{\"hash\":\"h\",\"hash\":true},\"ja3s\":\"s\",\"ja4\":[1]}}",
        "{\"tls\":{\"ja3\":{\"string\":\"x\"},\"ja4\":null},\"tls\":5}",
        "{\"dns\":{\"query\":[{\"rrname\":\"a\",\"id\":3},7,{\"rrtype\":\"A\"}],\"answer\":{\"rrname\":\"b\",\"rdata\":\"c\"}}}",
        "{\"dns\":{\"rrname\":\"x\",\"grouped\":{\"A\":[\"1.2.3.4\",5],\"CNAME\":\"y\"}}}",
        "{\"dns\":{\"queries\":{},\"answers\":[{\"rrname\":\"a\",\"ttl\":\"9\"},[]]}}",
        "{\"flow\":{\"pkts\":3,\"bytes\":4},\"netflow\":{\"pkts\":5}}",
        "{\"netflow\":{\"pkts\":5,\"alerted\":\"no\"}}",
        "{\"alert\":{\"signature\":true,\"gid\":\"1\",\"metadata\":{\"k\":[\"v\"]}},\"alert\":[]}",
        "{\"alert\":{\"metadata\":[1]},\"event_type\":\"drop\"}",
        "{\"event_type\":\"alert\",\"alert\":{\"metadata\":{\"signature_severity\":[\"x\",\"CRITICAL\"],\"mitre_technique_id\":[\" T1 \",2,\"T2\"],\"mitre_tactic_name\":\"Command_And Control\"}}}",
        "{\"event_type\":\"alert\",\"alert\":{\"metadata\":{\"mitre_technique_id\":[\"T1\"],\"mitre_technique_id\":[\"T9\"],\"mitre_technique_name\":[[\"a\"],\"Brute_Force\"]}}}",
        "{\"event_type\":\"alert\",\"alert\":{\"metadata\":{\"mitre_technique_id\":[\"T1\"]},\"metadata\":{\"mitre_tactic_id\":[\"TA1\"]}}}",
        "{\"event_type\":\"alert\",\"alert\":{\"metadata\":{\"mitre_technique_id\":[\"T1\"]}},\"alert\":7}",
        "{\"event_type\":\"alert\",\"alert\":{\"metadata\":{\"mitre_technique_id\":{\"a\":1},\"signature_severity\":\"critical\"}}}",
        "{\"event_type\":\"drop\",\"alert\":{\"metadata\":[\"x\"],\"action\":\"blocked\",\"severity\":9}}",
        "{\"alert\":{\"metadata\":{\"b\":[1],\"a\":[\"x\",{\"k\":[true,null]}],\"b\":[\"y\"]}}}",
        "{\"dns\":{\"rrname\":\"x\",\"grouped\":{\"MX\":[\"m\"],\"A\":[\"1.2.3.4\"],\"MX\":[\"n\",7,{}]}}}",
        "{\"http\":{\"status\":\"200\",\"length\":{}},\"fileinfo\":{\"stored\":1},\"anomaly\":{\"code\":[]}}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for n in [90, 98, 99, 100, 101, 125, 126, 127, 128] {
        lines.push(deep(n));
    }
    let took = lines.iter().filter(|l| agrees(l)).count();
    assert!(took > 25, "{took}");
}

/// JSON-ish text from tokens that EVE readers care about.
fn jsonish() -> impl Strategy<Value = String> {
    let tokens = prop::sample::select(vec![
        "{",
        "{",
        "}",
        "}",
        "[",
        "]",
        ",",
        ",",
        ":",
        ":",
        "\"a\"",
        "\"event_type\"",
        "\"alert\"",
        "\"flow\"",
        "\"netflow\"",
        "\"dns\"",
        "\"tls\"",
        "\"vlan\"",
        "\"ja3\"",
        "\"hash\"",
        "\"src_ip\"",
        "\"timestamp\"",
        "\"query\"",
        "\"answers\"",
        "\"grouped\"",
        "\"metadata\"",
        "\"rrname\"",
        "\"rdata\"",
        "\"1.2.3.4\"",
        "0",
        "1",
        "12",
        "-1",
        "1.5",
        "1e3",
        "true",
        "false",
        "null",
        " ",
        "\n",
        "\"\\u0041\"",
        "\"x\ty\"",
        "01",
        "99999999999999999999",
    ]);
    prop::collection::vec(tokens, 0..40).prop_map(|v| format!("{{{}", v.concat()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn random_jsonish_agrees(line in jsonish()) {
        agrees(&line);
    }

    /// One byte of a real line deleted, replaced or inserted.
    #[test]
    fn damaged_sample_lines_agree(n in 0usize..153, at in 0usize..2000, b in 0u8..128, op in 0u8..3) {
        let Some(line) = SAMPLE.lines().nth(n % SAMPLE.lines().count()) else { return Ok(()) };
        let mut v = line.as_bytes().to_vec();
        let at = at % (v.len() + 1);
        match op {
            0 if at < v.len() => { v.remove(at); }
            1 if at < v.len() => v[at] = b,
            _ => v.insert(at, b),
        }
        if let Ok(s) = String::from_utf8(v) {
            agrees(&s);
        }
    }
}
