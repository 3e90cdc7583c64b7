//! Tests of the parallel reader ([`super`]).

use std::io::Write;

use super::*;
use crate::parse::lines::{LineReader, MAX_LINE};
use crate::parse::ssh::{Reader, SshOptions, SshRecord};

/// An auth log whose connections (host, pid) interleave and run across
/// many chunks, with lines only the pid join completes, lines of other
/// programs, blank lines, invalid UTF-8, one line too long to keep, a
/// year end, and no newline at the end.
fn auth_log(lines: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let (mut month, mut day, mut secs) = ("Dec", 31, 80_000u32);
    for i in 0..lines {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        secs += (x % 3) as u32;
        if secs >= 86_400 {
            (month, day, secs) = ("Jan", 1, 0);
        }
        let host = ["web", "db", "mail"][(x >> 8) as usize % 3];
        let pid = 1000 + (x >> 16) % 40;
        let ip = format!("198.51.100.{}", (x >> 24) % 7);
        let user = ["root", "admin", "a b from 10.0.0.1 port 22", "oracle"][(x >> 32) as usize % 4];
        let msg = match (x >> 40) % 12 {
            0 => format!("Connection from {ip} port 4{pid} on 192.0.2.1 port 22"),
            1 => format!("Invalid user {user} from {ip} port 4{pid}"),
            2 | 3 => {
                format!("Failed password for invalid user {user} from {ip} port 4{pid} ssh2")
            }
            4 => format!("Failed password for {user} from {ip} port 4{pid} ssh2"),
            5 => "Disconnecting: Too many authentication failures [preauth]".to_string(),
            6 => format!("Received disconnect from {ip} port 4{pid}:11: Bye Bye [preauth]"),
            7 => format!("Accepted publickey for {user} from {ip} port 4{pid} ssh2: RSA SHA256:x"),
            8 => format!("pam_unix(sshd:session): session closed for user {user}"),
            9 => format!("User {user} not allowed because account is locked"),
            _ => format!(
                "Connection closed by authenticating user {user} {ip} port 4{pid} [preauth]"
            ),
        };
        let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
        let stamp = format!("{month} {day:>2} {h:02}:{m:02}:{s:02}");
        match (i % 97, i % 997) {
            (13, _) => writeln!(out, "{stamp} {host} CRON[{pid}]: session opened"),
            (14, _) => writeln!(out),
            (_, 15) => {
                out.write_all(b"Dec 31 10:00:00 web sshd[7]: Failed password for \xff\xfe\n")
            }
            _ => writeln!(out, "{stamp} {host} sshd[{pid}]: {msg}\r"),
        }
        .unwrap();
        if i == lines / 2 {
            out.extend(std::iter::repeat_n(b'a', MAX_LINE + 10));
            out.push(b'\n');
        }
    }
    out.pop();
    out
}

type Seen = (Vec<(u64, String, SshRecord)>, String, Vec<String>);

fn read(path: &std::path::Path, parallel: Option<Parallel>) -> Seen {
    let opts = SshOptions {
        year: Some(2024),
        ..SshOptions::default()
    };
    let mut reader = Reader::open(path, opts).unwrap().with_threads(1);
    if let Some(p) = parallel {
        reader = reader.with_parallel(p);
    }
    let mut seen = Vec::new();
    reader.for_each_line(|r, file, no, text| {
        assert_eq!(file, path.display().to_string());
        seen.push((no, text.to_string(), r.to_record()));
    });
    let stats = reader.take_stats();
    let errors = stats.errors.iter().map(ToString::to_string).collect();
    (seen, format!("{:?}", stats.summary()), errors)
}

/// Any number of threads, any cut: the records, line numbers, counts
/// and malformed-line errors of one thread.
#[test]
fn threads_and_cuts_change_nothing() {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(&auth_log(20_000)).unwrap();
    let one = read(f.path(), None);
    assert_eq!(
        one.0.len(),
        one.0
            .iter()
            .map(|r| r.0)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    );
    assert!(
        one.0.iter().any(|r| r.2.joined),
        "the pid join fills addresses"
    );
    assert!(one
        .0
        .iter()
        .any(|r| r.2.time.is_some_and(|t| t.to_rfc3339().starts_with("2025"))));
    assert_eq!(one.2.len(), 20_000 / 997 + 2, "{:?}", one.2.last());
    assert!(
        one.2.iter().any(|e| e.contains("longer than")),
        "{:?}",
        one.2
    );
    for parallel in [
        Parallel::new(2),
        Parallel {
            threads: 2,
            chunk: 300,
        },
        Parallel {
            threads: 3,
            chunk: 1,
        },
        Parallel {
            threads: 5,
            chunk: 1 << 20,
        },
    ] {
        let many = read(f.path(), Some(parallel));
        assert_eq!(many.1, one.1, "{parallel:?}");
        assert_eq!(many.2, one.2, "{parallel:?}");
        assert_eq!(many.0.len(), one.0.len(), "{parallel:?}");
        for (a, b) in many.0.iter().zip(&one.0) {
            assert_eq!(a, b, "{parallel:?}");
        }
    }
}

