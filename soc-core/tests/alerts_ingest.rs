//! Generic alert ingestion: JSON array, JSON lines, CSV, mappings, bad rows.

use std::io::Write;

use soc_core::parse::json_csv::{read_alerts, AlertFormat, AlertMapping};
use soc_core::Severity;

fn file(content: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(content.as_bytes()).unwrap();
    f
}

#[test]
fn jsonl_with_common_names_and_a_bad_line() {
    let f = file(concat!(
        "{\"srcip\":\"198.51.100.1\",\"signature\":\"A\",\"severity\":1,\"timestamp\":\"2026-11-21T02:00:00Z\"}\n",
        "not json\n",
        "\n",
        "{\"source\":{\"ip\":\"2001:db8::5\"},\"destination\":{\"ip\":\"10.0.0.5\"},\"rule\":{\"name\":\"B\"},\"@timestamp\":\"2026-11-21T03:00:00.5+00:00\"}\n",
        "{\"nothing\":1}\n",
    ));
    let items: Vec<_> = read_alerts(f.path(), AlertFormat::Json, &AlertMapping::default())
        .unwrap()
        .collect();
    assert_eq!(items.len(), 4);
    let a = items[0].as_ref().unwrap();
    assert_eq!((a.title.as_str(), a.severity), ("A", Severity::High));
    assert_eq!(a.src_ip, Some("198.51.100.1".parse().unwrap()));
    let err = items[1].as_ref().unwrap_err().to_string();
    assert!(err.contains(":2:"), "{err}");
    let b = items[2].as_ref().unwrap();
    assert_eq!(b.dst_ip, Some("10.0.0.5".parse().unwrap()));
    assert_eq!(b.kind, "alerts.generic");
    assert!(items[3].is_err());
}

#[test]
fn json_array_and_mapping() {
    let f = file("[{\"attacker\":\"203.0.113.9\",\"what\":\"scan\",\"lvl\":\"critical\"},\n {\"attacker\":\"203.0.113.10\",\"what\":\"scan\"}]");
    let mut m = AlertMapping::parse_pairs("src_ip=attacker,title=what,severity=lvl").unwrap();
    m.tool = Some("edr".into());
    let v: Vec<_> = read_alerts(f.path(), AlertFormat::Json, &m)
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(v.len(), 2);
    assert_eq!(v[0].kind, "alerts.edr");
    assert_eq!(v[0].severity, Severity::Critical);
    assert_eq!(v[1].severity, Severity::Medium);
    assert_eq!(v[1].title, "scan");
    assert!(AlertMapping::parse_pairs("colour=x").is_err());
}

#[test]
fn csv_rows_and_stable_ids() {
    let f = file("src_ip,dest_ip,signature,severity\n198.51.100.7,10.0.0.1,ET SCAN,high\n198.51.100.8,10.0.0.1,\"quoted, title\",low\n");
    let run = || -> Vec<_> {
        read_alerts(f.path(), AlertFormat::Csv, &AlertMapping::default())
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    };
    let v = run();
    assert_eq!(v.len(), 2);
    assert_eq!(v[1].title, "quoted, title");
    assert_eq!(v[1].severity, Severity::Low);
    assert_eq!(
        v.iter().map(|a| a.id.clone()).collect::<Vec<_>>(),
        run().iter().map(|a| a.id.clone()).collect::<Vec<_>>()
    );
    assert_ne!(v[0].id, v[1].id);
}

#[test]
fn missing_file_is_an_io_error() {
    assert!(read_alerts(
        "/nonexistent/x.json",
        AlertFormat::Json,
        &AlertMapping::default()
    )
    .is_err());
}
