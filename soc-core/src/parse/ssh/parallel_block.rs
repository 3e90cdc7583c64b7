//! [`BlockParser`]: the parallel parse of blocks of lines the caller
//! hands in, one block ahead of the caller's own work on them.

use std::sync::mpsc::{sync_channel, Receiver};
use std::thread;

use self_cell::self_cell;

use crate::error::ParseError;
use crate::parse::line_block::LineBlock;
use crate::parse::ParseStats;

use super::super::parser::SshParser;
use super::super::record::SshRecordRef;
use super::{count_chunk, join_parsed, parse_chunk, rebind, Parallel, Parsed, Records};

self_cell!(
    /// A block parsed and joined ahead of the caller's work on its lines
    /// (see [`BlockParser::parse_ahead`]): the block, and its chunks'
    /// records, which borrow from it.
    struct AheadBlock {
        owner: LineBlock,

        #[covariant]
        dependent: AheadChunks,
    }
);

/// The chunks of a block parsed ahead, joined, in input order, with the
/// lines its reader could not read.
struct AheadChunks<'a> {
    chunks: Vec<Parsed<'a>>,
    bad: Vec<(u64, ParseError)>,
}

/// The record vectors of a block parser, kept from block to block
/// (see [`rebind`]). Allocated by the thread that keeps them: a
/// short-lived thread's allocator heap would keep their pages.
struct RecordPool {
    vecs: Vec<Records<'static>>,
    /// Capacity of a new vector (lines of a chunk, about).
    capacity: usize,
}

impl RecordPool {
    /// `n` vectors: kept ones first, new ones for the rest.
    fn take(&mut self, n: usize) -> Vec<Records<'static>> {
        let kept = self.vecs.len().saturating_sub(n);
        let mut out: Vec<_> = self.vecs.drain(kept..).collect();
        out.resize_with(n, || Vec::with_capacity(self.capacity));
        out
    }
}

/// Parses blocks of whole lines handed in by the caller (the run's SSH
/// lane, whose file source reads them: see
/// [`LogSource::read_block`](crate::source::LogSource::read_block)) on
/// [`Parallel::threads`] threads, with the records of one thread.
///
/// With more than one thread it works one block ahead of the caller
/// ([`BlockParser::parse_ahead`]): while the calling thread does its own
/// work (the detectors) on the lines of one block, the stateless half of
/// the next block's lines is parsed on the parsing threads and joined in
/// input order on one more. So the parsing threads never wait for the
/// caller between blocks, nor the caller for the parse of a block's first
/// chunk, and each block's threads are started off the caller's path.
pub(crate) struct BlockParser {
    parallel: Parallel,
    pool: RecordPool,
    /// The block parsed at the last [`BlockParser::parse_ahead`], whose
    /// lines the caller has not had yet.
    ahead: Option<AheadBlock>,
}

impl BlockParser {
    /// Parsing on `threads` threads (1: on the calling thread), in chunks
    /// of `chunk` bytes.
    pub fn new(threads: usize, chunk: usize) -> BlockParser {
        let parallel = Parallel {
            threads: threads.max(1),
            chunk: chunk.max(1),
        };
        let pool = RecordPool {
            vecs: Vec::new(),
            capacity: parallel.chunk / 64,
        };
        BlockParser {
            parallel,
            pool,
            ahead: None,
        }
    }

    /// The parsing threads.
    pub fn threads(&self) -> usize {
        self.parallel.threads
    }

    /// Whether a block parsed ahead waits for the caller
    /// ([`BlockParser::finish_ahead`] hands it over).
    pub fn has_ahead(&self) -> bool {
        self.ahead.is_some()
    }

