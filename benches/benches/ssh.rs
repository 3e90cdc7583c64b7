//! SSH parse-and-classify throughput on 100k generated auth.log lines,
//! and the detectors fed from the parsed lines.
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use soc_core::detect::{DetectConfig, DetectorSet};
use soc_core::model::Origin;
use soc_core::parse::ssh::{SshOptions, SshParser};

/// Parses `lines` on the borrowed path and reads every typed field.
fn parse_ref_all(lines: &[&str], stateful: bool) -> u64 {
    let mut p = SshParser::new(SshOptions {
        year: Some(2026),
        stateful,
        ..Default::default()
    });
    let mut n = 0u64;
    for l in lines {
        if let Some(r) = p.parse_ref(l) {
            let m = &r.message;
            n += u64::from(r.failure)
                + m.kind as u64
                + u64::from(m.port.unwrap_or(0))
                + m.user.as_ref().map_or(0, |u| u.len() as u64)
                + u64::from(m.remote.as_ref().and_then(|x| x.ip()).is_some())
                + r.time.map_or(0, |t| t.timestamp() as u64);
        }
    }
    n
}

fn ssh(c: &mut Criterion) {
    let text = soc_benches::authlog::generate_string(100_000, 42);
    let lines: Vec<&str> = text.lines().collect();
    let mut g = c.benchmark_group("ssh");
    g.throughput(Throughput::Elements(lines.len() as u64));
    // Parse and classify: the borrowed fast path with the typed fields a
    // detector reads (kind, user, source, port, time, failure).
    g.bench_function("parse_record_100k", |b| {
        b.iter(|| std::hint::black_box(parse_ref_all(&lines, true)))
    });
    // The same without the stateful pid join (what the join costs).
    g.bench_function("parse_record_stateless_100k", |b| {
        b.iter(|| std::hint::black_box(parse_ref_all(&lines, false)))
    });
    // The owned record (every string copied) built on the fast path.
    g.bench_function("parse_record_owned_100k", |b| {
        b.iter(|| {
            let mut p = SshParser::new(SshOptions {
                year: Some(2026),
                ..Default::default()
            });
            let mut n = 0u64;
            for l in &lines {
                if let Some(r) = p.parse_record(l) {
                    n += u64::from(r.failure);
                }
            }
            std::hint::black_box(n)
        })
    });
    g.bench_function("parse_line_event_100k", |b| {
        b.iter(|| {
            let mut p = SshParser::new(SshOptions {
                year: Some(2026),
                ..Default::default()
            });
            let mut n = 0u64;
            for (i, l) in lines.iter().enumerate() {
                if let Some(e) = p.parse_line(
                    l,
                    Origin {
                        file: String::new(),
                        line: i as u64,
                    },
                ) {
                    n += u64::from(e.is_failure());
                }
            }
            std::hint::black_box(n)
        })
    });
    // The detectors' hot path: parse, then every line into the detectors
    // the way `soc ssh --alerts` and `soc run` feed them (events built only
    // as evidence), alerts at the end.
    g.bench_function("detect_records_100k", |b| {
        b.iter(|| {
            let mut p = SshParser::new(SshOptions {
                year: Some(2026),
                ..Default::default()
            });
            let mut d = DetectorSet::new(DetectConfig::default());
            let mut n = 0usize;
            for (i, l) in lines.iter().enumerate() {
                let Some(r) = p.parse_ref(l) else { continue };
                n += if r.attempt.is_none() {
                    d.observe_time(r.time).len()
                } else {
                    let origin = || Origin {
                        file: String::new(),
                        line: i as u64,
                    };
                    d.observe_record(&r, l, origin).len()
                };
            }
            std::hint::black_box(n + d.finish().len())
        })
    });
    g.finish();
}

// ---- Reading one file on 1 and 2 threads (#16, sshperf) ----

/// A reader of the auth log at `path` (year 2026) on `threads` threads.
fn open_auth_log(path: &std::path::Path, threads: usize) -> soc_core::parse::ssh::Reader {
    let opts = SshOptions {
        year: Some(2026),
        ..Default::default()
    };
    soc_core::parse::ssh::Reader::open(path, opts)
        .expect("open")
        .with_threads(threads)
}

