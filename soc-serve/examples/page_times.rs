//! Benchmark (not a test): dashboard page times on a generated state file.
//!
//! ```sh
//! cargo run --release -p soc-serve --example page_times -- 1000000 /tmp/soc-1m.db
//! ```
//!
//! Generates N alerts (once; an existing file is reused) spread evenly over
//! the last 30 days: 20,000 source addresses, 500 users, 40 signatures, a
//! score on each, and one in 50 triaged. Then serves the dashboard on
//! loopback and times every route over HTTP: the median and the slowest of
//! 7 requests after one warm-up, per page and time range, and the median
//! CPU time the process (server and client) spent on one request. Inbox rows
//! marked `+N` are the page reached by following the "next page" link N
//! times (keyset pages; the links are followed before timing).

use std::time::{Duration, Instant};

use chrono::Utc;
use soc_core::model::{RiskLevel, Score, ScoreFactor};
use soc_core::store::triage::{CloseReason, TriageChange, TriageStatus};
use soc_core::{Alert, Severity, StateStore};
use soc_serve::{AuthConfig, ServeConfig};

const DAYS: i64 = 30;

/// Stores `n` generated alerts in batches; with `spread`, moves their
/// creation times evenly over the last [`DAYS`] days afterwards.
fn generate(store: &StateStore, n: usize, spread: bool) {
    let batch = 20_000;
    let start = Instant::now();
    let mut done = 0;
    while done < n {
        let end = (done + batch).min(n);
        store
            .with_tx(|tx| {
                for i in done..end {
                    let src = format!("198.51.{}.{}", (i % 20_000) / 250, i % 250 + 1);
                    let kind = [
                        "ssh.brute_force",
                        "ssh.success_after_failures",
                        "suricata.alert",
                        "suricata.alert",
                        "ssh.slow_brute_force",
                    ][i % 5];
                    let mut a = Alert::new(
                        kind,
                        &format!("bench{i}"),
                        format!("alert {i} from {src}"),
                        Severity::High,
                    );
                    a.src_ip = src.parse().ok();
                    a.user = Some(format!("user{}", i % 500));
                    a.host = Some(format!("web{:02}", i % 20));
                    a.count = (i % 40) as u64 + 1;
                    if kind == "suricata.alert" {
                        a.title = format!("ET SCAN signature {}", i % 40);
                        a.fields
                            .insert("signature_id".into(), ((i % 40) as u64 + 2_000_000).into());
                    }
                    let value = (i % 100) as f64;
                    let level = match value as u32 {
                        0..=39 => RiskLevel::Low,
                        40..=69 => RiskLevel::Medium,
                        70..=89 => RiskLevel::High,
                        _ => RiskLevel::Critical,
                    };
                    let s = Score {
                        scorer: "weighted".into(),
                        value,
                        level,
                        factors: vec![ScoreFactor {
                            name: "base".into(),
                            contribution: value,
                            detail: "generated".into(),
                        }],
                    };
                    let json = serde_json::to_string(&a).unwrap();
                    let score_json = serde_json::to_string(&s).unwrap();
                    soc_core::store::put_alert(tx, &a, &json, Some(&s), Some(&score_json))?;
                }
                Ok(())
            })
            .unwrap();
        done = end;
        eprint!("\rgenerated {done}/{n} alerts ({:.0?})", start.elapsed());
    }
    eprintln!();
    if !spread {
        return;
    }
    // Spread creation times evenly over the last DAYS days (newest last).
    let now = Utc::now().timestamp_millis();
    let step = DAYS * 86_400_000 / n.max(1) as i64;
    store
        .with_tx(|tx| {
            tx.execute(
                "UPDATE alerts SET created_at = ?1 - (?2 - rowid) * ?3, first_seen = ?1 - (?2 - rowid) * ?3 - 60000, last_seen = ?1 - (?2 - rowid) * ?3",
                rusqlite_params(now, n as i64, step),
            )
        })
        .unwrap();
}

fn rusqlite_params(now: i64, n: i64, step: i64) -> [i64; 3] {
    [now, n, step]
}

