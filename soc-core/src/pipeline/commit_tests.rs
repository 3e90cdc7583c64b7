//! A dry run's queued batches committed together store exactly what the
//! same batches committed one by one store: alerts (ids, counts, episode
//! continuation across batches), action records and metrics; and a dry
//! run leaves no pending marks.

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::model::{Alert, Severity};
use crate::pipeline::reader::Batch;
use crate::pipeline::stages::Analysis;
use crate::pipeline::wiring::CheckpointRow;
use crate::pipeline::{BuildOptions, Pipeline, PipelineConfig, RunMetrics};

fn at(min: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 2, 0, 0).unwrap() + Duration::minutes(min)
}

/// An alert of `kind` from `ip` with evidence from `first` to `last`
/// minutes; `key` makes its id.
fn alert(kind: &str, key: &str, ip: &str, first: i64, last: i64, count: u64) -> Alert {
    let mut a = Alert::new(kind, key, format!("{kind} from {ip}"), Severity::High);
    a.src_ip = Some(ip.parse().unwrap());
    a.first_seen = Some(at(first));
    a.last_seen = Some(at(last));
    a.count = count;
    a
}

/// Three batches: new alerts, an update of an earlier batch's alert (same
/// id), and a new episode that continues an earlier batch's alert (same
/// kind and source within the gap, another id).
fn batches() -> Vec<Batch> {
    let b = |alerts: Vec<Alert>, offset: u64| Batch {
        analysis: Analysis {
            records: 10,
            alerts,
            ..Analysis::default()
        },
        checkpoints: vec![CheckpointRow {
            source: "auth.log".into(),
            identity: "dev:1/ino:2".into(),
            offset,
        }],
        prepared: false,
    };
    vec![
        b(
            vec![
                alert("ssh.brute_force", "a", "203.0.113.5", 0, 2, 5),
                alert("ssh.spraying", "b", "198.51.100.7", 1, 3, 8),
            ],
            100,
        ),
        b(
            vec![
                alert("ssh.brute_force", "a", "203.0.113.5", 0, 4, 9),
                alert("ssh.brute_force", "c", "192.0.2.9", 5, 6, 5),
            ],
            200,
        ),
        b(
            vec![alert("ssh.spraying", "d", "198.51.100.7", 6, 7, 4)],
            300,
        ),
    ]
}

fn pipeline(dir: &std::path::Path) -> Pipeline {
    let toml = format!(
        "[store]\npath = {:?}\n[run]\noffline = true\n[response]\ndry_run = true\n",
        dir.join("state.db").display().to_string()
    );
    let cfg = PipelineConfig::from_toml_str(&toml, "soc.toml").unwrap();
    let p = Pipeline::from_config(&cfg, &BuildOptions::default()).unwrap();
    p.store().defer_dry_run_actions(true);
    p
}

type Actions = Vec<(String, String, String, String)>;
type Alerts = Vec<(String, u64, Option<DateTime<Utc>>)>;

/// What the store holds: alerts (id, count, first seen), action records
/// (key, responder, alert, status), pending marks and the checkpoint.
fn stored(p: &Pipeline) -> (Alerts, Actions, Vec<String>, Option<u64>) {
    let store = p.store();
    let mut alerts: Alerts = store
        .alerts_since(DateTime::<Utc>::MIN_UTC)
        .unwrap()
        .into_iter()
        .map(|s| (s.alert.id, s.alert.count, s.alert.first_seen))
        .collect();
    alerts.sort(); // by id: the creation times differ between the runs
    let actions = store.with_tx(|tx| {
        let mut stmt =
            tx.prepare("SELECT key, responder, alert_id, status FROM actions ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        rows.collect()
    });
    let checkpoint = store.checkpoint("auth.log").unwrap().map(|c| c.1);
    (
        alerts,
        actions.unwrap(),
        store.pending_alert_ids().unwrap(),
        checkpoint,
    )
}

fn counts(m: &RunMetrics) -> (u64, u64, u64, u64) {
    (m.records, m.alerts_new, m.alerts_updated, m.actions_total())
}

#[test]
fn grouped_batches_store_what_single_batches_store() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let (one, grouped) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());

    let mut p1 = pipeline(one.path());
    assert!(p1.group_limit() > 1, "a dry run groups");
    let mut m1 = RunMetrics::default();
    let discard = super::super::discard::Discard::start();
    for b in batches() {
        rt.block_on(p1.process(vec![b], &mut m1, &discard)).unwrap();
    }
    let mut p2 = pipeline(grouped.path());
    let mut m2 = RunMetrics::default();
    rt.block_on(p2.process(batches(), &mut m2, &discard))
        .unwrap();

    let (s1, s2) = (stored(&p1), stored(&p2));
    assert_eq!(s1, s2);
    assert_eq!(counts(&m1), counts(&m2));
    assert_eq!(p1.last_alert_ids(), p2.last_alert_ids());
    let (alerts, actions, pending, checkpoint) = s1;
    // "d" continued "b" (same kind and source within the gap): 3 alerts.
    assert_eq!(alerts.len(), 3, "{alerts:?}");
    let sprayed = alerts.iter().find(|a| a.1 == 12).expect("8 + 4 events");
    assert_eq!(
        sprayed.2,
        Some(at(1)),
        "first seen of the continued episode"
    );
    assert_eq!(counts(&m2), (30, 3, 2, actions.len() as u64));
    assert!(!actions.is_empty() && actions.iter().all(|a| a.3 == "dry_run"));
    assert!(pending.is_empty(), "a dry run leaves no pending marks");
    assert_eq!(checkpoint, Some(300));
}

