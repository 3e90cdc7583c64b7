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
        })
    }

    /// The name used in errors (the path, or `<stdin>`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Reads the next line's raw bytes (line ending removed) into the
    /// internal buffer. `Ok(None)` at end of input; `Ok(Some(false))` when
    /// the line was too long (skipped).
    fn next_raw(&mut self) -> io::Result<Option<bool>> {
        self.buf.clear();
        let mut too_long = false;
        let mut any = false;
        loop {
            let avail = match self.inner.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if avail.is_empty() {
                break;
            }
            any = true;
            let (chunk, found) = match memchr::memchr(b'\n', avail) {
                Some(i) => (&avail[..i], Some(i)),
                None => (avail, None),
            };
            if !too_long {
                if self.buf.len() + chunk.len() > MAX_LINE {
                    too_long = true;
                    self.buf.clear();
                } else {
                    self.buf.extend_from_slice(chunk);
                }
            }
            match found {
                Some(i) => {
                    self.inner.consume(i + 1);
                    break;
                }
                None => {
                    let n = avail.len();
                    self.inner.consume(n);
                }
            }
        }
        if !any {
            return Ok(None);
        }
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        Ok(Some(!too_long))
    }

    /// Like the iterator, but hands out the raw bytes of each line without
    /// UTF-8 validation (for byte-level fast paths). `None` at end.
    pub fn next_bytes(&mut self) -> Option<(u64, Result<&[u8], ParseError>)> {
        if self.done {
            return None;
        }
        match self.next_raw() {
            Ok(None) => {
                self.done = true;
                None
            }
            Ok(Some(ok)) => {
                self.line += 1;
                if ok {
                    Some((self.line, Ok(&self.buf)))
                } else {
                    Some((self.line, Err(self.too_long())))
                }
            }
            Err(e) => {
                self.done = true;
                self.line += 1;
                Some((self.line, Err(self.io_err(e))))
            }
        }
    }

    fn too_long(&self) -> ParseError {
        ParseError::Malformed {
            source_name: self.name.clone(),
            line: self.line,
            reason: format!("line longer than {MAX_LINE} bytes; skipped"),
        }
    }

    fn io_err(&self, e: io::Error) -> ParseError {
        ParseError::Malformed {
            source_name: self.name.clone(),
            line: self.line,
            reason: format!("read error, stopping here: {e}"),
        }
    }
}

impl Iterator for LineReader {
    type Item = (u64, Result<String, ParseError>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_raw() {
            Ok(None) => {
                self.done = true;
                None
            }
            Ok(Some(false)) => {
                self.line += 1;
                Some((self.line, Err(self.too_long())))
            }
            Ok(Some(true)) => {
                self.line += 1;
                match std::str::from_utf8(&self.buf) {
                    Ok(s) => Some((self.line, Ok(s.to_string()))),
                    Err(e) => Some((
                        self.line,
                        Err(ParseError::Malformed {
                            source_name: self.name.clone(),
                            line: self.line,
                            reason: format!(
                                "invalid UTF-8 at byte {}; line skipped",
                                e.valid_up_to()
                            ),
                        }),
                    )),
                }
            }
            Err(e) => {
                self.done = true;
                self.line += 1;
                Some((self.line, Err(self.io_err(e))))
            }
        }
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
}