/// `soc ssh --summary`'s work over a generated 200k-line auth.log read
/// from a file: the reader (line split, parse, pid join) plus the
/// summary's counting, with 1 and 2 parsing threads; and `--alerts`'s:
/// the reader plus the detectors, one set on 1 and 2 parsing threads, and
/// split by key into 2 shards on 2 (`ShardedCollector`, as `soc ssh
/// --alerts --threads 2`).
fn ssh_read_threads(c: &mut Criterion) {
    use soc_core::detect::{AlertCollector, DetectConfig, ShardedCollector, SshSummary};
    let lines = 200_000;
    let path = std::env::temp_dir().join(format!("soc-bench-auth-{}.log", std::process::id()));
    std::fs::write(&path, soc_benches::authlog::generate_string(lines, 7)).expect("temp file");
    let mut g = c.benchmark_group("ssh_read_threads");
    g.throughput(Throughput::Elements(lines as u64));
    g.sample_size(10);
    for threads in [1, 2] {
        g.bench_function(format!("summary_200k_{threads}_threads"), |b| {
            b.iter(|| {
                let mut reader = open_auth_log(&path, threads);
                let mut s = SshSummary::default();
                s.read(&mut reader);
                std::hint::black_box(s.failures)
            })
        });
    }
    g.bench_function("alerts_200k_1_thread", |b| {
        b.iter(|| {
            let mut c = AlertCollector::new(DetectConfig::default());
            c.read(&mut open_auth_log(&path, 1));
            std::hint::black_box(c.finish().len())
        })
    });
    g.bench_function("alerts_200k_2_threads_1_set", |b| {
        b.iter(|| {
            let mut c = AlertCollector::new(DetectConfig::default());
            c.read(&mut open_auth_log(&path, 2));
            std::hint::black_box(c.finish().len())
        })
    });
    g.bench_function("alerts_200k_2_threads_2_shards", |b| {
        b.iter(|| {
            let n = std::sync::atomic::AtomicUsize::new(0);
            let count = |_| {
                n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            };
            let mut c = ShardedCollector::new(DetectConfig::default(), 2);
            c.read_each(&mut open_auth_log(&path, 2), &count);
            c.finish_each(&count);
            std::hint::black_box(n.into_inner())
        })
    });
    g.finish();
    let _ = std::fs::remove_file(&path);
}

// ---- The read path after #16 (branch sum2): block reads, the joiner ----

/// The parallel reader's stages over a generated 200k-line auth.log:
/// the reading thread's copy of whole lines (block reads against the
/// line-by-line loop it replaced), and an ordered callback that does
/// per-line work of its own (building the event, as `soc run` does) on
/// 1 and 2 threads: with 2 the pid join runs on the joiner thread beside
/// the callback.
fn ssh_read_path(c: &mut Criterion) {
    use soc_core::parse::lines::LineReader;
    let lines = 200_000;
    let text = soc_benches::authlog::generate_string(lines, 11);
    let path = std::env::temp_dir().join(format!("soc-bench-path-{}.log", std::process::id()));
    std::fs::write(&path, &text).expect("temp file");
    let mut g = c.benchmark_group("ssh_read_path");
    g.throughput(Throughput::Elements(lines as u64));
    g.sample_size(10);
    let open = || LineReader::from_reader(std::io::Cursor::new(text.clone().into_bytes()), "b");
    g.bench_function("copy_200k_line_by_line", |b| {
        b.iter(|| {
            let mut r = open().expect("reader");
            let mut out = Vec::with_capacity(text.len() + lines);
            while let Some((_, bytes)) = r.next_bytes() {
                out.extend_from_slice(bytes.unwrap_or_default());
                out.push(b'\n');
            }
            std::hint::black_box(out.len())
        })
    });
    g.bench_function("copy_200k_blocks", |b| {
        b.iter(|| {
            let mut r = open().expect("reader");
            let mut out = Vec::with_capacity(text.len() + lines);
            loop {
                if r.read_block(&mut out, usize::MAX) == 0 {
                    match r.next_bytes() {
                        Some((_, bytes)) => out.extend_from_slice(bytes.unwrap_or_default()),
                        None => break,
                    }
                    out.push(b'\n');
                }
            }
            std::hint::black_box(out.len())
        })
    });
    for threads in [1, 2] {
        g.bench_function(format!("events_200k_{threads}_threads"), |b| {
            b.iter(|| {
                let mut reader = open_auth_log(&path, threads);
                let mut n = 0usize;
                reader.for_each_line(|r, file, line, text| {
                    let origin = soc_core::model::Origin {
                        file: file.to_string(),
                        line,
                    };
                    n += r.to_event(text, origin).kind.len();
                });
                std::hint::black_box(n)
            })
        });
    }
    g.finish();
    let _ = std::fs::remove_file(&path);
}

criterion_group!(benches, ssh);
criterion_group!(read_threads, ssh_read_threads);
criterion_group!(read_path, ssh_read_path);
criterion_main!(benches, read_threads, read_path);
