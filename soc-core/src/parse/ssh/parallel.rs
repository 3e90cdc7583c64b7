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
//! caller hands in (the run's SSH lane), one block ahead of the caller.

use crate::error::ParseError;
use crate::parse::line_block::LineBlock;
use crate::parse::lines::{line_text, trim_cr};
use crate::parse::ParseStats;

use super::header::Stamp;
use super::parser::SshParser;
use super::record::SshRecordRef;
use super::unjoined::parse_unjoined;

#[path = "parallel_block.rs"]
mod block;
pub(crate) use block::BlockParser;

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
