//! EVE throughput on ~20 MiB of generated EVE: typed parse of every line,
//! and alert-only extraction (whole-buffer fast path).
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use soc_core::parse::suricata::{alert_from_line, alert_lines, parse_eve_line, EveRecord};

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
    // The former parse (a `Value` tree, then `from_map`), for comparison
    // under the same machine load.
    g.bench_function("value_tree_parse_20MiB", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for l in text.lines() {
                if let Ok(serde_json::Value::Object(m)) = serde_json::from_str(l) {
                    n += EveRecord::from_map(m).event_type.len();
                }
            }
            std::hint::black_box(n)
        })
    });
    g.bench_function("alerts_only_20MiB", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for l in alert_lines(text.as_bytes()) {
                if let Ok(Ok(Some(_))) = std::str::from_utf8(l).map(alert_from_line) {
                    n += 1;
                }
            }
            std::hint::black_box(n)
        })
    });
    g.finish();
}

criterion_group!(benches, eve);
criterion_main!(benches);