/// However many chunks the input makes, the reader fills a few buffers
/// over and over: the chunks the caller is done with come back to it.
#[test]
fn chunk_buffers_are_used_again() {
    let text = auth_log(5_000);
    let mut lines = LineReader::from_reader(std::io::Cursor::new(text), "t").unwrap();
    let mut parser = SshParser::new(SshOptions {
        year: Some(2024),
        ..SshOptions::default()
    });
    let mut stats = ParseStats::default();
    let mut n = 0;
    let parallel = Parallel {
        threads: 2,
        chunk: 1,
    };
    let buffers = parallel.for_each_line(&mut lines, &mut parser, &mut stats, &mut |_, _, _, _| {
        n += 1
    });
    assert_eq!(stats.lines, 5_001, "a chunk a line, and the long line");
    assert!(n > 4_000, "{n}");
    assert!(buffers <= 2 * 4 + 6, "{buffers} buffers for 5,001 chunks");
}

/// A panic in the caller's work ends the read with that panic: the
/// reader, parsing and joining threads see the chunks stop and end too.
#[test]
fn a_panic_in_the_callback_ends_the_read() {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(&auth_log(5_000)).unwrap();
    let opts = SshOptions {
        year: Some(2024),
        ..SshOptions::default()
    };
    let mut reader = Reader::open(f.path(), opts)
        .unwrap()
        .with_parallel(Parallel {
            threads: 2,
            chunk: 512,
        });
    let mut n = 0;
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        reader.for_each_record(|_| {
            n += 1;
            assert!(n < 100, "enough");
        })
    }));
    let panic = caught.unwrap_err();
    assert_eq!(panic.downcast_ref::<&str>(), Some(&"enough"));
    assert_eq!(n, 100);
}

/// Shards see every record in input order with its tag; a panic in any
/// shard (the caller's or a helper's) ends the read with that panic.
#[test]
fn shards_see_every_record_and_pass_on_a_panic() {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(&auth_log(5_000)).unwrap();
    let opts = SshOptions {
        year: Some(2024),
        ..SshOptions::default()
    };
    let open = || {
        Reader::open(f.path(), opts.clone())
            .unwrap()
            .with_parallel(Parallel {
                threads: 2,
                chunk: 512,
            })
    };
    let mut want = Vec::new();
    open().for_each_line(|_, _, no, _| want.push(no));
    let tag = |r: &SshRecordRef<'_>| (r.pid.unwrap_or(0) % 7) as u16;
    let mut shards: Vec<Vec<(u64, u16)>> = vec![Vec::new(); 3];
    open().for_each_line_sharded(&mut shards, &tag, &|seen, t, r, _, no, _| {
        assert_eq!(t, tag(r));
        seen.push((no, t));
    });
    for seen in &shards {
        assert_eq!(seen.iter().map(|x| x.0).collect::<Vec<_>>(), want);
    }
    for shard in [0, 2] {
        let mut shards: Vec<(usize, u64)> = (0..3).map(|i| (i, 0)).collect();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            open().for_each_line_sharded(&mut shards, &tag, &|(i, n), _, _, _, _, _| {
                *n += 1;
                assert!(*i != shard || *n < 100, "enough");
            })
        }));
        let panic = caught.unwrap_err();
        assert_eq!(
            panic.downcast_ref::<&str>(),
            Some(&"enough"),
            "shard {shard}"
        );
    }
}

/// Record vectors keep their buffer from chunk to chunk.
#[test]
fn rebinding_keeps_the_allocation() {
    let text = String::from(
        "Jan  5 01:31:41 www sshd[9]: Connection from 192.0.2.1 port 1 on 192.0.2.2 port 22",
    );
    let mut v: Records<'_> = Vec::with_capacity(100);
    let (stamp, record) = parse_unjoined(&text, true).unwrap().into_record();
    v.push(Line {
        no: 1,
        text: &text,
        stamp,
        record,
    });
    let ptr = v.as_ptr() as usize;
    let w: Records<'static> = rebind(v);
    assert_eq!((w.as_ptr() as usize, w.capacity(), w.len()), (ptr, 100, 0));
}

