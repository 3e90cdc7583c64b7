//! Enrichment throughput against a local mock API with 50 ms latency, and
//! local-list membership speed.
//!
//! - 1,000 distinct IPs at concurrency 20: bounded by latency × 1000 / 20 ≈ 2.5 s
//!   (a sequential script needs ~50 s).
//! - 10,000 indicators with 1,000 distinct make exactly 1,000 requests; a
//!   second run makes none (checked once before timing, printed to stderr).
//! - `ListSet::contains_ip` against a 100,000-entry CIDR list.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rand::{Rng, SeedableRng};
use soc_core::enrich::lists::{ListSet, ThreatList};
use soc_core::enrich::{EnrichConfig, EnrichmentService};
use soc_core::model::{Indicator, IndicatorKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const LATENCY: Duration = Duration::from_millis(50);

/// A keep-alive HTTP/1.1 server answering every GET after `LATENCY` with an
/// InternetDB-shaped body; counts requests.
async fn mock_server(hits: Arc<AtomicU64>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let _ = sock.set_nodelay(true);
            let hits = hits.clone();
            tokio::spawn(async move {
                let mut buf = Vec::with_capacity(1024);
                let mut chunk = [0u8; 1024];
                loop {
                    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                        continue;
                    };
                    buf.drain(..end + 4);
                    hits.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(LATENCY).await;
                    let body =
                        br#"{"cpes":[],"hostnames":[],"ip":"x","ports":[22],"tags":[],"vulns":[]}"#;
                    // One write: split writes would meet Nagle + delayed ACK (~40 ms).
                    let mut resp = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    resp.extend_from_slice(body);
                    if sock.write_all(&resp).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

fn service(url: &str, cache: bool) -> EnrichmentService {
    let mut cfg = EnrichConfig {
        providers: vec!["internetdb".into()],
        concurrency: 20,
        cache,
        ..EnrichConfig::default()
    };
    cfg.internetdb.base_url = Some(url.to_string());
    cfg.internetdb.rate_per_min = Some(1_000_000);
    EnrichmentService::from_config(&cfg, None, false).expect("service")
}

fn ips(n: u32) -> Vec<Indicator> {
    (0..n)
        .map(|i| {
            Indicator::new(
                IndicatorKind::Ipv4,
                Ipv4Addr::from(0x0A00_0000 + i).to_string(),
            )
        })
        .collect()
}

fn network(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let hits = Arc::new(AtomicU64::new(0));
    let url = rt.block_on(mock_server(hits.clone()));

    // Request accounting, checked once (not timed).
    {
        let _g = rt.enter();
        let svc = service(&url, true);
        let distinct = ips(1000);
        let many: Vec<Indicator> = (0..10_000).map(|i| distinct[i % 1000].clone()).collect();
        let before = hits.load(Ordering::Relaxed);
        let start = std::time::Instant::now();
        rt.block_on(svc.enrich_many(&many));
        let first = hits.load(Ordering::Relaxed) - before;
        let took = start.elapsed();
        rt.block_on(svc.enrich_many(&many));
        let second = hits.load(Ordering::Relaxed) - before - first;
        eprintln!(
            "enrich: 10,000 indicators (1,000 distinct), concurrency 20: {first} requests in {took:.2?}; second run: {second} requests"
        );
        assert_eq!((first, second), (1000, 0));
    }

    let mut g = c.benchmark_group("enrich_network");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(30));
    g.throughput(Throughput::Elements(1000));
    let distinct = ips(1000);
    g.bench_function("1000_distinct_ips_concurrency_20_latency_50ms", |b| {
        b.iter(|| {
            let _g = rt.enter();
            let svc = service(&url, false);
            rt.block_on(svc.enrich_many(std::hint::black_box(&distinct)))
        })
    });
    g.finish();
}

fn lists(c: &mut Criterion) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    let mut text = String::with_capacity(2_000_000);
    for _ in 0..100_000 {
        let ip = Ipv4Addr::from(rng.random::<u32>() & 0xFFFF_FF00);
        let len = rng.random_range(20..=32u8);
        text.push_str(&format!("{ip}/{len}\n"));
    }
    let (list, _) = ThreatList::parse("bench", &text);
    let set = ListSet::from_lists(vec![list]);
    let probes: Vec<IpAddr> = (0..10_000)
        .map(|_| IpAddr::V4(Ipv4Addr::from(rng.random::<u32>())))
        .collect();
    let mut g = c.benchmark_group("enrich_lists");
    g.throughput(Throughput::Elements(probes.len() as u64));
    g.bench_function("contains_ip_100k_cidrs", |b| {
        b.iter(|| {
            probes
                .iter()
                .filter(|ip| set.contains_ip(std::hint::black_box(**ip)).is_some())
                .count()
        })
    });
    g.finish();
}

criterion_group!(benches, lists, network);
criterion_main!(benches);
