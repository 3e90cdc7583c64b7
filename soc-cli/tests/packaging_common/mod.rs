//! Helpers of the packaging tests (`packaging.rs`, `packaging_units.rs`):
//! the repository's paths, the packaged configuration made to run in a
//! temporary folder, and the keys of systemd unit files.
#![allow(dead_code)] // each test crate uses what it needs

use std::path::{Path, PathBuf};
use std::process::Output;

/// The repository root (the workspace).
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("soc-cli sits in the workspace")
        .to_path_buf()
}

/// A file of the repository as text.
pub fn read(rel: &str) -> String {
    let path = repo().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The soc binary under test.
pub fn soc_bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("soc")
}

/// stdout and stderr of a finished command, for assertion messages.
pub fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// sshd lines of one brute-force attacker (203.0.113.9): six failures.
pub const BRUTE_FORCE_LOG: &str = "\
Dec  6 10:00:01 web1 sshd[4001]: Failed password for root from 203.0.113.9 port 40001 ssh2
Dec  6 10:00:03 web1 sshd[4001]: Failed password for root from 203.0.113.9 port 40001 ssh2
Dec  6 10:00:05 web1 sshd[4002]: Failed password for invalid user admin from 203.0.113.9 port 40002 ssh2
Dec  6 10:00:07 web1 sshd[4002]: Failed password for invalid user admin from 203.0.113.9 port 40002 ssh2
Dec  6 10:00:09 web1 sshd[4003]: Failed password for invalid user oracle from 203.0.113.9 port 40003 ssh2
Dec  6 10:00:11 web1 sshd[4003]: Failed password for invalid user oracle from 203.0.113.9 port 40003 ssh2
";

/// The packaged `/etc/soc/soc.toml` made to run inside `dir`: the state
/// folder `/var/lib/soc` becomes `dir/state`, the host's `/var/log` becomes
/// `dir/log` (holding [`BRUTE_FORCE_LOG`] as `auth.log`), and enrichment
/// stays offline (the tests have no Internet). Returns the config's path.
pub fn packaged_config_in(dir: &Path) -> PathBuf {
    let state = dir.join("state");
    let log = dir.join("log");
    std::fs::create_dir_all(&state).unwrap();
    std::fs::create_dir_all(&log).unwrap();
    std::fs::write(log.join("auth.log"), BRUTE_FORCE_LOG).unwrap();
    let packaged = read("packaging/soc.toml");
    assert!(packaged.contains("\"/var/lib/soc/"), "{packaged}");
    assert!(packaged.contains("\"/var/log/auth.log"), "{packaged}");
    let text = packaged
        .replace("\"/var/lib/soc/", &format!("\"{}/", state.display()))
        .replace("\"/var/log/", &format!("\"{}/", log.display()));
    let path = dir.join("soc.toml");
    std::fs::write(&path, format!("{text}\n[run]\noffline = true\n")).unwrap();
    path
}

/// A command line of a unit file or Dockerfile run here: `/usr/bin/soc` is
/// the binary under test and `/etc/soc/soc.toml` is `config`.
pub fn local_argv(argv: &[String], config: &Path) -> (PathBuf, Vec<String>) {
    assert_eq!(argv[0], "/usr/bin/soc", "{argv:?}");
    let args = argv[1..]
        .iter()
        .map(|a| a.replace("/etc/soc/soc.toml", &config.display().to_string()))
        .collect();
    (soc_bin(), args)
}

/// Every value of `key` in a systemd unit file, in order (a key may repeat).
pub fn unit_values(unit: &str, key: &str) -> Vec<String> {
    unit.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#') && !l.starts_with(';'))
        .filter_map(|l| l.split_once('='))
        .filter(|(k, _)| k.trim() == key)
        .map(|(_, v)| v.trim().to_string())
        .collect()
}

/// The one value of `key` in a unit file.
pub fn unit_value(unit: &str, key: &str) -> String {
    let values = unit_values(unit, key);
    assert_eq!(values.len(), 1, "{key}: {values:?}");
    values[0].clone()
}

/// The visible subcommands, as `soc --help` lists them.
pub fn visible_subcommands() -> Vec<String> {
    let out = std::process::Command::new(soc_bin())
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    let names: Vec<String> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .map(str::to_string)
        .collect();
    assert!(names.len() > 10, "{help}");
    names
}
