//! Finding files (globs, directories) and opening them at the right place.

use std::fs::{File, Metadata};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use flate2::read::MultiGzDecoder;

use super::tracked::{Input, Tracked, BUF_SIZE};
use super::{FileFormat, FileSource};
use crate::error::{ParseError, SourceError};
use crate::source::checkpoint::{FileIdentity, Fingerprint, FP_LEN};

/// A regular file found by a pattern.
#[derive(Debug, Clone)]
pub(super) struct Found {
    pub path: PathBuf,
    pub dev: u64,
    pub ino: u64,
    pub len: u64,
    mtime: SystemTime,
}

impl Found {
    fn new(path: PathBuf, meta: &Metadata) -> Self {
        Found {
            path,
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.len(),
            mtime: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
        }
    }
}

pub(super) fn invalid(path: &str, why: &str) -> SourceError {
    SourceError::Io {
        path: PathBuf::from(path),
        source: io::Error::new(io::ErrorKind::InvalidInput, why.to_string()),
    }
}

fn is_glob(p: &str) -> bool {
    p.contains(['*', '?', '['])
}

/// All regular files matching `patterns`, deduplicated by identity, oldest first.
/// With `strict`, a literal path that does not exist is an error.
pub(super) fn expand(patterns: &[String], strict: bool) -> Result<Vec<Found>, SourceError> {
    let mut out: Vec<Found> = Vec::new();
    let push = |path: PathBuf, meta: Metadata, out: &mut Vec<Found>| {
        if meta.is_file()
            && !out
                .iter()
                .any(|f| (f.dev, f.ino) == (meta.dev(), meta.ino()))
        {
            out.push(Found::new(path, &meta));
        }
    };
    for pat in patterns {
        if is_glob(pat) {
            let paths = glob::glob(pat).map_err(|e| {
                invalid(
                    pat,
                    &format!("invalid glob pattern: {e}; quote it in the config"),
                )
            })?;
            for path in paths.flatten() {
                if let Ok(meta) = std::fs::metadata(&path) {
                    push(path, meta, &mut out);
                }
            }
            continue;
        }
        let path = PathBuf::from(pat);
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => {
                let entries = std::fs::read_dir(&path).map_err(|source| SourceError::Io {
                    path: path.clone(),
                    source,
                })?;
                for entry in entries.flatten() {
                    if let Ok(meta) = std::fs::metadata(entry.path()) {
                        push(entry.path(), meta, &mut out);
                    }
                }
            }
            Ok(meta) => push(path, meta, &mut out),
            Err(source) if strict || source.kind() != io::ErrorKind::NotFound => {
                return Err(SourceError::Io { path, source });
            }
            Err(_) => {} // follow mode: wait for it to appear
        }
    }
    out.sort_by(|a, b| a.mtime.cmp(&b.mtime).then_with(|| a.path.cmp(&b.path)));
    Ok(out)
}

/// Looks for the file with identity `dev:ino` in the folders the patterns
/// watch (a file rotated to a name the patterns do not match).
pub(super) fn find_by_identity(patterns: &[String], dev: u64, ino: u64) -> Option<Found> {
    for pat in patterns {
        let p = Path::new(pat);
        let dir = if p.is_dir() {
            p.to_path_buf()
        } else {
            match p.parent() {
                Some(d) if !is_glob(&d.to_string_lossy()) => {
                    if d.as_os_str().is_empty() {
                        PathBuf::from(".")
                    } else {
                        d.to_path_buf()
                    }
                }
                _ => continue,
            }
        };
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            if let Ok(meta) = std::fs::metadata(entry.path()) {
                if meta.is_file() && meta.dev() == dev && meta.ino() == ino {
                    return Some(Found::new(entry.path(), &meta));
                }
            }
        }
    }
    None
}

fn is_gz(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

/// Reads up to `n` bytes from `r` (fewer only at end of input).
fn read_prefix(r: &mut impl Read, n: u64) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(n.min(FP_LEN) as usize);
    r.take(n).read_to_end(&mut buf)?;
    Ok(buf)
}

