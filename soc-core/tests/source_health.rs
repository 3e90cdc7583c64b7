//! Pipeline health per source is summed over runs (#17): two `--once`
//! runs over an auth.log that grows in between add up their records,
//! parsed, skipped and malformed lines, and the checkpoint position
//! follows the file.

mod support;

use std::path::Path;

use soc_core::pipeline::{BuildOptions, Pipeline, PipelineConfig, RunOptions};
use soc_core::StateStore;

fn config(dir: &Path) -> PipelineConfig {
    let toml = format!(
        "[store]\npath = {:?}\n[run]\noffline = true\n[parse]\nssh_year = 2026\n\
         [[sources]]\nkind = \"ssh\"\npath = {:?}\n[response]\ndry_run = true\n",
        dir.join("state.db").display().to_string(),
        dir.join("auth.log").display().to_string(),
    );
    PipelineConfig::from_toml_str(&toml, "soc.toml").unwrap()
}

fn run_once(dir: &Path, rt: &tokio::runtime::Runtime) {
    let mut p = Pipeline::from_config(&config(dir), &BuildOptions::default()).unwrap();
    rt.block_on(p.run(RunOptions::default())).unwrap();
}

fn failed(i: u32) -> String {
    format!("Nov 21 02:00:{i:02} web01 sshd[{}]: Failed password for root from 203.0.113.45 port {} ssh2\n", 4000 + i, 40000 + i)
}

#[test]
fn two_runs_over_a_growing_file_add_up() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("auth.log");
    // Run 1: 3 sshd failures, 1 line for no parser (skipped), 1 invalid UTF-8 (malformed).
    let mut first = String::new();
    for i in 0..3 {
        first.push_str(&failed(i));
    }
    first.push_str("Nov 21 02:00:09 web01 cron[77]: (root) CMD (true)\n");
    support::append(&log, first.as_bytes());
    support::append(&log, b"Nov 21 02:00:10 web01 sshd[1]: \xff\xfe bad bytes\n");
    run_once(dir.path(), &rt);
    let size1 = std::fs::metadata(&log).unwrap().len();
    // Run 2: the file grew by 2 failures.
    support::append(&log, format!("{}{}", failed(20), failed(21)).as_bytes());
    run_once(dir.path(), &rt);
    let size2 = std::fs::metadata(&log).unwrap().len();
    assert!(size2 > size1);

    let store = StateStore::open(dir.path().join("state.db")).unwrap();
    let health = store.source_health().unwrap();
    assert_eq!(health.len(), 1, "{health:?}");
    let h = &health[0];
    assert!(h.source.ends_with("auth.log"), "{}", h.source);
    assert_eq!(h.runs, 2);
    assert_eq!(h.shared_runs, 0);
    assert_eq!(h.records, 7, "5 lines read by run 1 and 2 by run 2: {h:?}");
    assert_eq!((h.malformed, h.skipped, h.parsed), (1, 1, 5), "{h:?}");
    assert_eq!(h.position, Some(size2), "the checkpoint follows the file");
    assert_eq!(h.last_status, "ok");
}
