//! Streaming line reader: bounded memory, `.gz` transparent, invalid UTF-8
//! reported per line.
//!
//! ```
//! use std::io::Write;
//! use soc_core::parse::lines::LineReader;
//!
//! let mut f = tempfile::NamedTempFile::new().unwrap();
//! f.write_all(b"one\n\xff\xfe\nthree").unwrap();
//! let got: Vec<_> = LineReader::open(f.path()).unwrap().collect();
//! assert_eq!(got.len(), 3);
//! assert_eq!(got[0].1.as_deref().unwrap(), "one");
//! assert!(got[1].1.is_err()); // invalid UTF-8: reported, reading goes on
//! assert_eq!(got[2].0, 3);
//! assert_eq!(got[2].1.as_deref().unwrap(), "three");
//! ```

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;

use crate::error::ParseError;

/// Longest line kept in full (1 MiB); longer lines are reported as malformed
/// and skipped without holding them in memory.
pub const MAX_LINE: usize = 1 << 20;

/// Reads a file (or any reader) line by line. Gzip input (by magic bytes)
/// is decompressed on the fly. Yields `(line_no, Ok(text))` with the line
/// ending removed, or `(line_no, Err(ParseError::Malformed))` for a line that
/// is not UTF-8 or is longer than [`MAX_LINE`]. An I/O error ends the
/// iteration after being yielded once.
pub struct LineReader {
    inner: Box<dyn BufRead + Send>,
    name: String,
    line: u64,
    buf: Vec<u8>,
    done: bool,
    /// Bytes of the line handed out last, consumed on the next read.
    pending: usize,
}

impl std::fmt::Debug for LineReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LineReader")
            .field("name", &self.name)
            .field("line", &self.line)
            .finish()
    }
}

impl LineReader {
    /// Opens `path`; `-` reads standard input.
    pub fn open(path: impl AsRef<Path>) -> Result<LineReader, ParseError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        if name == "-" {
            return Self::from_reader(io::stdin(), "<stdin>");
        }
        let file = File::open(path).map_err(|source| ParseError::Io {
            path: name.clone(),
            source,
        })?;
        Self::from_reader(file, &name)
    }

    /// Reads from any reader, named `name` in errors. Gzip is detected by
    /// its magic bytes.
    pub fn from_reader(
        reader: impl Read + Send + 'static,
        name: &str,
    ) -> Result<LineReader, ParseError> {
        let mut br = BufReader::with_capacity(256 * 1024, reader);
        let head = br.fill_buf().map_err(|source| ParseError::Io {
            path: name.to_string(),
            source,
        })?;
        let inner: Box<dyn BufRead + Send> = if head.starts_with(&[0x1f, 0x8b]) {
            Box::new(BufReader::with_capacity(
                256 * 1024,
                MultiGzDecoder::new(br),
            ))
        } else {
            Box::new(br)
        };
        Ok(LineReader {
            inner,
            name: name.to_string(),
            line: 0,
            buf: Vec::with_capacity(512),
            done: false,
            pending: 0,
        })
    }

    /// The name used in errors (the path, or `<stdin>`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Hands out the raw bytes of each line without UTF-8 validation (for
    /// byte-level fast paths). `None` at end.
    pub fn next_bytes(&mut self) -> Option<(u64, Result<&[u8], ParseError>)> {
        self.next_named().map(|(_, no, bytes)| (no, bytes))
    }

    /// Lines handed out so far (the number of the last one).
    pub fn lines_read(&self) -> u64 {
        self.line
    }

    /// Appends to `dst` the whole lines that are in the reader's buffer,
    /// at most `room` bytes of them, as they are (each with its `\n`, a
    /// `\r` before it kept), and returns how many. 0 when the next line
    /// is not whole within the buffer and `room` (or is the last one
    /// without a newline, or there is none, or reading fails): read it
    /// with [`LineReader::next_bytes`], which numbers and reports it as
    /// usual. The lines of a block are shorter than the buffer, so never
    /// longer than [`MAX_LINE`]; they are not checked for UTF-8.
    pub fn read_block(&mut self, dst: &mut Vec<u8>, room: usize) -> usize {
        if self.done {
            return 0;
        }
        self.inner.consume(std::mem::take(&mut self.pending));
        let Ok(avail) = self.inner.fill_buf() else {
            return 0;
        };
        let window = &avail[..avail.len().min(room).min(MAX_LINE)];
        let Some(last) = memchr::memrchr(b'\n', window) else {
            return 0;
        };
        let block = &avail[..=last];
        let n = memchr::memchr_iter(b'\n', block).count();
        dst.extend_from_slice(block);
        self.inner.consume(last + 1);
        self.line += n as u64;
        n
    }

    /// Like the iterator, but lends each line instead of allocating it.
    /// `None` at end.
    pub fn next_str(&mut self) -> Option<(u64, Result<&str, ParseError>)> {
        let (name, no, bytes) = self.next_named()?;
        Some((no, bytes.and_then(|b| line_text(name, no, b))))
    }

    /// The next line's bytes with the reader's name (borrowed side by side).
    fn next_named(&mut self) -> Option<Named<'_>> {
        let LineReader {
            inner,
            name,
            line,
            buf,
            done,
            pending,
        } = self;
        let (no, bytes) = read_line(inner.as_mut(), buf, pending, name, line, done)?;
        Some((name, no, bytes))
    }
}

