//! Reports are golden: fixed alerts, scores, actions and times give
//! byte-identical Markdown, HTML, JSON and CSV. Regenerate the golden files
//! with `SOC_UPDATE_GOLDEN=1 cargo test -p soc-core --test pipeline_report`.

mod support;

use std::path::PathBuf;

use chrono::{DateTime, Duration, TimeZone, Utc};
use soc_core::model::{
    ActionOutcome, ActionRecord, Alert, Enrichment, Indicator, IndicatorKind, Mode, RiskLevel,
    Score, ScoreFactor, Severity, Verdict,
};
use soc_core::pipeline::report::{render, triage_summary, ReportData, ReportFormat};
use soc_core::store::StoredAlert;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 2, 19, 8).unwrap()
}

fn stored(
    kind: &str,
    ip: &str,
    count: u64,
    hours: i64,
    value: f64,
    level: RiskLevel,
    title: &str,
) -> StoredAlert {
    let mut a = Alert::new(kind, &format!("{ip}|{hours}"), title, Severity::High);
    a.src_ip = ip.parse().ok();
    a.first_seen = Some(t0() + Duration::hours(hours));
    a.last_seen = Some(t0() + Duration::hours(hours) + Duration::minutes(3));
    a.count = count;
    let mut e =
        Enrichment::unknown("lists", &Indicator::new(IndicatorKind::Ipv4, ip)).with_ttl(3600);
    e.fetched_at = t0();
    if ip.starts_with("203.") {
        e.verdict = Verdict::Malicious;
        e.score = 100;
        e.summary = "listed in threat-intel.txt".into();
    }
    a.enrichments.push(e);
    StoredAlert {
        alert: a,
        score: Some(Score {
            scorer: "weighted".into(),
            value,
            level,
            factors: vec![
                ScoreFactor {
                    name: "severity".into(),
                    contribution: 30.0,
                    detail: "severity high".into(),
                },
                ScoreFactor {
                    name: "list_hit".into(),
                    contribution: value - 30.0,
                    detail: "local list <hit> & \"quoted\"".into(),
                },
            ],
        }),
        created_at: t0() + Duration::hours(hours),
    }
}

fn data() -> ReportData {
    let alerts = vec![
        stored(
            "ssh.brute_force",
            "203.0.113.45",
            25,
            0,
            85.0,
            RiskLevel::Critical,
            "SSH brute force from 203.0.113.45 | root",
        ),
        stored(
            "ssh.password_spraying",
            "198.51.100.7",
            12,
            1,
            45.0,
            RiskLevel::Medium,
            "Password spraying <script>alert(1)</script>",
        ),
        stored(
            "suricata.alert",
            "203.0.113.45",
            1,
            1,
            65.0,
            RiskLevel::High,
            "ET SCAN Nmap",
        ),
    ];
    let mut block = ActionRecord::new(
        "firewall",
        "block",
        "203.0.113.45",
        &alerts[0].alert.id,
        Mode::DryRun,
    );
    block.at = t0() + Duration::minutes(1);
    block.commands.push(support::nft_block_argv("203.0.113.45"));
    let mut skipped = ActionRecord::new(
        "email",
        "notify",
        "soc@example.org",
        &alerts[1].alert.id,
        Mode::DryRun,
    );
    skipped.at = t0() + Duration::hours(1) + Duration::minutes(1);
    skipped.outcome = ActionOutcome::Skipped("no responder 'email' is configured".into());
    ReportData::new(
        t0() + Duration::hours(24),
        t0() - Duration::hours(1),
        alerts,
        vec![block, skipped],
    )
}

fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pipeline")
        .join(name);
    support::golden(&path, actual);
}

#[test]
fn markdown_is_golden() {
    let md = render(&data(), ReportFormat::Markdown);
    assert!(md.contains("| critical | 85.0 |"));
    assert!(md.contains("\\| root"), "pipes in titles are escaped");
    golden("report.md", &md);
}

#[test]
fn html_is_golden_and_escaped() {
    let html = render(&data(), ReportFormat::Html);
    assert!(!html.contains("<script>alert(1)"), "input is escaped");
    assert!(html.contains("&lt;script&gt;"));
    assert!(html.contains("&lt;hit&gt; &amp; &quot;quoted&quot;"));
    assert_eq!(html.matches("<svg").count(), 2, "two charts");
    golden("report.html", &html);
}

