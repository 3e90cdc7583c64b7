//! Property tests of the sources: no panics on arbitrary bytes, and
//! following a file written in arbitrary chunks yields exactly its lines.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use proptest::prelude::*;
use soc_core::source::{FileSource, FileSourceOptions, LogSource, ReaderSource, SourceKind};
use soc_core::StateStore;

fn lines_of(data: &[u8]) -> Vec<Vec<u8>> {
    // Complete lines only, without their terminator, blank ones skipped.
    let mut out = Vec::new();
    let mut rest = data;
    while let Some(i) = rest.iter().position(|b| *b == b'\n') {
        let mut l = &rest[..i];
        if l.last() == Some(&b'\r') {
            l = &l[..l.len() - 1];
        }
        if !l.iter().all(|b| b.is_ascii_whitespace()) {
            out.push(l.to_vec());
        }
        rest = &rest[i + 1..];
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn reader_never_panics_and_counts_lines(data in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let mut src = ReaderSource::new(Box::new(std::io::Cursor::new(data.clone())), "x", SourceKind::Ssh);
        let mut last_line = 0;
        let mut n = 0;
        while let Some(r) = src.next_record() {
            n += 1;
            if let Ok(rec) = r {
                prop_assert!(rec.origin.line > last_line);
                last_line = rec.origin.line;
            }
        }
        let newlines = data.iter().filter(|b| **b == b'\n').count();
        prop_assert!(n <= newlines + 1);
    }

    #[test]
    fn csv_reader_never_panics(data in "[a-z,\"\n\r ]{0,300}") {
        let mut src = ReaderSource::new(Box::new(std::io::Cursor::new(data.into_bytes())), "x.csv", SourceKind::Alerts)
            .with_format(soc_core::source::FileFormat::Csv);
        while let Some(r) = src.next_record() {
            if let Ok(rec) = r {
                let v: serde_json::Value = serde_json::from_str(&rec.text).unwrap();
                prop_assert!(v.is_object());
            }
        }
    }

    #[test]
    fn following_chunked_writes_yields_each_line_once(
        text in "[a-z0-9 ]{0,12}(\n[a-z0-9 ]{0,12}){0,40}\n?",
        cuts in proptest::collection::vec(0usize..400, 0..8),
        restart_at in 0usize..8,
    ) {
        let data = text.into_bytes();
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(data.len())).collect();
        cuts.push(0);
        cuts.push(data.len());
        cuts.sort();
        cuts.dedup();
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("auth.log");
        fs::write(&log, b"").unwrap();
        let store = Arc::new(StateStore::in_memory().unwrap());
        let opts = FileSourceOptions { follow: true, poll_interval: Duration::from_millis(1), ..Default::default() };
        let open = || FileSource::open(&[log.display().to_string()], SourceKind::Ssh, opts.clone(), Some(store.clone())).unwrap();
        let mut src = open();
        let mut got = Vec::new();
        for (i, w) in cuts.windows(2).enumerate() {
            let mut f = OpenOptions::new().append(true).open(&log).unwrap();
            f.write_all(&data[w[0]..w[1]]).unwrap();
            drop(f);
            while let Some(r) = src.next_record() {
                got.push(r.unwrap().text.into_bytes());
            }
            if i == restart_at {
                // Commit and restart, as after a crash or a cron run.
                for cp in src.checkpoints() { cp.save(&store).unwrap(); }
                src = open();
            }
        }
        prop_assert_eq!(got, lines_of(&data));
    }
}