/// What the dashboard's schema (generated columns, the source index and
/// the rollup triggers for changes) costs the pipeline's writes: 20,000
/// alerts into a fresh store without and with it, interleaved three times
/// to even out machine load. New alerts reach the rollups at the
/// dashboard's next read: that catch-up is timed too (a no-op without the
/// dashboard schema).
fn insert_cost() {
    let dir = std::env::temp_dir().join(format!("soc-insert-cost-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    for round in 0..3 {
        for schema in ["pipeline", "dashboard"] {
            let path = dir.join(format!("r{round}-{schema}.db"));
            let store = StateStore::open(&path).unwrap();
            if schema != "pipeline" {
                store.ensure_triage_schema().unwrap();
            }
            let t = Instant::now();
            generate(&store, 20_000, false);
            let insert = t.elapsed();
            let t = Instant::now();
            store.catch_up_rollups().unwrap();
            println!(
                "insert 20000 alerts, {schema} schema: {insert:.2?} (then {:.2?} to roll them up at the next read)",
                t.elapsed()
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().nth(1).as_deref() == Some("--insert-cost") {
        insert_cost();
        return;
    }
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let path = args
        .next()
        .unwrap_or_else(|| "/tmp/soc-serve-bench.db".into());
    let fresh = !std::path::Path::new(&path).exists();
    let store = StateStore::open(&path).unwrap();
    if fresh {
        generate(&store, n, true);
        let ids: Vec<String> = (0..n)
            .step_by(50)
            .map(|i| {
                Alert::new(
                    [
                        "ssh.brute_force",
                        "ssh.success_after_failures",
                        "suricata.alert",
                        "suricata.alert",
                        "ssh.slow_brute_force",
                    ][i % 5],
                    &format!("bench{i}"),
                    "",
                    Severity::High,
                )
                .id
            })
            .collect();
        let t = Instant::now();
        store.ensure_triage_schema().unwrap();
        eprintln!("indexes built in {:.1?}", t.elapsed());
        let close = TriageChange {
            status: Some(TriageStatus::Closed(CloseReason::FalsePositive)),
            ..Default::default()
        };
        for chunk in ids.chunks(5000) {
            store.update_triage(chunk, "bench", &close).unwrap();
        }
    }
    let t = Instant::now();
    store.ensure_triage_schema().unwrap();
    eprintln!("schema checked in {:.1?}", t.elapsed());
    let any_id: String = store
        .inbox(&Default::default())
        .unwrap()
        .groups
        .first()
        .map(|g| g.newest_id.clone())
        .unwrap_or_default();
    drop(store);
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let cfg = ServeConfig::new(&path, addr, AuthConfig::none());
    tokio::spawn(async move {
        soc_serve::serve_on(listener, &cfg, std::future::pending())
            .await
            .unwrap()
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let http = reqwest::Client::new();
    let base = format!("http://{addr}");
    println!(
        "state file {path}: {n} alerts, {:.0} MiB",
        size as f64 / 1048576.0
    );
    println!(
        "{:<44} {:>10} {:>10} {:>9} {:>9}",
        "page", "median ms", "max ms", "cpu ms", "KiB"
    );
    let id = url::form_urlencoded::byte_serialize(any_id.as_bytes()).collect::<String>();
    // A custom range of 3 days that starts and ends mid-hour.
    let custom = {
        let now = Utc::now();
        let f = |t: chrono::DateTime<Utc>| t.format("%Y-%m-%dT%H:%M").to_string();
        format!(
            "range=custom&from={}&to={}",
            f(now - chrono::Duration::minutes(3 * 1440 + 17)),
            f(now - chrono::Duration::minutes(23))
        )
    };
    let mut pages = vec![
        "/?range=1h".to_string(),
        "/?range=24h".into(),
        "/?range=7d".into(),
        "/?range=30d".into(),
        format!("/?{custom}"),
        "/inbox?range=1h".into(),
        format!("/inbox?{custom}"),
        "/inbox?range=24h&status=any&q=signature".into(),
        "/inbox?range=24h&risk=critical".into(),
        "/inbox?range=30d&kind=suricata.alert".into(),
        "/inbox?range=30d&status=closed".into(),
        "/inbox?range=all&src=198.51.7.9".into(),
        "/inbox?range=all&user=user7".into(),
        "/inbox?range=all&sig=ET+SCAN+signature+7".into(),
        "/inbox?range=all&target=user7".into(),
        format!("/alerts/{id}"),
        "/blocks".into(),
        "/health".into(),
    ];
    for range in ["24h", "7d", "30d"] {
        for sort in ["last_seen", "score", "count", "first_seen"] {
            let first = format!("/inbox?range={range}&sort={sort}");
            let deep = follow_next(&http, &base, &first, 10).await;
            pages.push(first);
            pages.extend(deep.map(|d| format!("{d} +10")));
        }
    }
    for p in pages {
        let mut times = Vec::new();
        let mut cpu = Vec::new();
        let mut bytes = 0;
        for i in 0..8 {
            let (t, c) = (Instant::now(), cpu_ns());
            let path = p.split(' ').next().unwrap_or(&p);
            let r = http.get(format!("{base}{path}")).send().await.unwrap();
            assert!(r.status().is_success(), "{p}: {}", r.status());
            bytes = r.bytes().await.unwrap().len();
            if i > 0 {
                times.push(t.elapsed().as_secs_f64() * 1000.0);
                cpu.push(cpu_ns().saturating_sub(c) as f64 / 1e6);
            }
        }
        times.sort_by(f64::total_cmp);
        cpu.sort_by(f64::total_cmp);
        let shown = match p.split_once(" +") {
            Some((_, n)) => format!("{} (+{n})", p.split("&after").next().unwrap_or(&p)),
            None => p.clone(),
        };
        println!(
            "{shown:<44} {:>10.1} {:>10.1} {:>9.1} {:>9.0}",
            times[times.len() / 2],
            times[times.len() - 1],
            cpu[cpu.len() / 2],
            bytes as f64 / 1024.0
        );
    }
}

/// CPU time of this process so far (every thread, server and client), in
/// nanoseconds, from Linux's `/proc/self/task/*/schedstat` (0 elsewhere):
/// a request's CPU cost does not grow with the machine's load as its wall
/// time does.
fn cpu_ns() -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// The URL reached from `first` by following its "next page" link `n`
/// times (`None` when the pages end sooner).
async fn follow_next(http: &reqwest::Client, base: &str, first: &str, n: usize) -> Option<String> {
    let mut path = first.to_string();
    for _ in 0..n {
        let body = http
            .get(format!("{base}{path}"))
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        let at = body.find("rel=\"next\" href=\"")? + 17;
        let end = body[at..].find('"')?;
        path = body[at..at + end].replace("&amp;", "&");
    }
    Some(path)
}
