//! [`Reader`]: an auth log read line by line into sshd events, with the
//! counting ([`ParseStats`]) every face shows.
//!
//! The one read-and-count loop of the project: `soc ssh`, Python
//! `parse_ssh` / `ssh_summary` and the examples use it, so a line is
//! counted the same way everywhere: every line read is counted in
//! `lines`; an sshd line is an `event`, any other line (cron, blank) is
//! `skipped`, and a line that is not UTF-8 or too long is `malformed`,
//! its error kept with file and line.

use std::path::Path;

use crate::error::ParseError;
use crate::model::{Event, Origin};
use crate::parse::lines::LineReader;
use crate::parse::ParseStats;

use super::parallel::Parallel;
use super::parser::{SshOptions, SshParser};
use super::record::SshRecordRef;
use super::stream::{ShardFn, Tag};

/// The default number of parsing threads: the cores there are, at most 4
/// (past that the in-order half, on the joiner and calling threads, is
/// the bound).
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
}

/// Reads sshd events from one input (a file, standard input, or lines
/// handed in one at a time), counting what it saw. One parser per input,
/// as the year inference and the per-connection join need.
///
/// As an iterator it yields [`Event`]s; [`Reader::for_each_record`] is the
/// allocation-free path for counters (a summary needs no `Event`).
///
/// [`Reader::for_each_line`] and [`Reader::for_each_record`] parse on
/// [`Reader::threads`] threads ([`default_threads`] unless set with
/// [`Reader::with_threads`]): lines are split and classified on chunks of
/// the input side by side, then joined with their connections and handed
/// to the callback on the calling thread in input order, so the records
/// and counts are the same with any number of threads. The iterator
/// parses on the calling thread.
///
/// ```
/// use std::io::Write;
/// use soc_core::parse::ssh::{Reader, SshOptions};
///
/// let mut f = tempfile::NamedTempFile::new().unwrap();
/// writeln!(f, "Jan  5 01:31:41 www sshd[9]: Failed password for root from 203.0.113.9 port 4242 ssh2").unwrap();
/// writeln!(f, "Jan  5 01:31:42 www CRON[1]: pam_unix(cron:session): session opened").unwrap();
/// f.write_all(b"\xff\xfe\n").unwrap();
/// let opts = SshOptions { year: Some(2024), ..SshOptions::default() };
/// let mut reader = Reader::open(f.path(), opts).unwrap();
/// let events: Vec<_> = reader.by_ref().collect();
/// assert_eq!(events[0].src_ip, Some("203.0.113.9".parse().unwrap()));
/// let stats = reader.stats();
/// assert_eq!((stats.lines, stats.events, stats.skipped, stats.malformed), (3, 1, 1, 1));
/// assert!(stats.errors[0].to_string().ends_with(":3: invalid UTF-8 at byte 0; line skipped"));
/// ```
#[derive(Debug)]
pub struct Reader {
    /// `None` for a reader fed with [`Reader::read_line`].
    lines: Option<LineReader>,
    name: String,
    parser: SshParser,
    stats: ParseStats,
    /// Threads and chunk sizes of [`Reader::for_each_line`].
    parallel: Parallel,
}

impl Reader {
    /// Opens `path` (`-` is standard input; `.gz` is read transparently).
    /// Fails on an unknown time zone in `opts` or an unreadable file.
    pub fn open(path: impl AsRef<Path>, opts: SshOptions) -> Result<Reader, ParseError> {
        let parser = SshParser::try_new(opts)?;
        let lines = LineReader::open(path)?;
        Ok(Self::with_parser(Some(lines), parser))
    }

    /// Reads `lines` (any [`LineReader`], e.g. the systemd journal's
    /// entries as lines).
    pub fn new(lines: LineReader, opts: SshOptions) -> Result<Reader, ParseError> {
        Ok(Self::with_parser(Some(lines), SshParser::try_new(opts)?))
    }

    /// A reader without input of its own: the caller hands it lines with
    /// [`Reader::read_line`] (Python iterables, channels). `name` is the
    /// file name events carry.
    pub fn for_lines(name: &str, opts: SshOptions) -> Result<Reader, ParseError> {
        let mut r = Self::with_parser(None, SshParser::try_new(opts)?);
        r.name = name.to_string();
        Ok(r)
    }

    fn with_parser(lines: Option<LineReader>, parser: SshParser) -> Reader {
        let name = lines
            .as_ref()
            .map(|l| l.name().to_string())
            .unwrap_or_default();
        Reader {
            lines,
            name,
            parser,
            stats: ParseStats::default(),
            parallel: Parallel::new(default_threads()),
        }
    }

