//! Framing shared by the file and reader sources: turning complete lines into
//! record texts (plain lines, or CSV rows converted to JSON objects), and JSON
//! documents into one record per value.

use serde_json::{Map, Value};

/// How a stream of lines becomes records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// One record per non-empty line.
    Lines,
    /// First row is the header; each further row becomes a JSON object.
    Csv,
}

/// A record assembled from one or more lines.
#[derive(Debug, PartialEq)]
pub(crate) struct Framed {
    pub text: String,
    /// 1-based line the record starts on.
    pub line: u64,
}

/// Stateful line → record framing.
#[derive(Debug)]
pub(crate) struct Framer {
    framing: Framing,
    header: Option<Vec<String>>,
    /// CSV: lines of a quoted field spanning lines, and where it started
    /// (byte offset before its first line, 1-based line).
    pending: Vec<u8>,
    pending_start: Option<(u64, u64)>,
}

impl Framer {
    pub fn new(framing: Framing) -> Self {
        Framer {
            framing,
            header: None,
            pending: Vec::new(),
            pending_start: None,
        }
    }

    /// Restores a CSV header read from the start of a file (on resume).
    pub fn set_header_line(&mut self, line: &[u8]) -> Result<(), String> {
        self.header = Some(parse_csv_row(strip_bom(strip_eol(line)))?);
        Ok(())
    }

    /// Where a multi-line record being assembled started: `(offset, line)`.
    /// A checkpoint must not go past it.
    pub fn pending_start(&self) -> Option<(u64, u64)> {
        self.pending_start
    }

    /// Feeds one complete line (with its `\n`), read at byte `offset` as
    /// 1-based line `line_no`. Returns a record, an error reason, or nothing
    /// (blank line, header, or a CSV record continuing on the next line).
    pub fn line(
        &mut self,
        bytes: &[u8],
        offset: u64,
        line_no: u64,
    ) -> Option<Result<Framed, (u64, String)>> {
        match self.framing {
            Framing::Lines => {
                let body = strip_eol(bytes);
                if body.iter().all(|b| b.is_ascii_whitespace()) {
                    return None;
                }
                Some(
                    decode(body)
                        .map(|text| Framed {
                            text,
                            line: line_no,
                        })
                        .map_err(|e| (line_no, e)),
                )
            }
            Framing::Csv => self.csv_line(bytes, offset, line_no),
        }
    }

    fn csv_line(
        &mut self,
        bytes: &[u8],
        offset: u64,
        line_no: u64,
    ) -> Option<Result<Framed, (u64, String)>> {
        if self.pending_start.is_none() {
            if strip_eol(bytes).iter().all(|b| b.is_ascii_whitespace()) {
                return None;
            }
            self.pending_start = Some((offset, line_no));
        }
        self.pending.extend_from_slice(bytes);
        let quotes = memchr::memchr_iter(b'"', &self.pending).count();
        if quotes % 2 == 1 {
            return None; // a quoted field goes on on the next line
        }
        self.take_pending()
    }

    /// At the end of input: a CSV record left open by an unbalanced quote.
    pub fn finish(&mut self) -> Option<Result<Framed, (u64, String)>> {
        let (_, start) = self.pending_start.take()?;
        self.pending.clear();
        Some(Err((
            start,
            "CSV record has an unterminated quoted field at end of input".to_string(),
        )))
    }

    /// Forgets the header and any partial record (the file was truncated).
    pub fn reset(&mut self) {
        self.header = None;
        self.pending.clear();
        self.pending_start = None;
    }

    fn take_pending(&mut self) -> Option<Result<Framed, (u64, String)>> {
        let (_, start_line) = self.pending_start.take()?;
        let raw = std::mem::take(&mut self.pending);
        let row = strip_eol(&raw);
        let Some(header) = &self.header else {
            return match parse_csv_row(strip_bom(row)) {
                Ok(h) => {
                    self.header = Some(h);
                    None
                }
                Err(e) => Some(Err((start_line, format!("CSV header: {e}")))),
            };
        };
        let fields = match parse_csv_row(row) {
            Ok(f) => f,
            Err(e) => return Some(Err((start_line, e))),
        };
        if fields.len() > header.len() {
            return Some(Err((
                start_line,
                format!(
                    "CSV row has {} fields but the header has {}",
                    fields.len(),
                    header.len()
                ),
            )));
        }
        let mut obj = Map::with_capacity(fields.len());
        for (k, v) in header.iter().zip(fields) {
            obj.insert(k.clone(), Value::String(v));
        }
        Some(Ok(Framed {
            text: Value::Object(obj).to_string(),
            line: start_line,
        }))
    }
}

/// Strips a trailing `\n` or `\r\n`.
pub(crate) fn strip_eol(b: &[u8]) -> &[u8] {
    let b = b.strip_suffix(b"\n").unwrap_or(b);
    b.strip_suffix(b"\r").unwrap_or(b)
}

fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b)
}