/// Line `no` of `name` as text, or the malformed-line error for a line
/// that is not UTF-8 (what [`LineReader::next_str`] hands out).
pub(crate) fn line_text<'a>(name: &str, no: u64, bytes: &'a [u8]) -> Result<&'a str, ParseError> {
    std::str::from_utf8(bytes).map_err(|e| ParseError::Malformed {
        source_name: name.to_string(),
        line: no,
        reason: format!("invalid UTF-8 at byte {}; line skipped", e.valid_up_to()),
    })
}

/// A line's bytes, with the reader's name and the line number.
type Named<'a> = (&'a str, u64, Result<&'a [u8], ParseError>);

/// The next line of a [`LineReader`] (its fields), numbered.
fn read_line<'a>(
    inner: &'a mut (dyn BufRead + Send),
    buf: &'a mut Vec<u8>,
    pending: &mut usize,
    name: &str,
    line: &mut u64,
    done: &mut bool,
) -> Option<(u64, Result<&'a [u8], ParseError>)> {
    if *done {
        return None;
    }
    let malformed = |line, reason| ParseError::Malformed {
        source_name: name.to_string(),
        line,
        reason,
    };
    match next_raw(inner, buf, pending) {
        Ok(None) => {
            *done = true;
            None
        }
        Ok(Some(bytes)) => {
            *line += 1;
            let reason = || format!("line longer than {MAX_LINE} bytes; skipped");
            Some((*line, bytes.ok_or_else(|| malformed(*line, reason()))))
        }
        Err(e) => {
            *done = true;
            *line += 1;
            let reason = format!("read error, stopping here: {e}");
            Some((*line, Err(malformed(*line, reason))))
        }
    }
}

/// Reads the next line's bytes (line ending removed): a slice of the
/// reader's buffer when the whole line is in it (the common case: no
/// copy; it is consumed on the next call), else assembled in `buf`.
/// `Ok(None)` at end of input; `Ok(Some(None))` when the line was too long
/// (skipped).
fn next_raw<'a>(
    inner: &'a mut (dyn BufRead + Send),
    buf: &'a mut Vec<u8>,
    pending: &mut usize,
) -> io::Result<Option<Option<&'a [u8]>>> {
    inner.consume(std::mem::take(pending));
    let found = loop {
        match inner.fill_buf() {
            Ok([]) => return Ok(None),
            Ok(avail) => break memchr::memchr(b'\n', avail),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    };
    if let Some(i) = found.filter(|&i| i <= MAX_LINE) {
        *pending = i + 1;
        // The same buffer again: `fill_buf` reads only when it is empty.
        let avail = inner.fill_buf()?;
        return Ok(Some(Some(trim_cr(avail.get(..i).unwrap_or(&[])))));
    }
    buf.clear();
    let mut too_long = false;
    loop {
        let avail = match inner.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            break;
        }
        let (chunk, found) = match memchr::memchr(b'\n', avail) {
            Some(i) => (&avail[..i], Some(i)),
            None => (avail, None),
        };
        if !too_long {
            if buf.len() + chunk.len() > MAX_LINE {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(chunk);
            }
        }
        match found {
            Some(i) => {
                inner.consume(i + 1);
                break;
            }
            None => {
                let n = avail.len();
                inner.consume(n);
            }
        }
    }
    Ok(Some((!too_long).then_some(trim_cr(buf))))
}