    /// Parses `block`'s lines with `parser` (joined in order, so the
    /// parser's state goes on from block to block) and hands each sshd
    /// line to `f` with the block's name, its number and text; counts
    /// every line in `stats` as [`Reader`](super::Reader) does (a blank
    /// line as skipped) and returns how many were blank. Leaves the
    /// block's malformed-line errors in `stats`. Hands over any block
    /// parsed ahead first.
    pub fn parse(
        &mut self,
        block: &mut LineBlock,
        parser: &mut SshParser,
        stats: &mut ParseStats,
        f: &mut dyn FnMut(&SshRecordRef<'_>, &str, u64, &str),
    ) -> u64 {
        let mut blank = self.finish_ahead(stats, f);
        if self.parallel.threads > 1 {
            blank += self.parse_ahead(block, parser, stats, f);
            return blank + self.finish_ahead(stats, f);
        }
        block.cut(self.parallel.chunk);
        let bare = parser.bare();
        let mut bad = std::mem::take(&mut block.bad).into_iter().peekable();
        let name = block.name.as_str();
        let mut records = self.pool.take(1).pop().map(rebind).unwrap_or_default();
        for i in 0..block.chunks.len() {
            let mut p = parse_chunk(block, i, name, bare, records);
            join_parsed(parser, &mut p);
            blank += count_chunk(&mut p, &mut bad, stats);
            for l in &p.records {
                f(&l.record, name, l.no, l.text);
            }
            records = rebind(p.records);
        }
        self.pool.vecs.push(rebind(records));
        block.chunks.clear();
        blank
    }

    /// [`BlockParser::parse`] one block behind: hands `f` the lines of
    /// the block given at the last call (none at the first), counted in
    /// `stats` (returns the blank ones), while `block` is parsed and
    /// joined on the threads; keeps `block`'s lines for the next call or
    /// [`BlockParser::finish_ahead`], and leaves in `block` the buffers of
    /// the block handed over (its lines, to be read over).
    pub fn parse_ahead(
        &mut self,
        block: &mut LineBlock,
        parser: &mut SshParser,
        stats: &mut ParseStats,
        f: &mut dyn FnMut(&SshRecordRef<'_>, &str, u64, &str),
    ) -> u64 {
        block.cut(self.parallel.chunk);
        let n = block.chunks.len();
        let workers = self.parallel.threads.clamp(1, n.max(1));
        // Each chunk's record vector, dealt to the thread that parses it.
        let mut dealt: Vec<Vec<Records<'static>>> = (0..workers).map(|_| Vec::new()).collect();
        for (i, v) in self.pool.take(n).into_iter().enumerate() {
            dealt[i % workers].push(v);
        }
        let bare = parser.bare();
        let bad = std::mem::take(&mut block.bad);
        let mut behind = self.ahead.take();
        let mut blank = 0;
        let next = AheadBlock::new(std::mem::take(block), |block| {
            let name = block.name.as_str();
            thread::scope(|s| {
                let mut results = Vec::with_capacity(workers);
                let handles: Vec<_> = (dealt.into_iter().enumerate())
                    .map(|(w, vecs)| {
                        // Room for every chunk: a thread never waits.
                        let (tx, rx) = sync_channel(n.div_ceil(workers));
                        results.push(rx);
                        s.spawn(move || {
                            for (i, v) in (w..n).step_by(workers).zip(vecs) {
                                let p = parse_chunk(block, i, name, bare, rebind(v));
                                if tx.send(p).is_err() {
                                    return;
                                }
                            }
                        })
                    })
                    .collect();
                let joiner = s.spawn(move || join_all(parser, &results, n));
                // Meanwhile, on this thread: the block parsed before.
                if let Some(b) = behind.as_mut() {
                    blank = hand_over(b, stats, f);
                }
                for h in handles {
                    if let Err(panic) = h.join() {
                        std::panic::resume_unwind(panic);
                    }
                }
                let chunks = joiner
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                AheadChunks { chunks, bad }
            })
        });
        self.ahead = Some(next);
        if let Some(b) = behind {
            *block = self.recycle(b);
        }
        blank
    }

    /// Hands `f` the lines of the block parsed ahead, if any, counted in
    /// `stats`; returns the blank ones.
    pub fn finish_ahead(
        &mut self,
        stats: &mut ParseStats,
        f: &mut dyn FnMut(&SshRecordRef<'_>, &str, u64, &str),
    ) -> u64 {
        let Some(mut b) = self.ahead.take() else {
            return 0;
        };
        let blank = hand_over(&mut b, stats, f);
        self.recycle(b);
        blank
    }

    /// The block of `b`, its record vectors back in the pool.
    fn recycle(&mut self, mut b: AheadBlock) -> LineBlock {
        let pool = &mut self.pool.vecs;
        b.with_dependent_mut(|_, a| pool.extend(a.chunks.drain(..).map(|p| rebind(p.records))));
        let mut block = b.into_owner();
        block.chunks.clear();
        block
    }
}

/// Counts the chunks of `b` in `stats` and hands their lines to `f`, in
/// order; returns the blank lines.
fn hand_over(
    b: &mut AheadBlock,
    stats: &mut ParseStats,
    f: &mut dyn FnMut(&SshRecordRef<'_>, &str, u64, &str),
) -> u64 {
    b.with_dependent_mut(|block, a| {
        let mut bad = std::mem::take(&mut a.bad).into_iter().peekable();
        let mut blank = 0;
        for p in &mut a.chunks {
            blank += count_chunk(p, &mut bad, stats);
            for l in &p.records {
                f(&l.record, &block.name, l.no, l.text);
            }
        }
        blank
    })
}

/// The joiner of a block parsed ahead: takes its `n` chunks in input
/// order from the parsing threads (chunk `i` from thread
/// `i % results.len()`) and joins their lines with `parser`.
fn join_all<'a>(
    parser: &mut SshParser,
    results: &[Receiver<Parsed<'a>>],
    n: usize,
) -> Vec<Parsed<'a>> {
    let mut chunks = Vec::with_capacity(n);
    for i in 0..n {
        let Ok(mut p) = results[i % results.len()].recv() else {
            break;
        };
        join_parsed(parser, &mut p);
        chunks.push(p);
    }
    chunks
}
