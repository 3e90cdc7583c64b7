//! systemd's journal tools for the journal source tests of soc-core and
//! soc-cli: include it with `#[path = "support/journal.rs"] mod journal;`
//! (after `mod support;`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Debian's `systemd-journal-remote` when it and `journalctl` are
/// installed; otherwise `None` after reporting (`support::skip`) why
/// `test` cannot run here.
pub fn remote_or_skip(test: &str) -> Option<PathBuf> {
    let remote = [
        "/lib/systemd/systemd-journal-remote",
        "/usr/lib/systemd/systemd-journal-remote",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists());
    let why = if remote.is_none() {
        "systemd-journal-remote is not installed (apt-get install systemd-journal-remote)"
    } else if Command::new("journalctl")
        .arg("--version")
        .output()
        .is_err()
    {
        "journalctl is not installed"
    } else {
        return remote;
    };
    crate::support::skip(test, why);
    None
}

/// Appends `export` (journal export format) to the journal file `file`,
/// created when missing, with `remote` (`systemd-journal-remote`).
pub fn append(remote: &Path, file: &Path, export: &str) {
    let mut child = Command::new(remote)
        .arg("-o")
        .arg(file)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(export.as_bytes()).unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "systemd-journal-remote: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
