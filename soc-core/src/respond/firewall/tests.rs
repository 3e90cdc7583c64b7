//! Unit tests of the firewall with a scripted runner that models the kernel's
//! block state, so idempotency and the exact argv can be checked without root.

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::Mutex;

use super::*;

/// Models which addresses are blocked and which setup objects exist.
#[derive(Debug, Default)]
struct FakeKernel {
    log: Mutex<Vec<Vec<String>>>,
    blocked: Mutex<HashSet<String>>,
    setup: Mutex<HashSet<String>>,
    deny: bool,
}

fn ip_in(argv: &[String]) -> Option<String> {
    argv.iter()
        .flat_map(|w| w.split([' ', '{', '}']))
        .find(|w| w.parse::<IpAddr>().is_ok())
        .map(str::to_string)
}

#[async_trait]
impl CommandRunner for FakeKernel {
    async fn run(&self, argv: &[String]) -> Result<CommandOutput, RespondError> {
        self.log.lock().unwrap().push(argv.to_vec());
        if self.deny {
            return Ok(CommandOutput::fail(
                1,
                "Error: Could not process rule: Operation not permitted",
            ));
        }
        let a: Vec<&str> = argv.iter().map(String::as_str).collect();
        let ip = ip_in(argv);
        let mut blocked = self.blocked.lock().unwrap();
        let mut setup = self.setup.lock().unwrap();
        let is_probe = matches!(
            a.as_slice(),
            ["nft", "get", "element", ..] | ["ipset", "test", ..]
        ) || (a.get(2) == Some(&"-C") && a.get(3) == Some(&"soc-block"));
        let is_add = matches!(
            a.as_slice(),
            ["nft", "add", "element", ..] | ["ipset", "-exist", "add", ..]
        ) || (a.get(2) == Some(&"-I") && a.get(3) == Some(&"soc-block"));
        let is_del = matches!(
            a.as_slice(),
            ["nft", "delete", "element", ..] | ["ipset", "-exist", "del", ..]
        ) || (a.get(2) == Some(&"-D") && a.get(3) == Some(&"soc-block"));
        let ok = CommandOutput::ok("");
        Ok(if is_probe {
            if ip.is_some_and(|ip| blocked.contains(&ip)) {
                ok
            } else {
                CommandOutput::fail(
                    1,
                    "Error: Could not process rule: No such file or directory",
                )
            }
        } else if is_add {
            blocked.insert(ip.unwrap_or_default());
            ok
        } else if is_del {
            if blocked.remove(&ip.unwrap_or_default()) {
                ok
            } else {
                CommandOutput::fail(1, "No such element")
            }
        } else if a.contains(&"-C") || a.contains(&"-L") {
            // Setup probes: present once the matching command ran.
            let key = a
                .iter()
                .filter(|w| !["-C", "-L", "-n"].contains(w))
                .cloned()
                .collect::<Vec<_>>()
                .join(" ");
            if setup
                .iter()
                .any(|s| s.ends_with(&key[key.find(' ').unwrap_or(0)..]))
            {
                ok
            } else {
                CommandOutput::fail(1, "No chain/target/match by that name.")
            }
        } else if a.starts_with(&["nft", "list", "chain"]) {
            let rules: Vec<&String> = setup.iter().filter(|s| s.contains("add rule")).collect();
            CommandOutput::ok(
                &rules
                    .iter()
                    .map(|r| {
                        format!(
                            "\t\t{} packets 0 bytes 0 drop\n",
                            r.split("input ").nth(1).unwrap_or("").replace(" drop", "")
                        )
                    })
                    .collect::<String>(),
            )
        } else {
            let key = a
                .iter()
                .filter(|w| !["-I", "-N", "1"].contains(w))
                .cloned()
                .collect::<Vec<_>>()
                .join(" ");
            setup.insert(key);
            setup.insert(a.join(" "));
            ok
        })
    }
}

fn fw(backend: Backend, kernel: Arc<FakeKernel>, store: Option<Arc<StateStore>>) -> Firewall {
    let cfg = FirewallConfig {
        backend,
        ..FirewallConfig::default()
    };
    Firewall::with_runner(cfg, store, kernel)
        .unwrap()
        .with_policy(TargetPolicy::new(&["203.0.113.0/24".into()], false).unwrap())
}

fn lines(cmds: &[Vec<String>]) -> Vec<String> {
    cmds.iter().map(|c| exec::display_argv(c)).collect()
}

