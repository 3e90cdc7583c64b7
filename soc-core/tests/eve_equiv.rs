//! The one-pass EVE reader against the reference (a `serde_json::Value`
//! parse and `EveRecord::from_map`): same records, same views, same errors,
//! same alerts; and the alert fast paths against the full parse.

use std::path::Path;

use proptest::prelude::*;
use soc_core::parse::suricata::{
    alert_from_eve, alert_from_line, alert_lines, is_alert_line, parse_eve_line, AlertScanner,
    EveRecord,
};

/// What `parse_eve_line` did before: a `Value` tree, then `from_map`.
fn reference(line: &str) -> Result<EveRecord, String> {
    match serde_json::from_str::<serde_json::Value>(line) {
        Ok(serde_json::Value::Object(m)) => Ok(EveRecord::from_map(m)),
        Ok(_) => Err("not a JSON object".into()),
        Err(e) => Err(format!("invalid JSON: {e}")),
    }
}

fn reason(e: soc_core::ParseError) -> String {
    match e {
        soc_core::ParseError::Malformed { reason, .. } => reason,
        other => other.to_string(),
    }
}

/// Asserts that the fast reader and the fast alert path agree with the
/// reference on `line`.
fn check(line: &str) {
    let want = reference(line);
    let got = parse_eve_line(line).map_err(reason);
    match (&got, &want) {
        (Ok(g), Ok(w)) => {
            assert_eq!(g, w, "{line}");
            assert_eq!(g.to_json(), w.to_json(), "{line}");
            assert_eq!(
                (g.alert(), g.flow(), g.dns()),
                (w.alert(), w.flow(), w.dns())
            );
            assert_eq!((g.http(), g.tls()), (w.http(), w.tls()));
            assert_eq!((g.fileinfo(), g.anomaly()), (w.fileinfo(), w.anomaly()));
        }
        (Err(g), Err(w)) => assert_eq!(g, w, "{line}"),
        _ => panic!("{line}: got {got:?}, want {want:?}"),
    }
    let alert = alert_from_line(line).map_err(reason);
    assert_eq!(alert, want.map(|w| alert_from_eve(&w)), "{line}");
}

fn corpus() -> Option<String> {
    let p =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/eve/suricata-events.jsonl");
    std::fs::read_to_string(p).ok()
}

static CORPUS: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| corpus().unwrap_or_else(sample));

fn sample() -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/data/eve.json");
    std::fs::read_to_string(p).unwrap()
}

#[test]
fn corpus_and_sample_read_like_the_reference() {
    let text = corpus().unwrap_or_default() + &sample();
    let mut n = 0;
    for line in text.lines() {
        check(line);
        n += 1;
    }
    assert!(n > 150, "{n}");
}

/// Alerts of a buffer, the slow way: every line fully parsed, kept when
/// it passes the line filter.
fn slow_alerts(text: &str) -> Vec<soc_core::model::Alert> {
    text.lines()
        .filter(|l| is_alert_line(l.as_bytes()))
        .filter_map(|l| parse_eve_line(l).ok())
        .filter_map(|r| alert_from_eve(&r))
        .collect()
}

fn fast_alerts(text: &str) -> Vec<soc_core::model::Alert> {
    alert_lines(text.as_bytes())
        .filter_map(|l| std::str::from_utf8(l).ok())
        .filter_map(|l| alert_from_line(l).ok().flatten())
        .collect()
}

#[test]
fn fast_path_finds_every_corpus_alert() {
    let Some(text) = corpus() else {
        eprintln!("skipping: corpus not found");
        return;
    };
    let full = text
        .lines()
        .filter_map(|l| parse_eve_line(l).ok())
        .filter(|r| r.event_type == "alert" || r.event_type == "drop")
        .filter_map(|r| alert_from_eve(&r))
        .count();
    let fast = fast_alerts(&text);
    assert_eq!(fast.len(), full);
    assert_eq!(fast, slow_alerts(&text));
    // 719 `alert` records and 7 drops carrying an alert.
    let dropped = fast
        .iter()
        .filter(|a| a.fields.contains_key("dropped"))
        .count();
    assert_eq!((fast.len() - dropped, dropped), (719, 7));
    let sample = sample();
    assert_eq!(fast_alerts(&sample), slow_alerts(&sample));
    assert_eq!(fast_alerts(&sample).len(), 16);
    // The same through the block scanner, with blocks smaller than lines.
    let mut scanned = Vec::new();
    let lines = AlertScanner::with_block(text.as_bytes(), 1000)
        .for_each(|_, l| scanned.extend(alert_from_line(std::str::from_utf8(l).unwrap()).unwrap()))
        .unwrap();
    assert_eq!(lines, text.lines().count() as u64);
    assert_eq!(scanned, fast);
}

