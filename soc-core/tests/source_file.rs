//! End-to-end tests of the file source: one-shot, follow, rotation,
//! truncation, gzip, checkpoints and restarts, partial lines, invalid UTF-8,
//! globs and directories, CSV.

mod support;

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use soc_core::source::{FileFormat, FileSource, FileSourceOptions, LogSource, SourceKind};
use soc_core::{ParseError, SourceError, StateStore};

fn opts(follow: bool) -> FileSourceOptions {
    FileSourceOptions {
        follow,
        poll_interval: Duration::from_millis(5),
        ..FileSourceOptions::default()
    }
}

fn open(pattern: &Path, o: FileSourceOptions, store: Option<&Arc<StateStore>>) -> FileSource {
    FileSource::open(
        &[pattern.display().to_string()],
        SourceKind::Ssh,
        o,
        store.cloned(),
    )
    .unwrap()
}

/// Reads until `None`; every item must be a record.
fn texts(src: &mut FileSource) -> Vec<String> {
    std::iter::from_fn(|| src.next_record())
        .map(|r| r.unwrap().text)
        .collect()
}

fn set_age(path: &Path, secs_ago: u64) {
    let f = OpenOptions::new().write(true).open(path).unwrap();
    f.set_modified(SystemTime::now() - Duration::from_secs(secs_ago))
        .unwrap();
}

fn write_gz(path: &Path, data: &str) {
    let mut enc = flate2::write::GzEncoder::new(File::create(path).unwrap(), Default::default());
    enc.write_all(data.as_bytes()).unwrap();
    enc.finish().unwrap();
}

/// A fresh temporary folder holding the file `name` with `data`.
fn file_in_temp_dir(name: &str, data: impl AsRef<[u8]>) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    fs::write(&path, data).unwrap();
    (dir, path)
}

/// Stops `src` as soc does on exit: its checkpoints saved.
fn stop(src: FileSource, store: &StateStore) {
    for cp in src.checkpoints() {
        cp.save(store).unwrap();
    }
}

/// Stops `src`; a one-shot run over `pattern` from its checkpoint then
/// reads nothing (nothing is read twice).
fn assert_nothing_read_again(src: FileSource, pattern: &Path, st: &Arc<StateStore>) {
    stop(src, st);
    let mut again = open(pattern, opts(false), Some(st));
    assert!(texts(&mut again).is_empty(), "read again from {pattern:?}");
}

fn store() -> Arc<StateStore> {
    Arc::new(StateStore::in_memory().unwrap())
}

#[test]
fn one_shot_reads_lines_with_origin_and_checkpoint() {
    let (_dir, log) = file_in_temp_dir("auth.log", "first\r\n\nsecond\n");
    let mut src = open(&log, opts(false), None);
    let a = src.next_record().unwrap().unwrap();
    assert_eq!((a.text.as_str(), a.origin.line), ("first", 1));
    assert_eq!(a.origin.file, log.display().to_string());
    let b = src.next_record().unwrap().unwrap();
    assert_eq!((b.text.as_str(), b.origin.line), ("second", 3));
    assert!(src.next_record().is_none());
    assert!(
        src.next_record().is_none(),
        "end is sticky in one-shot mode"
    );
    let cps = src.checkpoints();
    assert_eq!(cps.len(), 1);
    assert_eq!((cps[0].offset, cps[0].line), (15, 3));
    assert!(!src.is_following());
}

#[test]
fn follow_picks_up_appended_lines() {
    let (_dir, log) = file_in_temp_dir("eve.json", "a\n");
    let mut src = open(&log, opts(true), None);
    assert!(src.is_following());
    assert_eq!(texts(&mut src), ["a"]);
    support::append(&log, "b\nc\n");
    assert_eq!(texts(&mut src), ["b", "c"]);
    assert!(src.next_record().is_none());
    support::append(&log, "d\n");
    let d = src
        .next_record_blocking(Duration::from_secs(5))
        .unwrap()
        .unwrap();
    assert_eq!((d.text.as_str(), d.origin.line), ("d", 4));
}

#[test]
fn follow_survives_rotation_by_rename() {
    let (dir, log) = file_in_temp_dir("auth.log", "a\nb\n");
    let mut src = open(&log, opts(true), None);
    assert_eq!(texts(&mut src), ["a", "b"]);
    support::append(&log, "c\n");
    fs::rename(&log, dir.path().join("auth.log.1")).unwrap();
    // The writer still holds the old file and writes once more before reopening.
    support::append(&dir.path().join("auth.log.1"), "c2\n");
    fs::write(&log, "d\ne\n").unwrap();
    let out: Vec<_> = std::iter::from_fn(|| src.next_record())
        .map(|r| r.unwrap())
        .map(|r| (r.text, r.origin.line))
        .collect();
    assert_eq!(
        out,
        [
            ("c".to_string(), 3),
            ("c2".into(), 4),
            ("d".into(), 1),
            ("e".into(), 2)
        ]
    );
    support::append(&log, "f\n");
    assert_eq!(texts(&mut src), ["f"]);
}

