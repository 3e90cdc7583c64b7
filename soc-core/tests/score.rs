//! Scorers: explanations add up, thresholds, training beats a constant baseline.

mod support;

use proptest::prelude::*;
use soc_core::model::{Enrichment, Facts, Indicator, IndicatorKind, Verdict};
use soc_core::score::features::{features, FEATURE_NAMES};
use soc_core::score::train::{train_csv, train_rows, TrainOptions};
use soc_core::score::{
    ModelScorer, RiskThresholds, Scorer, ScorerKind, ScoringConfig, WeightedConfig, WeightedScorer,
};
use soc_core::{Alert, RiskLevel, Severity};

fn enrichment(provider: &str, verdict: Verdict, score: u8, malicious: Option<u32>) -> Enrichment {
    let mut e = Enrichment::unknown(
        provider,
        &Indicator::new(IndicatorKind::Ipv4, "203.0.113.9"),
    )
    .with_ttl(60);
    e.verdict = verdict;
    e.score = score;
    e.facts = Facts {
        malicious,
        country: Some("KP".into()),
        ..Facts::default()
    };
    e
}

fn brute_force() -> Alert {
    let mut a = support::brute_force_alert("SSH brute force", Severity::High);
    a.dst_port = Some(22);
    a.count = 412;
    a.host = Some("web01".into());
    a
}

#[test]
fn weighted_factors_add_up_and_explain_each_input() {
    let mut a = brute_force();
    a.enrichments = vec![
        enrichment("abuseipdb", Verdict::Malicious, 100, None),
        enrichment("virustotal", Verdict::Malicious, 80, Some(7)),
        enrichment("lists", Verdict::Malicious, 100, None),
        enrichment("greynoise", Verdict::Suspicious, 50, None),
    ];
    let mut cfg = WeightedConfig::default();
    cfg.assets.insert("web01".into(), 12.0);
    cfg.countries.insert("KP".into(), 7.0);
    let s = WeightedScorer::new(cfg).score(&a);
    let names: Vec<&str> = s.factors.iter().map(|f| f.name.as_str()).collect();
    for expected in [
        "severity",
        "kind",
        "abuseipdb_confidence",
        "virustotal_detections",
        "list_hit",
        "intel_verdict",
        "repetition",
        "external_source",
        "port_risk",
        "asset_criticality",
        "country",
    ] {
        assert!(names.contains(&expected), "missing {expected} in {names:?}");
    }
    let f = |n: &str| s.factors.iter().find(|f| f.name == n).unwrap().contribution;
    assert_eq!(f("abuseipdb_confidence"), 25.0);
    assert_eq!(f("virustotal_detections"), 21.0);
    assert_eq!(f("asset_criticality"), 12.0);
    assert_eq!(f("country"), 7.0);
    let sum: f64 = s.factors.iter().map(|f| f.contribution).sum();
    assert!(sum > 100.0, "this alert is over the top: {sum}");
    assert_eq!(s.value, 100.0);
    assert_eq!(s.level, RiskLevel::Critical);
}

#[test]
fn harmless_intel_lowers_the_score() {
    let mut a = Alert::new("suricata.alert", "k", "ET SCAN", Severity::Low);
    a.src_ip = Some("10.1.2.3".parse().unwrap());
    let before = WeightedScorer::default().score(&a);
    a.enrichments = vec![enrichment("greynoise", Verdict::Harmless, 0, None)];
    let after = WeightedScorer::default().score(&a);
    assert!(after.value < before.value || after.value == 0.0);
    assert_eq!(after.level, RiskLevel::Low);
    assert!(after.factors.iter().any(|f| f.contribution < 0.0));
}

fn arb_alert() -> impl Strategy<Value = Alert> {
    (
        0usize..5,
        0u64..100_000,
        proptest::option::of(any::<u16>()),
        proptest::option::of(0u8..=100),
        proptest::option::of(0u32..90),
        any::<bool>(),
        any::<[u8; 4]>(),
    )
        .prop_map(|(sev, count, port, abuse, vt, list, ip)| {
            let sev = [
                Severity::Info,
                Severity::Low,
                Severity::Medium,
                Severity::High,
                Severity::Critical,
            ][sev];
            let mut a = Alert::new("ssh.password_spraying", "k", "t", sev);
            a.count = count;
            a.dst_port = port;
            a.src_ip = Some(std::net::IpAddr::from(ip));
            if let Some(c) = abuse {
                a.enrichments
                    .push(enrichment("abuseipdb", Verdict::Suspicious, c, None));
            }
            if let Some(n) = vt {
                a.enrichments
                    .push(enrichment("virustotal", Verdict::Malicious, 50, Some(n)));
            }
            if list {
                a.enrichments
                    .push(enrichment("lists", Verdict::Malicious, 100, None));
            }
            a
        })
}

proptest! {
    #[test]
    fn weighted_contributions_sum_to_value_before_clamping(a in arb_alert()) {
        let s = WeightedScorer::default().score(&a);
        let sum: f64 = s.factors.iter().map(|f| f.contribution).sum();
        prop_assert!((s.value - sum.clamp(0.0, 100.0)).abs() < 1e-9);
        prop_assert!((0.0..=100.0).contains(&s.value));
        prop_assert_eq!(s.level, RiskThresholds::default().level(s.value));
        prop_assert!(s.factors.iter().all(|f| !f.detail.is_empty()));
    }
}

