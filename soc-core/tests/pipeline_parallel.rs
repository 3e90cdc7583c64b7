//! The run's SSH lane on the parallel reader (#16): the file source hands
//! the lane blocks of whole lines, parsed on `run.threads` threads. On 1
//! and on 2 threads a run stores the alerts and counts of the
//! line-at-a-time path, and a run resumed from a mid-file checkpoint (a
//! run stopped after its first batch, or a file cut in the middle of a
//! line) stores what one uninterrupted run stores.

mod support;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use soc_core::pipeline::stages::{Analysis, Analyzer};
use soc_core::pipeline::{BuildOptions, Pipeline, PipelineConfig, RunMetrics, RunOptions};
use soc_core::source::SourceRecord;

/// An auth log of `n` lines (about 95 bytes each): failures from a few
/// sources in bursts and slowly, spraying, successes, other programs,
/// blank lines and one line that is not UTF-8. `joined`: connections
/// (pids) run over many lines, some of which only the pid join
/// attributes; otherwise every line is a connection of its own and
/// carries its address, so no line needs one read before it.
fn auth_log(n: usize, joined: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut secs = 7_200u32;
    for i in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        secs += (x % 4) as u32;
        let pid = if joined {
            2000 + (x >> 8) % 50
        } else {
            10_000 + i as u64
        };
        let ip = format!("203.0.113.{}", (x >> 16) % 9);
        let user = ["root", "admin", "oracle", "git", "pi", "deploy"][(x >> 24) as usize % 6];
        let msg = match (x >> 32) % 10 {
            0 => format!("Connection from {ip} port {pid} on 192.0.2.1 port 22"),
            1 | 2 => format!("Failed password for {user} from {ip} port {pid} ssh2"),
            3 => format!("Failed password for invalid user {user}{i} from {ip} port {pid} ssh2"),
            4 => format!("Invalid user {user}{i} from {ip} port {pid}"),
            5 if joined => "Disconnecting: Too many authentication failures [preauth]".into(),
            5 => format!("Disconnected from invalid user {user} {ip} port {pid} [preauth]"),
            6 => format!("Accepted password for {user} from {ip} port {pid} ssh2"),
            7 => format!("Received disconnect from {ip} port {pid}:11: Bye Bye [preauth]"),
            _ => format!("Connection closed by authenticating user {user} {ip} port {pid}"),
        };
        let (h, m, s) = (secs / 3600 % 24, secs / 60 % 60, secs % 60);
        let stamp = format!("Nov 21 {h:02}:{m:02}:{s:02}");
        match i % 211 {
            17 => writeln!(out, "{stamp} web01 CRON[{pid}]: session opened"),
            18 => writeln!(out, "  "),
            _ if i == n / 3 => out.write_all(b"Nov 21 02:00:00 web01 sshd[7]: Failed \xff\n"),
            _ => writeln!(out, "{stamp} web01 sshd[{pid}]: {msg}"),
        }
        .unwrap();
    }
    out
}

fn config(dir: &Path, threads: usize, batch: usize) -> PipelineConfig {
    let toml = format!(
        "[store]\npath = {:?}\n[run]\noffline = true\nthreads = {threads}\nbatch_records = {batch}\n\
         [parse]\nssh_year = 2026\n[[sources]]\nkind = \"ssh\"\npath = {:?}\n\
         [response]\ndry_run = true\n",
        dir.join("state.db").display().to_string(),
        dir.join("auth.log").display().to_string(),
    );
    PipelineConfig::from_toml_str(&toml, "soc.toml").unwrap()
}

/// The standard analyzer without its block path: every line comes to
/// `analyze` as a record of its own (the line-at-a-time lane).
struct OneByOne(Box<dyn Analyzer>);

impl Analyzer for OneByOne {
    fn analyze(&mut self, r: &SourceRecord, out: &mut Analysis) {
        self.0.analyze(r, out)
    }
    fn finish(&mut self, out: &mut Analysis) {
        self.0.finish(out)
    }
    fn end_batch(&mut self, out: &mut Analysis, save: bool) {
        self.0.end_batch(out, save)
    }
    fn has_unsaved_state(&self) -> bool {
        self.0.has_unsaved_state()
    }
    fn restore_state(&mut self, rows: Vec<(String, String, String)>) -> usize {
        self.0.restore_state(rows)
    }
}

/// An alert as the runs must agree on it: kind, count, first and last
/// seen, evidence kept.
type Seen = (
    String,
    u64,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    usize,
);
type Stored = BTreeMap<String, Seen>;

fn stored(dir: &Path) -> Stored {
    support::stored_alerts(dir, |a| {
        let evidence = a.events.len();
        (a.kind, a.count, a.first_seen, a.last_seen, evidence)
    })
}