#[test]
fn follow_restarts_a_truncated_file_at_zero() {
    let (_dir, log) = file_in_temp_dir("auth.log", "old line one\nold line two\n");
    let mut src = open(&log, opts(true), None);
    assert_eq!(texts(&mut src).len(), 2);
    // copytruncate: same inode, emptied, then new lines.
    fs::write(&log, "new\n").unwrap();
    let r = src.next_record().unwrap().unwrap();
    assert_eq!((r.text.as_str(), r.origin.line), ("new", 1));
    assert!(src.next_record().is_none());
    assert_eq!(src.checkpoints()[0].offset, 4);
}

#[test]
fn gz_rotations_are_read_once_in_time_order() {
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("auth.log.2.gz");
    write_gz(&gz, "g1\ng2");
    set_age(&gz, 3600);
    let plain1 = dir.path().join("auth.log.1");
    fs::write(&plain1, "p1\n").unwrap();
    set_age(&plain1, 1800);
    let log = dir.path().join("auth.log");
    fs::write(&log, "l1\n").unwrap();
    let pattern = dir.path().join("auth.log*");
    let st = store();

    let mut src = open(&pattern, opts(false), Some(&st));
    assert_eq!(texts(&mut src), ["g1", "g2", "p1", "l1"]);
    assert_nothing_read_again(src, &pattern, &st);

    // A new .gz appearing while following is read once, and only once.
    let mut follow = open(&pattern, opts(true), Some(&st));
    assert!(texts(&mut follow).is_empty());
    write_gz(&dir.path().join("auth.log.3.gz"), "g3\n");
    assert_eq!(texts(&mut follow), ["g3"]);
    assert!(texts(&mut follow).is_empty());
    assert_nothing_read_again(follow, &pattern, &st);
}

#[test]
fn restart_from_checkpoint_neither_skips_nor_repeats() {
    let (_dir, log) = file_in_temp_dir("auth.log", "l1\nl2\nl3\n");
    let st = store();
    let mut src = open(&log, opts(false), Some(&st));
    assert_eq!(src.next_record().unwrap().unwrap().text, "l1");
    assert_eq!(src.next_record().unwrap().unwrap().text, "l2");
    // The pipeline commits after processing the first two records, then crashes.
    stop(src, &st);
    support::append(&log, "l4\n");
    let mut src = open(&log, opts(false), Some(&st));
    let out: Vec<_> = std::iter::from_fn(|| src.next_record())
        .map(|r| r.unwrap())
        .map(|r| (r.text, r.origin.line))
        .collect();
    assert_eq!(out, [("l3".to_string(), 3), ("l4".into(), 4)]);
}

#[test]
fn restart_after_rotation_finishes_the_rotated_file_first() {
    for pattern_is_glob in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("auth.log");
        let pattern = if pattern_is_glob {
            dir.path().join("auth.log*")
        } else {
            log.clone()
        };
        fs::write(&log, "a\nb\n").unwrap();
        let st = store();
        let mut src = open(&pattern, opts(false), Some(&st));
        assert_eq!(texts(&mut src), ["a", "b"]);
        stop(src, &st);
        // While soc was not running: more lines, then rotation.
        support::append(&log, "c\n");
        let rotated = dir.path().join("auth.log.1");
        fs::rename(&log, &rotated).unwrap();
        set_age(&rotated, 60);
        fs::write(&log, "d\n").unwrap();
        let mut src = open(&pattern, opts(false), Some(&st));
        assert_eq!(texts(&mut src), ["c", "d"], "glob: {pattern_is_glob}");
        assert_nothing_read_again(src, &pattern, &st);
    }
}

#[test]
fn rewritten_file_with_new_content_is_read_from_start() {
    let (_dir, log) = file_in_temp_dir("auth.log", "aaaa\n");
    let st = store();
    let mut src = open(&log, opts(false), Some(&st));
    assert_eq!(texts(&mut src), ["aaaa"]);
    stop(src, &st);
    // Same inode, longer than the offset, but different first bytes.
    fs::write(&log, "zzzz\nyyyy\n").unwrap();
    let mut src = open(&log, opts(false), Some(&st));
    assert_eq!(texts(&mut src), ["zzzz", "yyyy"]);
}

