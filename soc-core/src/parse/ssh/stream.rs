//! Reading a whole input on threads that live as long as the read.
//!
//! One scope around the whole input, with one thread per stage: a reader
//! that fills chunks of whole lines, each in a buffer of its own; the
//! parsing threads, which take the chunks in turn (chunk `k` on thread
//! `k % threads`); the joiner, which takes them back in input order; and
//! the calling thread, which counts them and hands the records to the
//! caller. The stages overlap all along the input: no thread is spawned
//! and no stage waits for the others per chunk or per segment.
//!
//! A chunk's records borrow from the chunk's text, and the two travel
//! together ([`ParsedChunk`]): the buffer moves from thread to thread and
//! never changes while the records live. When the caller is done with a
//! chunk, it goes back to the reader, which empties its records (the
//! vector kept) and fills its buffer with the next lines; so the memory
//! is bounded by the chunks in flight ([`CHUNKS_PER_THREAD`] per parsing
//! thread and a few more), and no fresh pages are taken after the first
//! few chunks.

use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::sync::Arc;
use std::thread;

use self_cell::self_cell;

use crate::parse::line_block::LineBlock;
use crate::parse::lines::LineReader;
use crate::parse::ParseStats;

use super::parallel::{count_chunk, join_parsed, parse_lines, rebind, Parallel, Parsed, Records};
use super::parser::SshParser;
use super::record::SshRecordRef;

self_cell!(
    /// A chunk of the input (whole lines in a buffer of their own) and
    /// what was parsed from it, which borrows from it.
    struct ParsedChunk {
        owner: LineBlock,

        #[covariant]
        dependent: Parsed,
    }
);

/// Chunks in flight per parsing thread: one in its work channel, one
/// being parsed, two waiting in its results channel; the others (being
/// read, joined, counted, waiting between the joiner and the calling
/// thread) are [`CHUNKS_BESIDE`].
const CHUNKS_PER_THREAD: usize = 4;

/// Chunks in flight outside the parsing threads (see
/// [`CHUNKS_PER_THREAD`]).
const CHUNKS_BESIDE: usize = 6;

