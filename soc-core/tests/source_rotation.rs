//! Follow mode across rotation, with the reproductions of issue #14 item 8:
//! lines a writer appends to a file after it was renamed away from an exact
//! path, and a file truncated and refilled past the old offset between two
//! polls.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use soc_core::source::{FileSource, FileSourceOptions, LogSource, SourceKind};

fn opts(quiet: Duration) -> FileSourceOptions {
    FileSourceOptions {
        follow: true,
        poll_interval: Duration::from_millis(5),
        rotated_quiet: quiet,
        ..FileSourceOptions::default()
    }
}

/// Follows the ssh log `log`, keeping a rotated file open until it has
/// been quiet for `quiet`.
fn follow(log: &Path, quiet: Duration) -> FileSource {
    FileSource::open(
        &[log.display().to_string()],
        SourceKind::Ssh,
        opts(quiet),
        None,
    )
    .unwrap()
}

/// Polls until `want` records came (or a generous deadline, so a bug fails
/// instead of hanging); returns their texts.
fn read_n(src: &mut FileSource, want: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut got = Vec::new();
    while got.len() < want && Instant::now() < deadline {
        match src.next_record() {
            Some(r) => got.push(r.unwrap().text),
            None => std::thread::sleep(Duration::from_millis(5)),
        }
    }
    got
}

/// Polls for `d`, collecting whatever arrives.
fn read_for(src: &mut FileSource, d: Duration) -> Vec<String> {
    let end = Instant::now() + d;
    let mut got = Vec::new();
    while Instant::now() < end {
        match src.next_record() {
            Some(r) => got.push(r.unwrap().text),
            None => std::thread::sleep(Duration::from_millis(5)),
        }
    }
    got
}

#[test]
fn lines_appended_to_a_renamed_file_are_read_until_it_is_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("auth.log");
    let old = dir.path().join("auth.log.1");
    support::append(&log, "a1\na2\n");
    // A long grace period: the old file must stay open while the writer goes on.
    let mut src = follow(&log, Duration::from_secs(60));
    assert_eq!(read_n(&mut src, 2), ["a1", "a2"]);

    // Rotation by rename; the new file appears, the follower sees the rotation.
    std::fs::rename(&log, &old).unwrap();
    support::append(&log, "b1\n");
    assert_eq!(read_n(&mut src, 1), ["b1"]);
    // The old writer has not reopened yet: it appends to the renamed file.
    support::append(&old, "a3\na4\n");
    support::append(&log, "b2\n");
    let mut got = read_n(&mut src, 3);
    got.sort();
    assert_eq!(
        got,
        ["a3", "a4", "b2"],
        "lines written to the old file after the rename are kept"
    );
    assert_eq!(src.open_files().len(), 2, "the renamed file is still open");
    // Its checkpoint covers what was read from it.
    let old_len = std::fs::metadata(&old).unwrap().len();
    assert!(
        src.checkpoints().iter().any(|c| c.offset == old_len),
        "{:?}",
        src.checkpoints()
    );
}

#[test]
fn a_quiet_renamed_file_is_closed_and_its_last_partial_line_read() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("auth.log");
    let old = dir.path().join("auth.log.1");
    support::append(&log, "a1\n");
    let mut src = follow(&log, Duration::from_millis(50));
    assert_eq!(read_n(&mut src, 1), ["a1"]);
    std::fs::rename(&log, &old).unwrap();
    support::append(&old, "a2 without newline");
    support::append(&log, "b1\n");
    let mut got = read_n(&mut src, 2);
    got.sort();
    assert_eq!(
        got,
        ["a2 without newline", "b1"],
        "the final line of a rotated file is complete"
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while src.open_files().len() > 1 && Instant::now() < deadline {
        assert!(src.next_record().is_none());
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(src.open_files(), vec![log], "closed once quiet");
    assert!(
        read_for(&mut src, Duration::from_millis(100)).is_empty(),
        "nothing read twice"
    );
}

#[test]
fn truncate_and_refill_past_the_old_offset_is_read_from_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("auth.log");
    support::append(&log, "old line one\nold line two\n");
    let mut src = follow(&log, Duration::from_secs(5));
    assert_eq!(read_n(&mut src, 2), ["old line one", "old line two"]);
    assert!(src.next_record().is_none());
    // `> auth.log` then a burst of new lines, all between two polls.
    let fresh: Vec<String> = (0..5).map(|i| format!("new line number {i}")).collect();
    std::fs::write(
        &log,
        fresh.iter().map(|l| format!("{l}\n")).collect::<String>(),
    )
    .unwrap();
    assert!(
        std::fs::metadata(&log).unwrap().len() > 26,
        "refilled past the old offset"
    );
    let got = read_n(&mut src, 5);
    assert_eq!(
        got, fresh,
        "every new line, whole, none cut at the old offset"
    );
    assert!(read_for(&mut src, Duration::from_millis(50)).is_empty());
    assert_eq!(src.checkpoints()[0].line, 5);
}

#[test]
fn appends_to_an_unchanged_file_are_not_mistaken_for_truncation() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("auth.log");
    support::append(&log, "x1\n");
    let mut src = follow(&log, Duration::from_secs(5));
    assert_eq!(read_n(&mut src, 1), ["x1"]);
    for i in 2..40 {
        support::append(&log, format!("x{i}\n"));
        assert_eq!(read_n(&mut src, 1), [format!("x{i}")]);
    }
    assert!(read_for(&mut src, Duration::from_millis(30)).is_empty());
}
