//! Running firewall commands on a remote host with the system's OpenSSH
//! client, so that nothing soc sends is interpreted by the remote shell.
//!
//! sshd hands the remote command line to the user's login shell, so:
//! * every word on the remote command line must consist only of
//!   `A-Z a-z 0-9 _ . / : = @ % + , -` (program names, options, set names,
//!   parsed addresses and networks, numbers). A word with anything else is
//!   refused before ssh runs; there is nothing to quote, so there is
//!   nothing a shell could expand, split or execute;
//! * nft commands need `{ } ;`, so they are not put on the command line:
//!   the remote command is the constant `nft -f -` and the command goes on
//!   stdin, where nft's own parser reads it (the same text nft would join
//!   from its argv). Scripts are single lines without control characters;
//! * the ssh client runs as argv (no local shell) with `BatchMode=yes`
//!   (keys only, never a password prompt) and `StrictHostKeyChecking=yes`
//!   against the configured known_hosts (an unknown or changed host key is
//!   refused; no accept-new).
//!
//! ```
//! use soc_core::respond::remote::{RemoteFirewallConfig, SshRunner};
//! use soc_core::respond::firewall::CommandRunner;
//! let spec = RemoteFirewallConfig::default().resolve("soc@192.0.2.21:2222").unwrap();
//! let ssh = SshRunner::new(&spec, &RemoteFirewallConfig::default()).unwrap();
//! let argv: Vec<String> = ["ipset", "test", "soc-block4", "198.51.100.7"].map(String::from).to_vec();
//! let shown = ssh.effective_argv(&argv).join(" ");
//! assert!(shown.ends_with("-p 2222 -l soc -- 192.0.2.21 ipset test soc-block4 198.51.100.7"), "{shown}");
//! let nft: Vec<String> = ["nft", "add", "element", "inet", "soc", "block4", "{ 198.51.100.7 }"].map(String::from).to_vec();
//! assert!(ssh.effective_argv(&nft).join(" ").ends_with("nft -f - <<< add element inet soc block4 { 198.51.100.7 }"));
//! ```

use std::process::Stdio;
use std::time::Duration;

use async_trait::async_trait;
use tokio::io::AsyncWriteExt;

use super::config::{config_err, HostSpec, RemoteFirewallConfig};
use crate::error::RespondError;
use crate::respond::firewall::exec::{display_argv, find_program, package_for};
use crate::respond::firewall::{CommandOutput, CommandRunner};
use crate::respond::isolate::SshLogin;

/// The marker between the ssh argv and the stdin script in records.
pub const STDIN_MARKER: &str = "<<<";

/// A [`CommandRunner`] that runs each command on one host over SSH.
#[derive(Debug, Clone)]
pub struct SshRunner {
    host: String,
    ssh: Vec<String>,
    sudo: bool,
    timeout: Duration,
}

/// Whether `w` may appear on a remote command line (see the module docs).
pub fn remote_safe(w: &str) -> bool {
    !w.is_empty()
        && w.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_./:=@%+,-".contains(&b))
}

impl SshRunner {
    /// The runner for `spec`, with the section's timeouts and ssh program.
    pub fn new(spec: &HostSpec, section: &RemoteFirewallConfig) -> Result<Self, RespondError> {
        let mut ssh = Vec::new();
        if let Some(ns) = &spec.netns {
            ssh.extend(["ip", "netns", "exec", ns.as_str()].map(String::from));
        }
        let login = SshLogin::to(&section.ssh_program, &spec.user, &spec.host, spec.port)
            .known_hosts(spec.known_hosts.as_deref())
            .key("key", spec.key.as_deref())
            .connect_timeout(section.connect_timeout_secs);
        ssh.extend(login.argv().map_err(config_err)?);
        Ok(SshRunner {
            host: spec.name.clone(),
            ssh,
            sudo: spec.sudo,
            timeout: Duration::from_secs(section.timeout_secs.max(1)),
        })
    }

    /// The remote words and the stdin script (nft) for `argv`; refuses
    /// anything the remote shell could interpret.
    fn remote(&self, argv: &[String]) -> Result<(Vec<String>, Option<String>), RespondError> {
        let mut words: Vec<String> = Vec::new();
        if self.sudo {
            words.extend(["sudo", "-n", "--"].map(String::from));
        }
        let (script, line) = match argv.split_first() {
            Some((p, rest)) if p == "nft" => {
                let script = rest.join(" ");
                if script.chars().any(|c| c.is_control()) {
                    return Err(self.unsafe_word(&script));
                }
                words.extend(["nft", "-f", "-"].map(String::from));
                (Some(format!("{script}\n")), Vec::new())
            }
            _ => (None, argv.to_vec()),
        };
        if let Some(w) = line.iter().find(|w| !remote_safe(w)) {
            return Err(self.unsafe_word(w));
        }
        words.extend(line);
        Ok((words, script))
    }

