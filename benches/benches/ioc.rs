//! IOC extraction throughput on a generated 20 MiB threat-report-like corpus
//! (all kinds, deduplicated), plus refang, the streaming reader and the
//! file path the CLI takes (blocks read from a file, rows borrowed from
//! the compact result and written as JSON Lines).
use std::io::Write;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use soc_core::ioc::{refang, Extractor};

fn ioc(c: &mut Criterion) {
    let text = soc_benches::ioc_corpus::generate(20 << 20, 42);
    let ex = Extractor::default();
    let path = std::env::temp_dir().join(format!("soc-bench-ioc-{}.txt", std::process::id()));
    std::fs::write(&path, &text).expect("write the bench corpus to the temp dir");
    let mut g = c.benchmark_group("ioc");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("extract_all_kinds_20MiB", |b| {
        b.iter(|| std::hint::black_box(ex.extract(std::hint::black_box(&text))))
    });
    g.bench_function("extract_reader_20MiB", |b| {
        b.iter(|| std::hint::black_box(ex.extract_reader(text.as_bytes())))
    });
    g.bench_function("file_to_jsonl_20MiB", |b| {
        b.iter(|| {
            let found = ex.extract_file_found(&path).expect("read the bench corpus");
            let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::sink());
            for i in found.iter() {
                // The CLI's row shape; strings through serde_json's escaper.
                write!(out, "{{\"kind\":\"{}\",\"value\":", i.kind.as_str()).ok();
                serde_json::to_writer(&mut out, i.value).ok();
                out.write_all(b",\"raw\":").ok();
                serde_json::to_writer(&mut out, i.raw).ok();
                writeln!(
                    out,
                    ",\"start\":{},\"end\":{},\"defanged\":{},\"count\":{}}}",
                    i.start, i.end, i.defanged, i.count
                )
                .ok();
            }
            out.flush().ok();
            std::hint::black_box(found.len())
        })
    });
    g.bench_function("refang_20MiB", |b| {
        b.iter(|| std::hint::black_box(refang(std::hint::black_box(&text)).len()))
    });
    g.finish();
    std::fs::remove_file(&path).ok();
}

criterion_group!(benches, ioc);
criterion_main!(benches);