/// UTF-8 decoding with a reason that says where it broke.
pub(crate) fn decode(b: &[u8]) -> Result<String, String> {
    match std::str::from_utf8(b) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => Err(format!(
            "invalid UTF-8 at byte {} of the line; re-encode the file as UTF-8",
            e.valid_up_to() + 1
        )),
    }
}

fn parse_csv_row(row: &[u8]) -> Result<Vec<String>, String> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(row);
    let mut rec = csv::ByteRecord::new();
    match rdr.read_byte_record(&mut rec) {
        Ok(true) => rec
            .iter()
            .map(|f| decode(f).map(|s| s.trim().to_string()))
            .collect(),
        Ok(false) => Ok(Vec::new()),
        Err(e) => Err(format!("invalid CSV: {e}")),
    }
}

/// Splits a JSON document (an array of values, or one or more concatenated
/// values) into one record text per value, with its 1-based record number.
pub(crate) fn json_document(bytes: &[u8]) -> Result<Vec<String>, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "invalid UTF-8 at byte {}; re-encode the file as UTF-8",
            e.valid_up_to() + 1
        )
    })?;
    let mut out = Vec::new();
    for value in serde_json::Deserializer::from_str(text).into_iter::<Value>() {
        match value {
            Ok(Value::Array(items)) => out.extend(items.iter().map(Value::to_string)),
            Ok(v) => out.push(v.to_string()),
            Err(e) => return Err(format!("invalid JSON: {e}")),
        }
    }
    Ok(out)
}

/// True when a JSON parse error only means "the document is not complete yet".
pub(crate) fn json_incomplete(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    for value in serde_json::Deserializer::from_str(text).into_iter::<Value>() {
        if let Err(e) = value {
            return e.is_eof();
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(f: &mut Framer, input: &str) -> Vec<Result<Framed, (u64, String)>> {
        let mut out = Vec::new();
        let mut off = 0u64;
        for (i, l) in input.split_inclusive('\n').enumerate() {
            if let Some(r) = f.line(l.as_bytes(), off, i as u64 + 1) {
                out.push(r);
            }
            off += l.len() as u64;
        }
        out
    }

    #[test]
    fn lines_skip_blank_and_strip_crlf() {
        let mut f = Framer::new(Framing::Lines);
        let out = feed(&mut f, "a\r\n\n  \nb\n");
        assert_eq!(
            out,
            vec![
                Ok(Framed {
                    text: "a".into(),
                    line: 1
                }),
                Ok(Framed {
                    text: "b".into(),
                    line: 4
                })
            ]
        );
    }

    #[test]
    fn invalid_utf8_is_an_error() {
        let mut f = Framer::new(Framing::Lines);
        let r = f.line(b"ok \xff\xfe\n", 0, 1).unwrap();
        let (line, reason) = r.unwrap_err();
        assert_eq!(line, 1);
        assert!(reason.contains("invalid UTF-8 at byte 4"), "{reason}");
    }

    #[test]
    fn csv_rows_become_json_with_multiline_fields() {
        let mut f = Framer::new(Framing::Csv);
        let out = feed(
            &mut f,
            "\u{feff}src_ip, note\n1.2.3.4,\"two\nlines\"\n\n5.6.7.8,\"a \"\"q\"\"\"\n9.9.9.9\n",
        );
        let texts: Vec<_> = out.into_iter().map(|r| r.unwrap()).collect();
        assert_eq!(texts[0].text, r#"{"src_ip":"1.2.3.4","note":"two\nlines"}"#);
        assert_eq!(texts[0].line, 2);
        assert_eq!(texts[1].text, r#"{"src_ip":"5.6.7.8","note":"a \"q\""}"#);
        assert_eq!(texts[1].line, 5);
        assert_eq!(texts[2].text, r#"{"src_ip":"9.9.9.9"}"#);
    }

    #[test]
    fn csv_pending_start_and_unterminated() {
        let mut f = Framer::new(Framing::Csv);
        assert!(f.line(b"a,b\n", 0, 1).is_none());
        assert!(f.line(b"1,\"x\n", 4, 2).is_none());
        assert_eq!(f.pending_start(), Some((4, 2)));
        assert_eq!(f.finish().unwrap().unwrap_err().0, 2);
        assert_eq!(f.pending_start(), None);
    }

    #[test]
    fn csv_too_many_fields() {
        let mut f = Framer::new(Framing::Csv);
        f.set_header_line(b"a\n").unwrap();
        let (line, reason) = f.line(b"1,2\n", 2, 2).unwrap().unwrap_err();
        assert_eq!(line, 2);
        assert!(reason.contains("2 fields"), "{reason}");
    }

    #[test]
    fn json_documents() {
        assert_eq!(
            json_document(b"[{\"a\":1},\n {\"b\":2}]").unwrap(),
            vec![r#"{"a":1}"#, r#"{"b":2}"#]
        );
        assert_eq!(json_document(b"{\"a\":1}\n{\"b\":2}\n").unwrap().len(), 2);
        assert!(json_document(b"[{\"a\":").is_err());
        assert!(json_incomplete(b"[{\"a\":"));
        assert!(!json_incomplete(b"[{\"a\" x"));
    }
}