async fn dry(backend: Backend, ip: &str, d: Option<Duration>) -> Vec<String> {
    let k = Arc::new(FakeKernel::default());
    let rec = fw(backend, k.clone(), None)
        .block(ip, d, Mode::DryRun, "t")
        .await
        .unwrap();
    assert_eq!(rec.outcome, ActionOutcome::DryRun);
    assert!(k.log.lock().unwrap().is_empty(), "dry-run ran a command");
    lines(&rec.commands)
}

#[tokio::test]
async fn dry_run_nftables_argv_per_family() {
    assert_eq!(
        dry(Backend::Nftables, "198.51.100.23", Some(Duration::from_secs(600))).await,
        [
            "nft add table inet soc",
            "nft add set inet soc block4 '{ type ipv4_addr; flags timeout; }'",
            "nft add chain inet soc input '{ type filter hook input priority -10; policy accept; }'",
            "nft add rule inet soc input ip saddr @block4 counter drop",
            "nft add element inet soc block4 '{ 198.51.100.23 timeout 600s }'",
        ]
    );
    let v6 = dry(Backend::Nftables, "2001:db8::5", Some(Duration::ZERO)).await;
    assert_eq!(
        v6[1],
        "nft add set inet soc block6 '{ type ipv6_addr; flags timeout; }'"
    );
    assert_eq!(
        v6[3],
        "nft add rule inet soc input ip6 saddr @block6 counter drop"
    );
    assert_eq!(v6[4], "nft add element inet soc block6 '{ 2001:db8::5 }'");
}

#[tokio::test]
async fn dry_run_ipset_argv_per_family() {
    assert_eq!(
        dry(Backend::Ipset, "198.51.100.23", None).await,
        [
            "ipset -exist create soc-block4 hash:ip family inet timeout 0 maxelem 65536",
            "iptables -w -I INPUT 1 -m set --match-set soc-block4 src -j DROP",
            "ipset -exist add soc-block4 198.51.100.23 timeout 3600",
        ]
    );
    assert_eq!(
        dry(Backend::Ipset, "2001:db8::5", Some(Duration::ZERO)).await,
        [
            "ipset -exist create soc-block6 hash:ip family inet6 timeout 0 maxelem 65536",
            "ip6tables -w -I INPUT 1 -m set --match-set soc-block6 src -j DROP",
            "ipset -exist add soc-block6 2001:db8::5 timeout 0",
        ]
    );
}

#[tokio::test]
async fn dry_run_iptables_argv_per_family() {
    assert_eq!(
        dry(Backend::Iptables, "198.51.100.23", None).await,
        [
            "iptables -w -N soc-block",
            "iptables -w -I INPUT 1 -j soc-block",
            "iptables -w -I soc-block 1 -s 198.51.100.23 -j DROP",
        ]
    );
    assert_eq!(
        dry(Backend::Iptables, "2001:db8::5", None).await[2],
        "ip6tables -w -I soc-block 1 -s 2001:db8::5 -j DROP"
    );
}

#[tokio::test]
async fn netns_prefix_shows_in_dry_run() {
    let cfg = FirewallConfig {
        netns: Some("socA".into()),
        ..FirewallConfig::default()
    };
    let rec = Firewall::new(cfg, None)
        .unwrap()
        .block("198.51.100.23", None, Mode::DryRun, "")
        .await
        .unwrap();
    assert_eq!(rec.commands[0][..5], ["ip", "netns", "exec", "socA", "nft"]);
    let bad = FirewallConfig {
        netns: Some("a b; rm".into()),
        ..FirewallConfig::default()
    };
    assert!(matches!(
        Firewall::new(bad, None),
        Err(RespondError::Config { .. })
    ));
}

