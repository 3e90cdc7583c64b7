use chrono::{Duration, TimeZone, Utc};

use super::*;
use crate::model::{Alert, AttackRef, RiskLevel, Score, Severity};
use crate::store::queries::{InboxQuery, InboxSort};
use crate::store::triage::{CloseReason, TriageChange, TriageStatus};

/// A scored alert `i` of a small, repetitive population: 3 kinds, 7
/// sources, 4 users, some with a technique, some unscored.
fn alert(i: usize, bump: f64) -> (Alert, Option<Score>) {
    let kind = ["ssh.brute_force", "suricata.alert", "ssh.invalid_user"][i % 3];
    let mut a = Alert::new(kind, &format!("k{i}"), format!("title {i}"), Severity::High);
    a.src_ip = (i % 7 != 6)
        .then(|| format!("198.51.100.{}", i % 7).parse().ok())
        .flatten();
    a.user = (i % 5 != 0).then(|| format!("user{}", i % 4));
    a.host = Some(format!("web{}", i % 2));
    a.fields.insert("n".into(), i.into());
    if kind == "suricata.alert" {
        a.title = format!("ET SCAN {}", i % 2);
        a.fields.insert("signature_id".into(), (i % 2).into());
    }
    if i % 4 == 0 {
        a.attack.push(AttackRef {
            technique_id: "T1110.001".into(),
            technique_name: Some("Password Guessing".into()),
            tactic_id: None,
            tactic_name: None,
        });
    }
    let score = (i % 9 != 0).then(|| {
        let value = ((i * 37) % 100) as f64 + bump;
        Score {
            scorer: "t".into(),
            value,
            level: match value as u32 {
                0..=39 => RiskLevel::Low,
                40..=69 => RiskLevel::Medium,
                70..=89 => RiskLevel::High,
                _ => RiskLevel::Critical,
            },
            factors: vec![],
        }
    });
    (a, score)
}

/// 120 alerts spread over the last 81 hours (every 40 minutes, the newest
/// 80 minutes ago, so none moves within the hour it was stored in): 60 saved
/// before the dashboard schema existed (the migration fills the rollups),
/// 60 after (a catch-up adds them), then rescored, moved and triaged.
pub(crate) fn populated() -> StateStore {
    let s = StateStore::in_memory().unwrap();
    let save = |range: std::ops::Range<usize>, bump: f64| {
        for i in range {
            let (a, score) = alert(i, bump);
            s.save_alert(&a, score.as_ref()).unwrap();
        }
    };
    let now = Utc::now().timestamp_millis();
    let spread = |s: &StateStore, from: i64| {
        s.with_tx(|tx| {
            tx.execute(
                "UPDATE alerts SET created_at = ?1 - (121 - (json ->> '$.fields.n')) * 2400000
                 WHERE json ->> '$.fields.n' >= ?2",
                [now, from],
            )
        })
        .unwrap();
    };
    save(0..60, 0.0);
    spread(&s, 0);
    s.ensure_triage_schema().unwrap();
    save(60..120, 0.0);
    spread(&s, 60);
    // The second half reaches the rollups in one catch-up (no triggers on
    // insert); the rescoring and triage below go through the triggers.
    s.catch_up_rollups().unwrap();
    // Rescoring moves alerts between risk levels (scores only rise here:
    // a group's highest score never shrinks in the rollups).
    save(30..90, 25.0);
    let ids = |r: std::ops::Range<usize>| -> Vec<String> {
        r.step_by(3).map(|i| alert(i, 0.0).0.id).collect()
    };
    let set = |ids: Vec<String>, st: TriageStatus| {
        let change = TriageChange {
            status: Some(st),
            ..Default::default()
        };
        s.update_triage(&ids, "ana", &change).unwrap();
    };
    set(ids(0..60), TriageStatus::Acknowledged);
    set(
        ids(30..120),
        TriageStatus::Closed(CloseReason::FalsePositive),
    );
    set(ids(90..120), TriageStatus::Open);
    s
}

/// Ranges of [`populated`]: the last day, one cut mid-hour at both ends, all time.
pub(crate) fn ranges(
    now: chrono::DateTime<Utc>,
) -> [(chrono::DateTime<Utc>, chrono::DateTime<Utc>); 3] {
    [
        (now - Duration::hours(24), now + Duration::minutes(1)),
        (
            now - Duration::minutes(61 * 60 + 7),
            now - Duration::minutes(5 * 60 + 13),
        ),
        (Utc.timestamp_opt(0, 0).unwrap(), now + Duration::days(1)),
    ]
}