/// The stored alert and score JSON is exactly what `serde_json::to_string`
/// gives, for each alert of a batch in turn (the buffers are reused, from
/// a longer alert to a shorter one), so stores written before and after
/// the encoder agree byte for byte.
#[test]
fn encoder_stores_the_json_of_each_alert_in_turn() {
    use super::Encoder;
    use crate::score::Scorer;
    let dir = tempfile::tempdir().unwrap();
    let p = pipeline(dir.path());
    let mut long = alert("ssh.brute_force", "a", "203.0.113.5", 0, 2, 5);
    long.title = "x".repeat(5000);
    let short = alert("ssh.spraying", "b", "198.51.100.7", 1, 3, 8);
    let scored: Vec<_> = [long, short]
        .into_iter()
        .map(|a| {
            let s = crate::pipeline::stages::SeverityScorer.score(&a);
            (a, s)
        })
        .collect();
    let mut encoder = Encoder::default();
    let flags = p
        .store()
        .with_tx(|tx| encoder.put_alerts(tx, &scored, false));
    let flags = encoder.check(p.store(), flags).unwrap();
    assert_eq!(flags, vec![true, true], "both new");
    let rows: Vec<(String, String, String)> = p
        .store()
        .with_tx(|tx| {
            let mut stmt = tx.prepare("SELECT id, json, score_json FROM alerts")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect()
        })
        .unwrap();
    assert_eq!(rows.len(), 2);
    for (a, s) in &scored {
        let row = rows.iter().find(|r| r.0 == a.id).expect("stored");
        assert_eq!(row.1, serde_json::to_string(a).unwrap());
        assert_eq!(row.2, serde_json::to_string(s).unwrap());
    }
}

/// From `ENCODE_BESIDE` alerts on, the JSON is made on a thread beside the
/// inserts: still exactly `serde_json::to_string`'s for every alert, in
/// order, with the new/updated flags of the inline path.
#[test]
fn alerts_encoded_beside_the_inserts_store_the_same_json() {
    use super::{Encoder, ENCODE_BESIDE};
    use crate::score::Scorer;
    let dir = tempfile::tempdir().unwrap();
    let p = pipeline(dir.path());
    let n = ENCODE_BESIDE * 3 + 5;
    let scored: Vec<_> = (0..n)
        .map(|i| {
            let mut a = alert(
                "ssh.brute_force",
                &format!("k{i}"),
                "203.0.113.5",
                0,
                2,
                1 + (i % 7) as u64,
            );
            a.title = "t".repeat(i * 37 % 3000);
            let s = crate::pipeline::stages::SeverityScorer.score(&a);
            (a, s)
        })
        .collect();
    // The first alert already stored: an update, not new.
    p.store()
        .save_alert(&scored[0].0, Some(&scored[0].1))
        .unwrap();
    let mut encoder = Encoder::default();
    let flags = p
        .store()
        .with_tx(|tx| encoder.put_alerts(tx, &scored, false));
    let flags = encoder.check(p.store(), flags).unwrap();
    assert_eq!(flags.len(), n);
    assert!(!flags[0] && flags[1..].iter().all(|f| *f));
    for (a, s) in &scored {
        let (json, score): (String, String) = p
            .store()
            .with_tx(|tx| {
                tx.query_row(
                    "SELECT json, score_json FROM alerts WHERE id = ?1",
                    [&a.id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
            })
            .unwrap();
        assert_eq!(json, serde_json::to_string(a).unwrap());
        assert_eq!(score, serde_json::to_string(s).unwrap());
    }
}
