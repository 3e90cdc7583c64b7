//! The OpenSSH client command line soc logs in with to run commands on a
//! host (host isolation, remote host firewalls): never interactive, host
//! keys always checked, and no path that ssh would expand or split.

use std::path::Path;

/// One login: the ssh program, where, as whom, with which known_hosts
/// file and key.
pub(crate) struct SshLogin<'a> {
    program: &'a str,
    user: &'a str,
    host: &'a str,
    port: u16,
    known_hosts: Option<&'a Path>,
    /// Private key, with the name of its config key (for errors).
    key: Option<(&'a str, &'a Path)>,
    connect_timeout_secs: u64,
}

impl<'a> SshLogin<'a> {
    /// `user@host:port` through `program`, with the client's default
    /// known_hosts file and keys and a 10 s connect timeout.
    pub fn to(program: &'a str, user: &'a str, host: &'a str, port: u16) -> Self {
        SshLogin {
            program,
            user,
            host,
            port,
            known_hosts: None,
            key: None,
            connect_timeout_secs: 10,
        }
    }

    /// Checks host keys against `file` (`None`: the client's default).
    pub fn known_hosts(mut self, file: Option<&'a Path>) -> Self {
        self.known_hosts = file;
        self
    }

    /// Logs in with the private key `file` (`None`: the client's
    /// default keys); `what` names its config key in errors.
    pub fn key(mut self, what: &'a str, file: Option<&'a Path>) -> Self {
        self.key = file.map(|f| (what, f));
        self
    }

    /// Gives up connecting after `secs` (at least 1).
    pub fn connect_timeout(mut self, secs: u64) -> Self {
        self.connect_timeout_secs = secs;
        self
    }

    /// The argv: `PROGRAM -o BatchMode=yes -o StrictHostKeyChecking=yes
    /// [-o UserKnownHostsFile=F] -o ConnectTimeout=N [-o IdentitiesOnly=yes
    /// -i KEY] -p PORT -l USER -- HOST`. A path ssh cannot take as one word
    /// ([`ssh_path_arg`]) is the error text.
    pub fn argv(&self) -> Result<Vec<String>, String> {
        let mut args: Vec<String> = vec![self.program.to_string()];
        let mut opt = |o: String| {
            args.push("-o".into());
            args.push(o);
        };
        opt("BatchMode=yes".into());
        opt("StrictHostKeyChecking=yes".into());
        if let Some(kh) = self.known_hosts {
            opt(format!(
                "UserKnownHostsFile={}",
                ssh_path_arg("known_hosts", kh)?
            ));
        }
        opt(format!(
            "ConnectTimeout={}",
            self.connect_timeout_secs.max(1)
        ));
        if let Some((what, key)) = self.key {
            opt("IdentitiesOnly=yes".into());
            args.push("-i".into());
            args.push(ssh_path_arg(what, key)?);
        }
        args.extend([
            "-p".into(),
            self.port.to_string(),
            "-l".into(),
            self.user.to_string(),
            "--".into(),
            self.host.to_string(),
        ]);
        Ok(args)
    }
}

/// `p` as an ssh option value, or why it cannot be one (ssh expands
/// %-tokens and splits on whitespace in `-i`/`UserKnownHostsFile`).
pub(crate) fn ssh_path_arg(what: &str, p: &Path) -> Result<String, String> {
    let s = p
        .to_str()
        .ok_or_else(|| format!("{what} path is not UTF-8"))?;
    if s.is_empty()
        || s.chars()
            .any(|c| c.is_whitespace() || c.is_control() || "%\"'".contains(c))
    {
        return Err(format!(
            "{what} path '{s}' must not be empty or contain spaces, quotes or %"
        ));
    }
    Ok(s.to_string())
}
