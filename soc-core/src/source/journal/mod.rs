//! The systemd journal as a source: sshd's entries through `journalctl -o json`.
//!
//! Debian 12 and other current distributions install no `auth.log`; the
//! journal is the only SSH log there. [`JournalSource`] runs
//!
//! ```text
//! journalctl -o json --no-pager [--directory DIR | --file FILE...]
//!            [--after-cursor CURSOR] [-f --no-tail]
//!            _COMM=sshd _COMM=sshd-session _COMM=sshd-auth
//!            + SYSLOG_IDENTIFIER=sshd SYSLOG_IDENTIFIER=sshd-session SYSLOG_IDENTIFIER=sshd-auth
//!            + _SYSTEMD_UNIT=ssh.service _SYSTEMD_UNIT=sshd.service
//! ```
//!
//! (arguments, never a shell string) and yields one [`SourceRecord`] of kind
//! [`SourceKind::Journal`] per entry: the entry reduced to its time, host,
//! program, pid and message as one compact JSON object with journalctl's
//! field names, which the pipeline hands to the OpenSSH parser's journal
//! path ([`SshParser::parse_line`](crate::parse::ssh::SshParser::parse_line)
//! on a `{...}` line). Classification is the parser's; this module only
//! reads. The program is the trusted `_COMM` field where the entry has one
//! (journald sets it from the kernel, while `SYSLOG_IDENTIFIER` is what the
//! process claims), so `logger -t sshd` from a local account cannot pass
//! for sshd; `SYSLOG_IDENTIFIER` is used only for entries without `_COMM`.
//!
//! Cursor order is journalctl's: with several journal files (a
//! `--directory` of remote journals) entries are interleaved by time, and an
//! entry written later with an *earlier* time than the checkpoint cursor is
//! not read again.
//!
//! * **Checkpoints** are journal cursors: the key is the source name
//!   (`journal`, `journal:<dir>`, or `journal:<name>` for a named source), the
//!   identity the cursor of the last entry yielded, the offset the number of
//!   entries read so far (for line numbers). The next run starts with
//!   `--after-cursor`, so `soc run --once` from cron neither repeats nor
//!   skips an entry. Without a checkpoint, `from_start = false` starts after
//!   the newest matching entry.
//! * **Follow** (`follow = true`) keeps `journalctl -f` running; a `None`
//!   means nothing new yet. If journalctl exits, the error is reported once
//!   and it is started again after the last cursor.
//! * **Malformed entries** (no cursor, no `MESSAGE`, not JSON, longer than
//!   1 MiB) are reported as `SourceError::Parse` naming `source:entry`, and
//!   reading goes on. A failing journalctl (bad directory, missing program)
//!   is a `SourceError::Transport` with its standard error.
//!
//! ```no_run
//! use soc_core::source::{JournalConfig, JournalSource, JournalSourceOptions, LogSource};
//! let cfg = JournalConfig { directory: Some("/var/log/journal/remote".into()), ..Default::default() };
//! let mut src = JournalSource::open(cfg, JournalSourceOptions::default(), None).unwrap();
//! while let Some(rec) = src.next_record() {
//!     println!("{}", rec.unwrap().text);
//! }
//! ```

mod entry;
mod process;

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::error::{ParseError, SourceError};
use crate::model::Origin;
use crate::source::{Checkpoint, LogSource, SourceKind, SourceRecord};
use crate::store::StateStore;
use process::{Journalctl, Next, Output};

/// The program names sshd logs under (OpenSSH 9.8 added `sshd-session`,
/// OpenSSH 10 `sshd-auth`).
pub const SSHD_COMMANDS: [&str; 3] = ["sshd", "sshd-session", "sshd-auth"];

/// `journal = { ... }` of a `kind = "journal"` source: which journal to read.
///
/// ```toml
/// [[sources]]
/// kind = "journal"                 # the local system journal
///
/// [[sources]]
/// kind = "journal"
/// journal = { directory = "/var/log/journal/remote" }
/// follow = true
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JournalConfig {
    /// Read the journal files in this directory (`journalctl --directory`),
    /// e.g. journals received by systemd-journal-remote or copied from a host.
    pub directory: Option<PathBuf>,
    /// Read these journal files (`journalctl --file`; journalctl expands globs).
    pub files: Vec<PathBuf>,
    /// systemd units whose processes' entries are read besides the sshd
    /// commands (default `ssh.service` (Debian) and `sshd.service`).
    pub units: Vec<String>,
    /// The journalctl program (default `journalctl`, found on `PATH`).
    pub journalctl: PathBuf,
}

impl Default for JournalConfig {
    fn default() -> Self {
        JournalConfig {
            directory: None,
            files: Vec::new(),
            units: vec!["ssh.service".into(), "sshd.service".into()],
            journalctl: PathBuf::from("journalctl"),
        }
    }
}

