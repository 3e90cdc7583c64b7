//! Host isolation over SSH: run a fixed, configured isolation command (by
//! default an nftables ruleset that drops everything but the management
//! address) on a compromised internal host.
//!
//! Safety:
//! * the OpenSSH client runs with `BatchMode=yes` and
//!   `StrictHostKeyChecking=yes` (an unknown or changed host key is refused),
//!   as argv, never through a local shell;
//! * the remote side of SSH always goes through a shell, so every remote word
//!   is quoted with a strict allow-list quoting function
//!   ([`shell_quote`]);
//! * the command is fixed configuration; only `{mgmt_ip}` and `{host}` are
//!   templated, with a parsed address and a validated host name. Alert text
//!   is never interpolated;
//! * an alert isolates only a host of the configured inventory, chosen by an
//!   explicit rule ([`MatchRule`]); never its destination address or a name
//!   from log text alone, never loopback or the management address.
//!
//! ```
//! use soc_core::respond::isolate::{IsolateConfig, SshIsolator};
//! let cfg = IsolateConfig {
//!     mgmt_ip: Some("192.0.2.10".into()),
//!     known_hosts: Some("/etc/soc/known_hosts".into()),
//!     identity_file: Some("/etc/soc/id_ed25519".into()),
//!     command: vec!["touch".into(), "/tmp/isolated-{host}".into()],
//!     ..IsolateConfig::default()
//! };
//! let iso = SshIsolator::new(cfg).unwrap();
//! let argv = iso.ssh_argv("web01.example.internal").unwrap();
//! assert_eq!(argv.last().unwrap(), "/tmp/isolated-web01.example.internal");
//! assert!(iso.ssh_argv("web01; rm -rf /").is_err());
//! ```

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::error::RespondError;
use crate::model::{ActionOutcome, ActionRecord, Alert, Mode};
use crate::respond::firewall::exec::{display_argv, shell_quote, CommandRunner, SystemRunner};
use crate::respond::Responder;

mod inventory;
mod login;
pub(crate) use inventory::valid_hostname;
pub use inventory::{is_loopback_name, Host, Inventory, InventoryHost, MatchRule};
pub(crate) use login::{ssh_path_arg, SshLogin};

/// Isolation configuration (`[isolate]` in `soc.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IsolateConfig {
    /// Remote user (`root`).
    pub user: String,
    /// SSH port (22).
    pub port: u16,
    /// Private key file (`-i`); `None`: the ssh client's defaults.
    pub identity_file: Option<PathBuf>,
    /// known_hosts file to check host keys against; `None`: the ssh client's
    /// default (`~/.ssh/known_hosts`). Host-key checking is always strict.
    pub known_hosts: Option<PathBuf>,
    /// The address soc manages hosts from; the default command keeps it
    /// reachable. Required.
    pub mgmt_ip: Option<String>,
    /// The remote command as argv; `{mgmt_ip}` and `{host}` are replaced.
    /// Empty: the default nftables isolation ruleset.
    pub command: Vec<String>,
    /// SSH connect timeout in seconds (10).
    pub connect_timeout_secs: u64,
    /// Overall timeout of the remote command in seconds (60).
    pub timeout_secs: u64,
    /// The ssh client program (`ssh`).
    pub ssh_program: String,
    /// The only hosts alerts may isolate (`[[isolate.inventory]]`). Empty:
    /// alerts isolate nothing (the action is skipped with the reason).
    pub inventory: Vec<InventoryHost>,
    /// How an alert names its inventory host, rules tried in order
    /// (default `["source_address"]`; add `"log_host"` to isolate the
    /// machine that wrote the log line, e.g. the target of a brute force).
    pub match_by: Vec<MatchRule>,
}

