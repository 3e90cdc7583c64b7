//! `soc run` split into runs gives the alerts of one pass (#14 item 2), end
//! to end through the runner and the state store: a log read in two
//! `--once` runs split at every line, and a `--follow` run stopped and
//! restarted in the middle of episodes.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use soc_core::pipeline::{BuildOptions, Pipeline, PipelineConfig, RunOptions};
use soc_core::StateStore;

/// sshd lines that each carry their source: bursts from three sources,
/// spraying, a slow attacker and a success after failures.
fn log_lines() -> Vec<String> {
    let mut v = Vec::new();
    let mut line = |sec: u32, msg: String| {
        v.push(format!(
            "Nov 21 {:02}:{:02}:{:02} web01 sshd[{}]: {msg}",
            2 + sec / 3600,
            (sec / 60) % 60,
            sec % 60,
            4000 + v.len()
        ))
    };
    for i in 0..7 {
        line(
            i * 20,
            format!(
                "Failed password for root from 203.0.113.45 port {} ssh2",
                40000 + i
            ),
        );
    }
    for (i, u) in [
        "admin", "oracle", "git", "pi", "test", "deploy", "ubuntu", "guest", "x",
    ]
    .iter()
    .enumerate()
    {
        let i = i as u32;
        line(
            200 + i * 30,
            format!(
                "Failed password for invalid user {u} from 198.51.100.23 port {} ssh2",
                41000 + i
            ),
        );
    }
    for i in 0..6 {
        line(
            600 + i * 40,
            format!(
                "Failed password for admin from 192.0.2.200 port {} ssh2",
                42000 + i
            ),
        );
    }
    line(
        900,
        "Accepted password for admin from 192.0.2.200 port 42999 ssh2".into(),
    );
    for i in 0..6 {
        line(
            1000 + i * 900,
            format!(
                "Failed password for root from 2001:db8:5::{:x} port {} ssh2",
                i + 1,
                43000 + i
            ),
        );
    }
    v
}

fn config(dir: &Path, follow: bool) -> PipelineConfig {
    let toml = format!(
        "[store]\npath = {:?}\n[run]\noffline = true\nbatch_records = 3\npoll_ms = 10\n\
         [parse]\nssh_year = 2026\n[[sources]]\nkind = \"ssh\"\npath = {:?}\nfollow = {follow}\npoll_ms = 10\n\
         [response]\ndry_run = true\n",
        dir.join("state.db").display().to_string(),
        dir.join("auth.log").display().to_string(),
    );
    PipelineConfig::from_toml_str(&toml, "soc.toml").unwrap()
}

fn append(path: &Path, lines: &[String]) {
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    support::append(path, text);
}

type Stored = BTreeMap<String, (String, u64, Option<DateTime<Utc>>, Option<DateTime<Utc>>)>;

fn stored(dir: &Path) -> Stored {
    support::stored_alerts(dir, |a| (a.kind, a.count, a.first_seen, a.last_seen))
}

fn run_once(dir: &Path, rt: &tokio::runtime::Runtime) {
    let mut p = Pipeline::from_config(&config(dir, false), &BuildOptions::default()).unwrap();
    rt.block_on(p.run(RunOptions::default())).unwrap();
}

/// What one run over the whole log stores.
fn one_pass(lines: &[String], rt: &tokio::runtime::Runtime) -> Stored {
    let one = tempfile::tempdir().unwrap();
    append(&one.path().join("auth.log"), lines);
    run_once(one.path(), rt);
    stored(one.path())
}

#[test]
fn two_once_runs_split_at_every_line_store_the_one_pass_alerts() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let lines = log_lines();
    let whole = one_pass(&lines, &rt);
    let kinds: std::collections::BTreeSet<&str> = whole.values().map(|v| v.0.as_str()).collect();
    for k in [
        "ssh.brute_force",
        "ssh.password_spraying",
        "ssh.success_after_failures",
    ] {
        assert!(kinds.contains(k), "one pass raises {k}: {whole:?}");
    }
    for cut in 0..=lines.len() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("auth.log");
        append(&log, &lines[..cut]);
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap();
        run_once(dir.path(), &rt);
        append(&log, &lines[cut..]);
        run_once(dir.path(), &rt);
        assert_eq!(stored(dir.path()), whole, "split after line {cut}");
    }
}