impl JournalConfig {
    /// The source name when none is configured: `journal`, `journal:<dir>`
    /// or `journal:<file>,<file>`.
    ///
    /// ```
    /// use soc_core::source::JournalConfig;
    /// assert_eq!(JournalConfig::default().default_name(), "journal");
    /// let c = JournalConfig { directory: Some("/j".into()), ..Default::default() };
    /// assert_eq!(c.default_name(), "journal:/j");
    /// ```
    pub fn default_name(&self) -> String {
        match (&self.directory, self.files.is_empty()) {
            (Some(d), _) => format!("journal:{}", d.display()),
            (None, false) => {
                let files: Vec<String> =
                    self.files.iter().map(|f| f.display().to_string()).collect();
                format!("journal:{}", files.join(","))
            }
            (None, true) => "journal".into(),
        }
    }

    /// Checks what journalctl would reject or misread.
    fn validate(&self, name: &str) -> Result<(), SourceError> {
        let bad = |message: &str| {
            Err(SourceError::Config {
                source_name: name.to_string(),
                message: message.to_string(),
            })
        };
        if self.directory.is_some() && !self.files.is_empty() {
            return bad("give journal.directory or journal.files, not both");
        }
        if self.files.iter().any(|f| f.as_os_str().is_empty())
            || self
                .directory
                .as_ref()
                .is_some_and(|d| d.as_os_str().is_empty())
        {
            return bad("journal.directory and journal.files must not be empty paths");
        }
        if self
            .units
            .iter()
            .any(|u| u.trim().is_empty() || u.contains('\n'))
        {
            return bad("journal.units must be unit names such as ssh.service");
        }
        if self.journalctl.as_os_str().is_empty() {
            return bad("journal.journalctl must name the journalctl program");
        }
        Ok(())
    }

    /// The journalctl command reading entries after `cursor` (all when `None`).
    fn command(&self, cursor: Option<&str>, follow: bool) -> Command {
        let mut cmd = self.base_command();
        if let Some(c) = cursor {
            cmd.arg(format!("--after-cursor={c}"));
        }
        if follow {
            cmd.args(["--follow", "--no-tail"]);
        }
        self.add_matches(&mut cmd);
        cmd
    }

    fn base_command(&self) -> Command {
        let mut cmd = Command::new(&self.journalctl);
        cmd.args(["--output=json", "--no-pager"]);
        if let Some(d) = &self.directory {
            cmd.arg("--directory").arg(d);
        }
        for f in &self.files {
            cmd.arg("--file").arg(f);
        }
        cmd
    }

    fn add_matches(&self, cmd: &mut Command) {
        cmd.args(SSHD_COMMANDS.map(|c| format!("_COMM={c}")));
        cmd.arg("+");
        cmd.args(SSHD_COMMANDS.map(|c| format!("SYSLOG_IDENTIFIER={c}")));
        if !self.units.is_empty() {
            cmd.arg("+");
            cmd.args(self.units.iter().map(|u| format!("_SYSTEMD_UNIT={u}")));
        }
    }

    /// The cursor of the newest matching entry (`None`: the journal has none).
    fn tail_cursor(&self, name: &str) -> Result<Option<String>, SourceError> {
        let mut cmd = self.base_command();
        cmd.args(["--lines=0", "--show-cursor"]);
        self.add_matches(&mut cmd);
        let out = cmd.output().map_err(|e| self.spawn_error(e))?;
        if !out.status.success() {
            return Err(exit_error(
                name,
                Some(out.status),
                &String::from_utf8_lossy(&out.stderr),
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("-- cursor: "))
            .map(|c| c.trim().to_string()))
    }

    fn spawn_error(&self, source: std::io::Error) -> SourceError {
        SourceError::Io {
            path: self.journalctl.clone(),
            source: std::io::Error::new(
                source.kind(),
                format!("cannot run journalctl ({source}); install systemd's journalctl or set journal.journalctl"),
            ),
        }
    }
}

fn exit_error(name: &str, status: Option<std::process::ExitStatus>, stderr: &str) -> SourceError {
    let status = status.map_or_else(|| "an unknown status".to_string(), |s| s.to_string());
    SourceError::Transport {
        source_name: name.to_string(),
        message: format!("journalctl exited with {status}: {}", stderr.trim()),
    }
}

/// How a [`JournalSource`] reads.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalSourceOptions {
    /// Keep following the journal (`journalctl -f`).
    pub follow: bool,
    /// Without a checkpoint: read every matching entry (`true`, default) or
    /// only those written after the start.
    pub from_start: bool,
    /// How long to wait after a `None` when following (default 250 ms).
    pub poll_interval: Duration,
    /// The source name (checkpoint key `journal:<name>`, or the name itself
    /// when it starts with `journal`); default [`JournalConfig::default_name`].
    pub name: Option<String>,
}

impl Default for JournalSourceOptions {
    fn default() -> Self {
        JournalSourceOptions {
            follow: false,
            from_start: true,
            poll_interval: Duration::from_millis(250),
            name: None,
        }
    }
}

/// sshd's journal entries; see the [module docs](self).
pub struct JournalSource {
    name: String,
    key: String,
    cfg: JournalConfig,
    opts: JournalSourceOptions,
    proc: Option<Journalctl>,
    /// Cursor of the last entry consumed (yielded or reported malformed).
    cursor: Option<String>,
    /// Entries consumed, over all runs.
    count: u64,
    /// One-shot: journalctl finished.
    done: bool,
    /// Follow: when to start journalctl again after it exited.
    restart_at: Option<Instant>,
}