#[test]
fn partial_last_line_waits_for_its_newline() {
    let (dir, log) = file_in_temp_dir("auth.log", "one\nhal");
    let st = store();
    let mut src = open(&log, opts(false), Some(&st));
    assert_eq!(texts(&mut src), ["one"]);
    assert_eq!(src.checkpoints()[0].offset, 4);
    stop(src, &st);
    support::append(&log, "f\n");
    let mut src = open(&log, opts(false), Some(&st));
    let r = src.next_record().unwrap().unwrap();
    assert_eq!((r.text.as_str(), r.origin.line), ("half", 2));

    // Following: the partial line is held until completed.
    let log2 = dir.path().join("eve.json");
    fs::write(&log2, "x").unwrap();
    let mut src = open(&log2, opts(true), None);
    assert!(texts(&mut src).is_empty());
    support::append(&log2, "y");
    assert!(texts(&mut src).is_empty());
    assert_eq!(src.checkpoints()[0].offset, 0);
    support::append(&log2, "z\n");
    assert_eq!(texts(&mut src), ["xyz"]);

    // Static exports can opt in to reading the unterminated last line.
    let mut src = open(
        &log2,
        FileSourceOptions {
            read_partial_last_line: true,
            ..opts(false)
        },
        None,
    );
    support::append(&log2, "tail");
    assert_eq!(texts(&mut src), ["xyz", "tail"]);
}

#[test]
fn invalid_utf8_is_reported_with_file_and_line_and_reading_goes_on() {
    let (_dir, log) = file_in_temp_dir("auth.log", b"good\nbad \xff\xfe here\nalso good\n");
    let mut src = open(&log, opts(false), None);
    assert_eq!(src.next_record().unwrap().unwrap().text, "good");
    match src.next_record().unwrap() {
        Err(SourceError::Parse(ParseError::Malformed {
            source_name, line, ..
        })) => {
            assert_eq!(source_name, log.display().to_string());
            assert_eq!(line, 2);
        }
        other => panic!("expected Malformed, got {other:?}"),
    }
    let r = src.next_record().unwrap().unwrap();
    assert_eq!((r.text.as_str(), r.origin.line), ("also good", 3));
}

#[test]
fn over_long_lines_are_reported_and_skipped() {
    let (_dir, log) = file_in_temp_dir("auth.log", format!("ok\n{}\nnext\n", "x".repeat(100)));
    let mut src = open(
        &log,
        FileSourceOptions {
            max_line_bytes: 10,
            ..opts(false)
        },
        None,
    );
    assert_eq!(src.next_record().unwrap().unwrap().text, "ok");
    let e = src.next_record().unwrap().unwrap_err();
    assert!(
        e.to_string().contains(":2: line longer than 10 bytes"),
        "{e}"
    );
    let r = src.next_record().unwrap().unwrap();
    assert_eq!((r.text.as_str(), r.origin.line), ("next", 3));
    assert!(src.next_record().is_none());
}

#[test]
fn globs_and_directories() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    fs::write(p("a.log"), "a\n").unwrap();
    set_age(&p("a.log"), 100);
    fs::write(p("b.log"), "b\n").unwrap();
    fs::write(p("notes.txt"), "t\n").unwrap();
    set_age(&p("notes.txt"), 200);
    fs::create_dir(p("sub")).unwrap();
    fs::write(p("sub/c.log"), "c\n").unwrap();

    let mut glob = open(&p("*.log"), opts(false), None);
    assert_eq!(texts(&mut glob), ["a", "b"]);
    let mut whole_dir = open(dir.path(), opts(false), None);
    assert_eq!(
        texts(&mut whole_dir),
        ["t", "a", "b"],
        "oldest first, not recursive"
    );
    let mut several = FileSource::open(
        &[p("sub/c.log"), p("b.log")].map(|x: PathBuf| x.display().to_string()),
        SourceKind::Ssh,
        opts(false),
        None,
    )
    .unwrap();
    let mut got = texts(&mut several);
    got.sort();
    assert_eq!(got, ["b", "c"]);
}

#[test]
fn missing_path_fails_one_shot_but_is_awaited_when_following() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("later.log");
    let e = FileSource::open(
        &[log.display().to_string()],
        SourceKind::Ssh,
        opts(false),
        None,
    )
    .unwrap_err();
    assert!(matches!(e, SourceError::Io { .. }), "{e}");
    let mut src = open(&log, opts(true), None);
    assert!(src.next_record().is_none());
    fs::write(&log, "arrived\n").unwrap();
    assert_eq!(texts(&mut src), ["arrived"]);
}