    /// Parses with `threads` threads in [`Reader::for_each_line`] and
    /// [`Reader::for_each_record`] (1: all on the calling thread; 0 counts
    /// as 1).
    ///
    /// ```
    /// use soc_core::parse::ssh::{Reader, SshOptions};
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/auth.log");
    /// let opts = SshOptions { year: Some(2026), ..Default::default() };
    /// let mut users = [Vec::new(), Vec::new()];
    /// for (threads, users) in [1, 2].into_iter().zip(&mut users) {
    ///     let mut reader = Reader::open(path, opts.clone()).unwrap().with_threads(threads);
    ///     reader.for_each_record(|r| users.push(r.message.user.as_deref().map(str::to_string)));
    /// }
    /// assert_eq!(users[0], users[1]);
    /// ```
    pub fn with_threads(mut self, threads: usize) -> Reader {
        self.parallel.threads = threads.max(1);
        self
    }

    /// Reads with `parallel`'s threads and cuts (tests cut tiny chunks).
    #[cfg(test)]
    pub(crate) fn with_parallel(mut self, parallel: Parallel) -> Reader {
        self.parallel = parallel;
        self
    }

    /// The parsing threads of [`Reader::for_each_line`].
    pub fn threads(&self) -> usize {
        self.parallel.threads
    }

    crate::parse::reader_progress_methods!(
        "The input's name (the path, `<stdin>`, or the name given)."
    );

