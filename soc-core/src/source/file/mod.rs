//! Files, globs and directories, read once or followed like `tail -F`.
//!
//! * **Paths**: each pattern is a file, a directory (its regular files, not
//!   recursive) or a glob (`/var/log/auth.log*`). Files are read oldest first
//!   (by modification time), so `auth.log.2.gz`, `auth.log.1`, `auth.log`
//!   come out in time order.
//! * **Complete lines only**: a record is a line ending in `\n` (`\r\n` is
//!   stripped too; blank lines are skipped). A trailing line without its
//!   newline is *not* consumed: a writer may be half-way through it, and a
//!   cron `--once` run that read it would cut it in two. The next run (or the
//!   next poll) reads it complete. Exceptions: `.gz` files and files rotated
//!   away are complete, so their last line is read as is; set
//!   [`FileSourceOptions::read_partial_last_line`] for static exports that
//!   lack a final newline.
//! * **Invalid UTF-8** on a line yields `SourceError::Parse(ParseError::Malformed)`
//!   naming `file:line`, and reading goes on with the next line.
//! * **Checkpoints**: one per file identity (device + inode), with a
//!   fingerprint of the first consumed bytes (up to 1 KiB) against inode reuse,
//!   the byte offset after the last complete line yielded and the line count.
//!   On start, a file whose identity and fingerprint match resumes there; a
//!   file smaller than its offset was truncated and is read from 0. A
//!   checkpointed file that no longer matches the patterns (rotated to a name
//!   outside the glob) is looked up in the same directories and finished
//!   first, so a restart across a rotation neither skips nor repeats lines.
//! * **Follow mode**: when everything is read, [`FileSource::next_record`]
//!   re-stats the patterns: a path whose inode changed was rotated by rename
//!   (the old file keeps being read through the open handle until it has had
//!   no new bytes for [`FileSourceOptions::rotated_quiet`], because writers
//!   append to it until they reopen; the new one is read from 0); a file
//!   smaller than what was read, or whose first bytes (up to 1 KiB) no longer
//!   match what was read, was truncated (read again from 0, even when it was
//!   refilled past the old offset between two polls); new matches are opened
//!   from 0. Then it returns `None` if nothing
//!   arrived; wait [`FileSource::poll_interval`] and ask again, or use
//!   [`FileSource::next_record_blocking`].
//! * **`.gz`** files are decompressed and read once: a checkpoint marks them
//!   done by identity and compressed size. A new `.gz` whose decompressed
//!   first bytes match the fingerprint of a file already read (logrotate's
//!   `compress` of `auth.log.1` into `auth.log.2.gz`) is that file: it
//!   resumes where the file ended instead of yielding its lines again. A
//!   `.gz` still being written (follow mode) is picked up again later.
//! * **Formats** ([`FileFormat`]): lines (default), CSV (each row becomes a
//!   JSON object keyed by the header; quoted fields may span lines; on resume
//!   the header is read again from the file), or whole JSON documents (an
//!   array or concatenated values, one record per value; `line` is then the
//!   value's 1-based ordinal). `Auto` picks CSV for `.csv`, a document for a
//!   `.json` file that starts with `[` or with a pretty-printed object, and
//!   lines otherwise.
//!
//! ```
//! use soc_core::source::{FileSource, FileSourceOptions, LogSource, SourceKind};
//!
//! let dir = tempfile::tempdir().unwrap();
//! std::fs::write(dir.path().join("a.log"), "one\ntwo\nhalf").unwrap();
//! let mut src = FileSource::open(
//!     &[dir.path().display().to_string()], SourceKind::Ssh, FileSourceOptions::default(), None,
//! ).unwrap();
//! let texts: Vec<String> = std::iter::from_fn(|| src.next_record()).map(|r| r.unwrap().text).collect();
//! assert_eq!(texts, ["one", "two"]); // "half" waits for its newline
//! assert_eq!(src.checkpoints()[0].offset, 8);
//! ```

