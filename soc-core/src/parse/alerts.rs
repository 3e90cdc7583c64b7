//! Alert files read with the counting every face shows: [`AlertReader`]
//! for alerts exported by other tools (`soc alerts`, Python
//! `read_alerts`), [`read_soc_alerts`] for soc's own alert JSON
//! (`soc triage`).

use std::io::Read;
use std::path::Path;

use crate::error::ParseError;
use crate::model::Alert;
use crate::parse::json_csv::{parse_soc_alerts, read_alerts, AlertFormat, AlertItem, AlertMapping};
use crate::parse::ParseStats;

/// Alerts from a JSON, JSON-lines or CSV export
/// ([`json_csv`](crate::parse::json_csv) says how fields are found), as an
/// iterator; records that make no alert are counted as malformed (with
/// file and line) and passed over. `lines` counts records.
///
/// ```
/// use std::io::Write;
/// use soc_core::parse::alerts::AlertReader;
/// use soc_core::parse::json_csv::{AlertFormat, AlertMapping};
///
/// let mut f = tempfile::NamedTempFile::new().unwrap();
/// writeln!(f, r#"{{"src_ip": "198.51.100.23", "signature": "SSH scan"}}"#).unwrap();
/// writeln!(f, r#"{{"nothing": "useful"}}"#).unwrap();
/// let mut reader = AlertReader::open(f.path(), AlertFormat::Json, &AlertMapping::default()).unwrap();
/// let alerts: Vec<_> = reader.by_ref().collect();
/// assert_eq!(alerts[0].title, "SSH scan");
/// let s = reader.stats();
/// assert_eq!((s.lines, s.events, s.malformed), (2, 1, 1));
/// assert!(s.errors[0].to_string().contains(":2: no title"));
/// ```
pub struct AlertReader {
    items: Box<dyn Iterator<Item = AlertItem> + Send>,
    stats: ParseStats,
}

impl std::fmt::Debug for AlertReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlertReader")
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl AlertReader {
    /// Opens `path` (`.gz` transparent) in `format`, finding fields by
    /// `mapping`. Fails when the file cannot be read or (CSV) has no header,
    /// or (one JSON array) is not valid JSON.
    pub fn open(
        path: impl AsRef<Path>,
        format: AlertFormat,
        mapping: &AlertMapping,
    ) -> Result<AlertReader, ParseError> {
        Ok(AlertReader {
            items: read_alerts(path, format, mapping)?,
            stats: ParseStats::default(),
        })
    }

    /// What was read so far.
    pub fn stats(&self) -> &ParseStats {
        &self.stats
    }

    /// The counts, leaving the reader's empty.
    pub fn take_stats(&mut self) -> ParseStats {
        std::mem::take(&mut self.stats)
    }
}

impl Iterator for AlertReader {
    type Item = Alert;

    fn next(&mut self) -> Option<Alert> {
        loop {
            let item = self.items.next()?;
            self.stats.lines += 1;
            match item {
                Ok(a) => {
                    self.stats.events += 1;
                    return Some(a);
                }
                Err(e) => self.stats.malformed(e),
            }
        }
    }
}

/// soc's own alerts (a JSON array, one object, or JSON lines; alerts or
/// `{"alert": ...}` records, see
/// [`soc_alert_from_json`](crate::parse::json_csv::soc_alert_from_json))
/// from `path`, `-` being standard input. The first bad item is an error
/// naming the file and the item or line.
///
/// ```
/// let mut f = tempfile::NamedTempFile::new().unwrap();
/// std::io::Write::write_all(&mut f, br#"[{"kind": "ssh.brute_force", "src_ip": "198.51.100.23"}]"#).unwrap();
/// let alerts = soc_core::parse::alerts::read_soc_alerts(f.path()).unwrap();
/// assert_eq!(alerts[0].kind, "ssh.brute_force");
/// assert!(soc_core::parse::alerts::read_soc_alerts("/nonexistent.json").is_err());
/// ```
pub fn read_soc_alerts(path: impl AsRef<Path>) -> Result<Vec<Alert>, ParseError> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let io = |source| ParseError::Io {
        path: name.clone(),
        source,
    };
    let text = if name == "-" {
        let mut s = String::new();
        std::io::stdin().lock().read_to_string(&mut s).map_err(io)?;
        s
    } else {
        std::fs::read_to_string(path).map_err(io)?
    };
    parse_soc_alerts(&text, &name)
}
