//! IOC extraction throughput on a generated 20 MiB threat-report-like corpus
//! (all kinds, deduplicated), plus refang and the streaming reader.
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use soc_core::ioc::{refang, Extractor};

fn ioc(c: &mut Criterion) {
    let text = soc_benches::ioc_corpus::generate(20 << 20, 42);
    let ex = Extractor::default();
    let mut g = c.benchmark_group("ioc");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("extract_all_kinds_20MiB", |b| {
        b.iter(|| std::hint::black_box(ex.extract(std::hint::black_box(&text))))
    });
    g.bench_function("extract_reader_20MiB", |b| {
        b.iter(|| std::hint::black_box(ex.extract_reader(text.as_bytes())))
    });
    g.bench_function("refang_20MiB", |b| {
        b.iter(|| std::hint::black_box(refang(std::hint::black_box(&text)).len()))
    });
    g.finish();
}

criterion_group!(benches, ioc);
criterion_main!(benches);