    fn unsafe_word(&self, w: &str) -> RespondError {
        RespondError::InvalidTarget {
            input: format!(
                "{w} (not sent to {}: the remote shell could interpret it)",
                self.host
            ),
        }
    }
}

#[async_trait]
impl CommandRunner for SshRunner {
    fn effective_argv(&self, argv: &[String]) -> Vec<String> {
        let mut out = self.ssh.clone();
        match self.remote(argv) {
            Ok((words, script)) => {
                out.extend(words);
                if let Some(s) = script {
                    out.push(STDIN_MARKER.into());
                    out.push(s.trim_end().to_string());
                }
            }
            Err(e) => out.push(format!("(refused: {e})")),
        }
        out
    }

    async fn run(&self, argv: &[String]) -> Result<CommandOutput, RespondError> {
        let (words, script) = self.remote(argv)?;
        let full: Vec<String> = self.ssh.iter().cloned().chain(words).collect();
        let program = &full[0];
        let exe = find_program(program).ok_or_else(|| RespondError::CommandMissing {
            program: program.clone(),
            package: package_for(program).to_string(),
        })?;
        let display = display_argv(&full);
        let mut cmd = tokio::process::Command::new(exe);
        cmd.args(&full[1..])
            .stdin(if script.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd.spawn().map_err(|e| RespondError::Io {
            context: format!("starting {display}"),
            source: e,
        })?;
        if let (Some(s), Some(mut stdin)) = (script, child.stdin.take()) {
            // A remote end that closed early shows up in the exit status.
            let _ = stdin.write_all(s.as_bytes()).await;
        }
        let out = tokio::time::timeout(self.timeout, child.wait_with_output())
            .await
            .map_err(|_| RespondError::Ssh {
                host: self.host.clone(),
                message: format!("no answer within {}s", self.timeout.as_secs()),
            })?
            .map_err(|e| RespondError::Io {
                context: format!("running {display}"),
                source: e,
            })?;
        let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
        // 255: ssh itself failed (connection, authentication, host key).
        if out.status.code().is_none_or(|c| c == 255) {
            return Err(RespondError::Ssh {
                host: self.host.clone(),
                message: if stderr.is_empty() {
                    "ssh failed without a message".into()
                } else {
                    stderr
                },
            });
        }
        Ok(CommandOutput {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runner(sudo: bool) -> SshRunner {
        let mut spec = RemoteFirewallConfig::default()
            .resolve("192.0.2.21")
            .unwrap();
        spec.sudo = sudo;
        SshRunner::new(&spec, &RemoteFirewallConfig::default()).unwrap()
    }

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn host_key_checking_is_strict_and_nothing_is_interpreted() {
        let r = runner(true);
        let argv = r.effective_argv(&words(&[
            "iptables",
            "-w",
            "-C",
            "soc-block",
            "-s",
            "2001:db8::/64",
            "-j",
            "DROP",
        ]));
        let line = argv.join(" ");
        assert!(
            line.contains("-o BatchMode=yes -o StrictHostKeyChecking=yes"),
            "{line}"
        );
        assert!(
            line.ends_with(
                "-- 192.0.2.21 sudo -n -- iptables -w -C soc-block -s 2001:db8::/64 -j DROP"
            ),
            "{line}"
        );
        for hostile in [
            "1.2.3.4;id",
            "$(id)",
            "`id`",
            "a b",
            "x\ny",
            "'",
            "\"",
            "|",
            "&",
            ">f",
            "*",
            "~",
        ] {
            let err = r
                .remote(&words(&["ipset", "test", "soc-block4", hostile]))
                .unwrap_err();
            assert!(err.to_string().contains("remote shell"), "{hostile}: {err}");
        }
        let (w, script) = r
            .remote(&words(&[
                "nft",
                "add",
                "set",
                "inet",
                "soc",
                "net6",
                "{ type ipv6_addr; flags interval, timeout; }",
            ]))
            .unwrap();
        assert_eq!(w, ["sudo", "-n", "--", "nft", "-f", "-"]);
        assert_eq!(
            script.unwrap(),
            "add set inet soc net6 { type ipv6_addr; flags interval, timeout; }\n"
        );
        assert!(r
            .remote(&words(&["nft", "add", "element\nflush ruleset"]))
            .is_err());
    }

    #[test]
    fn bad_paths_are_config_errors() {
        let mut spec = RemoteFirewallConfig::default()
            .resolve("192.0.2.21")
            .unwrap();
        spec.key = Some("/etc/soc/my key".into());
        assert!(SshRunner::new(&spec, &RemoteFirewallConfig::default()).is_err());
    }
}
