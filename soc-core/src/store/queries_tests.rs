use super::*;
use crate::model::{Alert, Score, ScoreFactor, Severity};
use crate::store::triage::{CloseReason, TriageChange, TriageStatus};

fn alert(key: &str, src: &str, user: &str, score: f64) -> (Alert, Score) {
    let mut a = Alert::new(
        "ssh.brute_force",
        key,
        format!("brute force on {user}"),
        Severity::High,
    );
    a.src_ip = src.parse().ok();
    a.user = Some(user.into());
    let level = if score >= 80.0 {
        crate::model::RiskLevel::Critical
    } else {
        crate::model::RiskLevel::Low
    };
    let s = Score {
        scorer: "weighted".into(),
        value: score,
        level,
        factors: vec![ScoreFactor {
            name: "base".into(),
            contribution: score,
            detail: "d".into(),
        }],
    };
    (a, s)
}

fn store() -> StateStore {
    let store = StateStore::in_memory().unwrap();
    store.ensure_triage_schema().unwrap();
    // 3 groups: (198.51.100.1, root) x3, (198.51.100.1, admin) x1, (203.0.113.5, root) x2
    let rows = [
        ("a1", "198.51.100.1", "root", 10.0),
        ("a2", "198.51.100.1", "root", 90.0),
        ("a3", "198.51.100.1", "root", 20.0),
        ("b1", "198.51.100.1", "admin", 30.0),
        ("c1", "203.0.113.5", "root", 50.0),
        ("c2", "203.0.113.5", "root", 40.0),
    ];
    for (k, src, user, score) in rows {
        let (a, s) = alert(k, src, user, score);
        store.save_alert(&a, Some(&s)).unwrap();
    }
    store
}

#[test]
fn inbox_groups_by_signature_source_and_target() {
    let s = store();
    let page = s
        .inbox(&InboxQuery {
            sort: InboxSort::Count,
            ..Default::default()
        })
        .unwrap();
    assert_eq!((page.total_groups, page.total_alerts), (3, 6));
    let top = &page.groups[0];
    assert_eq!(
        (top.src_ip.as_deref(), top.target.as_str(), top.count),
        (Some("198.51.100.1"), "root", 3)
    );
    assert_eq!(top.max_score, Some(90.0));
    assert_eq!(top.risk_level.as_deref(), Some("critical"));
    assert_eq!(top.signature, "ssh.brute_force");
    assert_eq!(top.newest_title, "brute force on root");
    let by_score = s
        .inbox(&InboxQuery {
            sort: InboxSort::Score,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(by_score.groups[1].src_ip.as_deref(), Some("203.0.113.5"));
}

#[test]
fn inbox_pages_and_filters_on_the_server() {
    let s = store();
    let q = InboxQuery {
        per_page: 2,
        sort: InboxSort::Count,
        ..Default::default()
    };
    let p0 = s.inbox(&q).unwrap();
    let p1 = s
        .inbox(&InboxQuery {
            page: 1,
            ..q.clone()
        })
        .unwrap();
    assert_eq!(
        (p0.groups.len(), p1.groups.len(), p1.total_groups),
        (2, 1, 3)
    );
    assert_eq!(p1.groups[0].target, "admin");
    let past = s
        .inbox(&InboxQuery {
            page: 9,
            ..q.clone()
        })
        .unwrap();
    assert_eq!(
        (past.groups.len(), past.total_groups, past.total_alerts),
        (0, 3, 6)
    );
    let f = s
        .inbox(&InboxQuery {
            user: Some("admin".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(f.total_alerts, 1);
    let f = s
        .inbox(&InboxQuery {
            src: Some("203.0.113.5".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(f.total_alerts, 2);
    let f = s
        .inbox(&InboxQuery {
            text: Some("ADMIN".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(f.total_alerts, 1, "free text is case-insensitive");
    let f = s
        .inbox(&InboxQuery {
            text: Some("%".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(f.total_alerts, 0, "LIKE wildcards are literal");
    let f = s
        .inbox(&InboxQuery {
            risk: Some("critical".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(f.total_alerts, 1);
    let future = Utc::now() + chrono::Duration::hours(1);
    let f = s
        .inbox(&InboxQuery {
            since: Some(future),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(f.total_groups, 0);
}

#[test]
fn status_filter_follows_triage() {
    let s = store();
    let ids = s
        .group_alert_ids(
            &InboxQuery {
                src: Some("203.0.113.5".into()),
                ..Default::default()
            },
            100,
        )
        .unwrap();
    assert_eq!(ids.len(), 2);
    let close = TriageChange {
        status: Some(TriageStatus::Closed(CloseReason::Benign)),
        ..Default::default()
    };
    s.update_triage(&ids, "ana", &close).unwrap();
    let open = s
        .inbox(&InboxQuery {
            status: Some("open".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(open.total_alerts, 4);
    let closed = s
        .inbox(&InboxQuery {
            status: Some("closed".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!((closed.total_alerts, closed.groups[0].open), (2, 0));
}

#[test]
fn detail_lookups_and_overview() {
    let s = store();
    let (a, _) = alert("a1", "198.51.100.1", "root", 10.0);
    let got = s.alert(&a.id).unwrap().unwrap();
    assert_eq!(got.alert.user.as_deref(), Some("root"));
    assert_eq!(got.score.unwrap().factors[0].name, "base");
    assert!(s.alert("missing").unwrap().is_none());
    let similar = s.similar_alerts("198.51.100.1", &a.id, 10).unwrap();
    assert_eq!(similar.len(), 3);
    assert!(similar.iter().all(|s| s.id != a.id));
    let now = Utc::now();
    let o = s
        .overview(
            now - chrono::Duration::hours(1),
            now + chrono::Duration::minutes(1),
            3600,
        )
        .unwrap();
    assert_eq!(o.alerts, 6);
    assert_eq!(o.top_sources[0], ("198.51.100.1".to_string(), 4));
    assert_eq!(o.top_users[0], ("root".to_string(), 5));
    assert_eq!(o.by_status, vec![("open".to_string(), 6)]);
    assert_eq!(o.timeline.iter().map(|t| t.2).sum::<i64>(), 6);
    assert_eq!(s.alerts_cursor().unwrap().1, 6);
}

#[test]
fn user_pivot_follows_new_alerts_and_user_changes() {
    let s = StateStore::in_memory().unwrap();
    s.ensure_triage_schema().unwrap();
    let pivot = |user: &str| {
        let q = InboxQuery {
            user: Some(user.into()),
            ..Default::default()
        };
        s.inbox(&q).unwrap().total_alerts
    };
    let (a, sc) = alert("u1", "198.51.100.7", "alice", 50.0);
    s.save_alert(&a, Some(&sc)).unwrap();
    let (b, sc_b) = alert("u2", "198.51.100.8", "alice", 50.0);
    s.save_alert(&b, Some(&sc_b)).unwrap();
    assert_eq!(pivot("alice"), 2, "new alerts reach alert_user at the read");
    // The same alert stored again with another user moves between users.
    let mut moved = b.clone();
    moved.user = Some("bob".into());
    s.save_alert(&moved, Some(&sc_b)).unwrap();
    assert_eq!((pivot("alice"), pivot("bob")), (1, 1));
    let n: i64 = s
        .lock()
        .query_row("SELECT count(*) FROM alert_user", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 2, "one row per alert");
}
