//! The detectors' own cost (#16): `soc ssh --alerts` minus parsing. The
//! lines of a generated 200k-line auth.log are parsed once up front (with
//! the pid join, as the reader does); each iteration feeds the parsed
//! records to a fresh `DetectorSet` as `AlertCollector::read` does, so the
//! figure is the detectors' hot path alone: keying, windows, evidence
//! and the alerts built at the end. `owned_events_200k_lines` feeds the
//! same lines as built events (`observe_owned`: `alerts_of`, Python
//! `detect_bruteforce`). `quiet_sources_200k_failures`: 2,000 sources
//! failing every ~7 hours each, below every threshold (the failure ring and
//! the expiry calendars, no alert built).
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use soc_core::detect::{DetectConfig, DetectorSet};
use soc_core::parse::ssh::{SshOptions, SshParser, SshRecord};

fn detect_hot_path(c: &mut Criterion) {
    let text = soc_benches::authlog::generate_string(200_000, 7);
    let mut parser = SshParser::new(SshOptions {
        year: Some(2026),
        ..Default::default()
    });
    let records: Vec<(u64, &str, SshRecord)> = text
        .lines()
        .enumerate()
        .filter_map(|(i, l)| Some((i as u64 + 1, l, parser.parse_record(l)?)))
        .collect();
    let mut g = c.benchmark_group("detect_hot_path");
    g.throughput(Throughput::Elements(records.len() as u64));
    g.sample_size(10);
    g.bench_function("alerts_200k_lines", |b| {
        b.iter(|| {
            let mut d = DetectorSet::new(DetectConfig::default());
            let mut n = 0usize;
            for (no, line, r) in &records {
                let r = r.as_ref();
                n += if r.attempt.is_none() {
                    d.observe_time(r.time).len()
                } else {
                    d.observe_line(&r, "auth.log", *no, line).len()
                };
            }
            n += d.finish().len();
            std::hint::black_box(n)
        })
    });
    // The same lines as built events, handed over (`observe_owned`): the
    // path of `alerts_of` and Python `detect_bruteforce`. The events are
    // built up front and cloned per iteration outside the timed part.
    let events: Vec<soc_core::model::Event> = records
        .iter()
        .map(|(no, line, r)| {
            let origin = soc_core::model::Origin {
                file: "auth.log".into(),
                line: *no,
            };
            r.as_ref().to_event(line, origin)
        })
        .collect();
    g.bench_function("owned_events_200k_lines", |b| {
        b.iter_batched(
            || events.clone(),
            |events| {
                let mut d = DetectorSet::new(DetectConfig::default());
                let mut n = 0usize;
                for e in events {
                    n += d.observe_owned(e).len();
                }
                n += d.finish().len();
                std::hint::black_box(n)
            },
            criterion::BatchSize::LargeInput,
        )
    });
    // Sources that fail now and then, never past a threshold: every
    // failure goes through the source's failure ring (four rules, one
    // ring push) and the expiry calendars, and no alert is built; the
    // case of most sources in a real auth.log.
    let quiet_text: String = (0..200_000u64)
        .map(|i| {
            let t = 13 * i;
            let (d, h, m, sec) = (1 + t / 86_400, t / 3600 % 24, t / 60 % 60, t % 60);
            let src = (i * 7919) % 2_000;
            format!(
                "Nov {d:2} {h:02}:{m:02}:{sec:02} h sshd[{i}]: Failed password for u{src} from 198.51.{}.{} port 22 ssh2\n",
                src / 250,
                src % 250
            )
        })
        .collect();
    let quiet: Vec<(u64, &str, SshRecord)> = quiet_text
        .lines()
        .enumerate()
        .filter_map(|(i, l)| Some((i as u64 + 1, l, parser.parse_record(l)?)))
        .collect();
    g.bench_function("quiet_sources_200k_failures", |b| {
        b.iter(|| {
            let mut d = DetectorSet::new(DetectConfig::default());
            let mut n = 0usize;
            for (no, line, r) in &quiet {
                n += d.observe_line(&r.as_ref(), "auth.log", *no, line).len();
            }
            std::hint::black_box(n)
        })
    });
    g.finish();
}

criterion_group!(benches, detect_hot_path);
criterion_main!(benches);