#[test]
fn thresholds_are_configurable_and_validated() {
    let t = RiskThresholds {
        medium: 10.0,
        high: 20.0,
        critical: 30.0,
    };
    let s = WeightedScorer::with_thresholds(WeightedConfig::default(), t).score(&brute_force());
    assert_eq!(s.level, RiskLevel::Critical);
    let bad = ScoringConfig {
        thresholds: RiskThresholds {
            medium: 50.0,
            high: 40.0,
            critical: 90.0,
        },
        ..Default::default()
    };
    assert!(bad.build().is_err());
    let no_model = ScoringConfig {
        scorer: ScorerKind::Model,
        ..Default::default()
    };
    let err = no_model.build().err().unwrap().to_string();
    assert!(err.contains("soc triage train"), "{err}");
}

/// A synthetic labelled set: true positives have high abuse confidence, VT
/// detections and many events; noise keeps it from being trivially separable.
fn synthetic(n: usize, seed: u64) -> (Vec<Vec<f64>>, Vec<f64>) {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for _ in 0..n {
        let tp = rng.random_bool(0.35);
        let mut a = Alert::new(
            if rng.random_bool(0.5) {
                "ssh.brute_force"
            } else {
                "suricata.alert"
            },
            "k",
            "t",
            [Severity::Low, Severity::Medium, Severity::High][rng.random_range(0..3)],
        );
        a.count = if tp {
            rng.random_range(20..2000)
        } else {
            rng.random_range(1..60)
        };
        let conf = if tp {
            rng.random_range(40..=100)
        } else {
            rng.random_range(0..=55)
        };
        a.enrichments
            .push(enrichment("abuseipdb", Verdict::Unknown, conf, None));
        let vt = if tp {
            rng.random_range(0..15)
        } else {
            rng.random_range(0..3)
        };
        a.enrichments
            .push(enrichment("virustotal", Verdict::Unknown, 0, Some(vt)));
        xs.push(features(&a));
        ys.push(if tp { 1.0 } else { 0.0 });
    }
    (xs, ys)
}

#[test]
fn trained_model_beats_constant_baseline() {
    let (xs, ys) = synthetic(400, 7);
    let r = train_rows(&xs, &ys, &TrainOptions::default()).unwrap();
    assert_eq!(r.train_rows + r.test_rows, 400);
    assert!(
        r.accuracy > r.baseline_accuracy + 0.1,
        "{} vs {}",
        r.accuracy,
        r.baseline_accuracy
    );
    assert!(
        r.precision > 0.7 && r.recall > 0.7,
        "p {} r {}",
        r.precision,
        r.recall
    );
    // Same seed, same split, same model.
    let again = train_rows(&xs, &ys, &TrainOptions::default()).unwrap();
    assert_eq!(again.model, r.model);
}

#[test]
fn model_scorer_round_trip_and_additive_explanation() {
    let (xs, ys) = synthetic(200, 3);
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("labeled.csv");
    let mut w = csv::Writer::from_path(&csv_path).unwrap();
    let mut header: Vec<&str> = FEATURE_NAMES.to_vec();
    header.push("label");
    header.push("note");
    w.write_record(&header).unwrap();
    for (x, y) in xs.iter().zip(&ys) {
        let mut row: Vec<String> = x.iter().map(|v| v.to_string()).collect();
        row.push(y.to_string().trim_end_matches(".0").to_string());
        row.push("ignored".into());
        w.write_record(&row).unwrap();
    }
    w.flush().unwrap();
    let report = train_csv(&csv_path, &TrainOptions::default()).unwrap();
    let model_path = dir.path().join("model.json");
    report.model.save(&model_path).unwrap();
    let scorer = ModelScorer::load(&model_path).unwrap();

    let mut bad = brute_force();
    bad.enrichments = vec![
        enrichment("abuseipdb", Verdict::Malicious, 100, None),
        enrichment("virustotal", Verdict::Malicious, 0, Some(12)),
    ];
    let benign = Alert::new("suricata.alert", "k", "t", Severity::Low);
    let (sb, sg) = (scorer.score(&bad), scorer.score(&benign));
    assert!(sb.value > sg.value, "{} <= {}", sb.value, sg.value);
    for s in [&sb, &sg] {
        let sum: f64 = s.factors.iter().map(|f| f.contribution).sum();
        assert!((sum - s.value).abs() < 1e-6, "{sum} != {}", s.value);
        assert_eq!(s.factors[0].name, "baseline");
    }
}

#[test]
fn training_errors_are_typed_and_actionable() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.csv");
    std::fs::write(&p, "severity,label\n1,1\n").unwrap();
    let e = train_csv(&p, &TrainOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("missing columns") && e.contains("abuse_confidence"),
        "{e}"
    );
    let mut csv = format!("{},label\n", FEATURE_NAMES.join(","));
    for _ in 0..20 {
        csv += &format!("{},1\n", vec!["1"; FEATURE_NAMES.len()].join(","));
    }
    std::fs::write(&p, &csv).unwrap();
    let e = train_csv(&p, &TrainOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("both labels"), "{e}");
    std::fs::write(&p, csv.replacen(",1\n", ",maybe\n", 1)).unwrap();
    let e = train_csv(&p, &TrainOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 2") && e.contains("maybe"), "{e}");
    let m = dir.path().join("m.json");
    std::fs::write(&m, "{\"version\":1}").unwrap();
    assert!(ModelScorer::load(&m).is_err());
    std::fs::write(&m, "not json").unwrap();
    assert!(ModelScorer::load(&m)
        .unwrap_err()
        .to_string()
        .contains("invalid JSON"));
}
