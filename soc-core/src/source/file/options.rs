//! Options of the file source: the format and [`FileSourceOptions`].

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How a file's content becomes records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    /// `.csv` (also `.csv.gz`) is CSV; a `.json` file that starts with `[` or
    /// whose first line is not a complete JSON value is a JSON document;
    /// everything else (including JSON-lines `eve.json`) is lines.
    #[default]
    Auto,
    /// One record per line (logs, JSON lines).
    Lines,
    /// CSV with a header row; each row becomes a JSON object.
    Csv,
    /// A JSON document: an array, or one or more concatenated values.
    Json,
}

impl FileFormat {
    /// The format of a file; `document` says whether its start looks like a
    /// JSON document (for `Auto` on `.json`).
    pub(super) fn for_path(self, path: &std::path::Path, document: bool) -> FileFormat {
        if self != FileFormat::Auto {
            return self;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        if name.ends_with(".csv") {
            FileFormat::Csv
        } else if name.ends_with(".json") && document {
            FileFormat::Json
        } else {
            FileFormat::Lines
        }
    }
}

/// Options of a [`FileSource`](super::FileSource).
#[derive(Debug, Clone, PartialEq)]
pub struct FileSourceOptions {
    /// Follow the files (`tail -F`) instead of stopping at their end.
    pub follow: bool,
    /// Files found at start without a checkpoint are read from their start
    /// (`true`, default) or from their end (`false`, only new lines).
    pub from_start: bool,
    /// How content becomes records.
    pub format: FileFormat,
    /// How long to wait between polls when following (default 250 ms).
    pub poll_interval: Duration,
    /// Longer lines are reported as malformed and skipped (default 1 MiB).
    pub max_line_bytes: usize,
    /// In one-shot mode, read a final line that lacks its newline (default `false`).
    pub read_partial_last_line: bool,
    /// The source name (checkpoint key prefix); default: the patterns joined by `,`.
    pub name: Option<String>,
    /// Following: how long a file renamed away from the watched path (or
    /// deleted) must stay without new bytes before it is closed (default
    /// 5 s). Writers keep appending to the old file until they reopen
    /// (rsyslog until its HUP), and those lines must not be lost.
    pub rotated_quiet: Duration,
}

impl Default for FileSourceOptions {
    fn default() -> Self {
        FileSourceOptions {
            follow: false,
            from_start: true,
            format: FileFormat::Auto,
            poll_interval: Duration::from_millis(250),
            max_line_bytes: 1 << 20,
            read_partial_last_line: false,
            name: None,
            rotated_quiet: Duration::from_secs(5),
        }
    }
}
