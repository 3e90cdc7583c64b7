//! Host isolation against a real `sshd` started on 127.0.0.1 with throwaway
//! keys: the configured command runs remotely (it leaves a marker file), an
//! unknown host key is refused, a failing remote command is a typed error.
//!
//! Needs root (sshd's privilege separation), `sshd`, `ssh` and `ssh-keygen`;
//! skips with a reason otherwise.

#[path = "support/lab.rs"]
mod lab;
mod support;

use std::path::PathBuf;
use std::process::Command;

use soc_core::model::{ActionOutcome, Mode};
use soc_core::respond::firewall::exec::find_program;
use soc_core::respond::isolate::{IsolateConfig, SshIsolator};
use soc_core::RespondError;

struct Sshd {
    dir: tempfile::TempDir,
    port: u16,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(self.dir.path().join("sshd.pid")) {
            let _ = Command::new("kill").arg(pid.trim()).status();
        }
    }
}

fn start() -> Option<Sshd> {
    let root = lab::is_root();
    if !root {
        support::skip("isolate_ssh", "needs root to run a throwaway sshd");
        return None;
    }
    for t in ["sshd", "ssh", "ssh-keygen"] {
        if find_program(t).is_none() {
            support::skip("isolate_ssh", &format!("'{t}' is not installed"));
            return None;
        }
    }
    let dir = tempfile::tempdir().ok()?;
    let d = dir.path();
    if !(lab::keygen(&d.join("hostkey"))
        && lab::keygen(&d.join("userkey"))
        && lab::keygen(&d.join("otherkey")))
    {
        support::skip("isolate_ssh", "ssh-keygen failed");
        return None;
    }
    std::fs::copy(d.join("userkey.pub"), d.join("authorized_keys")).ok()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let cfg = format!(
        "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/hostkey\nAuthorizedKeysFile {d}/authorized_keys\n\
         PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n\
         PermitRootLogin prohibit-password\nPidFile {d}/sshd.pid\n",
        d = d.display()
    );
    std::fs::write(d.join("sshd_config"), cfg).ok()?;
    let _ = std::fs::create_dir_all("/run/sshd");
    let sshd = find_program("sshd")?;
    let ok = Command::new(sshd)
        .arg("-f")
        .arg(d.join("sshd_config"))
        .arg("-E")
        .arg(d.join("sshd.log"))
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        support::skip("isolate_ssh", "sshd did not start");
        return None;
    }
    // sshd listens before it daemonizes; wait for its pid file (readiness only).
    for _ in 0..50 {
        if d.join("sshd.pid").exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Some(Sshd { dir, port })
}

impl Sshd {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A known_hosts file trusting `key`'s public half for this server.
    fn known_hosts(&self, key: &str) -> PathBuf {
        let pubkey = std::fs::read_to_string(self.path(&format!("{key}.pub"))).unwrap();
        let file = self.path(&format!("known_hosts_{key}"));
        std::fs::write(&file, format!("[127.0.0.1]:{} {}", self.port, pubkey)).unwrap();
        file
    }

    fn isolator(&self, known_hosts: PathBuf, command: Vec<String>) -> SshIsolator {
        SshIsolator::new(IsolateConfig {
            user: "root".into(),
            port: self.port,
            identity_file: Some(self.path("userkey")),
            known_hosts: Some(known_hosts),
            mgmt_ip: Some("192.0.2.10".into()),
            command,
            connect_timeout_secs: 5,
            timeout_secs: 30,
            ..IsolateConfig::default()
        })
        .unwrap()
    }
}

#[tokio::test]
async fn runs_the_isolation_command_over_ssh() {
    let Some(s) = start() else { return };
    let marker = s.path("marker");
    let cmd = vec![
        "sh".to_string(),
        "-c".to_string(),
        format!(
            "echo isolated {{host}} keep {{mgmt_ip}} > {}",
            marker.display()
        ),
    ];
    let iso = s.isolator(s.known_hosts("hostkey"), cmd);

    let dry = iso.isolate("127.0.0.1", Mode::DryRun).await.unwrap();
    assert_eq!(dry.outcome, ActionOutcome::DryRun);
    assert!(!marker.exists(), "dry-run ran the command");

    let rec = iso.isolate("127.0.0.1", Mode::Live).await.unwrap();
    assert_eq!(rec.outcome, ActionOutcome::Done);
    let text = std::fs::read_to_string(&marker).expect("the remote command left no marker");
    assert_eq!(text, "isolated 127.0.0.1 keep 192.0.2.10\n");
    assert_eq!(rec.commands, dry.commands);
}

#[tokio::test]
async fn unknown_host_key_is_refused() {
    let Some(s) = start() else { return };
    let marker = s.path("marker-unknown");
    let cmd = vec!["touch".to_string(), marker.display().to_string()];
    // Trusts a different key than the server's: a changed/unknown host key.
    let iso = s.isolator(s.known_hosts("otherkey"), cmd.clone());
    match iso.isolate("127.0.0.1", Mode::Live).await {
        Err(RespondError::Ssh { host, message }) => {
            assert_eq!(host, "127.0.0.1");
            assert!(message.contains("verification failed"), "{message}");
        }
        other => panic!("expected an ssh error, got {other:?}"),
    }
    // An empty known_hosts file: the host is simply unknown.
    let empty = s.path("known_hosts_empty");
    std::fs::write(&empty, "").unwrap();
    let err = s
        .isolator(empty, cmd)
        .isolate("127.0.0.1", Mode::Live)
        .await
        .unwrap_err();
    assert!(matches!(err, RespondError::Ssh { .. }), "{err}");
    assert!(
        !marker.exists(),
        "the command ran despite the unknown host key"
    );
}

#[tokio::test]
async fn failing_remote_command_is_a_command_failure() {
    let Some(s) = start() else { return };
    let cmd = vec![
        "sh".to_string(),
        "-c".to_string(),
        "echo nope >&2; exit 7".to_string(),
    ];
    let err = s
        .isolator(s.known_hosts("hostkey"), cmd)
        .isolate("127.0.0.1", Mode::Live)
        .await
        .unwrap_err();
    match err {
        RespondError::CommandFailed { status, stderr, .. } => {
            assert_eq!(status, "7");
            assert!(stderr.contains("nope"), "{stderr}");
        }
        other => panic!("{other:?}"),
    }
}