mod block;
mod open;
mod options;
mod tracked;

use std::collections::{HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::SourceError;
use crate::parse::line_block::LineBlock;
use crate::source::checkpoint::{Checkpoint, FileIdentity};
use crate::source::{LogSource, SourceKind, SourceRecord};
use crate::store::StateStore;
use block::BlockEnd;
pub use options::{FileFormat, FileSourceOptions};
use tracked::{Drained, ReadCtx, Step, Tracked};

/// Reads files, globs and directories; see the [module docs](self).
pub struct FileSource {
    name: String,
    key_prefix: String,
    patterns: Vec<String>,
    kind: SourceKind,
    opts: FileSourceOptions,
    store: Option<Arc<StateStore>>,
    files: Vec<Tracked>,
    /// Checkpoints of files read to their end and dropped (rotated away, `.gz`).
    finished: VecDeque<((u64, u64), Checkpoint)>,
    /// Errors met while scanning, yielded before further records.
    errors: VecDeque<SourceError>,
    /// Checkpoints found in the store at start (to recognise compressed copies).
    startup_known: Vec<(FileIdentity, u64)>,
    cursor: usize,
    /// The last block ended at the end of the current file's data: the
    /// next read goes through `next_record` (which moves on).
    block_at_eof: bool,
}

impl std::fmt::Debug for FileSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileSource")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("follow", &self.opts.follow)
            .field("files", &self.files.len())
            .finish()
    }
}

/// How many finished files' checkpoints are kept in memory.
const MAX_FINISHED: usize = 256;

impl FileSource {
    /// Opens the files matching `patterns`, resuming from the checkpoints in
    /// `store` when given.
    ///
    /// Fails when a pattern is not a valid glob, or (one-shot mode) when a
    /// literal path does not exist. In follow mode a missing path is waited for.
    pub fn open(
        patterns: &[impl AsRef<str>],
        kind: SourceKind,
        opts: FileSourceOptions,
        store: Option<Arc<StateStore>>,
    ) -> Result<Self, SourceError> {
        let patterns: Vec<String> = patterns.iter().map(|p| p.as_ref().to_string()).collect();
        if patterns.is_empty() {
            return Err(open::invalid("", "no path given"));
        }
        let name = opts.name.clone().unwrap_or_else(|| patterns.join(","));
        let mut src = FileSource {
            key_prefix: format!("file:{name}@"),
            name,
            patterns,
            kind,
            opts,
            store,
            files: Vec::new(),
            finished: VecDeque::new(),
            errors: VecDeque::new(),
            startup_known: Vec::new(),
            cursor: 0,
            block_at_eof: false,
        };
        src.start()?;
        Ok(src)
    }

    /// How long to wait after a `None` before polling again (follow mode).
    pub fn poll_interval(&self) -> Duration {
        self.opts.poll_interval
    }