#[test]
fn an_empty_input_reads_nothing() {
    let f = tempfile::NamedTempFile::new().unwrap();
    let seen = read(f.path(), Some(Parallel::new(2)));
    assert!(seen.0.is_empty());
    assert_eq!(seen.1, read(f.path(), None).1);
}

type Handed = (
    Vec<(String, u64, String, SshRecord)>,
    String,
    Vec<String>,
    u64,
);

/// Hands the lines of `text` to a block parser on `threads` threads in
/// blocks of the sizes in `sizes` (in turn), one block ahead (`ahead`) or
/// not; checks the lag of each call, and returns what was handed over.
fn parse_blocks(text: &[u8], threads: usize, sizes: &[usize], ahead: bool) -> Handed {
    let opts = SshOptions {
        year: Some(2024),
        ..SshOptions::default()
    };
    let mut parser = SshParser::try_new(opts).unwrap();
    let mut blocks = BlockParser::new(threads, 700);
    let mut stats = ParseStats::default();
    let (mut seen, mut blank) = (Vec::new(), 0);
    let mut lines = text.split(|b| *b == b'\n').peekable();
    let (mut block, mut first) = (LineBlock::default(), 1);
    let mut last_first = None;
    for size in sizes.iter().cycle() {
        if lines.peek().is_none() {
            break;
        }
        block.start("auth.log", first);
        for line in lines.by_ref().take(*size) {
            block.push_line(line);
        }
        first = block.next_line();
        let before = seen.len();
        let mut f = |r: &SshRecordRef<'_>, file: &str, no: u64, text: &str| {
            seen.push((file.to_string(), no, text.to_string(), r.to_record()));
        };
        if !ahead {
            blank += blocks.parse(&mut block, &mut parser, &mut stats, &mut f);
            continue;
        }
        let this_first = block.first_line();
        blank += blocks.parse_ahead(&mut block, &mut parser, &mut stats, &mut f);
        // This call handed over the block before, and only it.
        assert!(blocks.has_ahead());
        assert!(seen[before..].iter().all(|s| s.1 < this_first));
        if let (Some(prev), Some(s)) = (last_first, seen.get(before)) {
            assert!(s.1 >= prev, "{} < {prev}", s.1);
        }
        last_first = Some(this_first);
    }
    blank += blocks.finish_ahead(&mut stats, &mut |r, file, no, text| {
        seen.push((file.to_string(), no, text.to_string(), r.to_record()));
    });
    assert!(!blocks.has_ahead());
    let errors = stats.errors.iter().map(ToString::to_string).collect();
    (seen, format!("{:?}", stats.summary()), errors, blank)
}

/// Blocks parsed one ahead of the caller, on any number of threads, in
/// any sizes: the records, line numbers, counts and errors of blocks
/// parsed on the calling thread alone, each block's lines handed over at
/// the next call (the last block's by `finish_ahead`).
#[test]
fn blocks_parsed_ahead_change_nothing() {
    let text = auth_log(6_000);
    let one = parse_blocks(&text, 1, &[6_000], false);
    assert!(one.0.len() > 4_000, "{}", one.0.len());
    assert!(
        one.0.iter().any(|r| r.3.joined),
        "the pid join fills addresses"
    );
    assert!(one.3 > 0, "blank lines counted");
    assert!(!one.2.is_empty(), "invalid UTF-8 reported");
    for (threads, sizes) in [
        (2, &[1000][..]),
        (2, &[1, 500, 37, 2000]),
        (3, &[333, 1, 1]),
        (2, &[100_000]),
    ] {
        let many = parse_blocks(&text, threads, sizes, true);
        assert_eq!(many.1, one.1, "{threads} {sizes:?}");
        assert_eq!(many.2, one.2, "{threads} {sizes:?}");
        assert_eq!(many.3, one.3, "{threads} {sizes:?}");
        assert_eq!(many.0.len(), one.0.len(), "{threads} {sizes:?}");
        for (a, b) in many.0.iter().zip(&one.0) {
            assert_eq!(a, b, "{threads} {sizes:?}");
        }
    }
    // `parse` on threads: the same, at once.
    let sync = parse_blocks(&text, 2, &[700, 3], false);
    assert_eq!((&sync.0, &sync.1, &sync.3), (&one.0, &one.1, &one.3));
}
