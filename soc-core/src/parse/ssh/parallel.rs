//! Parsing lines on several threads, with the results of one thread.
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
//! Two drivers share these stages: [`super::stream`] reads a whole input
//! on threads that live as long as the read (`soc ssh`, the
//! [`Reader`](super::Reader)), and [`BlockParser`] parses blocks the
//! caller hands in (the run's SSH lane), one scope per block.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread;

use crate::error::ParseError;
use crate::parse::line_block::LineBlock;
use crate::parse::lines::{line_text, trim_cr};
use crate::parse::ParseStats;

use super::header::Stamp;
use super::parser::SshParser;
use super::record::SshRecordRef;
use super::unjoined::parse_unjoined;

/// How the parallel reader divides its input and its work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Parallel {
    /// Threads parsing chunks (at least 2; one thread reads alone).
    pub threads: usize,
    /// Bytes of lines per unit of work of a parsing thread.
    pub chunk: usize,
}

impl Parallel {
    /// `threads` threads with the default chunk (128 KiB).
    pub fn new(threads: usize) -> Parallel {
        Parallel {
            threads,
            chunk: 128 << 10,
        }
    }
}

/// What a parsing thread makes of one chunk (and the joiner completes).
pub(super) struct Parsed<'a> {
    /// Line number of the chunk's first line.
    first: u64,
    /// Lines in the chunk.
    lines: u32,
    /// Its sshd lines.
    pub records: Records<'a>,
    /// Its lines that are not UTF-8.
    malformed: Vec<ParseError>,
    /// Its lines that are blank (whitespace only), among those that are
    /// not sshd's.
    blank: u32,
    /// The lines the line reader could not read, with their numbers (in
    /// a chunk read on its own; a block's are handed to
    /// [`count_chunk`] apart).
    pub bad: Vec<(u64, ParseError)>,
}

/// An sshd line of a chunk: its number and text, its time stamp, and its
/// record (complete once the joiner has been).
pub(super) struct Line<'a> {
    pub no: u64,
    pub text: &'a str,
    stamp: Option<Stamp>,
    pub record: SshRecordRef<'a>,
}

/// The sshd lines of a chunk.
pub(super) type Records<'a> = Vec<Line<'a>>;

/// Parses chunk `i` of `block` (lines of input `name`) into `records` (an
/// empty vector to reuse).
fn parse_chunk<'a>(
    block: &'a LineBlock,
    i: usize,
    name: &str,
    bare: bool,
    records: Records<'a>,
) -> Parsed<'a> {
    let (first, lines, text) = block.chunk(i);
    parse_lines(text, first, lines, name, bare, records)
}

/// Parses `text`, `lines` whole lines of input `name` from line `first`
/// on, into `records` (an empty vector to reuse).
pub(super) fn parse_lines<'a>(
    text: &'a [u8],
    first: u64,
    lines: u32,
    name: &str,
    bare: bool,
    records: Records<'a>,
) -> Parsed<'a> {
    let mut out = Parsed {
        first,
        lines,
        records,
        malformed: Vec::new(),
        blank: 0,
        bad: Vec::new(),
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
        } else if line.bytes().all(|b| b.is_ascii_whitespace()) {
            out.blank += 1;
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

/// Record vectors handed to each parsing thread per block: one being
/// filled, two waiting in its results channel, and its share of the four
/// with the joiner and the calling thread (two waiting between them), one
/// spare.
const VECS_PER_THREAD: usize = 6;

/// `v`, emptied, for records of another block or chunk: the same
/// allocation (a `Vec` collected from its own emptied `IntoIter` of a
/// same-sized type reuses the buffer), so record vectors live as long as
/// the reader and a chunk's records never grow fresh pages.
pub(super) fn rebind<'b>(mut v: Records<'_>) -> Records<'b> {
    v.clear();
    v.into_iter()
        .map(|_| unreachable!("the vector was emptied"))
        .collect()
}

