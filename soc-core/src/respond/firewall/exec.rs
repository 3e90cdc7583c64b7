//! Running external commands safely: argv only (never a shell), with a
//! timeout, an optional prefix (e.g. `ip netns exec NS`), and typed errors
//! (missing program, nonzero exit).
//!
//! Responders talk to the system through the [`CommandRunner`] trait so
//! that tests can script the answers; [`SystemRunner`] is the real one.
//!
//! ```
//! use soc_core::respond::firewall::exec::{display_argv, shell_quote};
//! assert_eq!(shell_quote("198.51.100.23"), "198.51.100.23");
//! assert_eq!(shell_quote("a b'c"), r#"'a b'\''c'"#);
//! let argv = vec!["nft".to_string(), "list".into(), "set".into(), "{ x; }".into()];
//! assert_eq!(display_argv(&argv), "nft list set '{ x; }'");
//! ```

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use async_trait::async_trait;

use crate::error::RespondError;

/// What a finished command produced.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommandOutput {
    /// Exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Standard output (lossy UTF-8).
    pub stdout: String,
    /// Standard error (lossy UTF-8).
    pub stderr: String,
}

impl CommandOutput {
    /// Whether the command exited with status 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// A successful output with `stdout` (handy for scripted runners).
    pub fn ok(stdout: &str) -> Self {
        CommandOutput {
            code: Some(0),
            stdout: stdout.to_string(),
            stderr: String::new(),
        }
    }

    /// A failed output with exit code `code` and `stderr`.
    pub fn fail(code: i32, stderr: &str) -> Self {
        CommandOutput {
            code: Some(code),
            stdout: String::new(),
            stderr: stderr.to_string(),
        }
    }

    /// The exit status for messages: `1`, or `signal` when killed.
    pub fn status_text(&self) -> String {
        self.code
            .map(|c| c.to_string())
            .unwrap_or_else(|| "signal".into())
    }

    /// Whether stderr says the caller lacks privileges.
    pub fn permission_denied(&self) -> bool {
        let e = self.stderr.to_ascii_lowercase();
        e.contains("operation not permitted")
            || e.contains("permission denied")
            || e.contains("must be root")
            || e.contains("you need to be root")
    }
}

/// Runs one command given as argv. Implementations never go through a shell.
#[async_trait]
pub trait CommandRunner: Send + Sync + std::fmt::Debug {
    /// The argv as it is really executed (with any prefix), for the audit record.
    fn effective_argv(&self, argv: &[String]) -> Vec<String> {
        argv.to_vec()
    }

    /// Runs `argv` and returns its output whatever the exit status. Fails
    /// only when the program cannot be started (missing: `CommandMissing`)
    /// or times out.
    async fn run(&self, argv: &[String]) -> Result<CommandOutput, RespondError>;
}

/// The real runner: `tokio::process::Command` with a timeout, stdin closed,
/// and an optional argv prefix such as `["ip", "netns", "exec", "ns1"]`.
#[derive(Debug, Clone)]
pub struct SystemRunner {
    prefix: Vec<String>,
    timeout: Duration,
}

impl Default for SystemRunner {
    fn default() -> Self {
        SystemRunner {
            prefix: Vec::new(),
            timeout: Duration::from_secs(30),
        }
    }
}

impl SystemRunner {
    /// A runner without prefix and a 30 s timeout per command.
    pub fn new() -> Self {
        Self::default()
    }

    /// A runner that executes every command inside network namespace `ns`
    /// (`ip netns exec <ns> ...`).
    pub fn in_netns(ns: &str) -> Self {
        SystemRunner {
            prefix: ["ip", "netns", "exec", ns].map(String::from).to_vec(),
            ..Self::default()
        }
    }

    /// Sets the per-command timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

#[async_trait]
impl CommandRunner for SystemRunner {
    fn effective_argv(&self, argv: &[String]) -> Vec<String> {
        self.prefix.iter().chain(argv).cloned().collect()
    }

