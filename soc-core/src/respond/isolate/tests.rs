//! Unit tests of the SSH isolator.

use super::*;
use crate::model::Severity;

fn iso(command: Vec<String>) -> SshIsolator {
    SshIsolator::new(IsolateConfig {
        mgmt_ip: Some("192.0.2.10".into()),
        known_hosts: Some("/k/known_hosts".into()),
        identity_file: Some("/k/id".into()),
        port: 2222,
        command,
        ..IsolateConfig::default()
    })
    .unwrap()
}

#[test]
fn argv_is_exact_and_remote_words_are_quoted() {
    let i = iso(vec![
        "sh".into(),
        "-c".into(),
        "echo {host} {mgmt_ip} > /tmp/m".into(),
    ]);
    assert_eq!(
        display_argv(&i.ssh_argv("10.0.0.5").unwrap()),
        "ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/k/known_hosts \
         -o ConnectTimeout=10 -o IdentitiesOnly=yes -i /k/id -p 2222 -l root -- 10.0.0.5 \
         sh -c ''\\''echo 10.0.0.5 192.0.2.10 > /tmp/m'\\'''"
    );
    let argv = i.ssh_argv("10.0.0.5").unwrap();
    assert_eq!(argv.last().unwrap(), "'echo 10.0.0.5 192.0.2.10 > /tmp/m'");
}

#[test]
fn default_command_keeps_the_management_address() {
    let i = iso(Vec::new());
    let argv = i.ssh_argv("web01").unwrap();
    let remote = argv.last().unwrap();
    assert!(remote.contains("ip saddr 192.0.2.10 accept"), "{remote}");
    assert!(remote.contains("ip daddr 192.0.2.10 accept"), "{remote}");
    assert!(remote.starts_with('\'') && remote.ends_with('\''));
    let v6 = default_command("2001:db8::1".parse().unwrap()).join(" ");
    assert!(v6.contains("ip6 saddr {mgmt_ip}"));
}

#[test]
fn hostile_hosts_and_configs_are_rejected() {
    let i = iso(Vec::new());
    for bad in [
        "web01; rm -rf /",
        "-oProxyCommand=x",
        "$(id)",
        "a..b",
        "",
        "web 01",
    ] {
        assert!(
            matches!(i.ssh_argv(bad), Err(RespondError::InvalidTarget { .. })),
            "{bad}"
        );
    }
    assert!(matches!(
        i.ssh_argv("192.0.2.10"),
        Err(RespondError::Refused { .. })
    ));
    let base = || IsolateConfig {
        mgmt_ip: Some("192.0.2.10".into()),
        ..IsolateConfig::default()
    };
    assert!(SshIsolator::new(IsolateConfig {
        mgmt_ip: None,
        ..base()
    })
    .is_err());
    assert!(SshIsolator::new(IsolateConfig {
        user: "root -oX".into(),
        ..base()
    })
    .is_err());
    assert!(SshIsolator::new(IsolateConfig {
        known_hosts: Some("/a b".into()),
        ..base()
    })
    .is_err());
    assert!(SshIsolator::new(IsolateConfig {
        command: vec!["-x".into()],
        ..base()
    })
    .is_err());
    assert!(SshIsolator::new(IsolateConfig {
        command: vec!["a\nb".into()],
        ..base()
    })
    .is_err());
}

#[tokio::test]
async fn dry_run_and_responder() {
    let i = iso(vec!["true".into()]);
    assert_eq!(Responder::name(&i), "isolate");
    let mut alert = Alert::new("edr", "x", "t", Severity::High);
    let rec = i.respond(&alert, Mode::DryRun).await.unwrap();
    assert!(matches!(rec.outcome, ActionOutcome::Skipped(_)));
    // The destination address never names the host to isolate.
    alert.dst_ip = Some("10.0.0.7".parse().unwrap());
    let rec = i.respond(&alert, Mode::DryRun).await.unwrap();
    assert!(matches!(rec.outcome, ActionOutcome::Skipped(_)), "{rec:?}");
    assert!(rec.commands.is_empty());
}