#[test]
fn overview_from_rollups_equals_the_raw_tables() {
    let s = populated();
    let now = Utc::now();
    let ranges = [
        (now - Duration::hours(24), now + Duration::minutes(1), 3600),
        (now - Duration::days(7), now + Duration::minutes(1), 86400),
        (
            now - Duration::minutes(50 * 60 + 17),
            now - Duration::minutes(3 * 60 + 11),
            3600,
        ),
        (
            Utc.timestamp_opt(0, 0).unwrap(),
            now + Duration::days(1),
            86400,
        ),
        (now - Duration::hours(2), now, 300),
    ];
    for (since, until, bucket) in ranges {
        let fast = s.overview_from(since, until, bucket, true).unwrap();
        let raw = s.overview_from(since, until, bucket, false).unwrap();
        assert_eq!(fast, raw, "range {since} .. {until}");
        assert!(fast.alerts > 0);
    }
    let all = s
        .overview(
            Utc.timestamp_opt(0, 0).unwrap(),
            now + Duration::days(1),
            86400,
        )
        .unwrap();
    assert_eq!(all.alerts, 120);
    assert_eq!(all.by_status.iter().map(|(_, n)| n).sum::<i64>(), 120);
    assert!(all.by_status.iter().any(|(st, _)| st == "acknowledged"));
    assert!(all.techniques[0].0.starts_with("T1110.001 Password"));
}

#[test]
fn inbox_from_rollups_equals_the_raw_tables() {
    let s = populated();
    let now = Utc::now();
    let mut queries = Vec::new();
    for (since, until) in ranges(now) {
        for status in [None, Some("open"), Some("acknowledged"), Some("closed")] {
            for sort in [
                InboxSort::LastSeen,
                InboxSort::Score,
                InboxSort::Count,
                InboxSort::FirstSeen,
            ] {
                queries.push(InboxQuery {
                    since: Some(since),
                    until: Some(until),
                    status: status.map(str::to_string),
                    sort,
                    per_page: 7,
                    ..Default::default()
                });
            }
        }
        let base = InboxQuery {
            since: Some(since),
            until: Some(until),
            status: None,
            page: 1,
            per_page: 5,
            ..Default::default()
        };
        queries.push(InboxQuery {
            risk: Some("medium".into()),
            ..base.clone()
        });
        queries.push(InboxQuery {
            risk: Some(String::new()),
            ..base.clone()
        });
        queries.push(InboxQuery {
            src: Some("198.51.100.3".into()),
            ..base.clone()
        });
        queries.push(InboxQuery {
            src: Some(String::new()),
            page: 0,
            ..base.clone()
        });
        queries.push(InboxQuery {
            kind: Some("suricata.alert".into()),
            page: 0,
            ..base.clone()
        });
        queries.push(InboxQuery {
            text: Some("scan 1".into()),
            page: 0,
            ..base.clone()
        });
        queries.push(InboxQuery {
            target: Some("user1".into()),
            page: 0,
            ..base.clone()
        });
    }
    let mut nonempty = 0;
    for q in &queries {
        let fast = s.inbox_from_rollups(q).unwrap();
        let raw = s.inbox_raw(q).unwrap();
        assert_eq!(
            (fast.total_groups, fast.total_alerts),
            (raw.total_groups, raw.total_alerts),
            "{q:?}"
        );
        let view = |p: &crate::store::queries::InboxPage, exact: bool| {
            p.groups
                .iter()
                .map(|g| {
                    let mut g = g.clone();
                    if !exact {
                        // With a status filter the envelope covers every status.
                        (g.first_seen, g.last_seen, g.max_score) = Default::default();
                    }
                    g
                })
                .collect::<Vec<_>>()
        };
        let exact = q.status.is_none();
        if exact || q.sort == InboxSort::Count {
            assert_eq!(view(&fast, exact), view(&raw, exact), "{q:?}");
        }
        nonempty += usize::from(!fast.groups.is_empty());
    }
    assert!(
        nonempty > queries.len() / 2,
        "the queries must find something"
    );
}