#[test]
fn json_and_csv_are_golden() {
    let json = render(&data(), ReportFormat::Json);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["summary"]["alerts"], 3);
    assert_eq!(v["attackers"][0]["ip"], "203.0.113.45");
    assert_eq!(v["attackers"][0]["alerts"], 2);
    assert_eq!(v["alerts"][0]["risk"], "critical");
    golden("report.json", &json);
    let csv = render(&data(), ReportFormat::Csv);
    assert_eq!(csv.lines().count(), 4);
    golden("report.csv", &csv);
}

#[test]
fn attackers_hourly_and_summary() {
    let d = data();
    assert_eq!(
        d.hourly,
        vec![
            ("2026-11-21 02:00".to_string(), 1),
            ("2026-11-21 03:00".to_string(), 2)
        ]
    );
    assert_eq!(d.attackers[0].worst_risk, "critical");
    assert_eq!(d.attackers[0].worst_verdict, Some(Verdict::Malicious));
    let s = triage_summary(&d.alerts, &d.actions);
    assert!(
        s.starts_with("3 alerts (1 critical, 1 high, 1 medium)"),
        "{s}"
    );
    assert!(
        s.contains("nft add element inet soc block4 { 203.0.113.45 timeout 1h }"),
        "{s}"
    );
    assert!(
        s.contains("skipped (no responder 'email' is configured)"),
        "{s}"
    );
}

/// One alert whose attacker-written fields carry terminal escapes, a
/// forged line, a formula and Markdown link/image syntax.
fn hostile() -> ReportData {
    let mut s = stored(
        "ssh.brute_force",
        "203.0.113.9",
        8,
        1,
        80.0,
        RiskLevel::High,
        "=HYPERLINK(\"http://evil.example\",\"x\") ![img](http://evil.example/p.png) [click](https://evil.example)\x1b]0;pwned\x07\nFAKE] line",
    );
    s.alert.user = Some("+cmd|'/c calc'!A1\x1b[2J".into());
    ReportData::new(t0() + Duration::hours(30), t0(), vec![s], vec![])
}

/// Reproduction (#14 item 4): ESC/OSC/BEL bytes and a newline in a title
/// reached the terminal through `soc run --summary`.
#[test]
fn summary_shows_control_characters_visibly() {
    let d = hostile();
    let text = triage_summary(&d.alerts, &d.actions);
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "{text:?}"
    );
    assert!(text.contains("\\x1b]0;pwned\\x07\\nFAKE] line"), "{text}");
    assert!(text.contains("user +cmd|'/c calc'!A1\\x1b[2J"), "{text}");
    assert!(!text.lines().any(|l| l.starts_with("FAKE")), "{text}");
}

/// Reproduction (#14 low): the Markdown report rendered links and images
/// from log text.
#[test]
fn markdown_neutralises_links_and_images_from_log_text() {
    let md = render(&hostile(), ReportFormat::Markdown);
    assert!(!md.replace("\\]", "").contains("]("), "{md}");
    assert!(!md.contains("://evil"), "{md}");
    assert!(
        md.contains("!\\[img\\](http\\[:\\]//evil.example/p.png)"),
        "{md}"
    );
    assert!(!md.chars().any(|c| c.is_control() && c != '\n'));
}

/// Reproduction (#14 item 5): `soc report --format csv` wrote formulas
/// unprefixed; `render_csv(.., raw = true)` is the documented opt-out.
#[test]
fn report_csv_neutralises_formulas_unless_raw() {
    use soc_core::pipeline::report::render_csv;
    let d = hostile();
    let safe = render(&d, ReportFormat::Csv);
    let mut r = csv::Reader::from_reader(safe.as_bytes());
    let headers = r.headers().unwrap().clone();
    let rec = r.records().next().unwrap().unwrap();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    assert!(rec[col("title")].starts_with("'=HYPERLINK("), "{safe}");
    assert!(rec[col("user")].starts_with("'+cmd|"), "{safe}");
    for cell in rec.iter() {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "{cell}"
        );
    }
    let raw = render_csv(&d, true);
    let mut r = csv::Reader::from_reader(raw.as_bytes());
    let rec = r.records().next().unwrap().unwrap();
    assert!(rec[col("title")].starts_with("=HYPERLINK("));
}