    /// Hands the next sshd line to `f` as a borrowed record (lines that
    /// are not sshd's or are malformed are counted and passed over) and
    /// returns what `f` returns; `None` at the end.
    pub fn next_record_with<R>(&mut self, f: impl FnOnce(&SshRecordRef<'_>) -> R) -> Option<R> {
        self.next_line_with(|r, _, _, _| f(r))
    }

    /// [`Reader::next_record_with`] that also hands `f` the input's name,
    /// the line's number and its text.
    fn next_line_with<R>(
        &mut self,
        f: impl FnOnce(&SshRecordRef<'_>, &str, u64, &str) -> R,
    ) -> Option<R> {
        let Reader {
            lines,
            name,
            parser,
            stats,
            ..
        } = self;
        let lines = lines.as_mut()?;
        loop {
            let (no, line) = lines.next_str()?;
            stats.lines += 1;
            match line {
                Err(e) => stats.malformed(e),
                Ok(text) => match parser.parse_ref(text) {
                    Some(r) => {
                        stats.events += 1;
                        return Some(f(&r, name, no, text));
                    }
                    None => stats.skipped += 1,
                },
            }
        }
    }

    /// Hands every remaining sshd line to `f` as a borrowed record.
    pub fn for_each_record(&mut self, mut f: impl FnMut(&SshRecordRef<'_>)) {
        self.for_each_line(|r, _, _, _| f(r));
    }

    /// Hands every remaining sshd line to `f` as a borrowed record with
    /// the input's name, the line's number and its text, so `f` builds an
    /// [`Event`] only for the lines it needs as events
    /// ([`SshRecordRef::to_event`] with that origin gives the event the
    /// iterator yields).
    pub fn for_each_line(&mut self, mut f: impl FnMut(&SshRecordRef<'_>, &str, u64, &str)) {
        match self.lines.as_mut() {
            Some(lines) if self.parallel.threads > 1 => {
                let parallel = self.parallel;
                parallel.for_each_line(lines, &mut self.parser, &mut self.stats, &mut f);
            }
            _ => while self.next_line_with(&mut f).is_some() {},
        }
    }

    /// Like [`for_each_line`](Self::for_each_line), handing every line to
    /// `f` once per shard, with its `tag` (computed once per line), each
    /// shard on a thread of its own (the first on the calling thread) when
    /// parsing on more than one thread, else one shard after the other per
    /// line. Each shard sees every line, in input order; how the shards
    /// split the work is up to `f` (the tag can say which shard a line is for).
    ///
    /// ```
    /// use soc_core::parse::ssh::{Reader, SshOptions};
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/auth.log");
    /// let opts = SshOptions { year: Some(2026), ..Default::default() };
    /// let mut all = 0u64;
    /// Reader::open(path, opts.clone()).unwrap().for_each_line(|_, _, _, _| all += 1);
    /// // Each shard counts every line, and the lines whose tag names it.
    /// let mut counts = [(0u64, 0u64); 3];
    /// let mut reader = Reader::open(path, opts).unwrap().with_threads(2);
    /// let tag = |r: &soc_core::parse::ssh::SshRecordRef<'_>| (r.pid.unwrap_or(0) % 3) as u16;
    /// let mut shard = 0;
    /// let mut shards = counts.map(|c| { shard += 1; (shard - 1, c) });
    /// reader.for_each_line_sharded(&mut shards, &tag, &|(i, (n, mine)), tag, _, _, _, _| {
    ///     *n += 1;
    ///     *mine += u64::from(tag == *i);
    /// });
    /// assert!(shards.iter().all(|(_, (n, _))| *n == all));
    /// assert_eq!(shards.iter().map(|(_, (_, mine))| mine).sum::<u64>(), all);
    /// ```
    pub fn for_each_line_sharded<S: Send>(
        &mut self,
        shards: &mut [S],
        tag: &Tag<'_>,
        f: &ShardFn<'_, S>,
    ) {
        match self.lines.as_mut() {
            Some(lines) if self.parallel.threads > 1 => {
                let parallel = self.parallel;
                parallel.for_each_line_sharded(
                    lines,
                    &mut self.parser,
                    &mut self.stats,
                    shards,
                    tag,
                    f,
                );
            }
            _ => {
                while self
                    .next_line_with(|r, file, line, text| {
                        let t = tag(r);
                        for s in shards.iter_mut() {
                            f(s, t, r, file, line, text);
                        }
                    })
                    .is_some()
                {}
            }
        }
    }

    /// Parses one line handed in by the caller, numbered after the last
    /// one, and counts it: the event, or `None` when it is not an sshd line.
    pub fn read_line(&mut self, line: &str) -> Option<Event> {
        self.stats.lines += 1;
        let origin = Origin {
            file: self.name.clone(),
            line: self.stats.lines,
        };
        let ev = self.parser.parse_line(line, origin);
        self.count(ev)
    }

    fn count(&mut self, ev: Option<Event>) -> Option<Event> {
        match ev {
            Some(e) => {
                self.stats.events += 1;
                Some(e)
            }
            None => {
                self.stats.skipped += 1;
                None
            }
        }
    }
}

impl Iterator for Reader {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        self.next_line_with(|r, file, line, text| {
            let file = file.to_string();
            r.to_event(text, Origin { file, line })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAIL: &str =
        "Jan  5 01:31:41 www sshd[9]: Failed password for root from 203.0.113.9 port 4242 ssh2";

    fn opts() -> SshOptions {
        SshOptions {
            year: Some(2024),
            ..SshOptions::default()
        }
    }

    /// Records and events count the same lines the same way.
    #[test]
    fn records_and_events_count_alike() {
        let text = format!("{FAIL}\n\nnot sshd at all\n\u{0}{FAIL}\n{FAIL}\n");
        let lr = || LineReader::from_reader(std::io::Cursor::new(text.clone()), "a.log").unwrap();
        let mut by_event = Reader::new(lr(), opts()).unwrap();
        let events: Vec<_> = by_event.by_ref().collect();
        let mut by_record = Reader::new(lr(), opts()).unwrap();
        let mut n = 0;
        by_record.for_each_record(|_| n += 1);
        assert_eq!(events.len(), n);
        assert_eq!(events[1].origin.as_ref().unwrap().line, 5);
        assert_eq!(events[1].origin.as_ref().unwrap().file, "a.log");
        assert_eq!(by_event.stats().summary(), by_record.stats().summary());
        assert_eq!(by_event.stats().lines, 5);
    }

    #[test]
    fn fed_lines_are_numbered_and_counted() {
        let mut r = Reader::for_lines("<lines>", opts()).unwrap();
        assert!(r.read_line("cron says hi").is_none());
        let e = r.read_line(FAIL).unwrap();
        assert_eq!(e.origin.unwrap().line, 2);
        assert_eq!(r.next(), None, "a fed reader has no input of its own");
        let s = r.take_stats();
        assert_eq!((s.lines, s.events, s.skipped), (2, 1, 1));
        assert_eq!(r.stats().lines, 0);
    }

    #[test]
    fn bad_time_zone_and_missing_file_are_errors() {
        let bad = SshOptions {
            tz: "Nowhere/Atlantis".into(),
            ..SshOptions::default()
        };
        assert!(matches!(
            Reader::for_lines("x", bad),
            Err(ParseError::BadOption { .. })
        ));
        let e = Reader::open("/nonexistent/auth.log", opts()).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/auth.log"), "{e}");
    }
}