/// Calls `check` with the [`populated`] store for each of its [`ranges`]
/// (and the range's split) and each status filter: none, open, closed.
pub(crate) fn each_range_and_status(
    mut check: impl FnMut(&StateStore, InboxQuery, &HourSplit, Option<&'static str>),
) {
    let s = populated();
    for (since, until) in ranges(Utc::now()) {
        let split = HourSplit::new(since, until);
        for status in [None, Some("open"), Some("closed")] {
            let q = InboxQuery {
                since: Some(since),
                until: Some(until),
                status: status.map(str::to_string),
                ..Default::default()
            };
            check(&s, q, &split, status);
        }
    }
}

#[test]
fn inbox_walk_pages_equal_the_raw_tables() {
    let mut checked = 0;
    each_range_and_status(|s, base, split, status| {
        let split = split.clone();
        for sort in [InboxSort::LastSeen, InboxSort::Score, InboxSort::FirstSeen] {
            for (page, kind) in [(0, None), (1, None), (2, None), (0, Some("suricata.alert"))] {
                let q = InboxQuery {
                    kind: kind.map(str::to_string),
                    sort,
                    page,
                    per_page: 3,
                    ..base.clone()
                };
                let walk = s.inbox_walk(&q, &split).unwrap();
                let raw = s.inbox_raw(&q).unwrap();
                let view = |p: &crate::store::queries::InboxPage| {
                    p.groups
                        .iter()
                        .map(|g| {
                            (
                                g.kind.clone(),
                                g.signature.clone(),
                                g.src_ip.clone(),
                                g.target.clone(),
                                g.count,
                            )
                        })
                        .collect::<Vec<_>>()
                };
                if status.is_none() || sort == InboxSort::LastSeen {
                    assert_eq!(view(&walk), view(&raw), "{q:?}");
                }
                if walk.groups_exact {
                    assert_eq!(walk.total_groups, raw.total_groups, "{q:?}");
                } else {
                    assert!(walk.total_groups > u64::from((page + 1) * 3), "{q:?}");
                    assert!(walk.total_groups <= raw.total_groups, "{q:?}");
                    checked += 1;
                }
                if walk.alerts_exact {
                    assert_eq!(walk.total_alerts, raw.total_alerts, "{q:?}");
                }
            }
        }
    });
    assert!(checked > 10, "the walks must stop early: {checked}");
}

/// Every group of `q`, following the `next` cursors from the first page
/// of `page` (one query per page), as `(kind, signature, source, target, count)`.
pub(crate) fn follow(
    q: &InboxQuery,
    page: impl Fn(&InboxQuery) -> crate::store::queries::InboxPage,
) -> Vec<(String, String, Option<String>, String, u64)> {
    let mut q = q.clone();
    let mut out = Vec::new();
    for _ in 0..1000 {
        let p = page(&q);
        out.extend(p.groups.iter().map(|g| {
            (
                g.kind.clone(),
                g.signature.clone(),
                g.src_ip.clone(),
                g.target.clone(),
                g.count,
            )
        }));
        match p.next {
            Some(c) => q.after = Some(c),
            None => return out,
        }
    }
    panic!("the cursors never end: {q:?}");
}

#[test]
fn keyset_pages_walk_every_group_once_in_the_raw_order() {
    let s = populated();
    let now = Utc::now();
    let mut checked = 0;
    for (since, until) in ranges(now) {
        let split = HourSplit::new(since, until);
        for status in [None, Some("open")] {
            for sort in [
                InboxSort::LastSeen,
                InboxSort::Score,
                InboxSort::FirstSeen,
                InboxSort::Count,
            ] {
                let q = InboxQuery {
                    since: Some(since),
                    until: Some(until),
                    status: status.map(str::to_string),
                    sort,
                    per_page: 4,
                    ..Default::default()
                };
                let raw = follow(&q, |q| s.inbox_raw(q).unwrap());
                let walk = follow(&q, |q| s.inbox_walk(q, &split).unwrap());
                let bulk = follow(&q, |q| s.inbox_bulk(q, &split).unwrap());
                let mut unique = raw.clone();
                unique.sort();
                unique.dedup();
                assert_eq!(unique.len(), raw.len(), "a group shown twice: {q:?}");
                let all = s
                    .inbox_raw(&InboxQuery {
                        per_page: 500,
                        ..q.clone()
                    })
                    .unwrap();
                assert_eq!(raw.len() as u64, all.total_groups, "{q:?}");
                if status.is_none() {
                    assert_eq!(walk, raw, "{q:?}");
                    assert_eq!(bulk, raw, "{q:?}");
                } else {
                    assert_eq!(walk.len(), raw.len(), "{q:?}");
                }
                checked += usize::from(raw.len() > 8);
            }
        }
    }
    assert!(checked > 8, "several queries must span three pages or more");
}

#[test]
fn top_lists_of_crowded_hours_are_exact_or_say_their_bound() {
    let s = StateStore::in_memory().unwrap();
    s.ensure_triage_schema().unwrap();
    // Three hours, each with 30 one-off sources and 198.51.100.1 twice:
    // more values than an hour's list keeps.
    let hour0 = Utc::now().timestamp_millis() / HOUR_MS - 5;
    let mut n = 0;
    for h in 0..3 {
        for i in 0..32 {
            let src = if i < 2 {
                "198.51.100.1".to_string()
            } else {
                format!("203.0.113.{}", h * 40 + i)
            };
            let mut a = Alert::new("ssh.brute_force", &format!("t{n}"), "t", Severity::High);
            a.src_ip = src.parse().ok();
            s.save_alert(&a, None).unwrap();
            let at = (hour0 + h) * HOUR_MS + i * 1000;
            s.with_tx(|tx| {
                tx.execute(
                    "UPDATE alerts SET created_at = ?1 WHERE id = ?2",
                    rusqlite::params![at, a.id],
                )
            })
            .unwrap();
            n += 1;
        }
    }
    let since = crate::store::from_ts(hour0 * HOUR_MS);
    let until = crate::store::from_ts((hour0 + 3) * HOUR_MS);
    let fast = s.overview(since, until, 3600).unwrap();
    let raw = s.overview_from(since, until, 3600, false).unwrap();
    assert_eq!(fast.top_sources[0], ("198.51.100.1".to_string(), 6));
    assert_eq!(fast.top_sources[0], raw.top_sources[0]);
    // Each hour left values out with one alert each (floor 1, 3 in all);
    // a value not listed is bounded by its listed count (1) plus that, and
    // the last one listed has 1, so the list says it is approximate.
    assert_eq!(fast.top_bounds, vec![("src".to_string(), 4)]);
    assert!(raw.top_bounds.is_empty());
    assert_eq!(fast.alerts, 96);
}

/// The one integer `sql` answers.
fn one(s: &StateStore, sql: &str) -> i64 {
    s.lock().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn migration_is_idempotent_and_counts_once() {
    let s = populated();
    s.ensure_triage_schema().unwrap();
    let total = one(&s, "SELECT sum(n) FROM hour_risk");
    assert_eq!(total, 120);
    assert_eq!(s.rollup_total("host", "web0").unwrap(), 60);
}

#[test]
fn new_alerts_reach_the_rollups_at_the_next_read() {
    let s = populated();
    let sum = |s: &StateStore| one(s, "SELECT sum(n) FROM hour_risk");
    // Stored after the last read: not rolled up yet (no insert trigger),
    // then changed and triaged before any read: counted once, as it ends.
    let (mut a, score) = alert(500, 0.0);
    a.host = Some("web9".into());
    s.save_alert(&a, score.as_ref()).unwrap();
    assert_eq!(sum(&s), 120, "inserts pay for no rollup work");
    a.host = Some("web8".into());
    s.save_alert(&a, score.as_ref()).unwrap();
    let close = TriageChange {
        status: Some(TriageStatus::Closed(CloseReason::Benign)),
        ..Default::default()
    };
    s.update_triage(std::slice::from_ref(&a.id), "ana", &close)
        .unwrap();
    let page = s
        .inbox(&InboxQuery {
            status: Some("closed".into()),
            per_page: 500,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(sum(&s), 121, "the read caught up");
    assert_eq!(s.rollup_total("host", "web9").unwrap(), 0);
    assert_eq!(s.rollup_total("host", "web8").unwrap(), 1);
    let raw = s
        .inbox_raw(&InboxQuery {
            status: Some("closed".into()),
            per_page: 500,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        (page.total_groups, page.total_alerts),
        (raw.total_groups, raw.total_alerts)
    );
    // Now rolled up: a rescore goes through the update trigger.
    s.save_alert(&a, None).unwrap();
    s.catch_up_rollups().unwrap();
    assert_eq!(sum(&s), 121);
    let unscored = one(
        &s,
        "SELECT coalesce(sum(n), 0) FROM hour_risk WHERE risk = 'unscored'",
    );
    let raw_unscored = one(&s, "SELECT count(*) FROM alerts WHERE risk_level IS NULL");
    assert_eq!(unscored, raw_unscored);
}

#[test]
fn hour_split_edges() {
    let h = HOUR_MS;
    assert_eq!(
        HourSplit::from_ms(h, 3 * h),
        HourSplit {
            hours: (1, 3),
            edges: vec![]
        }
    );
    let s = HourSplit::from_ms(h + 5, 2 * h + 7);
    assert!(!s.has_hours());
    assert_eq!(s.edges, vec![(h + 5, 2 * h + 7)]);
    assert_eq!(HourSplit::from_ms(9, 9).edges, vec![]);
}