#[test]
fn edge_cases_read_like_the_reference() {
    for line in [
        "",
        " ",
        "{}",
        "[]",
        "1",
        "\"x\"",
        "null",
        "{} x",
        "[1,2] x",
        "{\"event_type\":",
        r#"{"event_type":"alert","event_type":"flow","src_port":1,"src_port":"x"}"#,
        r#"{"alert":{"gid":1},"alert":5,"event_type":"alert"}"#,
        r#"{"event_type":"alert","alert":{"signature":"a\u00e9\"b","severity":"2","metadata":{"k":["v"],"signature_severity":"Critical"}}}"#,
        r#"{"event_type":"flow","x":"\ud800"}"#,
        r#"{"event_type":"flow","x":1e400}"#,
        r#"{"event_type":"flow","x":123456789012345678901234567890,"flow_id":-5,"tx_id":1.5}"#,
        r#"{"event_t\u0079pe":"dns","dns":{"answer":{"rrname":"a","rdata":null,"answer":{"rdata":"b"}}}}"#,
        r#"{"event_type":"dns","dns":{"rrname":"a","grouped":{"A":["1",2,{"x":1}],"B":3}}}"#,
        r#"{"event_type":"dns","dns":{"query":[1,{"rrname":"q","id":"7"},{"id":8}],"queries":{"x":1}}}"#,
        r#"{"event_type":"tls","tls":{"ja3":{"hash":1,"hash":"h"},"ja3s":"s","ja4":5}}"#,
        r#"{"event_type":"netflow","netflow":{"pkts":3,"bytes":"4","alerted":true},"flow":[]}"#,
        r#"{"vlan":[1,"2",-3,4.0,5],"src_ip":"fe80::1%eth0","dest_ip":5,"timestamp":7}"#,
        r#"{"vlan":7,"timestamp":"2024-01-01T00:00:00Z","proto":6,"host":true}"#,
        r#"{"event_type":"drop","drop":{},"alert":{"action":"blocked"}}"#,
        r#"{"event_type":1.5,"http":{"hostname":true,"status":"200"},"fileinfo":{"stored":"no"}}"#,
    ] {
        check(line);
    }
    let deep = format!("{{\"a\":{}{}}}", "[".repeat(200), "]".repeat(200));
    check(&deep);
}

/// Corpus-like lines: pieces of EVE text glued together, so many are
/// almost valid.
fn eve_fragment() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"",
        "\\",
        "\\u00e9",
        "\\ud800",
        "1",
        "-2",
        "1.5e3",
        "1e999",
        "null",
        "true",
        "\"event_type\"",
        "\"alert\"",
        "\"drop\"",
        "\"dns\"",
        "\"flow\"",
        "\"event_type\":\"alert\"",
        "\"event_type\": \"alert\"",
        "\"alert\":",
        "\"alert\":{",
        "\"src_ip\":\"10.0.0.1\"",
        "\"timestamp\":\"2024-01-01T00:00:00Z\"",
        "\"metadata\":{\"mitre_technique_id\":[\"T1\"]}",
        "\"query\":[{\"rrname\":\"a\"}]",
        "\"grouped\":{\"A\":[\"x\"]}",
        "\"ja3\":{\"hash\":\"h\"}",
        "\n",
        "\r\n",
        " ",
        "é",
    ])
    .prop_map(str::to_string)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn fragments_read_like_the_reference(parts in prop::collection::vec(eve_fragment(), 0..40)) {
        let text = parts.concat();
        for line in text.lines() {
            check(line);
        }
        prop_assert_eq!(fast_alerts(&text), slow_alerts(&text));
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,200}") {
        check(&s);
        let _ = alert_lines(s.as_bytes()).count();
    }

    #[test]
    fn alert_lines_is_the_line_filter(bytes in prop::collection::vec(any::<u8>(), 0..300),
                                      parts in prop::collection::vec(eve_fragment(), 0..30)) {
        let mut buf = bytes;
        buf.extend_from_slice(parts.concat().as_bytes());
        let fast: Vec<&[u8]> = alert_lines(&buf).collect();
        let slow: Vec<&[u8]> = buf
            .split(|b| *b == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
            .filter(|l| is_alert_line(l))
            .collect();
        prop_assert_eq!(fast, slow);
    }

    #[test]
    fn scanner_blocks_match_the_line_filter(bytes in prop::collection::vec(any::<u8>(), 0..200),
                                            parts in prop::collection::vec(eve_fragment(), 0..60),
                                            block in 1usize..64) {
        let mut buf = bytes;
        buf.extend_from_slice(parts.concat().as_bytes());
        let mut pieces: Vec<&[u8]> = buf.split(|b| *b == b'\n').collect();
        if pieces.last().is_some_and(|p| p.is_empty()) {
            pieces.pop();
        }
        let want: Vec<(u64, Vec<u8>)> = pieces
            .iter()
            .enumerate()
            .map(|(i, l)| (i as u64 + 1, l.strip_suffix(b"\r").unwrap_or(l).to_vec()))
            .filter(|(_, l)| is_alert_line(l))
            .collect();
        let mut got = Vec::new();
        let n = AlertScanner::with_block(&buf[..], block)
            .for_each(|no, l| got.push((no, l.to_vec())))
            .unwrap();
        prop_assert_eq!(n, pieces.len() as u64);
        prop_assert_eq!(got, want);
    }

    #[test]
    fn mutated_corpus_lines_read_like_the_reference(i in 0usize..2000, cut in 0usize..600, byte in any::<u8>()) {
        let lines: Vec<&str> = CORPUS.lines().collect();
        let line = lines[i % lines.len()];
        let mut b = line.as_bytes().to_vec();
        let at = cut.min(b.len());
        b.insert(at, byte);
        if let Ok(s) = std::str::from_utf8(&b) {
            check(s);
        }
        let mut end = at;
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        check(&line[..end]);
    }
}
