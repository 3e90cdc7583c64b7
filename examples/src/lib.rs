//! Runnable examples of the soc SDK. Each example's body is a function here
//! (so `examples/tests/run_examples.rs` runs them quickly in `cargo test`);
//! the programs in `examples/examples/` are tiny `main`s calling them.
//!
//! * [`embed`]: build the pipeline from a TOML string and run it over a log.
//! * [`custom_source`]: feed the pipeline from your own [`LogSource`](soc_core::LogSource).
//! * [`custom_enricher`]: add your own threat-intel [`Enricher`](soc_core::Enricher).

pub mod custom_enricher;
pub mod custom_source;
pub mod embed;

use std::fmt::Write as _;
use std::path::Path;

/// Writes a small OpenSSH auth.log with a brute-force episode from
/// `attacker` (30 failures in 3 minutes) and one normal login; returns its path.
pub fn write_sample_authlog(dir: &Path, attacker: &str) -> std::io::Result<std::path::PathBuf> {
    let mut text = String::new();
    for i in 0..30u32 {
        let _ = writeln!(
            text,
            "Nov 21 02:{:02}:{:02} web01 sshd[{}]: Failed password for root from {attacker} port {} ssh2",
            19 + i / 10,
            (i % 10) * 6,
            3000 + i,
            40000 + i
        );
    }
    text.push_str(
        "Nov 21 03:00:00 web01 sshd[4000]: Accepted publickey for carol from 192.168.1.40 port 52196 ssh2: ED25519 SHA256:abc\n",
    );
    let path = dir.join("auth.log");
    std::fs::write(&path, text)?;
    Ok(path)
}

/// A `soc.toml` for `dir`: state in `dir/state.db`, the given sources
/// (TOML `[[sources]]` blocks), offline, dry-run.
pub fn config_for(dir: &Path, sources: &str) -> String {
    format!(
        "[store]\npath = {:?}\n\n[run]\noffline = true\n\n{sources}\n[response]\ndry_run = true\n",
        dir.join("state.db").display().to_string()
    )
}

/// A `soc.toml` for `dir` (see [`config_for`]) with one `ssh` source
/// reading `log`.
pub fn ssh_config_for(dir: &Path, log: &Path) -> String {
    config_for(
        dir,
        &format!(
            "[[sources]]\nkind = \"ssh\"\npath = {:?}\n",
            log.display().to_string()
        ),
    )
}