#[test]
fn from_end_reads_only_new_lines_with_right_numbers() {
    let (_dir, log) = file_in_temp_dir("auth.log", "old1\nold2\n");
    let mut src = open(
        &log,
        FileSourceOptions {
            from_start: false,
            ..opts(true)
        },
        None,
    );
    assert!(src.next_record().is_none());
    support::append(&log, "new\n");
    let r = src.next_record().unwrap().unwrap();
    assert_eq!((r.text.as_str(), r.origin.line), ("new", 3));
}

#[test]
fn csv_alerts_become_json_and_keep_the_header_across_restarts() {
    let (_dir, csv) = file_in_temp_dir(
        "alerts.csv",
        "src_ip,signature\n198.51.100.23,\"ET SCAN, nmap\"\n",
    );
    let st = store();
    let mut src = FileSource::open(
        &[csv.display().to_string()],
        SourceKind::Alerts,
        opts(false),
        Some(st.clone()),
    )
    .unwrap();
    let r = src.next_record().unwrap().unwrap();
    assert_eq!(r.kind, SourceKind::Alerts);
    assert_eq!(
        r.text,
        r#"{"src_ip":"198.51.100.23","signature":"ET SCAN, nmap"}"#
    );
    assert_eq!(r.origin.line, 2);
    assert!(src.next_record().is_none());
    stop(src, &st);
    support::append(&csv, "203.0.113.7,\"multi\nline\"\n");
    let mut src = FileSource::open(
        &[csv.display().to_string()],
        SourceKind::Alerts,
        opts(false),
        Some(st),
    )
    .unwrap();
    let r = src.next_record().unwrap().unwrap();
    assert_eq!(
        r.text,
        r#"{"src_ip":"203.0.113.7","signature":"multi\nline"}"#
    );
    assert_eq!(r.origin.line, 3);
}