#[test]
fn a_restarted_follow_run_stores_the_one_pass_alerts() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let lines = log_lines();
    let whole = one_pass(&lines, &rt);

    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("auth.log");
    for part in [&lines[..10], &lines[10..19], &lines[19..]] {
        append(&log, part);
        let mut p =
            Pipeline::from_config(&config(dir.path(), true), &BuildOptions::default()).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let opts = RunOptions {
            follow: true,
            shutdown: Some(stop.clone()),
        };
        let size = std::fs::metadata(&log).unwrap().len();
        let store = p.store().clone();
        let stopper = std::thread::spawn(move || {
            // Stop once everything appended so far is committed.
            while store.checkpoint_offsets() < size {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            stop.store(true, Ordering::SeqCst);
        });
        rt.block_on(p.run(opts)).unwrap();
        stopper.join().unwrap();
    }
    assert_eq!(stored(dir.path()), whole);
}

trait Offsets {
    fn checkpoint_offsets(&self) -> u64;
}

impl Offsets for StateStore {
    fn checkpoint_offsets(&self) -> u64 {
        self.counts(Utc::now())
            .map(|c| c.checkpoints.iter().map(|c| c.offset).sum())
            .unwrap_or(0)
    }
}

/// Reads through an inner analyzer but cannot fork: the runner then reads
/// every source on one thread.
struct NoFork(Box<dyn soc_core::pipeline::stages::Analyzer>);

impl soc_core::pipeline::stages::Analyzer for NoFork {
    fn analyze(
        &mut self,
        r: &soc_core::source::SourceRecord,
        out: &mut soc_core::pipeline::stages::Analysis,
    ) {
        self.0.analyze(r, out)
    }
    fn finish(&mut self, out: &mut soc_core::pipeline::stages::Analysis) {
        self.0.finish(out)
    }
    fn end_batch(&mut self, out: &mut soc_core::pipeline::stages::Analysis, save: bool) {
        self.0.end_batch(out, save)
    }
    fn has_unsaved_state(&self) -> bool {
        self.0.has_unsaved_state()
    }
    fn restore_state(&mut self, rows: Vec<(String, String, String)>) -> usize {
        self.0.restore_state(rows)
    }
}

/// SSH and EVE sources read on two or three threads (the EVE files with
/// forked analyzers) store exactly what one thread stores.
#[test]
fn reader_threads_store_what_one_stores() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let eve = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/data/eve.json");
    let mut results = Vec::new();
    for (fork, threads) in [(true, 2), (false, 2), (true, 1), (true, 3)] {
        let dir = tempfile::tempdir().unwrap();
        append(&dir.path().join("auth.log"), &log_lines());
        let mut cfg = config(dir.path(), false);
        cfg.run.threads = threads;
        // A generic alert file beside the EVE one: two independent sources
        // whose alert kinds differ, so no interleaving can change a result.
        let alerts = dir.path().join("alerts.jsonl");
        let rows: Vec<String> = (1..=4)
            .map(|i| format!(r#"{{"id":"a{i}","title":"test","severity":"high","src_ip":"198.51.100.{i}","time":"2026-11-21T02:0{i}:00Z"}}"#))
            .collect();
        append(&alerts, &rows);
        for (kind, path) in [
            (soc_core::source::SourceKind::Eve, eve.clone()),
            (soc_core::source::SourceKind::Alerts, alerts),
        ] {
            let mut src = cfg.sources[0].clone();
            src.kind = kind;
            src.path = Some(soc_core::source::PathSpec::One(path.display().to_string()));
            cfg.sources.push(src);
        }
        let mut p = Pipeline::from_config(&cfg, &BuildOptions::default()).unwrap();
        if !fork {
            let a =
                soc_core::pipeline::analyze::StandardAnalyzer::new(&cfg.parse, cfg.detect.clone())
                    .unwrap();
            p = p.with_analyzer(Box::new(NoFork(Box::new(a))));
        }
        let m = rt.block_on(p.run(RunOptions::default())).unwrap();
        assert!(m.events_by_kind.keys().any(|k| k.starts_with("suricata.")));
        results.push((stored(dir.path()), m.records, m.events_by_kind));
    }
    assert!(results[0].0.values().any(|a| a.0 == "ssh.brute_force"));
    assert!(results[0].0.values().any(|a| a.0.starts_with("alerts.")));
    assert!(results[0].0.keys().count() > 5);
    for r in &results[1..] {
        assert_eq!(&results[0], r);
    }
}