/// A chunk to parse: its lines and an empty record vector to fill.
type Work = (LineBlock, Records<'static>);

impl Parallel {
    /// Reads the rest of `lines` as [`Reader::for_each_line`](super::Reader::for_each_line)
    /// does, parsing on [`Parallel::threads`] threads; returns how many
    /// chunk buffers it used (the bound on its memory).
    pub fn for_each_line(
        self,
        lines: &mut LineReader,
        parser: &mut SshParser,
        stats: &mut ParseStats,
        f: &mut dyn FnMut(&SshRecordRef<'_>, &str, u64, &str),
    ) -> usize {
        thread::scope(|s| {
            let stages = self.start(s, lines, parser, 0, join_in_order);
            for mut c in stages.joined.iter() {
                c.with_dependent_mut(|block, p| {
                    let mut bad = std::mem::take(&mut p.bad).into_iter().peekable();
                    count_chunk(p, &mut bad, stats);
                    for l in &p.records {
                        f(&l.record, &block.name, l.no, l.text);
                    }
                });
                // The reader has stopped only if a thread panicked.
                let _ = stages.done.send(c);
            }
            stages.finish()
        })
    }

    /// Like [`for_each_line`](Self::for_each_line), but hands every record
    /// to each of `shards`, each on a thread of its own: `shards[0]` on the
    /// calling thread, the others on threads that see the same chunks
    /// (shared, read-only) in the same order. Each record goes with its
    /// `tag`, computed once, on the joiner. A chunk goes back to the
    /// reader once every shard is done with it. Returns how many chunk
    /// buffers it used.
    pub fn for_each_line_sharded<S: Send>(
        self,
        lines: &mut LineReader,
        parser: &mut SshParser,
        stats: &mut ParseStats,
        shards: &mut [S],
        tag: &Tag<'_>,
        f: &ShardFn<'_, S>,
    ) -> usize {
        let Some((first, others)) = shards.split_first_mut() else {
            return 0;
        };
        thread::scope(|s| {
            let join =
                move |p: &mut SshParser, r: &[Receiver<ParsedChunk>], to: &SyncSender<Tagged>| {
                    join_and_tag(p, r, to, tag);
                };
            // Each other shard may hold two chunks more (its queue).
            let stages = self.start(s, lines, parser, 2 * others.len(), join);
            let mut to_shards = Vec::with_capacity(others.len());
            let helpers: Vec<_> = others
                .iter_mut()
                .map(|shard| {
                    let (to_shard, chunks) = sync_channel::<Arc<Tagged>>(2);
                    to_shards.push(to_shard);
                    let done = stages.done.clone();
                    s.spawn(move || {
                        for c in chunks.iter() {
                            each_line(&c, shard, f);
                            give_back(c, &done);
                        }
                    })
                })
                .collect();
            while let Ok(mut c) = stages.joined.recv() {
                c.chunk.with_dependent_mut(|_, p| {
                    let mut bad = std::mem::take(&mut p.bad).into_iter().peekable();
                    count_chunk(p, &mut bad, stats);
                });
                let c = Arc::new(c);
                // A shard that stopped has panicked: its panic is passed on below.
                let stopped = to_shards.iter().any(|to| to.send(Arc::clone(&c)).is_err());
                each_line(&c, first, f);
                give_back(c, &stages.done);
                if stopped {
                    break;
                }
            }
            drop(to_shards);
            for h in helpers {
                if let Err(panic) = h.join() {
                    std::panic::resume_unwind(panic);
                }
            }
            stages.finish()
        })
    }

    /// Starts the reader, the parsing threads and the joiner (`join`, which
    /// takes the parsed chunks in input order and passes them on) of one
    /// read in scope `s`; `extra` chunk buffers beyond the usual bound.
    fn start<'scope, T: Send + 'scope>(
        self,
        s: &'scope thread::Scope<'scope, '_>,
        lines: &'scope mut LineReader,
        parser: &'scope mut SshParser,
        extra: usize,
        join: impl FnOnce(&mut SshParser, &[Receiver<ParsedChunk>], &SyncSender<T>) + Send + 'scope,
    ) -> Stages<'scope, T> {
        let workers = self.threads.max(1);
        let bare = parser.bare();
        let chunk = self.chunk.max(1);
        let most = workers * CHUNKS_PER_THREAD + CHUNKS_BESIDE + extra;
        let (done, used) = channel::<ParsedChunk>();
        let mut work = Vec::with_capacity(workers);
        let mut results = Vec::with_capacity(workers);
        let mut threads: Vec<_> = (0..workers)
            .map(|_| {
                let (to_parser, todo) = sync_channel::<Work>(1);
                let (to_joiner, parsed) = sync_channel::<ParsedChunk>(2);
                work.push(to_parser);
                results.push(parsed);
                s.spawn(move || parse_chunks(&todo, &to_joiner, bare))
            })
            .collect();
        let reader = s.spawn(move || read_chunks(lines, chunk, most, &work, &used));
        let (to_caller, joined) = sync_channel::<T>(2);
        threads.push(s.spawn(move || join(parser, &results, &to_caller)));
        Stages {
            joined,
            done,
            threads,
            reader,
        }
    }
}

/// The threads of one read ([`Parallel::start`]): the joined chunks come
/// in through `joined`, and go back to the reader through `done`.
struct Stages<'scope, T> {
    joined: Receiver<T>,
    done: Sender<ParsedChunk>,
    /// The parsing threads and the joiner.
    threads: Vec<thread::ScopedJoinHandle<'scope, ()>>,
    reader: thread::ScopedJoinHandle<'scope, usize>,
}

impl<T> Stages<'_, T> {
    /// Stops taking chunks, waits for every thread and returns how many
    /// chunk buffers the reader made. A thread that stopped early has
    /// panicked: its panic is passed on.
    fn finish(self) -> usize {
        let Stages {
            joined,
            done,
            threads,
            reader,
        } = self;
        // Unblocks the joiner (and so the parsers and the reader) if the
        // caller stopped early.
        drop(joined);
        drop(done);
        for h in threads {
            if let Err(panic) = h.join() {
                std::panic::resume_unwind(panic);
            }
        }
        reader
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }
}

/// The tag of a record ([`Reader::for_each_line_sharded`](super::Reader::for_each_line_sharded)).
pub type Tag<'f> = dyn Fn(&SshRecordRef<'_>) -> u16 + Sync + 'f;

