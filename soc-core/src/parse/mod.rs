//! Parsers: OpenSSH auth logs, Suricata EVE JSON, generic JSON/CSV alerts.
//!
//! * [`lines`]: a streaming, `.gz`-transparent line reader that reports
//!   invalid UTF-8 per line and keeps going.
//! * [`ssh`]: OpenSSH (`sshd`, `sshd-session`) messages from BSD syslog,
//!   ISO / RFC 5424 syslog, `journalctl` text and JSON output, or bare.
//! * [`suricata`]: typed Suricata EVE JSON records and alert extraction.
//! * [`json_csv`]: alerts exported by other tools as JSON, JSON lines or CSV.
//!
//! Every reader counts what it saw in a [`ParseStats`].
//!
//! ```
//! use soc_core::parse::ssh::{SshOptions, SshParser};
//! use soc_core::model::Origin;
//!
//! let mut p = SshParser::new(SshOptions { year: Some(2024), ..SshOptions::default() });
//! let line = "Jan  5 01:31:41 www sshd[1643]: Failed password for root from 203.0.113.9 port 4242 ssh2";
//! let ev = p.parse_line(line, Origin { file: "auth.log".into(), line: 1 }).unwrap();
//! assert_eq!(ev.kind, "ssh.failed_auth");
//! assert_eq!(ev.src_ip, Some("203.0.113.9".parse().unwrap()));
//! assert!(ev.is_failure());
//! ```

pub mod alerts;
pub(crate) mod dotted_quad;
pub(crate) mod intern;
pub(crate) mod journal;
pub mod json_csv;
pub mod line_block;
pub mod lines;
pub mod ssh;
pub mod suricata;
pub(crate) mod time;

use serde::Serialize;

use crate::error::ParseError;

/// How many malformed-line errors a [`ParseStats`] keeps (the count goes on).
pub const MAX_KEPT_ERRORS: usize = 100;

/// What a reader saw: lines read, events produced, lines skipped (not for
/// this parser) and malformed lines, with the first [`MAX_KEPT_ERRORS`] errors.
#[derive(Debug, Default)]
pub struct ParseStats {
    /// Lines read.
    pub lines: u64,
    /// Events (or records) produced.
    pub events: u64,
    /// Lines that were not for this parser (other programs, blank lines).
    pub skipped: u64,
    /// Lines that could not be parsed (bad JSON, invalid UTF-8, truncated).
    pub malformed: u64,
    /// The first malformed-line errors (bounded).
    pub errors: Vec<ParseError>,
}

/// The accessors every file reader has: its input's `name`, its `stats`
/// so far and `take_stats` (the reader needs fields `name: String` and
/// `stats: ParseStats`).
macro_rules! reader_progress_methods {
    ($name_doc:literal) => {
        #[doc = $name_doc]
        pub fn name(&self) -> &str {
            &self.name
        }

        /// What was read so far.
        pub fn stats(&self) -> &$crate::parse::ParseStats {
            &self.stats
        }

        /// The counts, leaving the reader's empty.
        pub fn take_stats(&mut self) -> $crate::parse::ParseStats {
            std::mem::take(&mut self.stats)
        }
    };
}
pub(crate) use reader_progress_methods;

/// The counters of a [`ParseStats`], serializable (errors left out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StatsSummary {
    /// Lines read.
    pub lines: u64,
    /// Events produced.
    pub events: u64,
    /// Lines skipped.
    pub skipped: u64,
    /// Malformed lines.
    pub malformed: u64,
}

impl ParseStats {
    /// Counts a malformed line and keeps its error while fewer than
    /// [`MAX_KEPT_ERRORS`] are kept.
    ///
    /// ```
    /// use soc_core::parse::ParseStats;
    /// use soc_core::ParseError;
    /// let mut s = ParseStats::default();
    /// s.malformed(ParseError::Malformed { source_name: "a".into(), line: 3, reason: "bad".into() });
    /// assert_eq!((s.malformed, s.errors.len()), (1, 1));
    /// ```
    pub fn malformed(&mut self, err: ParseError) {
        self.malformed += 1;
        if self.errors.len() < MAX_KEPT_ERRORS {
            self.errors.push(err);
        }
    }

    /// The counters without the errors.
    pub fn summary(&self) -> StatsSummary {
        StatsSummary {
            lines: self.lines,
            events: self.events,
            skipped: self.skipped,
            malformed: self.malformed,
        }
    }

    /// What a person should be told about malformed lines: each kept
    /// error (`file:line: reason`), then how many more were not kept. The
    /// CLI prints these as warnings; Python shows the errors in `.stats`.
    ///
    /// ```
    /// use soc_core::parse::ParseStats;
    /// use soc_core::ParseError;
    /// let mut s = ParseStats::default();
    /// for line in 1..=102 {
    ///     s.malformed(ParseError::Malformed { source_name: "a.log".into(), line, reason: "bad".into() });
    /// }
    /// let w = s.warnings();
    /// assert_eq!(w[0], "a.log:1: bad");
    /// assert_eq!(w.last().unwrap(), "2 more malformed lines not shown");
    /// ```
    pub fn warnings(&self) -> Vec<String> {
        let mut out: Vec<String> = self.errors.iter().map(ToString::to_string).collect();
        let hidden = self.malformed.saturating_sub(self.errors.len() as u64);
        if hidden > 0 {
            out.push(format!("{hidden} more malformed lines not shown"));
        }
        out
    }

    /// Adds another reader's counts (and errors, within the bound).
    pub fn merge(&mut self, other: ParseStats) {
        self.lines += other.lines;
        self.events += other.events;
        self.skipped += other.skipped;
        self.malformed += other.malformed;
        for e in other.errors {
            if self.errors.len() < MAX_KEPT_ERRORS {
                self.errors.push(e);
            }
        }
    }
}

impl std::fmt::Display for StatsSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} lines, {} events, {} skipped, {} malformed",
            self.lines, self.events, self.skipped, self.malformed
        )
    }
}