#[tokio::test]
async fn live_block_is_idempotent_for_every_backend() {
    for backend in [Backend::Nftables, Backend::Ipset, Backend::Iptables] {
        let k = Arc::new(FakeKernel::default());
        let store = Arc::new(StateStore::in_memory().unwrap());
        let f = fw(backend, k.clone(), Some(store.clone()));
        let first = f
            .block("198.51.100.23", None, Mode::Live, "alert-1")
            .await
            .unwrap();
        assert_eq!(first.outcome, ActionOutcome::Done, "{backend}");
        let adds = |log: &[Vec<String>]| {
            log.iter()
                .filter(|c| {
                    c == &&commands::add(
                        backend,
                        "198.51.100.23".parse().unwrap(),
                        Some(Duration::from_secs(3600)),
                    )
                })
                .count()
        };
        assert_eq!(adds(&k.log.lock().unwrap()), 1, "{backend}");
        assert_eq!(store.active_blocks(Utc::now()).unwrap().len(), 1);
        assert_eq!(
            store.active_blocks(Utc::now()).unwrap()[0].reason,
            "alert-1"
        );

        let n = k.log.lock().unwrap().len();
        let second = f
            .block("198.51.100.23", None, Mode::Live, "alert-2")
            .await
            .unwrap();
        assert!(
            matches!(&second.outcome, ActionOutcome::Skipped(r) if r.contains("already blocked")),
            "{backend}: {:?}",
            second.outcome
        );
        let log = k.log.lock().unwrap();
        assert_eq!(
            log.len(),
            n + 1,
            "{backend}: second block ran more than the probe"
        );
        assert_eq!(
            second.commands,
            [commands::is_blocked(
                backend,
                "198.51.100.23".parse().unwrap()
            )]
        );
        assert_eq!(adds(&log), 1, "{backend}");
    }
}

#[tokio::test]
async fn setup_rules_are_not_duplicated() {
    for backend in [Backend::Nftables, Backend::Ipset, Backend::Iptables] {
        let k = Arc::new(FakeKernel::default());
        let f = fw(backend, k.clone(), None);
        f.block("198.51.100.23", None, Mode::Live, "")
            .await
            .unwrap();
        f.block("198.51.100.24", None, Mode::Live, "")
            .await
            .unwrap();
        let log = k.log.lock().unwrap();
        let rule_inserts = log
            .iter()
            .filter(|c| {
                c.contains(&"rule".to_string())
                    || (c.contains(&"INPUT".to_string()) && c.contains(&"-I".to_string()))
            })
            .count();
        assert_eq!(rule_inserts, 1, "{backend}: {:#?}", *log);
    }
}

#[tokio::test]
async fn unblock_deletes_only_what_exists() {
    let k = Arc::new(FakeKernel::default());
    let store = Arc::new(StateStore::in_memory().unwrap());
    let f = fw(Backend::Nftables, k.clone(), Some(store.clone()));
    let rec = f.unblock("198.51.100.23", Mode::Live).await.unwrap();
    assert!(matches!(rec.outcome, ActionOutcome::Skipped(_)));
    assert_eq!(rec.commands.len(), 1, "only the probe ran");
    f.block("198.51.100.23", None, Mode::Live, "")
        .await
        .unwrap();
    let rec = f.unblock("198.51.100.23", Mode::Live).await.unwrap();
    assert_eq!(rec.outcome, ActionOutcome::Done);
    assert_eq!(
        lines(&rec.commands)[1],
        "nft delete element inet soc block4 '{ 198.51.100.23 }'"
    );
    assert!(store.blocks().unwrap().is_empty());
    assert!(k.blocked.lock().unwrap().is_empty());
    let dry = f
        .unblock("::ffff:198.51.100.23", Mode::DryRun)
        .await
        .unwrap();
    assert_eq!(
        lines(&dry.commands),
        ["nft delete element inet soc block4 '{ 198.51.100.23 }'"]
    );
    assert!(matches!(
        f.unblock("nope", Mode::Live).await,
        Err(RespondError::InvalidTarget { .. })
    ));
}

