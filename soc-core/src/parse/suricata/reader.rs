//! [`Reader`]: an EVE file read line by line into records, events or
//! alerts, with the counting ([`ParseStats`]) every face shows.
//!
//! The one read-and-count loop for EVE: `soc eve` and Python `parse_eve`
//! use it. Every line read is counted in `lines`; a blank line, a record of
//! an event type not asked for, or (reading alerts) a line without an alert
//! is `skipped`; a line that is not UTF-8, too long, or not a JSON object is
//! `malformed`, its error kept with file and line.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::ParseError;
use crate::model::{Alert, Event, Origin};
use crate::parse::lines::LineReader;
use crate::parse::ParseStats;

use super::{alert_from_line, is_alert_line, parse_eve_line, EveRecord};

/// Reads Suricata EVE records from one input, counting what it saw.
///
/// As an iterator it yields [`Event`]s (of the event types chosen with
/// [`Reader::event_types`], or all); [`Reader::next_alert`] reads only the
/// alert lines (the others are not parsed) and
/// [`Reader::count_event_types`] parses every line and counts it by type.
///
/// ```
/// use std::io::Write;
/// use soc_core::parse::suricata::Reader;
///
/// let mut f = tempfile::NamedTempFile::new().unwrap();
/// writeln!(f, r#"{{"event_type":"alert","src_ip":"192.0.2.7","alert":{{"signature":"X","severity":1}}}}"#).unwrap();
/// writeln!(f, r#"{{"event_type":"flow","src_ip":"192.0.2.8"}}"#).unwrap();
/// writeln!(f, "{{not json").unwrap();
/// let mut reader = Reader::open(f.path()).unwrap();
/// let alert = reader.next_alert().unwrap();
/// assert_eq!(alert.title, "X");
/// assert!(reader.next_alert().is_none());
/// // The fast path does not parse lines without an alert: all skipped.
/// let s = reader.stats();
/// assert_eq!((s.lines, s.events, s.skipped, s.malformed), (3, 1, 2, 0));
/// // Reading every record finds the bad line.
/// let mut reader = Reader::open(f.path()).unwrap();
/// assert_eq!(reader.count_event_types().len(), 2);
/// let s = reader.stats();
/// assert_eq!((s.lines, s.events, s.skipped, s.malformed), (3, 2, 0, 1));
/// assert!(s.errors[0].to_string().contains(":3: invalid JSON"));
/// ```
#[derive(Debug)]
pub struct Reader {
    lines: LineReader,
    name: String,
    stats: ParseStats,
    /// Event types the iterator yields (empty: all).
    types: Vec<String>,
}

impl Reader {
    /// Opens `path` (`-` is standard input; `.gz` is read transparently).
    pub fn open(path: impl AsRef<Path>) -> Result<Reader, ParseError> {
        Ok(Self::new(LineReader::open(path)?))
    }

    /// Reads `lines`.
    pub fn new(lines: LineReader) -> Reader {
        Reader {
            name: lines.name().to_string(),
            lines,
            stats: ParseStats::default(),
            types: Vec::new(),
        }
    }

    /// Makes the iterator yield only records of these event types (the
    /// others are counted as skipped); empty means all.
    pub fn event_types(mut self, types: Vec<String>) -> Reader {
        self.types = types;
        self
    }

    crate::parse::reader_progress_methods!("The input's name (the path, or `<stdin>`).");

    /// The next line's record, whatever its type, with its line number;
    /// `None` at the end.
    pub fn next_record(&mut self) -> Option<(u64, EveRecord)> {
        self.scan(false, |stats, name, no, text| {
            let rec = parsed(stats, name, no, parse_eve_line(text))?;
            stats.events += 1;
            Some((no, rec))
        })
    }

    /// The next alert (`alert` and `drop` records with an alert object),
    /// read on the fast path: other lines are recognised without being
    /// parsed and counted as skipped. `None` at the end.
    pub fn next_alert(&mut self) -> Option<Alert> {
        self.scan(true, |stats, name, no, text| {
            match parsed(stats, name, no, alert_from_line(text))? {
                Some(a) => {
                    stats.events += 1;
                    Some(a)
                }
                None => {
                    stats.skipped += 1;
                    None
                }
            }
        })
    }

    /// Parses every remaining line and counts the records by event type
    /// (`(none)` for a record without one).
    pub fn count_event_types(&mut self) -> BTreeMap<String, u64> {
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        while let Some((_, rec)) = self.next_record() {
            let et = match rec.event_type.as_str() {
                "" => "(none)",
                et => et,
            };
            match counts.get_mut(et) {
                Some(n) => *n += 1,
                None => {
                    counts.insert(et.to_string(), 1);
                }
            }
        }
        counts
    }

    /// Reads lines until `f` returns a value. Lines that are malformed,
    /// blank or (with `alerts_only`) without an alert are counted here;
    /// `f` counts the rest.
    fn scan<R>(
        &mut self,
        alerts_only: bool,
        mut f: impl FnMut(&mut ParseStats, &str, u64, &str) -> Option<R>,
    ) -> Option<R> {
        let Reader {
            lines, name, stats, ..
        } = self;
        loop {
            let (no, bytes) = lines.next_bytes()?;
            stats.lines += 1;
            let bytes = match bytes {
                Ok(b) => b,
                Err(e) => {
                    stats.malformed(e);
                    continue;
                }
            };
            if bytes.iter().all(u8::is_ascii_whitespace) || alerts_only && !is_alert_line(bytes) {
                stats.skipped += 1;
                continue;
            }
            match std::str::from_utf8(bytes) {
                Ok(text) => {
                    if let Some(r) = f(stats, name, no, text) {
                        return Some(r);
                    }
                }
                Err(e) => stats.malformed(ParseError::Malformed {
                    source_name: name.clone(),
                    line: no,
                    reason: format!("invalid UTF-8 at byte {}", e.valid_up_to()),
                }),
            }
        }
    }
}

/// The parsed value, or `None` after counting the error (with the reader's
/// file and line) as malformed.
fn parsed<T>(stats: &mut ParseStats, name: &str, line: u64, r: Result<T, ParseError>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            let reason = match e {
                ParseError::Malformed { reason, .. } => reason,
                other => other.to_string(),
            };
            stats.malformed(ParseError::Malformed {
                source_name: name.to_string(),
                line,
                reason,
            });
            None
        }
    }
}

impl Reader {
    /// The next record of a wanted event type (all types unless
    /// [`Reader::event_types`] narrowed them), with its line number; records
    /// of other types are counted as skipped. `None` at the end.
    pub fn next_wanted_record(&mut self) -> Option<(u64, EveRecord)> {
        let types = std::mem::take(&mut self.types);
        let rec = self.scan(false, |stats, name, no, text| {
            let rec = parsed(stats, name, no, parse_eve_line(text))?;
            if !types.is_empty() && !types.contains(&rec.event_type) {
                stats.skipped += 1;
                return None;
            }
            stats.events += 1;
            Some((no, rec))
        });
        self.types = types;
        rec
    }
}

impl Iterator for Reader {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        let (no, rec) = self.next_wanted_record()?;
        Some(rec.to_event(Origin {
            file: self.name.clone(),
            line: no,
        }))
    }
}
