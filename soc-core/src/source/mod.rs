//! Log sources: where events come from.
//!
//! A [`LogSource`] yields raw records ([`SourceRecord`]) tagged with what they
//! are ([`SourceKind`]), so the pipeline can route them to the right parser.
//!
//! | source | module | notes |
//! |---|---|---|
//! | files, globs, directories | [`mod@file`] | one-shot or follow (`tail -F`), rotation, `.gz`, checkpoints |
//! | standard input, any reader | [`stdin`] | one-shot |
//! | Splunk export search | [`splunk`] | async fetch, buffered into a [`LogSource`] |
//! | systemd journal (sshd) | [`journal`] | `journalctl -o json`, cursor checkpoints, follow |
//!
//! Sources never write checkpoints themselves: they report, through
//! [`LogSource::checkpoints`], how far the records *yielded so far* go, and
//! the pipeline commits those in the same transaction as the alerts and
//! actions that came out of the records ([`Checkpoint::put`]). A crash
//! between reading and committing therefore re-reads, never skips.
//!
//! ```
//! use soc_core::source::{build_source, SourceConfig, SourceKind};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let log = dir.path().join("auth.log");
//! std::fs::write(&log, "line one\nline two\n").unwrap();
//! let cfg: SourceConfig = toml::from_str(&format!(
//!     "kind = \"ssh\"\npath = {:?}\n", log.display().to_string()
//! )).unwrap();
//! let mut src = build_source(&cfg, None).unwrap();
//! let first = src.next_record().unwrap().unwrap();
//! assert_eq!((first.kind, first.text.as_str(), first.origin.line), (SourceKind::Ssh, "line one", 1));
//! assert_eq!(src.next_record().unwrap().unwrap().text, "line two");
//! assert!(src.next_record().is_none());
//! ```

pub mod file;
pub mod journal;
pub mod splunk;
pub mod stdin;

mod checkpoint;
mod config;
mod lines;
mod record;

pub use checkpoint::Checkpoint;
pub use config::{build_source, PathSpec, SourceConfig};
pub use file::{FileFormat, FileSource, FileSourceOptions};
pub use journal::{JournalConfig, JournalSource, JournalSourceOptions};
pub use record::{LogSource, SourceKind, SourceRecord};
pub use splunk::{SplunkConfig, SplunkSource};
pub use stdin::{ReaderSource, StdinSource};