impl FileSource {
    /// Opens `f`, positioned at its checkpoint when `cp` matches it, at its
    /// last complete line when `at_end`, else at 0. `None` when there is
    /// nothing to read (a `.gz` already done) or it failed (error queued).
    /// With `only_if_same`, a file whose fingerprint does not match `cp` is
    /// left alone (an orphan's inode reused by an unrelated file).
    pub(super) fn open_file(
        &mut self,
        f: &Found,
        cp: Option<(&FileIdentity, u64)>,
        at_end: bool,
        only_if_same: bool,
    ) -> Option<Tracked> {
        match self.try_open(f, cp, at_end, only_if_same) {
            Ok(t) => t,
            Err(e)
                if is_gz(&f.path)
                    && self.opts.follow
                    && e.kind() == io::ErrorKind::UnexpectedEof =>
            {
                None // still being written; the next scan tries again
            }
            Err(source) => {
                if is_gz(&f.path) && source.kind() != io::ErrorKind::PermissionDenied {
                    // A corrupt `.gz` is reported once, then marked done.
                    let id = FileIdentity {
                        dev: f.dev,
                        ino: f.ino,
                        gz_done_size: Some(f.len),
                        ..FileIdentity::default()
                    };
                    let cp = crate::source::Checkpoint {
                        source_key: format!("{}{}:{}", self.key_prefix, f.dev, f.ino),
                        identity: id.encode(),
                        offset: 0,
                        line: 0,
                    };
                    self.finish_cp((f.dev, f.ino), cp);
                }
                self.errors.push_back(SourceError::Io {
                    path: f.path.clone(),
                    source,
                });
                None
            }
        }
    }

    fn try_open(
        &mut self,
        f: &Found,
        cp: Option<(&FileIdentity, u64)>,
        at_end: bool,
        only_if_same: bool,
    ) -> io::Result<Option<Tracked>> {
        let gz = is_gz(&f.path);
        if let Some((id, _)) = cp {
            if gz && id.gz_done_size == Some(f.len) {
                return Ok(None);
            }
        }
        let twin;
        let cp = match cp {
            None if gz => match self.gz_twin(f)? {
                Twin::Live => return Ok(None), // wait until the plain file is drained
                Twin::Done(id, offset) => {
                    tracing::info!(file = %f.path.display(), "compressed copy of a file already read; resuming where it ended");
                    twin = id;
                    Some((&twin, offset))
                }
                Twin::None => None,
            },
            cp => cp,
        };
        let file = File::open(&f.path)?;
        let mut input = if gz {
            Input::Gz(Box::new(BufReader::with_capacity(
                BUF_SIZE,
                MultiGzDecoder::new(file),
            )))
        } else {
            Input::Plain(BufReader::with_capacity(BUF_SIZE, file))
        };
        let format = self
            .opts
            .format
            .for_path(&f.path, looks_like_document(input.fill_buf()?));
        // Where to start: (offset, line, fingerprint of the prefix).
        let mut start = None;
        if let Some((id, offset)) = cp {
            let prefix = read_prefix(&mut input, id.fp_len)?;
            let fp = Fingerprint::of(&prefix);
            let same = prefix.len() as u64 == id.fp_len && fp.hex() == id.fp;
            if same && (gz || f.len >= offset) {
                start = Some((offset, id.line, fp));
            } else if only_if_same {
                return Ok(None);
            } else if !same {
                tracing::info!(file = %f.path.display(), "file replaced (fingerprint changed); reading it from the start");
            } else {
                tracing::info!(file = %f.path.display(), "file truncated; reading it from the start");
            }
        } else if at_end && !gz {
            start = Some(last_line_end(&mut input)?);
        }
        let (offset, line, fp) = start.unwrap_or((0, 0, Fingerprint::default()));
        // Position the reader at `offset`.
        match &mut input {
            Input::Plain(r) => {
                r.seek(SeekFrom::Start(offset))?;
            }
            Input::Gz(_) => {
                // Restart the decoder and skip `offset` decompressed bytes.
                input = Input::Gz(Box::new(BufReader::with_capacity(
                    BUF_SIZE,
                    MultiGzDecoder::new(File::open(&f.path)?),
                )));
                let skipped = io::copy(&mut (&mut input).take(offset), &mut io::sink())?;
                if skipped < offset {
                    return Ok(None); // nothing beyond the checkpoint
                }
            }
        }
        let mut t = Tracked::new(f.path.clone(), f.dev, f.ino, format, input, f.len);
        t.resume_at(offset, line, fp);
        if format == FileFormat::Csv && offset > 0 {
            let mut header = Vec::new();
            let file = File::open(&f.path)?;
            if gz {
                BufReader::new(MultiGzDecoder::new(file)).read_until(b'\n', &mut header)?;
            } else {
                BufReader::new(file).read_until(b'\n', &mut header)?;
            }
            if let Err(reason) = t.restore_header(&header) {
                self.errors
                    .push_back(SourceError::Parse(ParseError::Malformed {
                        source_name: f.path.display().to_string(),
                        line: 1,
                        reason,
                    }));
            }
        }
        Ok(Some(t))
    }
}

