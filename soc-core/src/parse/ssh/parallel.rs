//! Reading one input on several threads, with the results of one thread.
//!
//! Splitting a line and classifying its message
//! ([`parse_unjoined`]) needs no other line: that is most of the work, and
//! it runs on `threads` threads over chunks of the input. What needs the
//! lines in order runs chunk after chunk in input order, in two stages
//! that overlap: the year inference and the per-connection join on one
//! more thread (the joiner), then the caller's own work (counting,
//! detectors) on the calling thread. So the results and the counts
//! (malformed lines with their file:line) are the same as a single
//! thread's, whatever the number of threads and however the lines fall
//! into chunks, and the caller's work no longer waits for the join.
//!
//! The input is read by one more thread, a segment (a few MiB of whole
//! lines, see [`super::segment`]) ahead of the parsing. Memory stays
//! bounded: two segments and, per parsing thread, the records of a few
//! chunks, whose vectors go round (parser, joiner, caller, parser) and
//! live as long as the reader.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread;

use crate::error::ParseError;
use crate::parse::lines::{line_text, trim_cr, LineReader};
use crate::parse::ParseStats;

use super::header::Stamp;
use super::parser::SshParser;
use super::record::SshRecordRef;
use super::segment::Segment;
use super::unjoined::parse_unjoined;

/// How the parallel reader divides its input and its work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Parallel {
    /// Threads parsing chunks (at least 2; one thread reads alone).
    pub threads: usize,
    /// Bytes of lines read ahead at once.
    pub segment: usize,
    /// Bytes of lines per unit of work of a parsing thread.
    pub chunk: usize,
}

impl Parallel {
    /// `threads` threads with the default segment (4 MiB) and chunk (128 KiB).
    /// Larger segments cost more fresh pages than they save in hand-overs.
    pub fn new(threads: usize) -> Parallel {
        Parallel {
            threads,
            segment: 4 << 20,
            chunk: 128 << 10,
        }
    }
}

/// What a parsing thread makes of one chunk (and the joiner completes).
struct Parsed<'a> {
    /// Line number of the chunk's first line.
    first: u64,
    /// Lines in the chunk.
    lines: u32,
    /// Its sshd lines.
    records: Records<'a>,
    /// Its lines that are not UTF-8.
    malformed: Vec<ParseError>,
}

/// An sshd line of a chunk: its number and text, its time stamp, and its
/// record (complete once the joiner has been).
struct Line<'a> {
    no: u64,
    text: &'a str,
    stamp: Option<Stamp>,
    record: SshRecordRef<'a>,
}

/// The sshd lines of a chunk.
type Records<'a> = Vec<Line<'a>>;

/// Parses chunk `i` of `seg` (lines of input `name`) into `records` (an
/// empty vector to reuse).
fn parse_chunk<'a>(
    seg: &'a Segment,
    i: usize,
    name: &str,
    bare: bool,
    records: Records<'a>,
) -> Parsed<'a> {
    let (first, lines, text) = seg.chunk(i);
    let mut out = Parsed {
        first,
        lines,
        records,
        malformed: Vec::new(),
    };
    let mut push = |no, line| {
        if let Some(u) = parse_unjoined(line, bare) {
            // Built where it is pushed, field by field: the record is
            // copied once (`into_record` and a `Line` of its tuple cost
            // two `memcpy`s more per line).
            out.records.push(Line {
                no,
                text: line,
                stamp: u.stamp,
                record: SshRecordRef {
                    time: None,
                    host: u.host,
                    program: u.program,
                    pid: u.pid,
                    message: u.message,
                    joined: false,
                    attempt: None,
                    continues: None,
                    failure: false,
                },
            });
        }
    };
    let mut from = 0;
    let newlines = (first..).zip(memchr::memchr_iter(b'\n', text));
    // A chunk of UTF-8 is checked at once (much cheaper than line by
    // line); its lines, cut at ASCII newlines, are UTF-8 too.
    if let Ok(chunk) = std::str::from_utf8(text) {
        for (no, nl) in newlines {
            let line = chunk.get(from..nl).unwrap_or_default();
            from = nl + 1;
            push(no, line.strip_suffix('\r').unwrap_or(line));
        }
        return out;
    }
    for (no, nl) in newlines {
        let bytes = trim_cr(&text[from..nl]);
        from = nl + 1;
        match line_text(name, no, bytes) {
            Ok(line) => push(no, line),
            Err(e) => out.malformed.push(e),
        }
    }
    out
}

