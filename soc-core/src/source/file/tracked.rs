//! One open file of a [`FileSource`](super::FileSource): its reader, how far
//! it has been consumed, and turning its bytes into records.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::PathBuf;

use flate2::read::MultiGzDecoder;

use super::FileFormat;
use crate::error::{ParseError, SourceError};
use crate::model::Origin;
use crate::source::checkpoint::{Checkpoint, FileIdentity, Fingerprint};
use crate::source::lines::{json_document, json_incomplete, Framer, Framing};
use crate::source::{SourceKind, SourceRecord};

/// Read buffer size: large, so reading is never the bottleneck.
pub(super) const BUF_SIZE: usize = 256 * 1024;

/// A plain or gzip-compressed input.
pub(super) enum Input {
    Plain(BufReader<File>),
    Gz(Box<BufReader<MultiGzDecoder<File>>>),
}

impl Read for Input {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Input::Plain(r) => r.read(buf),
            Input::Gz(r) => r.read(buf),
        }
    }
}

impl BufRead for Input {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        match self {
            Input::Plain(r) => r.fill_buf(),
            Input::Gz(r) => r.fill_buf(),
        }
    }
    fn consume(&mut self, amt: usize) {
        match self {
            Input::Plain(r) => r.consume(amt),
            Input::Gz(r) => r.consume(amt),
        }
    }
}

/// Where a draining file stands at its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Drained {
    /// Quiet long enough (or not following): drop it.
    Done,
    /// Read it once more, taking a last line without newline.
    FinalPass,
    /// Still within the grace period: poll it again later.
    Waiting,
}

/// What one read step produced.
pub(super) enum Step {
    Record(SourceRecord),
    Error(SourceError),
    Eof,
}

/// Per-read settings shared by all files of a source.
pub(super) struct ReadCtx {
    pub kind: SourceKind,
    pub follow: bool,
    pub max_line_bytes: usize,
    pub read_partial_last_line: bool,
}

/// One file being read.
pub(super) struct Tracked {
    pub path: PathBuf,
    /// `path` as text, for origins and errors.
    pub(super) display: String,
    /// A read failed (I/O error, corrupt gzip): stop reading this file.
    pub broken: bool,
    /// Broken only because a `.gz` ended early: not done, retry later.
    pub incomplete: bool,
    pub dev: u64,
    pub ino: u64,
    pub gz: bool,
    pub format: FileFormat,
    pub(super) input: Input,
    /// Bytes consumed: complete lines (decompressed bytes for `.gz`).
    pub offset: u64,
    /// Lines consumed.
    pub line: u64,
    /// Bytes read but not consumed yet (an incomplete last line).
    pub(super) partial: Vec<u8>,
    /// Inside an over-long line that was reported and is being skipped.
    pub(super) skipping: bool,
    pub(super) fp: Fingerprint,
    framer: Framer,
    queue: VecDeque<(String, u64)>,
    /// `(offset, line)` before the JSON document whose values are queued.
    doc_start: (u64, u64),
    pub at_eof: bool,
    /// No longer at a watched path (rotated away or deleted): read until it
    /// has been quiet for the rotation grace period, then drop.
    pub draining: bool,
    /// Since when (and at which read position) a draining file has had no
    /// new bytes.
    pub quiet_since: Option<(std::time::Instant, u64)>,
    /// A draining file's final pass: its last line counts without newline.
    pub finishing: bool,
    /// Compressed size of a `.gz` file.
    pub gz_size: u64,
    /// The warning about a last line without newline was logged.
    warned_partial: bool,
}

impl Tracked {
    pub fn new(
        path: PathBuf,
        dev: u64,
        ino: u64,
        format: FileFormat,
        input: Input,
        gz_size: u64,
    ) -> Self {
        let gz = matches!(input, Input::Gz(_));
        Tracked {
            display: path.display().to_string(),
            broken: false,
            incomplete: false,
            path,
            dev,
            ino,
            gz,
            format,
            input,
            offset: 0,
            line: 0,
            partial: Vec::new(),
            skipping: false,
            fp: Fingerprint::default(),
            framer: Framer::new(if format == FileFormat::Csv {
                Framing::Csv
            } else {
                Framing::Lines
            }),
            queue: VecDeque::new(),
            doc_start: (0, 0),
            at_eof: false,
            draining: false,
            quiet_since: None,
            finishing: false,
            gz_size,
            warned_partial: false,
        }
    }