impl Default for IsolateConfig {
    fn default() -> Self {
        IsolateConfig {
            user: "root".into(),
            port: 22,
            identity_file: None,
            known_hosts: None,
            mgmt_ip: None,
            command: Vec::new(),
            connect_timeout_secs: 10,
            timeout_secs: 60,
            ssh_program: "ssh".into(),
            inventory: Vec::new(),
            match_by: vec![MatchRule::SourceAddress],
        }
    }
}

/// The default isolation command for a management address of `family`:
/// one atomic nft transaction that (re)creates table `inet soc_isolate`
/// dropping all traffic except loopback, established flows and `{mgmt_ip}`.
pub fn default_command(mgmt: IpAddr) -> Vec<String> {
    let kw = if mgmt.is_ipv4() { "ip" } else { "ip6" };
    let chain = |name: &str, hook: &str, dir: &str, iface: &str| {
        format!(
            "chain {name} {{ type filter hook {hook} priority -20; policy drop; {iface} \"lo\" accept; \
             ct state established,related accept; {kw} {dir} {{mgmt_ip}} accept; }}"
        )
    };
    vec![
        "nft".into(),
        format!(
            "add table inet soc_isolate; delete table inet soc_isolate; add table inet soc_isolate {{ {}; {}; }}",
            chain("input", "input", "saddr", "iif"),
            chain("output", "output", "daddr", "oif"),
        ),
    ]
}

/// Runs the isolation command on a host over SSH. See the module docs.
pub struct SshIsolator {
    config: IsolateConfig,
    mgmt_ip: IpAddr,
    command: Vec<String>,
    inventory: Inventory,
    runner: Arc<dyn CommandRunner>,
}

impl fmt::Debug for SshIsolator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SshIsolator")
            .field("config", &self.config)
            .finish()
    }
}

fn config_err(message: impl Into<String>) -> RespondError {
    RespondError::Config {
        responder: "isolate".into(),
        message: message.into(),
    }
}

fn path_arg(what: &str, p: &std::path::Path) -> Result<String, RespondError> {
    ssh_path_arg(what, p).map_err(config_err)
}

impl SshIsolator {
    /// An isolator using the system's ssh client.
    pub fn new(config: IsolateConfig) -> Result<Self, RespondError> {
        let timeout = Duration::from_secs(config.timeout_secs.max(1));
        Self::with_runner(config, Arc::new(SystemRunner::new().with_timeout(timeout)))
    }

