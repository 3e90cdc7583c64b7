//! Set-ups the CLI's integration tests share: the `soc` command in a clean
//! environment, running it to success, reading JSON Lines and writing the
//! `soc.toml` of a run. Include it with `mod common;`.
#![allow(dead_code)] // each test crate uses what it needs

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

/// The `soc` binary without the environment that would change what it
/// does here: a config, a state file or a log level from the caller's
/// shell, or an SSH session (which `soc block` protects).
pub fn soc() -> Command {
    let mut c = Command::cargo_bin("soc").unwrap();
    for var in ["SOC_CONFIG", "SOC_STATE", "SOC_LOG", "SSH_CONNECTION"] {
        c.env_remove(var);
    }
    c
}

/// Runs `cmd` and fails the test, showing its stderr, unless it succeeded.
pub fn succeed(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The values of JSON Lines output, one a line (it must be UTF-8).
pub fn jsonl(out: &[u8]) -> Vec<Value> {
    std::str::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `path` as a command-line argument (test paths are UTF-8).
pub fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Writes `root/soc.toml` for a dry-run, offline `soc run` that keeps its
/// state in `root/state.db`; `run` is added to the `[run]` table and
/// `sources` follows it (the `[[sources]]` tables). Returns its path.
pub fn run_config(root: &Path, run: &str, sources: &str) -> PathBuf {
    let config = root.join("soc.toml");
    let state = root.join("state.db");
    let text = format!(
        "[store]\npath = {:?}\n\n[run]\noffline = true\n{run}\n{sources}\n[response]\ndry_run = true\n",
        state.display().to_string()
    );
    std::fs::write(&config, text).unwrap();
    config
}
