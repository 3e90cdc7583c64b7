//! Log sources: where events come from.
//!
//! A [`LogSource`] yields raw records ([`SourceRecord`]) tagged with what they
//! are ([`SourceKind`]), so the pipeline can route them to the right parser.

use serde::{Deserialize, Serialize};

use crate::error::SourceError;
use crate::model::Origin;

/// What a source yields, so the pipeline picks the parser and detectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// OpenSSH authentication log lines.
    Ssh,
    /// Suricata EVE JSON lines.
    Eve,
    /// Generic alerts (JSON/JSONL/CSV rows).
    Alerts,
}

/// One raw record read by a source.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRecord {
    /// What it is.
    pub kind: SourceKind,
    /// The record text (one log line, one JSON object, one CSV row as JSON).
    pub text: String,
    /// Where it was read.
    pub origin: Origin,
}

/// A source of raw records.
pub trait LogSource: Send {
    /// A short name for logs and metrics (a path, `stdin`, `splunk:<search>`).
    fn name(&self) -> &str;
    /// Next record, or `None` at end (or, when following, when nothing new arrived).
    fn next_record(&mut self) -> Option<Result<SourceRecord, SourceError>>;
}