/// The line number of a malformed-line error (0 for other errors).
fn line_of(e: &ParseError) -> u64 {
    match e {
        ParseError::Malformed { line, .. } => *line,
        _ => 0,
    }
}

/// Record vectors handed to each parsing thread per segment: one being
/// filled, two waiting in its results channel, and its share of the four
/// with the joiner and the calling thread (two waiting between them), one
/// spare.
const VECS_PER_THREAD: usize = 6;

/// `v`, emptied, for records of another segment: the same allocation (a
/// `Vec` collected from its own emptied `IntoIter` of a same-sized type
/// reuses the buffer), so record vectors live as long as the reader and
/// a segment's records never grow fresh pages.
fn rebind<'b>(mut v: Records<'_>) -> Records<'b> {
    v.clear();
    v.into_iter()
        .map(|_| unreachable!("the vector was emptied"))
        .collect()
}

/// Counts chunk `p`'s lines in `stats`, with the reader's errors in
/// `bad` that fall in the chunk, in line order with the chunk's own.
fn count_chunk(
    p: &mut Parsed<'_>,
    bad: &mut std::iter::Peekable<std::vec::IntoIter<(u64, ParseError)>>,
    stats: &mut ParseStats,
) {
    let end = p.first + u64::from(p.lines);
    let mut failed = 0;
    let mut utf8 = std::mem::take(&mut p.malformed).into_iter().peekable();
    loop {
        let from_reader = match (bad.peek(), utf8.peek()) {
            (Some((no, _)), Some(e)) => *no < end && *no < line_of(e),
            (Some((no, _)), None) => *no < end,
            (None, _) => false,
        };
        let e = if from_reader {
            bad.next().map(|(_, e)| e)
        } else {
            utf8.next()
        };
        let Some(e) = e else { break };
        failed += 1;
        stats.malformed(e);
    }
    stats.lines += u64::from(p.lines);
    stats.events += p.records.len() as u64;
    stats.skipped += u64::from(p.lines) - p.records.len() as u64 - failed;
}

