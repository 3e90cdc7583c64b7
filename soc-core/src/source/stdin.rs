//! Standard input and any other reader, read once to the end.
//!
//! [`ReaderSource`] frames any `Read` into records like the file source does
//! (lines, CSV rows as JSON objects, or JSON documents), with 1-based line
//! numbers and invalid UTF-8 reported per line. Unlike a file, a reader
//! cannot be resumed, so it reports no checkpoints, and its end is final: a
//! last line without a newline is read as is.
//!
//! ```
//! use soc_core::source::{LogSource, ReaderSource, SourceKind};
//!
//! let input = std::io::Cursor::new(b"src_ip,sig\n198.51.100.23,scan\n".to_vec());
//! let mut src = ReaderSource::new(Box::new(input), "alerts.csv", SourceKind::Alerts)
//!     .with_format(soc_core::source::FileFormat::Csv);
//! let rec = src.next_record().unwrap().unwrap();
//! assert_eq!(rec.text, r#"{"src_ip":"198.51.100.23","sig":"scan"}"#);
//! assert_eq!((rec.origin.file.as_str(), rec.origin.line), ("alerts.csv", 2));
//! assert!(src.next_record().is_none());
//! ```

use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Read};
use std::path::PathBuf;

use crate::error::{ParseError, SourceError};
use crate::model::Origin;
use crate::source::file::FileFormat;
use crate::source::lines::{json_document, Framer, Framing};
use crate::source::{LogSource, SourceKind, SourceRecord};

/// Records from any reader (a pipe, a socket, an in-memory buffer).
pub struct ReaderSource {
    reader: BufReader<Box<dyn Read + Send>>,
    name: String,
    kind: SourceKind,
    format: FileFormat,
    framer: Framer,
    buf: Vec<u8>,
    line: u64,
    offset: u64,
    queue: VecDeque<(String, u64)>,
    done: bool,
}

impl std::fmt::Debug for ReaderSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReaderSource")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("format", &self.format)
            .field("line", &self.line)
            .finish()
    }
}

impl ReaderSource {
    /// A source reading `reader` line by line; `name` is used in origins and errors.
    pub fn new(reader: Box<dyn Read + Send>, name: impl Into<String>, kind: SourceKind) -> Self {
        ReaderSource {
            reader: BufReader::with_capacity(256 * 1024, reader),
            name: name.into(),
            kind,
            format: FileFormat::Lines,
            framer: Framer::new(Framing::Lines),
            buf: Vec::new(),
            line: 0,
            offset: 0,
            queue: VecDeque::new(),
            done: false,
        }
    }

    /// Sets the format (`Auto` means lines).
    pub fn with_format(mut self, format: FileFormat) -> Self {
        self.format = if format == FileFormat::Auto {
            FileFormat::Lines
        } else {
            format
        };
        self.framer = Framer::new(if self.format == FileFormat::Csv {
            Framing::Csv
        } else {
            Framing::Lines
        });
        self
    }

    fn malformed(&self, line: u64, reason: String) -> SourceError {
        SourceError::Parse(ParseError::Malformed {
            source_name: self.name.clone(),
            line,
            reason,
        })
    }

    fn record(&self, text: String, line: u64) -> SourceRecord {
        SourceRecord {
            kind: self.kind,
            text,
            origin: Origin {
                file: self.name.clone(),
                line,
            },
        }
    }

    fn io_error(&mut self, e: io::Error) -> SourceError {
        self.done = true;
        SourceError::Io {
            path: PathBuf::from(&self.name),
            source: e,
        }
    }

    fn next_json(&mut self) -> Option<Result<SourceRecord, SourceError>> {
        if let Some((text, n)) = self.queue.pop_front() {
            return Some(Ok(self.record(text, n)));
        }
        if self.done {
            return None;
        }
        self.done = true;
        let mut all = Vec::new();
        if let Err(e) = self.reader.read_to_end(&mut all) {
            return Some(Err(self.io_error(e)));
        }
        if all.iter().all(|b| b.is_ascii_whitespace()) {
            return None;
        }
        match json_document(&all) {
            Ok(values) => {
                self.queue = values.into_iter().zip(1u64..).collect();
                self.next_json()
            }
            Err(reason) => Some(Err(self.malformed(1, reason))),
        }
    }
}