    async fn run(&self, argv: &[String]) -> Result<CommandOutput, RespondError> {
        let full = self.effective_argv(argv);
        let Some(first) = full.first() else {
            return Err(RespondError::CommandFailed {
                argv: String::new(),
                status: "not run".into(),
                stderr: "empty command".into(),
            });
        };
        // Resolve every program up front (the prefix's and the real one) so
        // a missing tool is reported by name, not as a cryptic netns error.
        for program in std::iter::once(first).chain(if self.prefix.is_empty() {
            None
        } else {
            argv.first()
        }) {
            if find_program(program).is_none() {
                return Err(RespondError::CommandMissing {
                    program: program.clone(),
                    package: package_for(program).to_string(),
                });
            }
        }
        let exe = find_program(first).unwrap_or_else(|| PathBuf::from(first));
        let mut cmd = tokio::process::Command::new(exe);
        cmd.args(&full[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let display = display_argv(&full);
        let child = cmd.spawn().map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => RespondError::CommandMissing {
                program: first.clone(),
                package: package_for(first).to_string(),
            },
            _ => RespondError::Io {
                context: format!("starting {display}"),
                source: e,
            },
        })?;
        let out = tokio::time::timeout(self.timeout, child.wait_with_output())
            .await
            .map_err(|_| RespondError::CommandFailed {
                argv: display.clone(),
                status: "timeout".into(),
                stderr: format!("no answer within {}s", self.timeout.as_secs()),
            })?
            .map_err(|e| RespondError::Io {
                context: format!("running {display}"),
                source: e,
            })?;
        Ok(CommandOutput {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        })
    }
}

/// The Debian package that provides `program` (for "install it" messages).
pub fn package_for(program: &str) -> &'static str {
    let name = Path::new(program)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(program);
    match name {
        "nft" => "nftables",
        "iptables" | "ip6tables" | "iptables-save" | "ip6tables-save" => "iptables",
        "ipset" => "ipset",
        "ip" => "iproute2",
        "ssh" | "ssh-keygen" | "ssh-keyscan" => "openssh-client",
        "sshd" => "openssh-server",
        _ => "the package that provides it",
    }
}

/// Finds `program` on `PATH`, then in the sbin folders (firewall tools live
/// there and a non-root `PATH` often lacks them). Paths with a `/` are used as given.
pub fn find_program(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        let p = PathBuf::from(program);
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/local/sbin", "/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// Whether this process runs with effective user id 0 (read from
/// `/proc/self/status`; `false` where that cannot be read).
///
/// ```
/// let _root: bool = soc_core::respond::firewall::exec::running_as_root();
/// ```
pub fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

/// Quotes one word for a POSIX shell: bare when it only has safe characters
/// (`A-Z a-z 0-9 _ . / : = @ % + , -`), otherwise in single quotes.
pub fn shell_quote(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_./:=@%+,-".contains(&b));
    if safe {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// An argv as one line a person can copy into a shell (each word quoted).
pub fn display_argv(argv: &[String]) -> String {
    argv.iter()
        .map(|w| shell_quote(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The addresses configured inside network namespace `ns` (`ip -n NS -o addr show`).
pub(crate) fn netns_addresses(ns: &str) -> Vec<std::net::IpAddr> {
    let Some(ip) = find_program("ip") else {
        return Vec::new();
    };
    let Ok(out) = std::process::Command::new(ip)
        .args(["-n", ns, "-o", "addr", "show"])
        .stdin(std::process::Stdio::null())
        .output()
    else {
        return Vec::new();
    };
    parse_addr_show(&String::from_utf8_lossy(&out.stdout))
}

/// The addresses in the output of `ip -o addr show` (`inet`/`inet6` words).
pub fn parse_addr_show(text: &str) -> Vec<std::net::IpAddr> {
    let mut addrs = Vec::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        while let Some(w) = words.next() {
            if w == "inet" || w == "inet6" {
                if let Some(a) = words
                    .next()
                    .and_then(|a| a.split('/').next())
                    .and_then(|a| a.parse::<std::net::IpAddr>().ok())
                {
                    addrs.push(a.to_canonical());
                }
            }
        }
    }
    addrs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_is_safe_for_hostile_words() {
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("1.2.3.4; rm -rf /"), "'1.2.3.4; rm -rf /'");
        assert_eq!(shell_quote("$(id)"), "'$(id)'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote("2001:db8::1"), "2001:db8::1");
    }

    #[test]
    fn packages_are_named() {
        assert_eq!(package_for("/usr/sbin/ip6tables"), "iptables");
        assert_eq!(package_for("nft"), "nftables");
    }

    #[tokio::test]
    async fn missing_program_is_typed() {
        let r = SystemRunner::new();
        let err = r
            .run(&["soc-no-such-tool-xyz".to_string()])
            .await
            .unwrap_err();
        assert!(matches!(err, RespondError::CommandMissing { .. }), "{err}");
    }

    #[tokio::test]
    async fn captures_exit_status_and_output() {
        if find_program("sh").is_none() {
            eprintln!("skipping: no sh");
            return;
        }
        let r = SystemRunner::new();
        let argv: Vec<String> = ["sh", "-c", "echo out; echo err >&2; exit 3"]
            .map(String::from)
            .to_vec();
        let out = r.run(&argv).await.unwrap();
        assert_eq!(out.code, Some(3));
        assert_eq!(out.stdout, "out\n");
        assert_eq!(out.stderr, "err");
        assert!(!out.success());
    }
}