#[test]
fn json_documents_yield_one_record_per_value() {
    let (dir, doc) = file_in_temp_dir("alerts.json", "[\n {\"a\": 1},\n {\"b\": 2}\n]\n");
    let mut src = open(&doc, opts(false), None);
    assert_eq!(texts(&mut src), [r#"{"a":1}"#, r#"{"b":2}"#]);
    let mut lines = open(
        &doc,
        FileSourceOptions {
            format: FileFormat::Lines,
            ..opts(false)
        },
        None,
    );
    assert_eq!(
        texts(&mut lines).len(),
        4,
        "format = lines overrides the extension"
    );
    let pretty = dir.path().join("one.json");
    fs::write(&pretty, "{\n  \"alert\": {\"signature\": \"x\"}\n}\n").unwrap();
    assert_eq!(
        texts(&mut open(&pretty, opts(false), None)),
        [r#"{"alert":{"signature":"x"}}"#]
    );
    let jsonl = dir.path().join("eve.json");
    fs::write(&jsonl, "{\"a\":1}\n{\"b\":2}\n").unwrap();
    assert_eq!(
        texts(&mut open(&jsonl, opts(false), None)),
        [r#"{"a":1}"#, r#"{"b":2}"#]
    );
}

#[test]
fn real_corpus_reads_every_line_once() {
    let p =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/eve/suricata-events.jsonl");
    if !p.exists() {
        eprintln!("skipping: {} not present", p.display());
        return;
    }
    let expected = fs::read_to_string(&p)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count();
    let mut src = open(&p, opts(false), None);
    let mut n = 0;
    while let Some(r) = src.next_record() {
        r.unwrap();
        n += 1;
    }
    assert_eq!(n, expected);
}

#[test]
fn reader_source_frames_any_reader_like_stdin() {
    use soc_core::source::ReaderSource;
    let (_dir, p) = file_in_temp_dir("piped", b"a\n\xc3\x28\nb");
    let mut src = ReaderSource::new(
        Box::new(File::open(&p).unwrap()),
        "<stdin>",
        SourceKind::Eve,
    );
    let out: Vec<_> = std::iter::from_fn(|| src.next_record()).collect();
    assert_eq!(out.len(), 3);
    assert_eq!(out[0].as_ref().unwrap().text, "a");
    assert!(out[1]
        .as_ref()
        .unwrap_err()
        .to_string()
        .starts_with("<stdin>:2: invalid UTF-8"));
    let last = out[2].as_ref().unwrap();
    assert_eq!(
        (last.text.as_str(), last.origin.line, last.kind),
        ("b", 3, SourceKind::Eve)
    );
    assert!(src.checkpoints().is_empty() && !src.is_following());
}

#[test]
fn corrupt_gz_is_reported_once_and_not_retried() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("auth.log.2.gz"), b"this is not gzip").unwrap();
    let pattern = dir.path().join("auth.log*");
    let st = store();
    let mut src = open(&pattern, opts(false), Some(&st));
    assert!(matches!(
        src.next_record(),
        Some(Err(SourceError::Io { .. }))
    ));
    assert!(src.next_record().is_none());
    stop(src, &st);
    let mut src = open(&pattern, opts(true), Some(&st));
    assert!(src.next_record().is_none());
    assert!(src.next_record().is_none());
}

#[test]
fn gz_still_being_written_is_resumed_not_repeated() {
    let dir = tempfile::tempdir().unwrap();
    let data: String = (0..3000)
        .map(|i| format!("line {i} {}\n", i * 7919 % 104729))
        .collect();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data.as_bytes()).unwrap();
    let full = enc.finish().unwrap();
    let gz = dir.path().join("auth.log.2.gz");
    fs::write(&gz, &full[..full.len() / 2]).unwrap();
    let mut src = open(&dir.path().join("auth.log*"), opts(true), None);
    let mut got = texts(&mut src);
    assert!(got.len() < 3000);
    // gzip finishes writing the same file.
    let mut f = OpenOptions::new().append(true).open(&gz).unwrap();
    f.write_all(&full[full.len() / 2..]).unwrap();
    drop(f);
    got.extend(texts(&mut src));
    let want: Vec<String> = data.lines().map(str::to_string).collect();
    assert_eq!(got, want);
    assert!(texts(&mut src).is_empty());
}

/// Throughput report, not a timing assertion:
/// `cargo test --release -p soc-core --test source_file -- --ignored --nocapture`.
#[test]
#[ignore = "throughput report; run in release with --ignored --nocapture"]
fn throughput_report() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("auth.log");
    let line = "Nov 22 08:59:02 web01 sshd[23112]: Failed password for invalid user admin from 198.51.100.23 port 51234 ssh2\n";
    let n = 500_000;
    fs::write(&log, line.repeat(n)).unwrap();
    let start = std::time::Instant::now();
    let mut src = open(&log, opts(false), None);
    let mut count = 0;
    while let Some(r) = src.next_record() {
        std::hint::black_box(r.unwrap());
        count += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(count, n);
    let mb = (line.len() * n) as f64 / 1e6;
    println!(
        "{count} lines, {mb:.0} MB in {secs:.3}s: {:.0} MB/s, {:.2} M lines/s",
        mb / secs,
        count as f64 / secs / 1e6
    );
}

fn gzip_file(plain: &Path, gz: &Path) {
    write_gz(gz, &fs::read_to_string(plain).unwrap());
    fs::remove_file(plain).unwrap();
}

#[test]
fn logrotate_compress_does_not_reread_lines_across_runs() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    fs::write(p("auth.log.1"), "a\nb\n").unwrap();
    set_age(&p("auth.log.1"), 600);
    fs::write(p("auth.log"), "c\n").unwrap();
    let pattern = p("auth.log*");
    let st = store();
    let mut src = open(&pattern, opts(false), Some(&st));
    assert_eq!(texts(&mut src), ["a", "b", "c"]);
    stop(src, &st);
    // logrotate with delaycompress: .1 -> .2.gz, auth.log -> .1, new auth.log.
    support::append(&p("auth.log"), "d\n");
    gzip_file(&p("auth.log.1"), &p("auth.log.2.gz"));
    set_age(&p("auth.log.2.gz"), 600);
    fs::rename(p("auth.log"), p("auth.log.1")).unwrap();
    set_age(&p("auth.log.1"), 300);
    fs::write(p("auth.log"), "e\n").unwrap();
    let mut src = open(&pattern, opts(false), Some(&st));
    assert_eq!(texts(&mut src), ["d", "e"]);
    assert_nothing_read_again(src, &pattern, &st);
}

#[test]
fn logrotate_compress_while_following_reads_each_line_once() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    fs::write(p("auth.log"), "a\nb\n").unwrap();
    let mut src = open(&p("auth.log*"), opts(true), None);
    assert_eq!(texts(&mut src), ["a", "b"]);
    // Rotation without delaycompress: the writer adds a line, then the file
    // is compressed to auth.log.1.gz and removed; a new auth.log starts.
    support::append(&p("auth.log"), "c\n");
    gzip_file(&p("auth.log"), &p("auth.log.1.gz"));
    fs::write(p("auth.log"), "d\n").unwrap();
    let mut got = Vec::new();
    for _ in 0..4 {
        got.extend(texts(&mut src));
    }
    got.sort();
    assert_eq!(got, ["c", "d"]);
}
