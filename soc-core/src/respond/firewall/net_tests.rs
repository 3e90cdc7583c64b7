//! Unit tests of network (prefix) blocks: the exact argv per backend and
//! the scoping of stored blocks, with a runner that records and succeeds.

use std::sync::Mutex;

use super::*;

/// Records every argv; probes fail ("not blocked"), everything else succeeds.
#[derive(Debug, Default)]
struct Recorder(Mutex<Vec<String>>);

#[async_trait]
impl CommandRunner for Recorder {
    async fn run(&self, argv: &[String]) -> Result<CommandOutput, RespondError> {
        self.0.lock().unwrap().push(exec::display_argv(argv));
        let probe = argv
            .iter()
            .any(|w| w == "get" || w == "test" || w == "-C" || w == "-L");
        Ok(if probe {
            CommandOutput::fail(1, "No such file or directory")
        } else {
            CommandOutput::ok("")
        })
    }
}

fn fw(backend: Backend, store: Option<Arc<StateStore>>) -> (Firewall, Arc<Recorder>) {
    let rec = Arc::new(Recorder::default());
    let cfg = FirewallConfig {
        backend,
        ..FirewallConfig::default()
    };
    let f = Firewall::with_runner(cfg, store, rec.clone())
        .unwrap()
        .with_policy(TargetPolicy::new(&[], false).unwrap());
    (f, rec)
}

async fn dry(backend: Backend, target: &str) -> Vec<String> {
    let rec = fw(backend, None)
        .0
        .block(target, Some(Duration::from_secs(600)), Mode::DryRun, "t")
        .await
        .unwrap();
    rec.commands.iter().map(|c| exec::display_argv(c)).collect()
}

#[tokio::test]
async fn networks_go_to_interval_and_hash_net_sets() {
    assert_eq!(
        dry(Backend::Nftables, "2001:db8:1:2::/64").await,
        [
            "nft add table inet soc",
            "nft add set inet soc net6 '{ type ipv6_addr; flags interval, timeout; }'",
            "nft add chain inet soc input '{ type filter hook input priority -10; policy accept; }'",
            "nft add rule inet soc input ip6 saddr @net6 counter drop",
            "nft add element inet soc net6 '{ 2001:db8:1:2::/64 timeout 600s }'",
        ]
    );
    assert_eq!(
        dry(Backend::Ipset, "198.51.100.0/24").await,
        [
            "ipset -exist create soc-net4 hash:net family inet timeout 0 maxelem 65536",
            "iptables -w -I INPUT 1 -m set --match-set soc-net4 src -j DROP",
            "ipset -exist add soc-net4 198.51.100.0/24 timeout 600",
        ]
    );
    let ipt = dry(Backend::Iptables, "2001:db8:1:2::/64").await;
    assert_eq!(
        ipt.last().unwrap(),
        "ip6tables -w -I soc-block 1 -s 2001:db8:1:2::/64 -j DROP"
    );
    // A single address keeps its sets.
    assert!(dry(Backend::Nftables, "2001:db8::5").await[4].contains("block6"));
}

#[tokio::test]
async fn protected_networks_are_refused_before_any_command() {
    let (f, rec) = fw(Backend::Nftables, None);
    for t in ["127.0.0.0/16", "2001:db8::/24", "2001:db8::7/64"] {
        let err = f.block(t, None, Mode::Live, "t").await.unwrap_err();
        assert!(matches!(err, RespondError::Refused { .. }), "{t}: {err}");
    }
    assert!(rec.0.lock().unwrap().is_empty());
}

#[tokio::test]
async fn scoped_firewalls_keep_their_own_blocks() {
    let store = Arc::new(StateStore::in_memory().unwrap());
    let (local, _) = fw(Backend::Iptables, Some(store.clone()));
    let (remote, remote_log) = fw(Backend::Iptables, Some(store.clone()));
    let remote = remote.with_scope("web1");
    assert_eq!(remote.store_key(), "iptables@web1");
    let d = Some(Duration::from_secs(60));
    local
        .block("198.51.100.9", d, Mode::Live, "a")
        .await
        .unwrap();
    remote
        .block("198.51.100.9", d, Mode::Live, "a")
        .await
        .unwrap();
    let mut keys: Vec<String> = store
        .blocks()
        .unwrap()
        .into_iter()
        .map(|b| b.backend)
        .collect();
    keys.sort();
    assert_eq!(keys, ["iptables", "iptables@web1"]);
    // Expire both: each firewall removes only its own entry.
    for mut e in store.blocks().unwrap() {
        e.expires_at = Some(Utc::now() - chrono::Duration::seconds(1));
        store.add_block(&e).unwrap();
    }
    remote_log.0.lock().unwrap().clear();
    let recs = remote.expire(Mode::Live).await.unwrap();
    assert_eq!(recs.len(), 1);
    assert!(remote_log
        .0
        .lock()
        .unwrap()
        .iter()
        .any(|c| c.contains("-C soc-block -s 198.51.100.9")));
    let left: Vec<String> = store
        .blocks()
        .unwrap()
        .into_iter()
        .map(|b| b.backend)
        .collect();
    assert_eq!(left, ["iptables"]);
    assert_eq!(local.expire(Mode::Live).await.unwrap().len(), 1);
    assert!(store.blocks().unwrap().is_empty());
}