/// `b` without one trailing `\r`.
pub(crate) fn trim_cr(b: &[u8]) -> &[u8] {
    b.strip_suffix(b"\r").unwrap_or(b)
}

impl Iterator for LineReader {
    type Item = (u64, Result<String, ParseError>);

    fn next(&mut self) -> Option<Self::Item> {
        self.next_str()
            .map(|(no, text)| (no, text.map(str::to_string)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn gzip_is_transparent_and_crlf_trimmed() {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"a\r\nb\n").unwrap();
        let gz = enc.finish().unwrap();
        let r = LineReader::from_reader(io::Cursor::new(gz), "x.gz").unwrap();
        let v: Vec<String> = r.map(|(_, l)| l.unwrap()).collect();
        assert_eq!(v, vec!["a", "b"]);
    }

    #[test]
    fn overlong_line_is_malformed_and_reading_continues() {
        let mut data = vec![b'x'; MAX_LINE + 10];
        data.extend_from_slice(b"\nok\n");
        let r = LineReader::from_reader(io::Cursor::new(data), "big").unwrap();
        let v: Vec<_> = r.collect();
        assert_eq!(v.len(), 2);
        assert!(v[0].1.is_err());
        assert_eq!(v[1].0, 2);
        assert_eq!(v[1].1.as_deref().unwrap(), "ok");
    }

    #[test]
    fn empty_input_yields_nothing() {
        let r = LineReader::from_reader(io::Cursor::new(Vec::new()), "e").unwrap();
        assert_eq!(r.count(), 0);
    }

    /// A reader that hands out its data in the given chunk sizes (short
    /// reads, so lines span the line reader's buffer refills).
    struct Chunked {
        data: Vec<u8>,
        at: usize,
        sizes: Vec<usize>,
        k: usize,
    }

    impl Read for Chunked {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let want = self.sizes[self.k % self.sizes.len()].max(1);
            self.k += 1;
            let n = want.min(out.len()).min(self.data.len() - self.at);
            out[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    /// The lines of `data` the way the reader defines them.
    fn reference(data: &[u8]) -> Vec<Result<String, ()>> {
        let mut parts: Vec<&[u8]> = data.split(|&c| c == b'\n').collect();
        if data.is_empty() || data.ends_with(b"\n") {
            parts.pop();
        }
        parts
            .into_iter()
            .map(|p| {
                let p = p.strip_suffix(b"\r").unwrap_or(p);
                std::str::from_utf8(p).map(str::to_string).map_err(|_| ())
            })
            .collect()
    }

    proptest::proptest! {
        /// Whatever the read sizes, the lines (borrowed from the buffer or
        /// assembled across refills) are those of a plain split.
        #[test]
        fn lines_equal_a_plain_split(
            data in proptest::collection::vec(
                proptest::sample::select(b"ab\n\r\xff\xc3\xa9 ".to_vec()), 0..300),
            sizes in proptest::collection::vec(1..40usize, 1..5),
        ) {
            let src = Chunked { data: data.clone(), at: 0, sizes, k: 0 };
            let mut r = LineReader::from_reader(src, "p").unwrap();
            let mut got = Vec::new();
            while let Some((no, l)) = r.next_str() {
                proptest::prop_assert_eq!(no, got.len() as u64 + 1);
                got.push(l.map(str::to_string).map_err(|_| ()));
            }
            proptest::prop_assert_eq!(got, reference(&data));
        }
    }
}