impl Parallel {
    /// Reads the rest of `lines` as [`Reader::for_each_line`](super::Reader::for_each_line)
    /// does, parsing on [`Parallel::threads`] threads.
    pub fn for_each_line(
        self,
        lines: &mut LineReader,
        parser: &mut SshParser,
        stats: &mut ParseStats,
        f: &mut dyn FnMut(&SshRecordRef<'_>, &str, u64, &str),
    ) {
        let bare = parser.bare();
        let name = lines.name().to_string();
        let name = name.as_str();
        let mut cur = Segment::default();
        let mut next = Segment::default();
        // Allocated once, here, by the thread that keeps them: a
        // short-lived thread's allocator heap would keep their pages.
        let mut pool: Vec<Records<'static>> = (0..self.threads * VECS_PER_THREAD)
            .map(|_| Vec::with_capacity(self.chunk / 64))
            .collect();
        cur.fill(lines, self.segment, self.chunk);
        while cur.lines > 0 {
            let more = !cur.end;
            let bad = std::mem::take(&mut cur.bad);
            let parser = &mut *parser;
            thread::scope(|s| {
                if more {
                    s.spawn(|| next.fill(lines, self.segment, self.chunk));
                }
                let seg = &cur;
                let n = seg.chunks.len();
                let workers = self.threads.clamp(1, n);
                // Per thread: its results, and its used record vectors
                // coming back; each thread returns its vectors at the end.
                let mut handles = Vec::with_capacity(workers);
                let mut results = Vec::with_capacity(workers);
                let give_back: Vec<SyncSender<Records<'_>>> = (0..workers)
                    .map(|w| {
                        let (tx, rx) = sync_channel(2);
                        let (give_back, given_back) = sync_channel::<Records<'_>>(VECS_PER_THREAD);
                        for v in pool.drain(pool.len().saturating_sub(VECS_PER_THREAD)..) {
                            let _ = give_back.try_send(rebind(v));
                        }
                        let mut back: Vec<Records<'static>> = Vec::with_capacity(VECS_PER_THREAD);
                        handles.push(s.spawn(move || {
                            for i in (w..n).step_by(workers) {
                                // Full of the records of an earlier chunk
                                // (dropped here, not on the calling thread).
                                let mut records = given_back.try_recv().unwrap_or_default();
                                records.clear();
                                if tx.send(parse_chunk(seg, i, name, bare, records)).is_err() {
                                    break;
                                }
                            }
                            drop(tx);
                            // Into room the calling thread made: an
                            // allocation here would be this short-lived
                            // thread's first, a fresh (huge) page for a
                            // few bytes.
                            back.extend(given_back.iter().map(rebind));
                            back
                        }));
                        results.push(rx);
                        give_back
                    })
                    .collect();
                let (to_caller, joined) = sync_channel::<Parsed<'_>>(2);
                let joiner = s.spawn(move || join_chunks(parser, &results, n, &to_caller));
                let mut bad = bad.into_iter().peekable();
                for i in 0..n {
                    // A thread that stopped has panicked: the scope
                    // passes the panic on.
                    let Ok(mut p) = joined.recv() else {
                        break;
                    };
                    count_chunk(&mut p, &mut bad, stats);
                    for l in &p.records {
                        f(&l.record, name, l.no, l.text);
                    }
                    let _ = give_back[i % workers].try_send(p.records);
                }
                // The senders go: each thread hands its vectors back.
                drop(give_back);
                drop(joined);
                for h in handles {
                    match h.join() {
                        Ok(vecs) => pool.extend(vecs),
                        Err(panic) => std::panic::resume_unwind(panic),
                    }
                }
                if let Err(panic) = joiner.join() {
                    std::panic::resume_unwind(panic);
                }
            });
            if !more {
                break;
            }
            std::mem::swap(&mut cur, &mut next);
        }
    }
}

/// The joiner: takes the `n` chunks of a segment in input order from the
/// parsing threads (chunk `i` from thread `i % results.len()`), joins their
/// lines with `parser` and passes them on to the calling thread.
fn join_chunks<'a>(
    parser: &mut SshParser,
    results: &[Receiver<Parsed<'a>>],
    n: usize,
    to_caller: &SyncSender<Parsed<'a>>,
) {
    for i in 0..n {
        let Ok(mut p) = results[i % results.len()].recv() else {
            return;
        };
        for l in &p.records {
            parser.touch(l.record.host.as_deref(), l.record.pid);
        }
        for l in &mut p.records {
            parser.join_record(l.stamp, &mut l.record);
        }
        if to_caller.send(p).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::parse::lines::MAX_LINE;
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
            let user =
                ["root", "admin", "a b from 10.0.0.1 port 22", "oracle"][(x >> 32) as usize % 4];
            let msg = match (x >> 40) % 12 {
                0 => format!("Connection from {ip} port 4{pid} on 192.0.2.1 port 22"),
                1 => format!("Invalid user {user} from {ip} port 4{pid}"),
                2 | 3 => {
                    format!("Failed password for invalid user {user} from {ip} port 4{pid} ssh2")
                }
                4 => format!("Failed password for {user} from {ip} port 4{pid} ssh2"),
                5 => "Disconnecting: Too many authentication failures [preauth]".to_string(),
                6 => format!("Received disconnect from {ip} port 4{pid}:11: Bye Bye [preauth]"),
                7 => format!(
                    "Accepted publickey for {user} from {ip} port 4{pid} ssh2: RSA SHA256:x"
                ),
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
                segment: 4096,
                chunk: 300,
            },
            Parallel {
                threads: 3,
                segment: 64 << 10,
                chunk: 1,
            },
            Parallel {
                threads: 5,
                segment: 1,
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

    /// Record vectors keep their buffer from segment to segment.
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
}
