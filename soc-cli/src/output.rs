//! Output writers, one per format: aligned table, JSON array, JSON lines, CSV.
//!
//! Every command builds rows as JSON objects and hands them to a
//! [`RowWriter`]; the writer decides how they look.
//!
//! Cells hold attacker-written text, so every human-readable format
//! escapes it: table cells show control characters visibly (`\x1b`, `\n`;
//! no terminal escape runs, no newline forges a row), and CSV cells that
//! would start a spreadsheet formula (`= + - @`, tab, CR) get a leading `'`
//! (OWASP's rule) unless `--raw-csv` asks for the cells as they are.

use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;
use serde_json::Value;

/// Standard output for commands that print many rows: line-buffered on a
/// terminal, behind a 64 KiB buffer otherwise (as grep and ripgrep do; one
/// write call per row cost a fifth of `soc eve --alerts`).
/// `RowWriter::finish` flushes it.
pub fn buffered_stdout() -> Box<dyn Write> {
    let out = io::stdout();
    if out.is_terminal() {
        Box::new(out.lock())
    } else {
        Box::new(io::BufWriter::with_capacity(64 * 1024, out.lock()))
    }
}

static RAW_CSV: AtomicBool = AtomicBool::new(false);

/// Sets `--raw-csv`: CSV cells are written without formula neutralisation.
pub fn set_raw_csv(raw: bool) {
    RAW_CSV.store(raw, Ordering::Relaxed);
}

/// Whether `--raw-csv` was given.
pub fn raw_csv() -> bool {
    RAW_CSV.load(Ordering::Relaxed)
}

pub use soc_core::pipeline::report::visible;

/// `println!` for text a person reads: control characters from log text
/// are shown visibly (see [`visible`]).
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        println!("{}", $crate::output::visible(&format!($($arg)*)))
    };
}

/// `eprintln!` with control characters shown visibly.
#[macro_export]
macro_rules! esay {
    ($($arg:tt)*) => {
        eprintln!("{}", $crate::output::visible(&format!($($arg)*)))
    };
}

/// A time as printed in rows: RFC 3339, UTC, `Z`, fractions only when set.
pub fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// Output format chosen with `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for people (default on a terminal).
    Table,
    /// One JSON array.
    Json,
    /// One JSON object per line (default when piped).
    Jsonl,
    /// CSV with a header row.
    Csv,
}

impl Format {
    /// The explicit format, or `table` on a terminal and `jsonl` otherwise.
    pub fn resolve(explicit: Option<Format>) -> Format {
        explicit.unwrap_or_else(|| {
            if io::stdout().is_terminal() {
                Format::Table
            } else {
                Format::Jsonl
            }
        })
    }
}

/// Writes rows (JSON objects) in one format. Table output is buffered to
/// align columns; the others stream.
pub struct RowWriter<W: Write> {
    out: W,
    format: Format,
    columns: Vec<String>,
    buffered: Vec<Vec<String>>,
    rows: usize,
    raw_csv: bool,
}

impl<W: Write> RowWriter<W> {
    /// A writer for `columns` (table and CSV show these; JSON shows whole rows).
    pub fn new(out: W, format: Format, columns: &[&str]) -> Self {
        RowWriter {
            out,
            format,
            columns: columns.iter().map(|c| c.to_string()).collect(),
            buffered: Vec::new(),
            rows: 0,
            raw_csv: raw_csv(),
        }
    }

    /// Writes CSV cells as they are (`true`) or formula-neutralised.
    #[cfg(test)]
    pub fn with_raw_csv(mut self, raw: bool) -> Self {
        self.raw_csv = raw;
        self
    }

