//! Detector memory is bounded (#14 item 9): IPv6 sources are aggregated by
//! prefix, tracked keys are capped with an LRU by event time, and evictions
//! are counted.

mod support;

use chrono::{DateTime, Duration, Utc};
use soc_core::detect::{DetectConfig, DetectorSet};
use soc_core::model::{Alert, Event};

fn t0() -> DateTime<Utc> {
    "2026-11-21T00:00:00Z".parse().unwrap()
}

fn fail(src: String, user: &str, secs: i64) -> Event {
    support::failed_attempt(&src, user, t0() + Duration::seconds(secs))
}

/// The reproduction scaled down: failures from 20,000 distinct
/// IPv6 addresses of one /64 over 12 hours are one source: one tracked
/// key, one brute force and one slow brute force from the /64.
#[test]
fn many_ipv6_addresses_in_one_64_are_one_source() {
    let mut d = DetectorSet::new(DetectConfig::default());
    let mut alerts: Vec<Alert> = Vec::new();
    let n = 20_000i64;
    for i in 0..n {
        let src = format!("2001:db8:77:1:{:x}:{:x}::1", i / 65_536 + 1, i % 65_536);
        alerts.extend(d.observe(&fail(src, "root", i * 43_200 / n)));
        assert!(d.tracked_keys() <= 2, "one source and one user");
    }
    alerts.extend(d.finish());
    let bf: Vec<&Alert> = alerts
        .iter()
        .filter(|a| a.kind == "ssh.brute_force")
        .collect();
    assert_eq!(
        bf.len(),
        1,
        "{:?}",
        alerts.iter().map(|a| &a.title).collect::<Vec<_>>()
    );
    assert_eq!(bf[0].count, n as u64);
    assert_eq!(bf[0].fields["src_prefix"], "2001:db8:77:1::/64");
    assert_eq!(bf[0].fields["src_prefix_len"], 64);
    assert!(bf[0].title.contains("2001:db8:77:1::/64"));
    // The address is a real attacker address (the first seen), inside the /64.
    assert_eq!(bf[0].src_ip, Some("2001:db8:77:1:1:0::1".parse().unwrap()));
    assert_eq!(d.evictions(), 0);
}

/// With aggregation off (128) every address is its own source.
#[test]
fn ipv6_prefix_128_keeps_addresses_apart() {
    let cfg = DetectConfig {
        ipv6_prefix: 128,
        ..Default::default()
    };
    let mut d = DetectorSet::new(cfg);
    let mut alerts = Vec::new();
    for i in 0..50 {
        alerts.extend(d.observe(&fail(format!("2001:db8:77:1::{:x}", i + 1), "root", i)));
    }
    alerts.extend(d.finish());
    assert!(alerts.iter().all(|a| a.kind != "ssh.brute_force"));
    assert!(alerts.iter().any(|a| a.kind == "ssh.distributed_attack"));
}

/// More distinct sources than the cap: the map never passes it, the least
/// recently active sources go first, each eviction is counted, and an
/// evicted source's open episode still raises its alert.
#[test]
fn tracked_keys_are_capped_with_evictions_counted() {
    let cfg = DetectConfig {
        max_tracked_keys: 100,
        ..Default::default()
    };
    let mut d = DetectorSet::new(cfg);
    let mut alerts: Vec<Alert> = Vec::new();
    // An early brute force, then 1,000 one-off sources within its window.
    for i in 0..6 {
        alerts.extend(d.observe(&fail("203.0.113.9".into(), "root", i)));
    }
    for i in 0..1000 {
        let src = format!("198.51.{}.{}", i / 250, i % 250 + 1);
        alerts.extend(d.observe(&fail(src, "root", 10 + i / 10)));
        assert!(
            d.tracked_keys() <= 100 + 1,
            "sources capped (plus one user)"
        );
    }
    assert!(d.evictions() >= 900, "evictions counted: {}", d.evictions());
    let bf: Vec<&Alert> = alerts
        .iter()
        .filter(|a| a.kind == "ssh.brute_force")
        .collect();
    assert_eq!(bf.len(), 1, "the evicted source's episode raised its alert");
    assert_eq!(bf[0].src_ip, Some("203.0.113.9".parse().unwrap()));
    assert_eq!(bf[0].count, 6);
    // A source active recently survives eviction of older ones.
    let mut d2 = DetectorSet::new(DetectConfig {
        max_tracked_keys: 10,
        ..Default::default()
    });
    for i in 0..40 {
        d2.observe(&fail(format!("198.51.100.{}", i + 1), "root", i));
        d2.observe(&fail("203.0.113.77".into(), "root", i));
    }
    let out = d2.finish();
    assert!(
        out.iter()
            .any(|a| a.kind == "ssh.brute_force" && a.count == 40),
        "the busy source kept its window"
    );
}