/// What a new `.gz` file is a compressed copy of.
enum Twin {
    None,
    /// A file still being read: wait for it to be drained.
    Live,
    /// A file read up to this checkpoint.
    Done(FileIdentity, u64),
}

impl FileSource {
    /// Finds the file a new `.gz` is a compressed copy of (logrotate's
    /// `compress`), by matching its decompressed first bytes against the
    /// fingerprints of known checkpoints, so its lines are not read twice.
    fn gz_twin(&self, f: &Found) -> io::Result<Twin> {
        let prefix = read_prefix(&mut MultiGzDecoder::new(File::open(&f.path)?), FP_LEN)?;
        let mut best: Option<(u64, Twin)> = None;
        let mut consider = |id: FileIdentity, offset: u64, live: bool| {
            let len = id.fp_len;
            if len == 0 || len as usize > prefix.len() || best.as_ref().is_some_and(|b| b.0 >= len)
            {
                return;
            }
            if Fingerprint::of(&prefix[..len as usize]).hex() == id.fp {
                best = Some((
                    len,
                    if live {
                        Twin::Live
                    } else {
                        Twin::Done(id, offset)
                    },
                ));
            }
        };
        for t in &self.files {
            let cp = t.checkpoint(&self.key_prefix, false);
            if let Some(id) = FileIdentity::decode(&cp.identity) {
                consider(id, cp.offset, !t.broken);
            }
        }
        for (_, cp) in &self.finished {
            if let Some(id) = FileIdentity::decode(&cp.identity) {
                consider(id, cp.offset, false);
            }
        }
        for (id, offset) in &self.startup_known {
            consider(id.clone(), *offset, false);
        }
        Ok(best.map(|b| b.1).unwrap_or(Twin::None))
    }
}

/// True when a `.json` file's start is a JSON document rather than JSON
/// lines: it opens an array, or its first line is not a complete value (a
/// pretty-printed object).
fn looks_like_document(head: &[u8]) -> bool {
    let start = head.iter().position(|b| !b.is_ascii_whitespace());
    let Some(start) = start else { return false };
    let head = &head[start..];
    match head[0] {
        b'[' => return true,
        b'{' => {}
        _ => return false,
    }
    match memchr::memchr(b'\n', head) {
        Some(i) => serde_json::from_slice::<serde_json::Value>(&head[..i]).is_err(),
        None => false,
    }
}

/// Scans a file to the end: the offset after its last `\n`, the number of
/// lines before it, and the fingerprint of its first bytes.
fn last_line_end(r: &mut Input) -> io::Result<(u64, u64, Fingerprint)> {
    let mut fp = Fingerprint::default();
    let (mut pos, mut end, mut lines) = (0u64, 0u64, 0u64);
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        let n = buf.len();
        for i in memchr::memchr_iter(b'\n', buf) {
            lines += 1;
            end = pos + i as u64 + 1;
        }
        fp.feed(pos, buf);
        pos += n as u64;
        r.consume(n);
    }
    // The fingerprint must cover only consumed bytes.
    if fp.len() > end {
        let mut again = Fingerprint::default();
        if let Input::Plain(file) = r {
            file.seek(SeekFrom::Start(0))?;
            again.feed(0, &read_prefix(file, end.min(FP_LEN))?);
        }
        fp = again;
    }
    Ok((end, lines, fp))
}