impl LogSource for ReaderSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn next_record(&mut self) -> Option<Result<SourceRecord, SourceError>> {
        if self.format == FileFormat::Json {
            return self.next_json();
        }
        loop {
            if self.done {
                return None;
            }
            self.buf.clear();
            let n = match self.reader.read_until(b'\n', &mut self.buf) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Some(Err(self.io_error(e))),
            };
            if n == 0 {
                self.done = true;
                return match self.framer.finish() {
                    Some(Err((line, reason))) => Some(Err(self.malformed(line, reason))),
                    _ => None,
                };
            }
            self.line += 1;
            let at = self.offset;
            self.offset += n as u64;
            match self.framer.line(&self.buf, at, self.line) {
                None => continue,
                Some(Ok(f)) => return Some(Ok(self.record(f.text, f.line))),
                Some(Err((line, reason))) => return Some(Err(self.malformed(line, reason))),
            }
        }
    }
}

/// Standard input, named `<stdin>` in origins and errors.
pub struct StdinSource(ReaderSource);

impl std::fmt::Debug for StdinSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("StdinSource").field(&self.0.kind).finish()
    }
}

impl StdinSource {
    /// Reads the process's standard input as `kind` records in `format`.
    pub fn new(kind: SourceKind, format: FileFormat) -> Self {
        StdinSource(ReaderSource::new(Box::new(io::stdin()), "<stdin>", kind).with_format(format))
    }
}

impl LogSource for StdinSource {
    fn name(&self) -> &str {
        self.0.name()
    }
    fn next_record(&mut self) -> Option<Result<SourceRecord, SourceError>> {
        self.0.next_record()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(src: &mut ReaderSource) -> Vec<Result<SourceRecord, SourceError>> {
        std::iter::from_fn(|| src.next_record()).collect()
    }

    #[test]
    fn lines_with_final_partial_and_bad_utf8() {
        let data = b"a\n\xff\n\nlast".to_vec();
        let mut src =
            ReaderSource::new(Box::new(io::Cursor::new(data)), "<stdin>", SourceKind::Ssh);
        let out = all(&mut src);
        assert_eq!(out.len(), 3);
        assert_eq!(out[0].as_ref().unwrap().text, "a");
        let err = out[1].as_ref().unwrap_err().to_string();
        assert!(err.starts_with("<stdin>:2: invalid UTF-8"), "{err}");
        let last = out[2].as_ref().unwrap();
        assert_eq!((last.text.as_str(), last.origin.line), ("last", 4));
        assert!(src.checkpoints().is_empty());
    }

    #[test]
    fn json_array_on_a_reader() {
        let data = br#"[{"a":1},{"b":2}]"#.to_vec();
        let mut src = ReaderSource::new(Box::new(io::Cursor::new(data)), "x", SourceKind::Alerts)
            .with_format(FileFormat::Json);
        let out: Vec<_> = all(&mut src).into_iter().map(|r| r.unwrap()).collect();
        assert_eq!(out.len(), 2);
        assert_eq!(
            (out[1].text.as_str(), out[1].origin.line),
            (r#"{"b":2}"#, 2)
        );
    }

    #[test]
    fn unterminated_csv_quote_is_reported_at_end() {
        let data = b"a,b\n1,\"open\n".to_vec();
        let mut src =
            ReaderSource::new(Box::new(io::Cursor::new(data)), "x.csv", SourceKind::Alerts)
                .with_format(FileFormat::Csv);
        let out = all(&mut src);
        assert_eq!(out.len(), 1);
        assert!(out[0]
            .as_ref()
            .unwrap_err()
            .to_string()
            .starts_with("x.csv:2:"));
    }
}
