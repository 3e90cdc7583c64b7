//! `soc ssh --journal`: sshd's entries from the systemd journal as the input
//! of `soc ssh`, read through soc-core's [`JournalSource`] (journalctl -o
//! json). Each entry becomes one line (the reduced entry as JSON) that the
//! same OpenSSH parser reads, so `--events`, `--summary` and `--alerts` work
//! unchanged.

use std::io::{self, Read};
use std::path::PathBuf;

use soc_core::error::SourceError;
use soc_core::parse::lines::LineReader;
use soc_core::source::{JournalConfig, JournalSource, JournalSourceOptions, LogSource};

use crate::cmd::UsageError;

/// The journal options of `soc ssh`.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct JournalArgs {
    /// Read sshd's entries from the systemd journal (journalctl) instead of files.
    #[arg(long)]
    pub journal: bool,
    /// With --journal: read the journal files in DIR (journalctl --directory).
    #[arg(long, value_name = "DIR", requires = "journal")]
    pub journal_directory: Option<PathBuf>,
    /// With --journal: read this journal file (repeatable; journalctl --file).
    #[arg(
        long,
        value_name = "FILE",
        requires = "journal",
        conflicts_with = "journal_directory"
    )]
    pub journal_file: Vec<PathBuf>,
}

/// The inputs of `soc ssh`, in order: the journal with `--journal`, else
/// each file (`-` or none: standard input), opened when reached.
pub fn line_readers(
    journal: &JournalArgs,
    files: &[PathBuf],
) -> anyhow::Result<Box<dyn Iterator<Item = anyhow::Result<LineReader>>>> {
    if !journal.journal {
        let paths = crate::cmd::ssh::inputs(files);
        return Ok(Box::new(paths.into_iter().map(|p| {
            LineReader::open(&p).map_err(|e| UsageError(e.to_string()).into())
        })));
    }
    if !files.is_empty() {
        return Err(UsageError("give log files or --journal, not both".into()).into());
    }
    for p in journal
        .journal_directory
        .iter()
        .chain(&journal.journal_file)
    {
        if !p.exists() {
            return Err(UsageError(format!(
                "{}: no such journal file or directory",
                p.display()
            ))
            .into());
        }
    }
    let cfg = JournalConfig {
        directory: journal.journal_directory.clone(),
        files: journal.journal_file.clone(),
        ..JournalConfig::default()
    };
    let src =
        JournalSource::open(cfg, JournalSourceOptions::default(), None).map_err(|e| match e {
            SourceError::Config { .. } => anyhow::Error::new(UsageError(e.to_string())),
            e => anyhow::Error::new(e),
        })?;
    let name = src.name().to_string();
    let reader = LineReader::from_reader(EntryLines::new(src), &name)?;
    Ok(Box::new(std::iter::once(Ok(reader))))
}

/// A [`JournalSource`] as a stream of lines, one per entry. Malformed
/// entries are reported on stderr and skipped; a failing journalctl ends
/// the stream with its error.
struct EntryLines {
    src: JournalSource,
    buf: Vec<u8>,
    pos: usize,
}

impl EntryLines {
    fn new(src: JournalSource) -> Self {
        EntryLines {
            src,
            buf: Vec::new(),
            pos: 0,
        }
    }
}

impl Read for EntryLines {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            match self.src.next_record() {
                None => return Ok(0),
                Some(Ok(rec)) => {
                    // One line: the reduced entry is compact JSON (newlines escaped).
                    self.buf.extend_from_slice(rec.text.as_bytes());
                    self.buf.push(b'\n');
                }
                Some(Err(SourceError::Parse(e))) => eprintln!("soc: warning: {e}"),
                Some(Err(e)) => return Err(io::Error::other(e.to_string())),
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}
