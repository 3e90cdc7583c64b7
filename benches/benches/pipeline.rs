//! The whole pipeline (`soc run --once` in-process) over a small sample:
//! the bundled demo auth.log and eve.json replicated to ~8k lines, offline
//! enrichment, dry-run playbook, a fresh in-memory state store per iteration.
//!
//! Run: `cargo bench -p soc-benches --bench pipeline -- --warm-up-time 1 --measurement-time 5`
//! The full-size comparison (1M-line auth.log, ~200 MiB eve.json) is
//! `benches/compare/pipeline.sh`.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use soc_core::pipeline::{BuildOptions, Pipeline, PipelineConfig, RunOptions};

const COPIES: usize = 20;

fn sample_dir() -> (PathBuf, u64) {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/data");
    let dir = std::env::temp_dir().join(format!("soc-bench-pipeline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut lines = 0u64;
    for name in ["auth.log", "eve.json"] {
        let text = std::fs::read_to_string(data.join(name)).expect("examples/data sample");
        lines += (text.lines().count() * COPIES) as u64;
        std::fs::write(dir.join(name), text.repeat(COPIES)).expect("write sample");
    }
    (dir, lines)
}

fn config(dir: &std::path::Path) -> PipelineConfig {
    let toml = format!(
        "[store]\npath = \":memory:\"\n[run]\noffline = true\n\
         [[sources]]\nkind = \"ssh\"\npath = {:?}\n[[sources]]\nkind = \"eve\"\npath = {:?}\n\
         [response]\ndry_run = true\n",
        dir.join("auth.log").display().to_string(),
        dir.join("eve.json").display().to_string()
    );
    PipelineConfig::from_toml_str(&toml, "bench.toml").expect("bench config")
}

fn bench_pipeline(c: &mut Criterion) {
    let (dir, lines) = sample_dir();
    let cfg = config(&dir);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Elements(lines));
    g.sample_size(10);
    g.bench_function("once_offline_dry_run", |b| {
        b.iter(|| {
            let mut p = Pipeline::from_config(&cfg, &BuildOptions::default()).expect("pipeline");
            let m = rt.block_on(p.run(RunOptions::default())).expect("run");
            black_box(m.alerts())
        })
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench_pipeline);
criterion_main!(benches);