    /// Like [`next_record`](LogSource::next_record), but when following waits
    /// (polling every [`poll_interval`](Self::poll_interval)) up to `timeout`
    /// for something to arrive. `None` means end (one-shot) or timeout.
    pub fn next_record_blocking(
        &mut self,
        timeout: Duration,
    ) -> Option<Result<SourceRecord, SourceError>> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(r) = self.next_record() {
                return Some(r);
            }
            let now = Instant::now();
            if !self.opts.follow || now >= deadline {
                return None;
            }
            std::thread::sleep(self.opts.poll_interval.min(deadline - now));
        }
    }

    /// Paths of the files currently open.
    pub fn open_files(&self) -> Vec<PathBuf> {
        self.files.iter().map(|t| t.path.clone()).collect()
    }

    fn ctx(&self) -> ReadCtx {
        ReadCtx {
            kind: self.kind,
            follow: self.opts.follow,
            max_line_bytes: self.opts.max_line_bytes.max(1),
            read_partial_last_line: self.opts.read_partial_last_line,
        }
    }

    /// The initial scan: resume known files, finish rotated-away ones, open new ones.
    fn start(&mut self) -> Result<(), SourceError> {
        let stored = match &self.store {
            Some(s) => s.checkpoints_with_prefix(&self.key_prefix)?,
            None => Default::default(),
        };
        let mut known = std::collections::HashMap::new();
        for (key, (identity, offset)) in stored {
            if let Some(id) = FileIdentity::decode(&identity) {
                known.insert((id.dev, id.ino), (key, id, offset));
            }
        }
        self.startup_known = known.values().map(|(_, id, o)| (id.clone(), *o)).collect();
        let found = open::expand(&self.patterns, !self.opts.follow)?;
        if found.is_empty() {
            tracing::warn!(source = %self.name, "no file matches (yet)");
        }
        let mut seen = HashSet::new();
        for f in &found {
            seen.insert((f.dev, f.ino));
        }
        // Checkpointed files no longer matched: rotated out of the glob? Finish them first.
        let orphans: Vec<_> = known
            .iter()
            .filter(|(k, _)| !seen.contains(k))
            .map(|(_, v)| v.clone())
            .collect();
        for (key, id, offset) in orphans {
            let resumed = open::find_by_identity(&self.patterns, id.dev, id.ino)
                .and_then(|f| self.open_file(&f, Some((&id, offset)), false, true));
            match resumed {
                Some(mut t) => {
                    t.draining = true;
                    self.files.push(t);
                }
                // Gone, or its inode now holds another file: forget it.
                None => {
                    if let Some(store) = &self.store {
                        store.delete_checkpoint(&key)?;
                    }
                }
            }
        }
        for f in found {
            let cp = known.get(&(f.dev, f.ino));
            match self.open_file(
                &f,
                cp.map(|(_, id, off)| (id, *off)),
                !self.opts.from_start,
                false,
            ) {
                Some(t) => self.files.push(t),
                None => {
                    // Done already (a `.gz` read before): remember, so rescans skip it.
                    if let Some((key, id, offset)) = cp {
                        let cp = Checkpoint {
                            source_key: key.clone(),
                            identity: id.encode(),
                            offset: *offset,
                            line: id.line,
                        };
                        self.finish_cp((f.dev, f.ino), cp);
                    }
                }
            }
        }
        Ok(())
    }

    /// Follow mode: re-stat the patterns for rotation, truncation and new files.
    fn rescan(&mut self) {
        let found = match open::expand(&self.patterns, false) {
            Ok(f) => f,
            Err(e) => {
                self.errors.push_back(e);
                return;
            }
        };
        let mut seen = HashSet::new();
        for f in &found {
            seen.insert((f.dev, f.ino));
            if let Some(t) = self
                .files
                .iter_mut()
                .find(|t| (t.dev, t.ino) == (f.dev, f.ino))
            {
                t.set_path(&f.path);
                t.at_eof = false;
                // Truncated: smaller than what was read, or (written again past
                // the old offset within one poll) its first bytes changed.
                let truncated =
                    !t.gz && (f.len < t.read_pos() || t.prefix_changed().unwrap_or(false));
                if truncated {
                    tracing::info!(file = %f.path.display(), "file truncated; reading it again from the start");
                    if let Err(e) = t.restart() {
                        self.errors.push_back(SourceError::Io {
                            path: f.path.clone(),
                            source: e,
                        });
                    }
                }
                continue;
            }
            let cp = self
                .finished
                .iter()
                .position(|(k, _)| *k == (f.dev, f.ino))
                .and_then(|i| self.finished.remove(i))
                .map(|(_, cp)| cp);
            let decoded = cp
                .as_ref()
                .and_then(|cp| FileIdentity::decode(&cp.identity).map(|id| (id, cp.offset)));
            let opened = self.open_file(f, decoded.as_ref().map(|(id, o)| (id, *o)), false, false);
            match opened {
                Some(t) => self.files.push(t),
                None => {
                    if let Some(cp) = cp {
                        self.finish_cp((f.dev, f.ino), cp);
                    }
                }
            }
        }
        for t in &mut self.files {
            if !seen.contains(&(t.dev, t.ino)) {
                if !t.draining {
                    tracing::info!(file = %t.path.display(), "file rotated or removed; reading it to its end");
                }
                t.draining = true;
                t.at_eof = false;
            }
        }
    }

    pub(super) fn finish_cp(&mut self, id: (u64, u64), cp: Checkpoint) {
        self.finished.retain(|(k, _)| *k != id);
        self.finished.push_back((id, cp));
        while self.finished.len() > MAX_FINISHED {
            self.finished.pop_front();
        }
    }
}