    /// Writes one row.
    pub fn write(&mut self, row: &Value) -> io::Result<()> {
        match self.format {
            Format::Jsonl | Format::Json => return self.write_json(row),
            Format::Csv => {
                if self.rows == 0 {
                    self.out.write_all(&csv_line(&self.columns)?)?;
                }
                let cells: Vec<String> = self
                    .columns
                    .iter()
                    .map(|c| {
                        let text = cell(row, c);
                        if self.raw_csv {
                            text
                        } else {
                            soc_core::pipeline::report::csv_cell(&text).into_owned()
                        }
                    })
                    .collect();
                self.out.write_all(&csv_line(&cells)?)?;
            }
            Format::Table => {
                let cells = self
                    .columns
                    .iter()
                    .map(|c| visible(&cell(row, c)).into_owned())
                    .collect();
                self.buffered.push(cells);
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Writes one row of a serializable type: straight to the output in
    /// the JSON formats (no intermediate object per row), through a JSON
    /// object for table and CSV.
    pub fn write_ser<T: Serialize>(&mut self, row: &T) -> io::Result<()> {
        match self.format {
            Format::Jsonl | Format::Json => self.write_json(row),
            Format::Csv | Format::Table => self.write(&serde_json::to_value(row)?),
        }
    }

    /// Writes one row already encoded as JSON (one object, no newline),
    /// as [`write_ser`](Self::write_ser) writes it in the JSON formats;
    /// `false` (nothing written) in table and CSV.
    pub fn write_encoded(&mut self, json: &[u8]) -> io::Result<bool> {
        match self.format {
            Format::Json => self
                .out
                .write_all(if self.rows == 0 { b"[\n" } else { b",\n" })?,
            Format::Jsonl => {}
            Format::Csv | Format::Table => return Ok(false),
        }
        self.out.write_all(json)?;
        if self.format == Format::Jsonl {
            self.out.write_all(b"\n")?;
        }
        self.rows += 1;
        Ok(true)
    }

    fn write_json<T: Serialize>(&mut self, row: &T) -> io::Result<()> {
        if self.format == Format::Json {
            self.out
                .write_all(if self.rows == 0 { b"[\n" } else { b",\n" })?;
        }
        serde_json::to_writer(&mut self.out, row)?;
        if self.format == Format::Jsonl {
            self.out.write_all(b"\n")?;
        }
        self.rows += 1;
        Ok(())
    }

    /// Finishes the output (closes the JSON array, prints the table).
    pub fn finish(mut self) -> io::Result<W> {
        match self.format {
            Format::Json => {
                self.out
                    .write_all(if self.rows == 0 { b"[]\n" } else { b"\n]\n" })?;
            }
            Format::Csv if self.rows == 0 => {
                self.out.write_all(&csv_line(&self.columns)?)?;
            }
            Format::Table => {
                let mut widths: Vec<usize> = self.columns.iter().map(|c| c.len()).collect();
                for row in &self.buffered {
                    for (w, c) in widths.iter_mut().zip(row) {
                        *w = (*w).max(c.chars().count());
                    }
                }
                let header: Vec<String> = self.columns.iter().map(|c| c.to_uppercase()).collect();
                write_table_row(&mut self.out, &header, &widths)?;
                for row in &self.buffered {
                    write_table_row(&mut self.out, row, &widths)?;
                }
            }
            _ => {}
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

fn csv_line(cells: &[String]) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(cells).map_err(io::Error::other)?;
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

fn write_table_row<W: Write>(out: &mut W, cells: &[String], widths: &[usize]) -> io::Result<()> {
    let mut line = String::new();
    for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
        if i + 1 == cells.len() {
            line.push_str(c);
        } else {
            line.push_str(c);
            line.extend(std::iter::repeat_n(' ', w - c.chars().count() + 2));
        }
    }
    writeln!(out, "{}", line.trim_end())
}

/// A cell's text: strings as they are, arrays joined with `;`, null as empty.
pub fn cell(row: &Value, column: &str) -> String {
    match row.get(column) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(";"),
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(format: Format) -> String {
        let mut w = RowWriter::new(Vec::new(), format, &["kind", "value"]);
        w.write(&json!({"kind": "ipv4", "value": "1.2.3.4", "x": 1}))
            .unwrap();
        w.write(&json!({"kind": "domain", "value": "a,b"})).unwrap();
        String::from_utf8(w.finish().unwrap()).unwrap()
    }

    #[test]
    fn formats() {
        assert_eq!(
            render(Format::Jsonl),
            "{\"kind\":\"ipv4\",\"value\":\"1.2.3.4\",\"x\":1}\n{\"kind\":\"domain\",\"value\":\"a,b\"}\n"
        );
        let json: Value = serde_json::from_str(&render(Format::Json)).unwrap();
        assert_eq!(json.as_array().unwrap().len(), 2);
        assert_eq!(
            render(Format::Csv),
            "kind,value\nipv4,1.2.3.4\ndomain,\"a,b\"\n"
        );
        assert_eq!(
            render(Format::Table),
            "KIND    VALUE\nipv4    1.2.3.4\ndomain  a,b\n"
        );
    }

    #[test]
    fn empty_outputs_are_valid() {
        let w = RowWriter::new(Vec::new(), Format::Json, &["a"]);
        assert_eq!(String::from_utf8(w.finish().unwrap()).unwrap(), "[]\n");
        let w = RowWriter::new(Vec::new(), Format::Csv, &["a"]);
        assert_eq!(String::from_utf8(w.finish().unwrap()).unwrap(), "a\n");
    }

    /// Reproduction (#14 item 4): ESC/OSC/BEL bytes from a URL and a
    /// newline in a user name reached the terminal and forged a row.
    #[test]
    fn table_cells_show_control_characters() {
        let mut w = RowWriter::new(Vec::new(), Format::Table, &["user", "url"]);
        w.write(&json!({"user": "x\nFORGED  row", "url": "http://a/\u{1b}]8;;http://evil\u{7}\u{1b}[2J"}))
            .unwrap();
        let out = String::from_utf8(w.finish().unwrap()).unwrap();
        assert_eq!(out.lines().count(), 2, "{out}");
        assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "{out:?}");
        assert!(out.contains("x\\nFORGED"), "{out}");
        assert!(out.contains("\\x1b]8;;http://evil\\x07\\x1b[2J"), "{out}");
    }

    /// Reproduction (#14 item 5): a user name `=HYPERLINK(...)` or
    /// `+cmd|'/c calc'!A1` was written unprefixed to CSV.
    #[test]
    fn csv_cells_that_start_formulas_are_neutralised_unless_raw() {
        let rows = [
            json!({"user": "=HYPERLINK(\"http://evil\",\"x\")", "n": 1}),
            json!({"user": "+cmd|'/c calc'!A1", "n": -2}),
            json!({"user": "@SUM(A1)", "n": 0}),
            json!({"user": "\tx", "n": 0}),
        ];
        let render = |raw: bool| {
            let mut w = RowWriter::new(Vec::new(), Format::Csv, &["user", "n"]).with_raw_csv(raw);
            for r in &rows {
                w.write(r).unwrap();
            }
            String::from_utf8(w.finish().unwrap()).unwrap()
        };
        let safe = render(false);
        let mut reader = csv::Reader::from_reader(safe.as_bytes());
        for (rec, row) in reader.records().zip(&rows) {
            let rec = rec.unwrap();
            assert_eq!(rec[0], format!("'{}", row["user"].as_str().unwrap()));
            assert!(!rec[1].starts_with(['=', '+', '-', '@']), "{safe}");
        }
        let raw = render(true);
        assert!(raw.contains("\n+cmd|'/c calc'!A1,-2\n"), "{raw}");
    }

    /// A typed row prints exactly as the same row built as a JSON object,
    /// in every format.
    #[test]
    fn typed_rows_print_like_json_objects() {
        #[derive(Serialize)]
        struct Row<'a> {
            kind: &'a str,
            value: &'a str,
            tags: Vec<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            file: Option<&'a str>,
        }
        for format in [Format::Jsonl, Format::Json, Format::Csv, Format::Table] {
            let cols = &["kind", "value", "tags", "file"];
            let mut typed = RowWriter::new(Vec::new(), format, cols);
            let mut object = RowWriter::new(Vec::new(), format, cols);
            for file in [None, Some("r.txt")] {
                let row = Row {
                    kind: "domain",
                    value: "a,b",
                    tags: vec!["from_url", "x"],
                    file,
                };
                typed.write_ser(&row).unwrap();
                object.write(&serde_json::to_value(&row).unwrap()).unwrap();
            }
            assert_eq!(
                typed.finish().unwrap(),
                object.finish().unwrap(),
                "{format:?}"
            );
        }
    }
}