    /// Sets the resume position (the reader must already be positioned there).
    pub fn resume_at(&mut self, offset: u64, line: u64, fp: Fingerprint) {
        self.offset = offset;
        self.line = line;
        self.fp = fp;
    }

    /// Restores the CSV header from the file's first line.
    pub fn restore_header(&mut self, first_line: &[u8]) -> Result<(), String> {
        self.framer.set_header_line(first_line)
    }

    /// Position in the underlying file up to which bytes were read.
    pub fn read_pos(&self) -> u64 {
        self.offset + self.partial.len() as u64
    }

    fn name(&self) -> String {
        self.display.clone()
    }

    /// The file was found under another name (renamed by rotation).
    pub fn set_path(&mut self, path: &std::path::Path) {
        if self.path != path {
            self.path = path.to_path_buf();
            self.display = path.display().to_string();
        }
    }

    /// Whether the file's first bytes differ from those consumed (it was
    /// truncated and written again, perhaps past the old offset): the
    /// fingerprint check `--once` does at start, done while following.
    pub fn prefix_changed(&self) -> io::Result<bool> {
        use std::os::unix::fs::FileExt;
        let Input::Plain(r) = &self.input else {
            return Ok(false);
        };
        let want = self.fp.len() as usize;
        if want == 0 {
            return Ok(false);
        }
        let mut buf = vec![0u8; want];
        let mut got = 0;
        while got < want {
            match r.get_ref().read_at(&mut buf[got..], got as u64) {
                Ok(0) => return Ok(true), // shorter than what was read
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(Fingerprint::of(&buf).hex() != self.fp.hex())
    }

    /// A draining file at its end: `true` when it is done (it was quiet for
    /// `quiet`, or `follow` is off). When the quiet time has just run out the
    /// file gets one final pass (so a last line without newline is read).
    pub fn drained(&mut self, follow: bool, quiet: std::time::Duration) -> Drained {
        if !follow || self.finishing {
            return Drained::Done;
        }
        let now = std::time::Instant::now();
        match self.quiet_since {
            Some((since, pos)) if pos == self.read_pos() => {
                if now.duration_since(since) >= quiet {
                    self.finishing = true;
                    self.at_eof = false;
                    return Drained::FinalPass;
                }
            }
            _ => self.quiet_since = Some((now, self.read_pos())),
        }
        Drained::Waiting
    }

    /// Starts over at byte 0 (the file was truncated in place).
    pub fn restart(&mut self) -> io::Result<()> {
        if let Input::Plain(r) = &mut self.input {
            r.seek(SeekFrom::Start(0))?;
        }
        self.offset = 0;
        self.line = 0;
        self.partial.clear();
        self.skipping = false;
        self.fp = Fingerprint::default();
        self.framer.reset();
        self.queue.clear();
        self.at_eof = false;
        Ok(())
    }

    /// The checkpoint covering what has been yielded from this file.
    pub fn checkpoint(&self, key_prefix: &str, done: bool) -> Checkpoint {
        let (offset, line) = match self.framer.pending_start() {
            Some((o, l)) => (o, l.saturating_sub(1)),
            // Values of a JSON document not all yielded yet: resume before it.
            None if !self.queue.is_empty() => self.doc_start,
            None => (self.offset, self.line),
        };
        let id = FileIdentity {
            dev: self.dev,
            ino: self.ino,
            fp: self.fp.hex(),
            fp_len: self.fp.len(),
            line,
            gz_done_size: (done && self.gz).then_some(self.gz_size),
        };
        Checkpoint {
            source_key: format!("{key_prefix}{}:{}", self.dev, self.ino),
            identity: id.encode(),
            offset,
            line,
        }
    }

    fn malformed(&self, line: u64, reason: String) -> Step {
        Step::Error(SourceError::Parse(ParseError::Malformed {
            source_name: self.name(),
            line,
            reason,
        }))
    }

    fn record(&self, text: String, line: u64, kind: SourceKind) -> Step {
        Step::Record(SourceRecord {
            kind,
            text,
            origin: Origin {
                file: self.name(),
                line,
            },
        })
    }

    /// Reads the next record, error, or end of the data available now.
    pub fn next(&mut self, ctx: &ReadCtx) -> Step {
        if self.format == FileFormat::Json {
            return self.next_json(ctx);
        }
        loop {
            let limit = ctx
                .max_line_bytes
                .saturating_add(1)
                .saturating_sub(self.partial.len()) as u64;
            let n = match (&mut self.input)
                .take(limit.max(1))
                .read_until(b'\n', &mut self.partial)
            {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if self.gz && ctx.follow && e.kind() == io::ErrorKind::UnexpectedEof => {
                    // A `.gz` still being written (logrotate compressing): drop it
                    // unfinished; a later scan resumes it from its checkpoint.
                    self.at_eof = true;
                    self.broken = true;
                    self.incomplete = true;
                    return Step::Eof;
                }
                Err(e) => {
                    // Unreadable from here on (I/O error, corrupt gzip): stop this file.
                    self.at_eof = true;
                    self.broken = true;
                    return Step::Error(SourceError::Io {
                        path: self.path.clone(),
                        source: e,
                    });
                }
            };
            let complete = self.partial.last() == Some(&b'\n');
            if n == 0 && !complete {
                // End of the data available now.
                let last_chance =
                    self.gz || self.final_pass(ctx) || (!ctx.follow && ctx.read_partial_last_line);
                if !self.partial.is_empty() && last_chance {
                    if let Some(step) = self.consume_line(ctx) {
                        return step;
                    }
                    continue;
                }
                if last_chance || !ctx.follow {
                    if let Some(Err((line, reason))) = self.framer.finish() {
                        return self.malformed(line, reason);
                    }
                }
                if !self.partial.is_empty() && !ctx.follow && !self.skipping && !self.warned_partial
                {
                    self.warned_partial = true;
                    tracing::warn!(
                        file = %self.path.display(),
                        "last line has no newline yet; it will be read once it is complete"
                    );
                }
                return Step::Eof;
            }
            if !complete && self.partial.len() > ctx.max_line_bytes {
                // Over-long line: report once, then skip to its end.
                let at = self.offset;
                self.fp.feed(at, &self.partial);
                self.offset += self.partial.len() as u64;
                self.partial.clear();
                if !self.skipping {
                    self.skipping = true;
                    return self.malformed(
                        self.line + 1,
                        format!("line longer than {} bytes; skipped", ctx.max_line_bytes),
                    );
                }
                continue;
            }
            if complete {
                if let Some(step) = self.consume_line(ctx) {
                    return step;
                }
            }
        }
    }

    /// Whether this read is a rotated file's last: one-shot (a rotated-away
    /// file is complete), or following once its grace period ran out.
    fn final_pass(&self, ctx: &ReadCtx) -> bool {
        self.draining && (!ctx.follow || self.finishing)
    }

    /// Consumes the line in `partial` (complete, or final); a record or error if it made one.
    fn consume_line(&mut self, ctx: &ReadCtx) -> Option<Step> {
        let at = self.offset;
        let bytes = std::mem::take(&mut self.partial);
        self.fp.feed(at, &bytes);
        self.offset += bytes.len() as u64;
        self.line += 1;
        let out = if self.skipping {
            self.skipping = false;
            None
        } else {
            match self.framer.line(&bytes, at, self.line) {
                None => None,
                Some(Ok(f)) => Some(self.record(f.text, f.line, ctx.kind)),
                Some(Err((line, reason))) => Some(self.malformed(line, reason)),
            }
        };
        // Keep the allocation for the next line.
        self.partial = bytes;
        self.partial.clear();
        out
    }

    /// JSON documents: parsed whole once complete; one record per value.
    fn next_json(&mut self, ctx: &ReadCtx) -> Step {
        if let Some((text, n)) = self.queue.pop_front() {
            return self.record(text, n, ctx.kind);
        }
        if let Err(e) = self.input.read_to_end(&mut self.partial) {
            self.at_eof = true;
            self.broken = true;
            return Step::Error(SourceError::Io {
                path: self.path.clone(),
                source: e,
            });
        }
        if self.partial.iter().all(|b| b.is_ascii_whitespace()) {
            return Step::Eof;
        }
        let parsed = json_document(&self.partial);
        if parsed.is_err() && ctx.follow && !self.final_pass(ctx) && json_incomplete(&self.partial)
        {
            return Step::Eof; // still being written
        }
        let at = self.offset;
        self.doc_start = (self.offset, self.line);
        let bytes = std::mem::take(&mut self.partial);
        self.fp.feed(at, &bytes);
        self.offset += bytes.len() as u64;
        match parsed {
            Ok(values) => {
                for v in values {
                    self.line += 1;
                    self.queue.push_back((v, self.line));
                }
                self.next_json(ctx)
            }
            Err(reason) => self.malformed(self.line + 1, reason),
        }
    }
}