/// One `--once` run; `stop_early`: stopped as if by a signal, after its
/// first batch; `one_by_one`: without the block path.
fn run(dir: &Path, threads: usize, batch: usize, stop_early: bool, one_by_one: bool) -> RunMetrics {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let cfg = config(dir, threads, batch);
    let mut p = Pipeline::from_config(&cfg, &BuildOptions::default()).unwrap();
    if one_by_one {
        let a = soc_core::pipeline::analyze::StandardAnalyzer::new(&cfg.parse, cfg.detect.clone())
            .unwrap();
        p = p.with_analyzer(Box::new(OneByOne(Box::new(a))));
    }
    let opts = RunOptions {
        follow: false,
        shutdown: Some(Arc::new(AtomicBool::new(stop_early))),
    };
    rt.block_on(p.run(opts)).unwrap()
}

/// The counts a run reports about its input.
fn counts(m: &RunMetrics) -> (u64, u64, u64, BTreeMap<String, u64>, Vec<String>) {
    let samples = m.malformed_samples.clone();
    (
        m.records,
        m.malformed,
        m.skipped,
        m.events_by_kind.clone(),
        samples,
    )
}

const LINES: usize = 15_000;

/// The records among `auth_log(n)`'s lines: all but the blank ones.
fn records_in(n: usize) -> u64 {
    (0..n).filter(|i| i % 211 != 18).count() as u64
}

#[test]
fn blocks_on_one_and_two_threads_store_what_lines_one_by_one_store() {
    let log = auth_log(LINES, true);
    let mut results = Vec::new();
    for (threads, one_by_one) in [(1, true), (1, false), (2, false), (2, true)] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("auth.log"), &log).unwrap();
        let m = run(dir.path(), threads, 2000, false, one_by_one);
        let mut c = counts(&m);
        let prefix = dir.path().display().to_string();
        c.4 = c.4.iter().map(|s| s.replace(&prefix, "")).collect();
        results.push((stored(dir.path()), c));
    }
    let (alerts, counts) = &results[0];
    let kinds: std::collections::BTreeSet<&str> = alerts.values().map(|a| a.0.as_str()).collect();
    for k in ["ssh.brute_force", "ssh.password_spraying"] {
        assert!(kinds.contains(k), "{k} in {kinds:?}");
    }
    assert!(alerts.len() > 10, "{}", alerts.len());
    // Every line but the blank ones is a record; the line that is not
    // UTF-8 is malformed, reported with its file and line.
    assert_eq!(counts.0, records_in(LINES));
    assert_eq!(counts.1, 1);
    let want = format!("auth.log:{}: invalid UTF-8", LINES / 3 + 1);
    assert!(counts.4[0].contains(&want), "{:?}", counts.4);
    for (i, r) in results.iter().enumerate().skip(1) {
        assert_eq!(r.1, results[0].1, "counts of run {i}");
        assert_eq!(r.0, results[0].0, "alerts of run {i}");
    }
}

#[test]
fn a_run_resumed_mid_file_stores_what_one_run_stores() {
    // (The parser's per-connection state does not outlive a run, so a
    // line that needs the pid join with a line before the cut would be
    // attributed differently: the log has none.)
    let log = auth_log(LINES, false);
    for threads in [1, 2] {
        let whole = tempfile::tempdir().unwrap();
        std::fs::write(whole.path().join("auth.log"), &log).unwrap();
        run(whole.path(), threads, 5000, false, false);
        let want = stored(whole.path());

        // Stopped after each first batch: every run resumes from the
        // checkpoint the one before committed in the middle of the file.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("auth.log"), &log).unwrap();
        let mut runs = 0;
        let mut records = 0;
        loop {
            let m = run(dir.path(), threads, 1500, true, false);
            runs += 1;
            records += m.records;
            if m.records == 0 {
                break;
            }
            assert!(runs < 40, "each stopped run reads on");
        }
        assert!(runs > 3, "{runs} runs");
        assert_eq!(records, records_in(LINES), "no line twice, none lost");
        assert_eq!(stored(dir.path()), want, "stopped runs, {threads} threads");

        // Cut in the middle of a line: the first run leaves the partial
        // line for the next, which reads it whole.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("auth.log");
        let cut = log.len() * 3 / 5 + 17;
        std::fs::write(&path, &log[..cut]).unwrap();
        run(dir.path(), threads, 5000, false, false);
        support::append(&path, &log[cut..]);
        run(dir.path(), threads, 5000, false, false);
        assert_eq!(stored(dir.path()), want, "cut mid-line, {threads} threads");
    }
}