impl std::fmt::Debug for JournalSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JournalSource")
            .field("name", &self.name)
            .field("follow", &self.opts.follow)
            .field("count", &self.count)
            .finish()
    }
}

impl JournalSource {
    /// Starts journalctl after the checkpoint in `store` (when given).
    ///
    /// Fails on a bad configuration, when the store cannot be read, or when
    /// journalctl cannot be started.
    pub fn open(
        cfg: JournalConfig,
        opts: JournalSourceOptions,
        store: Option<Arc<StateStore>>,
    ) -> Result<JournalSource, SourceError> {
        let name = opts.name.clone().unwrap_or_else(|| cfg.default_name());
        cfg.validate(&name)?;
        let key = if name == "journal" || name.starts_with("journal:") {
            name.clone()
        } else {
            format!("journal:{name}")
        };
        let (mut cursor, mut count) = (None, 0);
        if let Some(store) = &store {
            if let Some((c, n)) = store.checkpoint(&key)? {
                (cursor, count) = (Some(c), n);
            }
        }
        if cursor.is_none() && !opts.from_start {
            cursor = cfg.tail_cursor(&name)?;
        }
        let mut src = JournalSource {
            name,
            key,
            cfg,
            opts,
            proc: None,
            cursor,
            count,
            done: false,
            restart_at: None,
        };
        src.start()?;
        Ok(src)
    }

    fn start(&mut self) -> Result<(), SourceError> {
        let cmd = self.cfg.command(self.cursor.as_deref(), self.opts.follow);
        tracing::debug!(source = %self.name, cursor = ?self.cursor, "starting journalctl");
        self.proc = Some(Journalctl::spawn(cmd).map_err(|e| self.cfg.spawn_error(e))?);
        Ok(())
    }

    fn malformed(&self, reason: String) -> SourceError {
        SourceError::Parse(ParseError::Malformed {
            source_name: self.name.clone(),
            line: self.count,
            reason,
        })
    }

    /// One output line of journalctl as a record or an error.
    fn entry(&mut self, out: Output) -> Result<SourceRecord, SourceError> {
        self.count += 1;
        let line = match out {
            Output::Line(l) => l,
            Output::TooLong(n) => {
                return Err(self.malformed(format!(
                    "journal entry of {n} bytes is longer than {} bytes; skipped",
                    process::MAX_ENTRY_BYTES
                )))
            }
            Output::ReadError(source) => {
                self.count -= 1;
                return Err(SourceError::Io {
                    path: self.cfg.journalctl.clone(),
                    source,
                });
            }
        };
        match entry::reduce(&line) {
            Ok(e) => {
                self.cursor = Some(e.cursor);
                Ok(SourceRecord {
                    kind: SourceKind::Journal,
                    text: e.text,
                    origin: Origin {
                        file: self.name.clone(),
                        line: self.count,
                    },
                })
            }
            Err((cursor, reason)) => {
                if cursor.is_some() {
                    self.cursor = cursor;
                }
                Err(self.malformed(reason))
            }
        }
    }
}

impl LogSource for JournalSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn next_record(&mut self) -> Option<Result<SourceRecord, SourceError>> {
        if self.done {
            return None;
        }
        if self.proc.is_none() {
            // Following, journalctl exited: start it again when due.
            if self.restart_at.is_some_and(|t| Instant::now() < t) {
                return None;
            }
            self.restart_at = None;
            if let Err(e) = self.start() {
                self.restart_at = Some(Instant::now() + self.opts.poll_interval.max(RESTART));
                return Some(Err(e));
            }
        }
        let proc = self.proc.as_mut()?;
        let wait = if self.opts.follow {
            Some(Duration::ZERO)
        } else {
            None
        };
        match proc.next(wait) {
            Next::Output(out) => Some(self.entry(out)),
            Next::Empty => None,
            Next::Exited { status, stderr } => {
                self.proc = None;
                let ok = status.is_some_and(|s| s.success());
                if ok && !self.opts.follow {
                    if !stderr.is_empty() {
                        tracing::warn!(source = %self.name, "journalctl: {stderr}");
                    }
                    self.done = true;
                    return None;
                }
                if self.opts.follow {
                    self.restart_at = Some(Instant::now() + self.opts.poll_interval.max(RESTART));
                } else {
                    self.done = true;
                }
                Some(Err(exit_error(&self.name, status, &stderr)))
            }
        }
    }

    fn checkpoints(&self) -> Vec<Checkpoint> {
        self.cursor
            .iter()
            .map(|c| Checkpoint {
                source_key: self.key.clone(),
                identity: c.clone(),
                offset: self.count,
                line: self.count,
            })
            .collect()
    }

    fn is_following(&self) -> bool {
        self.opts.follow
    }

    fn poll_interval(&self) -> Duration {
        self.opts.poll_interval
    }
}

/// Least wait before starting journalctl again after it exited while following.
const RESTART: Duration = Duration::from_secs(1);
