//! Real blocking, per backend, between two network namespaces joined by a
//! veth pair: a TCP connection from the blocked address fails while a
//! bystander still connects; unblocking (and, for plain iptables, expiry)
//! restores it. IPv4 and IPv6.
//!
//! Needs root, `ip`, `python3` and the backend's tools; skips with a reason
//! otherwise. Never touches the host's own namespace or rules.

#[path = "support/lab.rs"]
mod lab;
mod support;

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use soc_core::model::{ActionOutcome, Mode};
use soc_core::respond::firewall::{Backend, Firewall, FirewallConfig};
use soc_core::StateStore;

const PORT: u16 = 18080;
const A4: &str = "10.231.0.1";
const BLOCK4: &str = "10.231.0.2";
const BYSTANDER4: &str = "10.231.0.3";
const A6: &str = "fd00:231::1";
const BLOCK6: &str = "fd00:231::2";
const BYSTANDER6: &str = "fd00:231::3";

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn sh(argv: &[&str]) -> bool {
    Command::new(argv[0])
        .args(&argv[1..])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Two namespaces, `a` (the protected host running the firewall and a TCP
/// server) and `b` (the clients); deleted on drop, even when a test fails.
struct Pair {
    a: String,
    b: String,
    server: Option<Child>,
}

impl Drop for Pair {
    fn drop(&mut self) {
        if let Some(mut s) = self.server.take() {
            let _ = s.kill();
            let _ = s.wait();
        }
        sh(&["ip", "netns", "del", &self.a]);
        sh(&["ip", "netns", "del", &self.b]);
    }
}

impl Pair {
    fn new() -> Option<Pair> {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let id = format!("{}x{n}", std::process::id());
        let mut pair = Pair {
            a: format!("socfwA{id}"),
            b: format!("socfwB{id}"),
            server: None,
        };
        let (a, b) = (pair.a.clone(), pair.b.clone());
        let ok = sh(&["ip", "netns", "add", &a])
            && sh(&["ip", "netns", "add", &b])
            && sh(&[
                "ip", "link", "add", "vA", "netns", &a, "type", "veth", "peer", "name", "vB",
                "netns", &b,
            ])
            && sh(&[
                "ip",
                "-n",
                &a,
                "addr",
                "add",
                &format!("{A4}/24"),
                "dev",
                "vA",
            ])
            && sh(&[
                "ip",
                "-n",
                &b,
                "addr",
                "add",
                &format!("{BLOCK4}/24"),
                "dev",
                "vB",
            ])
            && sh(&[
                "ip",
                "-n",
                &b,
                "addr",
                "add",
                &format!("{BYSTANDER4}/24"),
                "dev",
                "vB",
            ])
            && sh(&[
                "ip",
                "-n",
                &a,
                "addr",
                "add",
                &format!("{A6}/64"),
                "dev",
                "vA",
                "nodad",
            ])
            && sh(&[
                "ip",
                "-n",
                &b,
                "addr",
                "add",
                &format!("{BLOCK6}/64"),
                "dev",
                "vB",
                "nodad",
            ])
            && sh(&[
                "ip",
                "-n",
                &b,
                "addr",
                "add",
                &format!("{BYSTANDER6}/64"),
                "dev",
                "vB",
                "nodad",
            ])
            && sh(&["ip", "-n", &a, "link", "set", "vA", "up"])
            && sh(&["ip", "-n", &b, "link", "set", "vB", "up"])
            && sh(&["ip", "-n", &a, "link", "set", "lo", "up"]);
        if !ok {
            return None;
        }
        let server = "import socket\n\
            s = socket.socket(socket.AF_INET6)\n\
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)\n\
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n\
            s.bind(('::', 18080))\n\
            s.listen(64)\n\
            while True:\n    c, _ = s.accept()\n    c.close()\n";
        pair.server = Command::new("ip")
            .args(["netns", "exec", &a, "python3", "-c", server])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok();
        // Wait until the server answers (readiness, not a timing assertion).
        for _ in 0..50 {
            if pair.connects(BYSTANDER4, A4) {
                return Some(pair);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        None
    }

    /// Whether a TCP connection from `src` (in `b`) to `dst:PORT` succeeds within 2 s.
    fn connects(&self, src: &str, dst: &str) -> bool {
        let code = format!(
            "import socket\ns = socket.create_connection(('{dst}', {PORT}), timeout=2, source_address=('{src}', 0))\ns.close()\n"
        );
        sh(&["ip", "netns", "exec", &self.b, "python3", "-c", &code])
    }

    fn in_a(&self, argv: &[&str]) -> String {
        let out = Command::new("ip")
            .args(["netns", "exec", &self.a])
            .args(argv)
            .output()
            .expect("ip netns exec");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

async fn exercise(backend: Backend, tools: &[&str]) {
    if let Some(why) = lab::missing(tools) {
        support::skip(&format!("{backend} netns test"), &why);
        return;
    }
    let Some(pair) = Pair::new() else {
        support::skip(
            &format!("{backend} netns test"),
            "could not set up namespaces (no netns/veth support?)",
        );
        return;
    };
    assert!(
        pair.connects(BLOCK4, A4) && pair.connects(BLOCK6, A6),
        "no connectivity before blocking"
    );
    let store = Arc::new(StateStore::in_memory().unwrap());
    let cfg = FirewallConfig {
        backend,
        permit_private: true,
        netns: Some(pair.a.clone()),
        ..FirewallConfig::default()
    };
    let fw = Firewall::new(cfg, Some(store.clone())).unwrap();

    // The namespace's own address is protected.
    let err = fw.block(A4, None, Mode::Live, "t").await.unwrap_err();
    assert!(err.to_string().contains("an address of this host"), "{err}");

    for (blocked, bystander, dst) in [(BLOCK4, BYSTANDER4, A4), (BLOCK6, BYSTANDER6, A6)] {
        let rec = fw
            .block(
                blocked,
                Some(Duration::from_secs(600)),
                Mode::Live,
                "alert-1",
            )
            .await
            .unwrap();
        assert_eq!(
            rec.outcome,
            ActionOutcome::Done,
            "{backend} {blocked}: {rec:?}"
        );
        assert!(
            !pair.connects(blocked, dst),
            "{backend}: {blocked} still connects after block"
        );
        assert!(
            pair.connects(bystander, dst),
            "{backend}: bystander {bystander} was blocked too"
        );

        let again = fw
            .block(blocked, None, Mode::Live, "alert-2")
            .await
            .unwrap();
        assert!(
            matches!(again.outcome, ActionOutcome::Skipped(_)),
            "{backend}: {again:?}"
        );
        assert_eq!(
            again.commands.len(),
            1,
            "{backend}: a repeated block ran more than its probe"
        );
    }
    match backend {
        Backend::Nftables => {
            let set = pair.in_a(&["nft", "list", "set", "inet", "soc", "block4"]);
            assert!(set.contains(&format!("{BLOCK4} timeout 10m")), "{set}");
        }
        Backend::Ipset => {
            let set = pair.in_a(&["ipset", "list", "soc-block4"]);
            assert!(set.contains(&format!("{BLOCK4} timeout ")), "{set}");
        }
        Backend::Iptables => {
            let rules = pair.in_a(&["iptables", "-w", "-S", "INPUT"]);
            assert_eq!(rules.matches("-j soc-block").count(), 1, "{rules}");
        }
    }
    assert_eq!(store.active_blocks(chrono::Utc::now()).unwrap().len(), 2);

    // v4 comes back by unblocking.
    let rec = fw.unblock(BLOCK4, Mode::Live).await.unwrap();
    assert_eq!(rec.outcome, ActionOutcome::Done);
    assert!(
        pair.connects(BLOCK4, A4),
        "{backend}: still blocked after unblock"
    );
    let rec = fw.unblock(BLOCK4, Mode::Live).await.unwrap();
    assert!(matches!(rec.outcome, ActionOutcome::Skipped(_)), "{rec:?}");

    // v6: plain iptables by expiry (the store's expiry lapses), others by unblock.
    if backend == Backend::Iptables {
        let mut e = store
            .blocks()
            .unwrap()
            .into_iter()
            .find(|b| b.ip == BLOCK6)
            .unwrap();
        e.expires_at = Some(chrono::Utc::now() - chrono::Duration::seconds(1));
        store.add_block(&e).unwrap();
        let recs = fw.expire(Mode::Live).await.unwrap();
        assert_eq!(recs.len(), 1, "{recs:?}");
    } else {
        fw.unblock(BLOCK6, Mode::Live).await.unwrap();
    }
    assert!(pair.connects(BLOCK6, A6), "{backend}: v6 still blocked");
    assert!(store.blocks().unwrap().is_empty());
}

#[tokio::test]
async fn nftables_blocks_for_real() {
    exercise(Backend::Nftables, &["nft"]).await;
}

#[tokio::test]
async fn ipset_blocks_for_real() {
    exercise(Backend::Ipset, &["ipset", "iptables", "ip6tables"]).await;
}

#[tokio::test]
async fn iptables_blocks_for_real() {
    exercise(Backend::Iptables, &["iptables", "ip6tables"]).await;
}