fn with_inventory(match_by: Vec<MatchRule>) -> SshIsolator {
    SshIsolator::new(IsolateConfig {
        mgmt_ip: Some("192.0.2.10".into()),
        command: vec!["true".into()],
        inventory: vec![
            InventoryHost {
                name: "ws17".into(),
                address: "10.0.2.5".into(),
            },
            InventoryHost {
                name: "web01".into(),
                address: "10.0.0.20".into(),
            },
        ],
        match_by,
        ..IsolateConfig::default()
    })
    .unwrap()
}

/// Reproduction: a Suricata alert from 10.0.2.5 to 198.51.100.66 planned
/// `isolate 198.51.100.66` (soc would have logged into the C2 server).
#[tokio::test]
async fn suricata_c2_destination_is_never_isolated() {
    let mut alert = Alert::new("suricata.alert", "k", "ET MALWARE C2", Severity::Critical);
    alert.src_ip = Some("10.0.2.5".parse().unwrap());
    alert.dst_ip = Some("198.51.100.66".parse().unwrap());
    let i = with_inventory(vec![MatchRule::SourceAddress]);
    let rec = i.respond(&alert, Mode::DryRun).await.unwrap();
    assert_eq!(rec.outcome, ActionOutcome::DryRun);
    assert_eq!(rec.target, "ws17");
    assert_eq!(rec.commands, [i.ssh_argv("10.0.2.5").unwrap()]);
    assert_eq!(i.target_of(&alert).as_deref(), Some("ws17"));
    // Without the source in the inventory: nothing, and never the destination.
    alert.src_ip = Some("10.9.9.9".parse().unwrap());
    let rec = i.respond(&alert, Mode::DryRun).await.unwrap();
    assert!(matches!(rec.outcome, ActionOutcome::Skipped(_)), "{rec:?}");
    assert!(!format!("{rec:?}").contains("198.51.100.66"));
}

/// Reproduction: an internal brute force against web01 isolated web01.
#[tokio::test]
async fn brute_force_victim_is_isolated_only_by_the_log_host_rule() {
    let mut alert = Alert::new("ssh.brute_force", "k", "SSH brute force", Severity::High);
    alert.src_ip = Some("10.0.0.7".parse().unwrap());
    alert.host = Some("web01".into());
    let by_source = with_inventory(vec![MatchRule::SourceAddress]);
    let rec = by_source.respond(&alert, Mode::DryRun).await.unwrap();
    assert!(matches!(rec.outcome, ActionOutcome::Skipped(_)), "{rec:?}");
    assert!(rec.commands.is_empty());
    let by_host = with_inventory(vec![MatchRule::LogHost]);
    let rec = by_host.respond(&alert, Mode::DryRun).await.unwrap();
    assert_eq!(rec.target, "web01");
    assert_eq!(rec.commands, [by_host.ssh_argv("10.0.0.20").unwrap()]);
}

/// Reproduction: a syslog host `localhost` or `127.0.0.1` was accepted.
#[tokio::test]
async fn loopback_log_hosts_are_refused() {
    let i = with_inventory(vec![MatchRule::LogHost, MatchRule::SourceAddress]);
    for h in ["localhost", "127.0.0.1", "::1", "LocalHost."] {
        let mut alert = Alert::new("ssh.brute_force", "k", "t", Severity::High);
        alert.host = Some(h.into());
        let rec = i.respond(&alert, Mode::DryRun).await.unwrap();
        assert!(
            matches!(rec.outcome, ActionOutcome::Skipped(_)),
            "{h}: {rec:?}"
        );
        assert!(rec.commands.is_empty(), "{h}");
    }
    let loopback_entry = IsolateConfig {
        mgmt_ip: Some("192.0.2.10".into()),
        inventory: vec![InventoryHost {
            name: "localhost".into(),
            address: "127.0.0.1".into(),
        }],
        ..IsolateConfig::default()
    };
    assert!(SshIsolator::new(loopback_entry).is_err());
}