/// Counts chunk `p`'s lines in `stats`, with the reader's errors in
/// `bad` that fall in the chunk, in line order with the chunk's own;
/// returns the chunk's blank lines (counted in `stats.skipped` too).
pub(super) fn count_chunk(
    p: &mut Parsed<'_>,
    bad: &mut std::iter::Peekable<std::vec::IntoIter<(u64, ParseError)>>,
    stats: &mut ParseStats,
) -> u64 {
    let end = p.first + u64::from(p.lines);
    let mut failed = 0;
    // The reader's bad lines are empty lines in the text: not blank.
    let mut placeholders = 0;
    let mut utf8 = std::mem::take(&mut p.malformed).into_iter().peekable();
    loop {
        let from_reader = match (bad.peek(), utf8.peek()) {
            (Some((no, _)), Some(e)) => *no < end && *no < line_of(e),
            (Some((no, _)), None) => *no < end,
            (None, _) => false,
        };
        let e = if from_reader {
            placeholders += 1;
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
    u64::from(p.blank).saturating_sub(placeholders)
}

impl Parallel {
    /// Parses the lines of `block` (cut into chunks) on the threads, joins
    /// them in order and hands them to `f`, counting them in `stats`;
    /// returns the blank lines among them.
    fn parse_block(
        self,
        block: &mut LineBlock,
        parser: &mut SshParser,
        pool: &mut RecordPool,
        stats: &mut ParseStats,
        f: &mut dyn FnMut(&SshRecordRef<'_>, &str, u64, &str),
    ) -> u64 {
        let bare = parser.bare();
        let bad = std::mem::take(&mut block.bad);
        let block = &*block;
        let name = block.name.as_str();
        let mut blank = 0;
        thread::scope(|s| {
            let n = block.chunks.len();
            let workers = self.threads.clamp(1, n.max(1));
            // Per thread: its results, and its used record vectors
            // coming back; each thread returns its vectors at the end.
            let mut handles = Vec::with_capacity(workers);
            let mut results = Vec::with_capacity(workers);
            let give_back: Vec<SyncSender<Records<'_>>> = (0..workers)
                .map(|w| {
                    let (tx, rx) = sync_channel(2);
                    let (give_back, given_back) = sync_channel::<Records<'_>>(VECS_PER_THREAD);
                    for v in pool.take(VECS_PER_THREAD) {
                        let _ = give_back.try_send(rebind(v));
                    }
                    let mut back: Vec<Records<'static>> = Vec::with_capacity(VECS_PER_THREAD);
                    handles.push(s.spawn(move || {
                        for i in (w..n).step_by(workers) {
                            // Full of the records of an earlier chunk
                            // (dropped here, not on the calling thread).
                            let mut records = given_back.try_recv().unwrap_or_default();
                            records.clear();
                            if tx.send(parse_chunk(block, i, name, bare, records)).is_err() {
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
                blank += count_chunk(&mut p, &mut bad, stats);
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
                    Ok(vecs) => pool.0.extend(vecs),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            if let Err(panic) = joiner.join() {
                std::panic::resume_unwind(panic);
            }
        });
        blank
    }

    /// [`Parallel::parse_block`] on the calling thread alone, chunk
    /// after chunk: the same records and counts.
    fn parse_block_here(
        self,
        block: &mut LineBlock,
        parser: &mut SshParser,
        pool: &mut RecordPool,
        stats: &mut ParseStats,
        f: &mut dyn FnMut(&SshRecordRef<'_>, &str, u64, &str),
    ) -> u64 {
        let bare = parser.bare();
        let mut bad = std::mem::take(&mut block.bad).into_iter().peekable();
        let block = &*block;
        let name = block.name.as_str();
        let mut records = pool.take(1).next().map(rebind).unwrap_or_default();
        let mut blank = 0;
        for i in 0..block.chunks.len() {
            let mut p = parse_chunk(block, i, name, bare, records);
            join_parsed(parser, &mut p);
            blank += count_chunk(&mut p, &mut bad, stats);
            for l in &p.records {
                f(&l.record, name, l.no, l.text);
            }
            records = rebind(p.records);
        }
        pool.0.push(rebind(records));
        blank
    }
}

/// The record vectors of a block parser, kept from block to block
/// (see [`rebind`]). Allocated once, by the thread that keeps them: a
/// short-lived thread's allocator heap would keep their pages.
struct RecordPool(Vec<Records<'static>>);

impl RecordPool {
    fn new(parallel: Parallel) -> RecordPool {
        let vecs = (0..parallel.threads * VECS_PER_THREAD)
            .map(|_| Vec::with_capacity(parallel.chunk / 64))
            .collect();
        RecordPool(vecs)
    }

    /// Up to `n` of the vectors.
    fn take(&mut self, n: usize) -> std::vec::Drain<'_, Records<'static>> {
        self.0.drain(self.0.len().saturating_sub(n)..)
    }
}

/// Parses blocks of whole lines handed in by the caller (the run's SSH
/// lane, whose file source reads them: see
/// [`LogSource::read_block`](crate::source::LogSource::read_block)) on
/// [`Parallel::threads`] threads, with the records of one thread: the
/// stateless half of each line on the parsing threads, the join in input
/// order on one more, the caller's work on the calling thread.
pub(crate) struct BlockParser {
    parallel: Parallel,
    pool: RecordPool,
}

impl BlockParser {
    /// Parsing on `threads` threads (1: on the calling thread), in chunks
    /// of `chunk` bytes.
    pub fn new(threads: usize, chunk: usize) -> BlockParser {
        let parallel = Parallel {
            threads: threads.max(1),
            chunk: chunk.max(1),
        };
        BlockParser {
            parallel,
            pool: RecordPool::new(parallel),
        }
    }

    /// The parsing threads.
    pub fn threads(&self) -> usize {
        self.parallel.threads
    }

    /// Parses `block`'s lines with `parser` (joined in order, so the
    /// parser's state goes on from block to block) and hands each sshd
    /// line to `f` with the block's name, its number and text; counts
    /// every line in `stats` as [`Reader`](super::Reader) does (a blank
    /// line as skipped) and returns how many were blank. Leaves the
    /// block's malformed-line errors in `stats`.
    pub fn parse(
        &mut self,
        block: &mut LineBlock,
        parser: &mut SshParser,
        stats: &mut ParseStats,
        f: &mut dyn FnMut(&SshRecordRef<'_>, &str, u64, &str),
    ) -> u64 {
        block.cut(self.parallel.chunk);
        let blank = if self.parallel.threads > 1 && block.chunks.len() > 1 {
            let p = self.parallel;
            p.parse_block(block, parser, &mut self.pool, stats, f)
        } else {
            let p = self.parallel;
            p.parse_block_here(block, parser, &mut self.pool, stats, f)
        };
        block.chunks.clear();
        blank
    }
}

/// The joiner: takes the `n` chunks of a block in input order from the
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
        join_parsed(parser, &mut p);
        if to_caller.send(p).is_err() {
            return;
        }
    }
}

/// Joins the lines of chunk `p` with `parser`, in order: the year
/// inference and the per-connection join.
pub(super) fn join_parsed(parser: &mut SshParser, p: &mut Parsed<'_>) {
    for l in &p.records {
        parser.touch(l.record.host.as_deref(), l.record.pid);
    }
    for l in &mut p.records {
        parser.join_record(l.stamp, &mut l.record);
    }
}

#[cfg(test)]
#[path = "parallel_tests.rs"]
mod tests;
