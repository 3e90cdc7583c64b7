//! What every source yields: [`SourceRecord`]s of a [`SourceKind`] through
//! the [`LogSource`] trait. A leaf: the sources implement it.

use serde::{Deserialize, Serialize};

use super::checkpoint::Checkpoint;
use crate::error::SourceError;
use crate::model::Origin;
use crate::parse::line_block::LineBlock;

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
    /// sshd's systemd journal entries (`journalctl -o json` objects), read
    /// by the OpenSSH parser like `ssh` records.
    Journal,
}

impl SourceKind {
    /// The lowercase name used in configuration (`ssh`, `eve`, `alerts`, `journal`).
    ///
    /// ```
    /// assert_eq!(soc_core::source::SourceKind::Eve.as_str(), "eve");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Ssh => "ssh",
            SourceKind::Eve => "eve",
            SourceKind::Alerts => "alerts",
            SourceKind::Journal => "journal",
        }
    }
}

impl std::fmt::Display for SourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
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
///
/// Sync and object-safe: the pipeline holds a `Vec<Box<dyn LogSource>>`.
/// Remote sources do their I/O in bursts behind this interface (see
/// [`splunk`](super::splunk)).
pub trait LogSource: Send {
    /// A short name for logs and metrics (a path, `stdin`, `splunk:<search>`).
    fn name(&self) -> &str;

    /// Next record, or `None` at end (or, when following, when nothing new
    /// arrived: the caller waits, e.g. 250 ms, and asks again).
    ///
    /// An `Err` is about one record (e.g. invalid UTF-8 on one line) or one
    /// failed attempt; reading can go on by calling again.
    fn next_record(&mut self) -> Option<Result<SourceRecord, SourceError>>;

    /// The kind of the lines [`read_block`](LogSource::read_block) reads,
    /// when this source can hand its records over as blocks of whole
    /// lines; `None` (the default): one record at a time only.
    fn block_kind(&self) -> Option<SourceKind> {
        None
    }

    /// Reads the next records as the whole lines of one file into `block`
    /// (emptied first), about `max_bytes` bytes and `max_lines` lines
    /// (a few more only when they are blank), for an analyzer that parses lines in bulk (the run's SSH
    /// lane): the lines [`next_record`](LogSource::next_record) would
    /// yield, numbered the same, blank ones kept as empty lines and
    /// malformed ones with their errors, without a `String` per line.
    /// [`checkpoints`](LogSource::checkpoints) then cover the block.
    /// `false` when it read nothing: the next record, if any, must come
    /// from `next_record` (the end of a file, an error to report, a
    /// record that is not a line).
    fn read_block(&mut self, block: &mut LineBlock, max_bytes: usize, max_lines: usize) -> bool {
        let _ = (block, max_bytes, max_lines);
        false
    }

    /// Checkpoints covering every record yielded so far, to be committed by
    /// the pipeline after those records are processed. Empty for sources
    /// that cannot resume (stdin).
    fn checkpoints(&self) -> Vec<Checkpoint> {
        vec![]
    }

    /// True when the source follows its input (a `None` from
    /// [`next_record`](LogSource::next_record) means "nothing yet", not "done").
    fn is_following(&self) -> bool {
        false
    }

    /// When following: how long to wait after a `None` before asking again.
    /// Asking more often is harmless (the Splunk adapter answers `None`
    /// until its interval has passed).
    fn poll_interval(&self) -> std::time::Duration {
        std::time::Duration::from_millis(250)
    }
}
