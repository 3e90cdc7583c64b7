//! Suricata EVE: conformance over Suricata's own events, typed views, DNS
//! normalization, alert normalization and the alert fast path.

use std::path::Path;

use soc_core::model::{Origin, Severity};
use soc_core::parse::suricata::{alert_from_eve, is_alert_line, parse_eve_line};

#[test]
fn suricata_corpus_parses_without_error() {
    let p =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/eve/suricata-events.jsonl");
    if !p.exists() {
        eprintln!("skipping: {} not found", p.display());
        return;
    }
    let text = std::fs::read_to_string(&p).unwrap();
    let mut n = 0;
    let mut alerts = 0;
    let mut fast_alerts = 0;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let rec = parse_eve_line(line).unwrap_or_else(|e| panic!("line {}: {e}", i + 1));
        n += 1;
        // Faithful: re-serializing gives the same JSON value.
        let back: serde_json::Value = serde_json::from_str(&rec.to_json()).unwrap();
        let orig: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(back, orig, "line {}", i + 1);
        let _ = rec.to_event(Origin {
            file: "c".into(),
            line: i as u64 + 1,
        });
        let _ = (
            rec.dns(),
            rec.http(),
            rec.tls(),
            rec.flow(),
            rec.fileinfo(),
            rec.anomaly(),
        );
        if rec.event_type == "alert" {
            alerts += 1;
            assert!(alert_from_eve(&rec).is_some(), "line {}", i + 1);
            if is_alert_line(line.as_bytes()) {
                fast_alerts += 1;
            }
        }
    }
    println!("{n} EVE records, {alerts} alerts, {fast_alerts} found by the fast path");
    assert!(n > 1900, "{n}");
    assert!(alerts > 0);
}

#[test]
fn sample_eve_json() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/data/eve.json");
    let text = std::fs::read_to_string(p).unwrap();
    let mut alerts = Vec::new();
    for line in text.lines() {
        let rec = parse_eve_line(line).unwrap();
        assert_eq!(
            is_alert_line(line.as_bytes()),
            rec.event_type == "alert" || rec.event_type == "drop"
        );
        if let Some(a) = alert_from_eve(&rec) {
            alerts.push(a);
        }
    }
    assert_eq!(alerts.len(), 16); // 15 alerts + 1 drop carrying one
    let c2 = alerts.iter().find(|a| a.title.contains("TLS SNI")).unwrap();
    assert_eq!(c2.severity, Severity::Critical);
    assert_eq!(c2.attack[0].technique_id, "T1071");
    assert_eq!(
        c2.attack[0].tactic_name.as_deref(),
        Some("command-and-control")
    );
    assert_eq!(
        c2.attack[0].technique_name.as_deref(),
        Some("Application Layer Protocol")
    );
    let trunc = alerts
        .iter()
        .find(|a| a.title.contains("truncated"))
        .unwrap();
    assert_eq!((trunc.src_ip, trunc.dst_ip), (None, None));
    assert_eq!(trunc.severity, Severity::Low);
    let blocked = alerts
        .iter()
        .filter(|a| a.fields.get("action").and_then(|v| v.as_str()) == Some("blocked"))
        .count();
    assert_eq!(blocked, 2);
    // Stable ids: same input, same ids; distinct records, distinct ids.
    let mut ids: Vec<&str> = alerts.iter().map(|a| a.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), alerts.len());
}

#[test]
fn dns_formats_normalize() {
    let v1q =
        r#"{"event_type":"dns","dns":{"type":"query","id":1,"rrname":"a.example","rrtype":"A"}}"#;
    let v1a = r#"{"event_type":"dns","dns":{"type":"answer","id":1,"rrname":"a.example","rrtype":"A","ttl":60,"rdata":"192.0.2.1"}}"#;
    let v2 = r#"{"event_type":"dns","dns":{"version":2,"type":"answer","id":1,"rrname":"a.example","rrtype":"A","grouped":{"A":["192.0.2.1"]}}}"#;
    let v3 = r#"{"event_type":"dns","dns":{"version":3,"type":"response","id":1,"queries":[{"rrname":"a.example","rrtype":"A"}],"answers":[{"rrname":"a.example","rrtype":"A","ttl":60,"rdata":"192.0.2.1"}]}}"#;
    let alert7 = r#"{"event_type":"alert","alert":{"signature_id":1},"dns":{"query":[{"type":"query","id":1,"rrname":"a.example","rrtype":"A"}]}}"#;
    for l in [v1q, v1a, v2, v3, alert7] {
        let d = parse_eve_line(l).unwrap().dns().unwrap();
        assert_eq!(d.queries[0].rrname, "a.example", "{l}");
        assert_eq!(d.id, Some(1), "{l}");
    }
    for l in [v1a, v2, v3] {
        let d = parse_eve_line(l).unwrap().dns().unwrap();
        assert_eq!(d.answers[0].rdata.as_deref(), Some("192.0.2.1"), "{l}");
    }
}

#[test]
fn missing_fields_are_none_and_junk_is_an_error() {
    let r = parse_eve_line(r#"{"timestamp":"2024-01-01T00:00:00.000000+0000","event_type":"flow","src_ip":"fe80:0000:0000:0000:0000:0000:0000:0001","dest_ip":"10.0.0.1","proto":"ICMP"}"#).unwrap();
    assert_eq!(r.src_ip, Some("fe80::1".parse().unwrap()));
    assert_eq!((r.src_port, r.dest_port), (None, None));
    assert_eq!(
        r.timestamp.unwrap().to_rfc3339(),
        "2024-01-01T00:00:00+00:00"
    );
    let r = parse_eve_line(
        r#"{"event_type":"stats","stats":{"uptime":1},"src_port":"x","flow_id":-1}"#,
    )
    .unwrap();
    assert_eq!((r.src_ip, r.src_port, r.flow_id), (None, None, None));
    assert_eq!(r.object("stats").unwrap()["uptime"], 1);
    assert!(parse_eve_line("{\"event_type\":").is_err());
    assert!(parse_eve_line("[1,2]").is_err());
    assert!(parse_eve_line("").is_err());
}

#[test]
fn typed_views() {
    let l = r#"{"event_type":"tls","tls":{"sni":"x.example","version":"TLS 1.3","ja3":{"hash":"abc","string":"771"},"ja3s":{"hash":"def"},"ja4":"t13d"}}"#;
    let t = parse_eve_line(l).unwrap().tls().unwrap();
    assert_eq!(
        (
            t.sni.as_deref(),
            t.ja3.as_deref(),
            t.ja3s.as_deref(),
            t.ja4.as_deref()
        ),
        (Some("x.example"), Some("abc"), Some("def"), Some("t13d"))
    );
    let l = r#"{"event_type":"http","http":{"hostname":"h","url":"/x","status":404}}"#;
    let h = parse_eve_line(l).unwrap().http().unwrap();
    assert_eq!((h.url.as_deref(), h.status), (Some("/x"), Some(404)));
    let l = r#"{"event_type":"fileinfo","fileinfo":{"filename":"/a","sha256":"00","size":3}}"#;
    let e = parse_eve_line(l).unwrap().to_event(Origin {
        file: "f".into(),
        line: 1,
    });
    assert_eq!(e.kind, "suricata.fileinfo");
    assert_eq!(e.fields["sha256"], "00");
}