#[tokio::test]
async fn expire_removes_lapsed_iptables_rules_and_forgets_kernel_timeouts() {
    let k = Arc::new(FakeKernel::default());
    let store = Arc::new(StateStore::in_memory().unwrap());
    let f = fw(Backend::Iptables, k.clone(), Some(store.clone()));
    f.block(
        "198.51.100.23",
        Some(Duration::from_secs(60)),
        Mode::Live,
        "",
    )
    .await
    .unwrap();
    f.block(
        "198.51.100.99",
        Some(Duration::from_secs(3600)),
        Mode::Live,
        "",
    )
    .await
    .unwrap();
    let past = Utc::now() - chrono::Duration::minutes(5);
    let mut lapsed = store
        .blocks()
        .unwrap()
        .into_iter()
        .find(|b| b.ip == "198.51.100.23")
        .unwrap();
    lapsed.expires_at = Some(past);
    store.add_block(&lapsed).unwrap();
    store
        .add_block(&BlockEntry {
            ip: "192.0.2.7".into(),
            backend: "nftables".into(),
            created_at: past,
            expires_at: Some(past),
            reason: String::new(),
        })
        .unwrap();

    let dry = f.expire(Mode::DryRun).await.unwrap();
    assert_eq!(dry.len(), 2);
    assert_eq!(
        store.blocks().unwrap().len(),
        3,
        "dry-run changed the store"
    );

    let recs = f.expire(Mode::Live).await.unwrap();
    assert_eq!(recs.len(), 2);
    let ipt = recs.iter().find(|r| r.target == "198.51.100.23").unwrap();
    assert_eq!(
        lines(&ipt.commands)[1],
        "iptables -w -D soc-block -s 198.51.100.23 -j DROP"
    );
    let nft = recs.iter().find(|r| r.target == "192.0.2.7").unwrap();
    assert!(nft.commands.is_empty());
    let left: Vec<String> = store.blocks().unwrap().into_iter().map(|b| b.ip).collect();
    assert_eq!(left, ["198.51.100.99"]);
    assert_eq!(
        *k.blocked.lock().unwrap(),
        HashSet::from(["198.51.100.99".to_string()])
    );
}

#[tokio::test]
async fn refusals_run_nothing() {
    let k = Arc::new(FakeKernel::default());
    let f = fw(Backend::Nftables, k.clone(), None);
    for (ip, want) in [
        ("127.0.0.1", "127.0.0.1 is loopback"),
        ("203.0.113.5", "allow-listed"),
        ("10.0.0.1", "private"),
        ("1.2.3.4; rm", "'1.2.3.4; rm' is not an IP address"),
    ] {
        let err = f.block(ip, None, Mode::Live, "").await.unwrap_err();
        assert!(err.to_string().contains(want), "{ip}: {err}");
    }
    assert!(k.log.lock().unwrap().is_empty());
}

#[tokio::test]
async fn permission_denied_is_a_command_failure_with_a_hint() {
    let k = Arc::new(FakeKernel {
        deny: true,
        ..FakeKernel::default()
    });
    let err = fw(Backend::Nftables, k, None)
        .block("198.51.100.23", None, Mode::Live, "")
        .await
        .unwrap_err();
    match err {
        RespondError::CommandFailed { argv, stderr, .. } => {
            assert!(argv.starts_with("nft get element"), "{argv}");
            assert!(stderr.contains("CAP_NET_ADMIN"), "{stderr}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn ipset_rejects_durations_beyond_the_kernel_limit() {
    let f = fw(Backend::Ipset, Arc::new(FakeKernel::default()), None);
    let err = f
        .block(
            "198.51.100.23",
            Some(Duration::from_secs(30 * 86_400)),
            Mode::DryRun,
            "",
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("ipset timeouts are limited"),
        "{err}"
    );
}

#[tokio::test]
async fn responder_blocks_the_alert_source() {
    use crate::model::Severity;
    let k = Arc::new(FakeKernel::default());
    let f = fw(Backend::Nftables, k, None);
    assert_eq!(Responder::name(&f), "firewall");
    let mut alert = Alert::new(
        "ssh.brute_force",
        "198.51.100.23",
        "brute force",
        Severity::High,
    );
    let rec = f.respond(&alert, Mode::DryRun).await.unwrap();
    assert!(matches!(rec.outcome, ActionOutcome::Skipped(_)));
    alert.src_ip = Some("198.51.100.23".parse().unwrap());
    let rec = f.respond(&alert, Mode::DryRun).await.unwrap();
    assert_eq!(rec.alert_id, alert.id);
    assert_eq!(rec.target, "198.51.100.23");
    assert_eq!(rec.commands.len(), 5);
    assert!(rec.expires_at.is_some());
}

#[test]
fn config_defaults_and_serde() {
    let cfg: FirewallConfig =
        toml::from_str("backend = \"nft\"\nallow = [\"192.0.2.0/24\"]").unwrap();
    assert_eq!(cfg.backend, Backend::Nftables);
    assert_eq!(cfg.default_duration, "1h");
    assert!(toml::from_str::<FirewallConfig>("bogus = 1").is_err());
    assert_eq!("IPTABLES".parse::<Backend>().unwrap(), Backend::Iptables);
    assert!("pf".parse::<Backend>().is_err());
}
