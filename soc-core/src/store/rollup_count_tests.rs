use chrono::Utc;

use super::*;
use crate::store::queries::InboxSort;
use crate::store::rollup::tests::{each_range_and_status, follow, populated, ranges};

/// A page's groups as `(kind, signature, source, target, count)`, plus the
/// envelope (first/last seen, highest score) when `envelope`.
fn view(p: &InboxPage, envelope: bool) -> Vec<String> {
    p.groups
        .iter()
        .map(|g| {
            let key = format!(
                "{} {} {:?} {} {}",
                g.kind, g.signature, g.src_ip, g.target, g.count
            );
            if envelope {
                format!(
                    "{key} {} {} {:?} {}",
                    g.first_seen, g.last_seen, g.max_score, g.newest_id
                )
            } else {
                key
            }
        })
        .collect()
}

#[test]
fn count_order_from_either_scan_equals_the_raw_tables() {
    let mut checked = 0;
    each_range_and_status(|s, base, split, status| {
        for (risk, kind, text) in [
            (None, None, None),
            (Some("medium"), None, None),
            (None, Some("suricata.alert"), None),
            (None, None, Some("scan 1")),
        ] {
            for page in [0, 1, 2] {
                let q = InboxQuery {
                    risk: risk.map(str::to_string),
                    kind: kind.map(str::to_string),
                    text: text.map(str::to_string),
                    sort: InboxSort::Count,
                    page,
                    per_page: 3,
                    ..base.clone()
                };
                let raw = s.inbox_raw(&q).unwrap();
                for complement in [false, true] {
                    let fast = s.inbox_by_count_from(&q, split, complement).unwrap();
                    let fast = fast.expect("dense group ids");
                    let exact = status.is_none();
                    let what = format!("{q:?} complement {complement}");
                    assert_eq!(view(&fast, exact), view(&raw, exact), "{what}");
                    assert_eq!(
                        (fast.total_groups, fast.total_alerts, fast.next.is_some()),
                        (raw.total_groups, raw.total_alerts, raw.next.is_some()),
                        "{what}"
                    );
                    checked += usize::from(!raw.groups.is_empty());
                }
            }
        }
    });
    assert!(checked > 40, "the queries must find groups: {checked}");
}

#[test]
fn count_order_keyset_pages_walk_every_group_once() {
    let s = populated();
    let now = Utc::now();
    for (since, until) in ranges(now) {
        let split = HourSplit::new(since, until);
        let q = InboxQuery {
            since: Some(since),
            until: Some(until),
            sort: InboxSort::Count,
            per_page: 4,
            ..Default::default()
        };
        let raw = follow(&q, |q| s.inbox_raw(q).unwrap());
        assert!(raw.len() > 8, "three pages or more");
        for complement in [false, true] {
            let fast = follow(&q, |q| {
                s.inbox_by_count_from(q, &split, complement)
                    .unwrap()
                    .unwrap()
            });
            assert_eq!(fast, raw, "{q:?} complement {complement}");
        }
    }
}