/// What a shard does with one record: its tag, the record, the input's
/// name, the line's number and its text.
pub type ShardFn<'f, S> = dyn Fn(&mut S, u16, &SshRecordRef<'_>, &str, u64, &str) + Sync + 'f;

/// A joined chunk and the tags of its records.
struct Tagged {
    chunk: ParsedChunk,
    tags: Vec<u16>,
}

/// [`join_in_order`], tagging each chunk's records with `tag`.
fn join_and_tag(
    parser: &mut SshParser,
    results: &[Receiver<ParsedChunk>],
    to_caller: &SyncSender<Tagged>,
    tag: &Tag<'_>,
) {
    for k in 0.. {
        let Ok(mut chunk) = results[k % results.len()].recv() else {
            return;
        };
        let tags = chunk.with_dependent_mut(|_, p| {
            join_parsed(parser, p);
            p.records.iter().map(|l| tag(&l.record)).collect()
        });
        if to_caller.send(Tagged { chunk, tags }).is_err() {
            return;
        }
    }
}

/// Hands every record of chunk `c` to `f` with `shard`.
fn each_line<S>(c: &Tagged, shard: &mut S, f: &ShardFn<'_, S>) {
    c.chunk.with_dependent(|block, p| {
        for (l, &tag) in p.records.iter().zip(&c.tags) {
            f(shard, tag, &l.record, &block.name, l.no, l.text);
        }
    });
}

/// Sends a shared chunk back to the reader if this was its last holder.
fn give_back(c: Arc<Tagged>, done: &Sender<ParsedChunk>) {
    if let Some(c) = Arc::into_inner(c) {
        // The reader has stopped only if a thread panicked.
        let _ = done.send(c.chunk);
    }
}

/// The reader: fills chunks of about `chunk` bytes of whole lines from
/// `lines` and hands chunk `k` to `work[k % work.len()]`, in buffers that
/// come back through `used` once the caller is done with them (at most
/// `most` buffers: past that it waits for one). Returns the buffers made.
fn read_chunks(
    lines: &mut LineReader,
    chunk: usize,
    most: usize,
    work: &[SyncSender<Work>],
    used: &Receiver<ParsedChunk>,
) -> usize {
    let mut made = 0;
    let mut k = 0;
    loop {
        let (mut block, records) = match used.try_recv() {
            Ok(c) => recycle(c),
            Err(_) if made < most => {
                made += 1;
                (LineBlock::default(), Vec::with_capacity(chunk / 64))
            }
            Err(_) => match used.recv() {
                Ok(c) => recycle(c),
                // The calling thread has stopped (a panic).
                Err(_) => return made,
            },
        };
        block.read(lines, chunk);
        let end = block.end;
        if block.lines > 0 {
            if work[k % work.len()].send((block, records)).is_err() {
                return made;
            }
            k += 1;
        }
        if end {
            return made;
        }
    }
}

/// A used chunk's buffer and its record vector, emptied (here, on the
/// reader, not on the busier calling thread).
fn recycle(mut c: ParsedChunk) -> Work {
    let records = c.with_dependent_mut(|_, p| rebind(std::mem::take(&mut p.records)));
    (c.into_owner(), records)
}

/// A parsing thread: parses the chunks of `todo` and passes them on.
fn parse_chunks(todo: &Receiver<Work>, to_joiner: &SyncSender<ParsedChunk>, bare: bool) {
    for (mut block, records) in todo.iter() {
        let bad = std::mem::take(&mut block.bad);
        let parsed = ParsedChunk::new(block, |b| {
            let mut p = parse_lines(&b.text, b.first, b.lines, &b.name, bare, rebind(records));
            p.bad = bad;
            p
        });
        if to_joiner.send(parsed).is_err() {
            return;
        }
    }
}

/// The joiner: takes the chunks in input order (chunk `k` from
/// `results[k % results.len()]`) until the parsing thread whose turn it
/// is has no more, joins their lines with `parser` and passes them on.
fn join_in_order(
    parser: &mut SshParser,
    results: &[Receiver<ParsedChunk>],
    to_caller: &SyncSender<ParsedChunk>,
) {
    for k in 0.. {
        let Ok(mut c) = results[k % results.len()].recv() else {
            return;
        };
        c.with_dependent_mut(|_, p| join_parsed(parser, p));
        if to_caller.send(c).is_err() {
            return;
        }
    }
}
