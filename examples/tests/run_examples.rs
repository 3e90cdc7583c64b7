//! Every example runs, and does what it says.

#[test]
fn embed_runs_once_then_finds_nothing_new() {
    let dir = tempfile::tempdir().unwrap();
    let mut out = Vec::new();
    let o = soc_examples::embed::run(dir.path(), &mut out).unwrap();
    assert_eq!(o.first.records, 31);
    assert!(
        o.first.alerts_by_kind.contains_key("ssh.brute_force"),
        "{:?}",
        o.first.alerts_by_kind
    );
    assert_eq!(
        o.second.records, 0,
        "checkpoint: nothing new on the second run"
    );
    assert_eq!(o.second.actions_total(), 0);
    assert!(o.summary.contains("203.0.113.50"), "{}", o.summary);
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("second run: 0 records"), "{text}");
}

#[test]
fn custom_source_feeds_the_detectors() {
    let dir = tempfile::tempdir().unwrap();
    let m = soc_examples::custom_source::run(dir.path(), &mut Vec::new()).unwrap();
    assert_eq!(m.records, 12);
    assert!(m.alerts() >= 1, "{m:?}");
}

#[test]
fn custom_enricher_verdict_lands_on_alerts() {
    let dir = tempfile::tempdir().unwrap();
    let mut out = Vec::new();
    let alerts = soc_examples::custom_enricher::run(dir.path(), &mut out).unwrap();
    let hit = alerts
        .iter()
        .flat_map(|a| &a.alert.enrichments)
        .find(|e| e.provider == "internal_intel" && e.indicator == "203.0.113.50")
        .expect("internal intel enriched the attacker");
    assert_eq!(hit.verdict, soc_core::Verdict::Malicious);
    assert!(String::from_utf8(out).unwrap().contains("malicious"));
}
