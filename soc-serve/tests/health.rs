//! The health page shows each source's counters summed over runs: two
//! `soc run --once` passes over an auth.log that grows in between, then
//! the page lists the sums, the checkpoint position and the lag; a run
//! stopped by a fatal error is shown as failed with its error.

mod common;

use std::io::Write;
use std::path::Path;

use common::*;
use soc_core::pipeline::{BuildOptions, Pipeline, PipelineConfig, RunOptions};
use soc_serve::AuthConfig;

fn append(path: &Path, text: &str) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

async fn run_once(state: &Path, log: &Path) {
    pipeline(state, log)
        .run(RunOptions::default())
        .await
        .unwrap();
}

fn pipeline(state: &Path, log: &Path) -> Pipeline {
    let toml = format!(
        "[store]\npath = {:?}\n[run]\noffline = true\n[parse]\nssh_year = 2026\n\
         [[sources]]\nkind = \"ssh\"\npath = {:?}\n[response]\ndry_run = true\n",
        state.display().to_string(),
        log.display().to_string(),
    );
    let cfg = PipelineConfig::from_toml_str(&toml, "soc.toml").unwrap();
    Pipeline::from_config(&cfg, &BuildOptions::default()).unwrap()
}

async fn health(base: &str) -> String {
    let r = client().get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

/// The text of the `<td>` cells after the source's own in its row of the health table.
fn cells(page: &str, source: &str) -> Vec<String> {
    let table = &page[page.find("id=\"source-health\"").expect("the table")..];
    let row = &table[table.find(source).expect("the source's row")..];
    let row = &row[..row.find("</tr>").unwrap()];
    row.split("<td")
        .skip(1)
        .map(|c| {
            let c = &c[c.find('>').unwrap() + 1..];
            c[..c.find("</td>").unwrap_or(c.len())].to_string()
        })
        .collect()
}

#[tokio::test]
async fn health_page_sums_every_run_per_source() {
    let (srv, _) = start(AuthConfig::none(), 1).await;
    let before = health(&srv.base).await;
    assert!(before.contains("No run recorded per source yet."));
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("auth.log");
    let failed = |i: u32| {
        format!("Nov 21 02:00:{i:02} web01 sshd[{i}]: Failed password for root from 203.0.113.45 port {} ssh2\n", 40000 + i)
    };
    append(&log, &format!("{}{}", failed(1), failed(2)));
    append(&log, "Nov 21 02:00:03 web01 cron[7]: (root) CMD (true)\n");
    run_once(&srv.store_path, &log).await;
    append(&log, &failed(4));
    run_once(&srv.store_path, &log).await;
    let size = std::fs::metadata(&log).unwrap().len();
    // Grows after the last run: the lag is what is not read yet.
    let tail = failed(5);
    append(&log, &tail);

    let page = health(&srv.base).await;
    let c = cells(&page, &log.display().to_string());
    // runs, read, parsed, skipped, malformed, errors, position, lag, last run, status
    assert_eq!(
        c[0..8],
        [
            "2".to_string(),
            "4".into(),
            "3".into(),
            "1".into(),
            "0".into(),
            "0".into(),
            size.to_string(),
            tail.len().to_string()
        ],
        "{c:?}"
    );
    assert_eq!(c[9], "ok");
}

#[tokio::test]
async fn a_run_stopped_by_a_fatal_error_is_recorded_as_failed() {
    let (srv, _) = start(AuthConfig::none(), 1).await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("auth.log");
    let line = |i: u32| {
        format!("Nov 21 03:00:{i:02} web01 sshd[{i}]: Failed password for root from 203.0.113.77 port 4{i:04} ssh2\n")
    };
    append(&log, &format!("{}{}", line(1), line(2)));
    run_once(&srv.store_path, &log).await;
    // The next run's alerts cannot be stored: the run stops with an error.
    soc_core::StateStore::open(&srv.store_path)
        .unwrap()
        .with_tx(|tx| {
            tx.execute_batch(
                "CREATE TRIGGER no_alerts BEFORE INSERT ON alerts
                 BEGIN SELECT RAISE(ABORT, 'injected: disk full <b>'); END;",
            )
        })
        .unwrap();
    let many: String = (10..16).map(line).collect();
    append(&log, &many);
    let err = pipeline(&srv.store_path, &log)
        .run(RunOptions::default())
        .await
        .expect_err("the store refuses the alerts");
    assert!(err.to_string().contains("injected: disk full"), "{err}");

    let page = health(&srv.base).await;
    let c = cells(&page, &log.display().to_string());
    assert_eq!(c[0], "2", "both runs are counted: {c:?}");
    assert_eq!(c[1], "8", "the failed run's records add up: {c:?}");
    let status = &c[9];
    assert!(status.starts_with("failed"), "{status}");
    assert!(
        status.contains("injected: disk full &lt;b&gt;"),
        "escaped error: {status}"
    );
    assert!(status.contains("1 failed runs in all"), "{status}");
}
