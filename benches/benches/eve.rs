//! EVE throughput on ~20 MiB of generated EVE: typed parse of every line,
//! and alert-only extraction (fast path).
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use soc_core::parse::suricata::{alert_from_eve, is_alert_line, parse_eve_line};

fn eve(c: &mut Criterion) {
    let text = soc_benches::eve::generate_string(20 << 20, 42);
    let mut g = c.benchmark_group("eve");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.sample_size(10);
    g.bench_function("typed_parse_20MiB", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for l in text.lines() {
                if let Ok(r) = parse_eve_line(l) {
                    n += r.event_type.len();
                }
            }
            std::hint::black_box(n)
        })
    });
    g.bench_function("alerts_only_20MiB", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for l in text.lines() {
                if is_alert_line(l.as_bytes()) {
                    if let Ok(r) = parse_eve_line(l) {
                        n += usize::from(alert_from_eve(&r).is_some());
                    }
                }
            }
            std::hint::black_box(n)
        })
    });
    g.finish();
}

criterion_group!(benches, eve);
criterion_main!(benches);