impl LogSource for FileSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn next_record(&mut self) -> Option<Result<SourceRecord, SourceError>> {
        let ctx = self.ctx();
        let mut rescanned = false;
        loop {
            if let Some(e) = self.errors.pop_front() {
                return Some(Err(e));
            }
            while self.cursor < self.files.len() {
                let t = &mut self.files[self.cursor];
                if t.broken {
                    // Reported once; a `.gz` is marked done, a plain file is retried
                    // from its checkpoint when a later scan finds it again.
                    let t = self.files.remove(self.cursor);
                    let cp = t.checkpoint(&self.key_prefix, !t.incomplete);
                    self.finish_cp((t.dev, t.ino), cp);
                    continue;
                }
                if t.at_eof {
                    self.cursor += 1;
                    continue;
                }
                match t.next(&ctx) {
                    Step::Record(r) => return Some(Ok(r)),
                    Step::Error(e) => return Some(Err(e)),
                    Step::Eof if t.broken => {} // removed on the next turn
                    Step::Eof => {
                        t.at_eof = true;
                        let done = t.gz
                            || (t.draining
                                && match t.drained(ctx.follow, self.opts.rotated_quiet) {
                                    Drained::Done => true,
                                    Drained::FinalPass => continue,
                                    Drained::Waiting => false,
                                });
                        if done {
                            let t = self.files.remove(self.cursor);
                            let cp = t.checkpoint(&self.key_prefix, true);
                            self.finish_cp((t.dev, t.ino), cp);
                        } else {
                            self.cursor += 1;
                        }
                    }
                }
            }
            if !self.opts.follow || rescanned {
                return None;
            }
            self.rescan();
            rescanned = true;
            self.cursor = 0;
        }
    }

    fn block_kind(&self) -> Option<SourceKind> {
        matches!(self.opts.format, FileFormat::Auto | FileFormat::Lines).then_some(self.kind)
    }

    fn read_block(&mut self, block: &mut LineBlock, max_bytes: usize, max_lines: usize) -> bool {
        if std::mem::take(&mut self.block_at_eof) || !self.errors.is_empty() {
            return false;
        }
        let ctx = self.ctx();
        let Some(t) = self.files.get_mut(self.cursor) else {
            return false;
        };
        if t.broken || t.at_eof || t.format != FileFormat::Lines {
            return false;
        }
        match t.read_block(&ctx, block, max_bytes, max_lines) {
            BlockEnd::Full => {}
            BlockEnd::Eof => self.block_at_eof = true,
            BlockEnd::Error(e) => self.errors.push_back(e),
        }
        !block.is_empty()
    }

    fn checkpoints(&self) -> Vec<Checkpoint> {
        self.finished
            .iter()
            .map(|(_, cp)| cp.clone())
            .chain(
                self.files
                    .iter()
                    .map(|t| t.checkpoint(&self.key_prefix, false)),
            )
            .collect()
    }

    fn is_following(&self) -> bool {
        self.opts.follow
    }

    fn poll_interval(&self) -> Duration {
        self.opts.poll_interval
    }
}