    /// Like [`SshIsolator::new`] with a custom command runner.
    pub fn with_runner(
        config: IsolateConfig,
        runner: Arc<dyn CommandRunner>,
    ) -> Result<Self, RespondError> {
        let mgmt = config
            .mgmt_ip
            .as_deref()
            .ok_or_else(|| config_err("mgmt_ip is not set; set the address soc manages hosts from, so isolation keeps it reachable"))?;
        let mgmt_ip = mgmt
            .trim()
            .parse::<IpAddr>()
            .map_err(|_| config_err(format!("mgmt_ip '{mgmt}' is not an IP address")))?
            .to_canonical();
        let user_ok = !config.user.is_empty()
            && !config.user.starts_with('-')
            && config
                .user
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
        if !user_ok {
            return Err(config_err(format!(
                "user '{}' is not a valid user name",
                config.user
            )));
        }
        if config.port == 0 {
            return Err(config_err("port must be 1-65535"));
        }
        let command = if config.command.is_empty() {
            default_command(mgmt_ip)
        } else {
            config.command.clone()
        };
        if command[0].is_empty() || command[0].starts_with('-') {
            return Err(config_err("command must start with a program name"));
        }
        if command.iter().any(|w| w.chars().any(|c| c.is_control())) {
            return Err(config_err(
                "command words must not contain control characters",
            ));
        }
        if let Some(p) = &config.known_hosts {
            path_arg("known_hosts", p)?;
        }
        if let Some(p) = &config.identity_file {
            path_arg("identity_file", p)?;
        }
        let inventory = Inventory::new(&config.inventory, &config.match_by, mgmt_ip)?;
        Ok(SshIsolator {
            config,
            mgmt_ip,
            command,
            inventory,
            runner,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &IsolateConfig {
        &self.config
    }

    /// Validates `host` (an IP address or a DNS name) and returns its canonical form.
    pub fn check_host(&self, host: &str) -> Result<String, RespondError> {
        let h = host.trim();
        let canonical = match h.parse::<IpAddr>() {
            Ok(ip) => {
                let ip = ip.to_canonical();
                if ip == self.mgmt_ip {
                    return Err(RespondError::refused(ip, "the management address"));
                }
                ip.to_string()
            }
            Err(_) if valid_hostname(h) => h.to_ascii_lowercase(),
            Err(_) => {
                return Err(RespondError::InvalidTarget {
                    input: host.to_string(),
                })
            }
        };
        Ok(canonical)
    }

    /// The exact ssh argv that isolates `host`.
    pub fn ssh_argv(&self, host: &str) -> Result<Vec<String>, RespondError> {
        let host = self.check_host(host)?;
        let c = &self.config;
        let mut argv = SshLogin::to(&c.ssh_program, &c.user, &host, c.port)
            .known_hosts(c.known_hosts.as_deref())
            .key("identity_file", c.identity_file.as_deref())
            .connect_timeout(c.connect_timeout_secs)
            .argv()
            .map_err(config_err)?;
        let mgmt = self.mgmt_ip.to_string();
        for word in &self.command {
            let w = word.replace("{mgmt_ip}", &mgmt).replace("{host}", &host);
            argv.push(shell_quote(&w));
        }
        Ok(argv)
    }

    /// Isolates `host`, an address or name the operator chose (or, in
    /// dry-run, returns the ssh argv). Alerts never call this with their own
    /// text: [`Responder::respond`] resolves them through the inventory.
    pub async fn isolate(&self, host: &str, mode: Mode) -> Result<ActionRecord, RespondError> {
        let argv = self.ssh_argv(host)?;
        let target = self.check_host(host)?;
        let mut rec = ActionRecord::new("isolate", "isolate", &target, "", mode);
        rec.detail = format!("keep {} reachable", self.mgmt_ip);
        rec.commands.push(self.runner.effective_argv(&argv));
        if mode == Mode::DryRun {
            return Ok(rec);
        }
        let out = self.runner.run(&argv).await?;
        match out.code {
            Some(0) => Ok(rec),
            Some(255) | None => Err(RespondError::Ssh {
                host: target,
                message: if out.stderr.is_empty() {
                    format!("ssh exited with {}", out.status_text())
                } else {
                    out.stderr
                },
            }),
            Some(_) => Err(RespondError::CommandFailed {
                argv: display_argv(&argv),
                status: out.status_text(),
                stderr: out.stderr,
            }),
        }
    }
}

#[async_trait]
impl Responder for SshIsolator {
    fn name(&self) -> &str {
        "isolate"
    }

    /// Isolates the inventory host the alert designates under
    /// `match_by` (see [`Inventory::resolve`]); skipped with the reason when
    /// there is none. The SSH target is the entry's configured address.
    async fn respond(&self, alert: &Alert, mode: Mode) -> Result<ActionRecord, RespondError> {
        let host = match self.inventory.resolve(alert) {
            Ok(h) => h,
            Err(why) => {
                let mut rec = ActionRecord::new("isolate", "isolate", "", &alert.id, mode);
                rec.outcome = ActionOutcome::Skipped(why);
                return Ok(rec);
            }
        };
        let mut rec = self.isolate(&host.address.to_string(), mode).await?;
        rec.target = host.name.clone();
        rec.detail = format!("{} ({}); {}", host.name, host.address, rec.detail);
        rec.alert_id = alert.id.clone();
        Ok(rec)
    }

    fn target_of(&self, alert: &Alert) -> Option<String> {
        self.inventory.resolve(alert).ok().map(|h| h.name.clone())
    }
}

#[cfg(test)]
mod tests;
