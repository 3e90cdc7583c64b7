#![allow(dead_code)] // each test crate uses what it needs
//! A throwaway network of namespaces for firewall, remote-firewall and
//! isolation tests, with real `sshd` servers: include it with
//! `#[path = "support/lab.rs"] mod lab;` (after `mod support;`).
//!
//! Topology (all inside namespaces the test creates; the host's own
//! namespace, interfaces and rules are never touched):
//!
//! ```text
//!   <p>S: bridge br0 ── veth ── <p>C  clients: MGMT (the primary v4 address), ATTACKER, BYSTANDER
//!                      ├─ veth ── <p>H0  host 0: HOST4[0]/HOST6[0], TCP service on :PORT, sshd on :22
//!                      └─ veth ── <p>H1  host 1 ...
//! ```
//!
//! Every host namespace has its own nftables/iptables/ipset state. soc's
//! SSH client runs in the client namespace (`SystemRunner::in_netns`) and
//! connects to the hosts' addresses from MGMT; attackers connect to the
//! service from ATTACKER or BYSTANDER. Everything is deleted on drop, even
//! when the test fails.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use soc_core::respond::firewall::exec::find_program;

/// The service port on every host.
pub const PORT: u16 = 18080;
/// The attacker's addresses (v4; v6 inside `ATTACKER_NET6`).
pub const ATTACKER4: &str = "10.232.0.2";
pub const ATTACKER6: &str = "fd00:232:0:1::2";
/// The attacker's IPv6 /64.
pub const ATTACKER_NET6: &str = "fd00:232:0:1::/64";
/// A bystander that must keep working (v4, and v6 in another /64).
pub const BYSTANDER4: &str = "10.232.0.3";
pub const BYSTANDER6: &str = "fd00:232:0:2::3";
/// The management address soc's SSH connections come from.
pub const MGMT4: &str = "10.232.0.4";

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Blocks `target` (already blocked) again with `fw`: the block is skipped
/// and ran nothing but its probe.
pub async fn assert_repeat_only_probes(
    fw: &soc_core::respond::firewall::Firewall,
    target: &str,
    ttl: Option<Duration>,
    backend: soc_core::respond::firewall::Backend,
) {
    use soc_core::model::{ActionOutcome, Mode};
    let again = fw.block(target, ttl, Mode::Live, "again").await.unwrap();
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

/// Whether this process runs as root.
pub fn is_root() -> bool {
    soc_core::respond::firewall::exec::running_as_root()
}

/// Why a lab test cannot run here (root, `ip`, `python3`, `tools`), if so.
pub fn missing(tools: &[&str]) -> Option<String> {
    if !is_root() {
        return Some("needs root (network namespaces, firewall rules, sshd)".into());
    }
    tools
        .iter()
        .chain(&["ip", "python3"])
        .find(|t| find_program(t).is_none())
        .map(|t| format!("'{t}' is not installed"))
}

fn run(argv: &[&str]) -> bool {
    Command::new(argv[0])
        .args(&argv[1..])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Host `i`'s IPv4 address.
pub fn host4(i: usize) -> String {
    format!("10.232.0.{}", 11 + i)
}

/// Host `i`'s IPv6 address.
pub fn host6(i: usize) -> String {
    format!("fd00:232::{}", 11 + i)
}

/// The namespaces, servers and sshds of one test.
pub struct Lab {
    /// Namespace name prefix (unique per process and lab).
    pub prefix: String,
    /// Number of hosts.
    pub hosts: usize,
    children: Vec<Child>,
    sshd: Vec<Option<PathBuf>>,
    /// Keys and known_hosts (see [`Lab::start_sshd`]).
    pub dir: tempfile::TempDir,
}

impl Drop for Lab {
    fn drop(&mut self) {
        for i in 0..self.hosts {
            self.stop_sshd(i);
        }
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        for ns in self.namespaces() {
            run(&["ip", "netns", "del", &ns]);
        }
    }
}

impl Lab {
    /// Builds the network with `hosts` host namespaces and starts the TCP
    /// service on each. `None` when the kernel refuses (no netns/veth).
    pub fn new(hosts: usize) -> Option<Lab> {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let prefix = format!("soclab{}x{n}", std::process::id());
        let mut lab = Lab {
            prefix,
            hosts,
            children: Vec::new(),
            sshd: vec![None; hosts],
            dir: tempfile::tempdir().ok()?,
        };
        let (s, c) = (lab.switch(), lab.client());
        let mut ok = run(&["ip", "netns", "add", &s])
            && run(&["ip", "netns", "add", &c])
            && run(&["ip", "-n", &s, "link", "add", "br0", "type", "bridge"])
            && run(&["ip", "-n", &s, "link", "set", "br0", "up"])
            && lab.attach(
                &c,
                "vC",
                &[MGMT4, ATTACKER4, BYSTANDER4],
                &[ATTACKER6, BYSTANDER6],
            );
        for i in 0..hosts {
            let h = lab.host(i);
            ok = ok
                && run(&["ip", "netns", "add", &h])
                && lab.attach(&h, &format!("vH{i}"), &[&host4(i)], &[&host6(i)]);
        }
        // Static IPv6 neighbours: a blocked address must not be the source
        // of the neighbour solicitations a bystander's traffic depends on.
        for i in 0..hosts {
            let (h, dev) = (lab.host(i), format!("vH{i}"));
            ok = ok
                && run(&[
                    "ip",
                    "-n",
                    &c,
                    "neigh",
                    "replace",
                    &host6(i),
                    "lladdr",
                    &mac_of(&dev),
                    "dev",
                    "vC",
                    "nud",
                    "permanent",
                ]);
            for a in [ATTACKER6, BYSTANDER6] {
                ok = ok
                    && run(&[
                        "ip",
                        "-n",
                        &h,
                        "neigh",
                        "replace",
                        a,
                        "lladdr",
                        &mac_of("vC"),
                        "dev",
                        &dev,
                        "nud",
                        "permanent",
                    ]);
            }
        }
        if !ok {
            return None;
        }
        let server = format!(
            "import socket\n\
             s = socket.socket(socket.AF_INET6)\n\
             s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)\n\
             s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n\
             s.bind(('::', {PORT}))\n\
             s.listen(64)\n\
             while True:\n    c, _ = s.accept()\n    c.close()\n"
        );
        for i in 0..hosts {
            let child = Command::new("ip")
                .args(["netns", "exec", &lab.host(i), "python3", "-c", &server])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .ok()?;
            lab.children.push(child);
        }
        // Wait until every service answers (readiness, not a timing assertion).
        for i in 0..hosts {
            let ready = (0..50).any(|_| {
                lab.connects(BYSTANDER4, &host4(i)) || {
                    std::thread::sleep(Duration::from_millis(100));
                    false
                }
            });
            if !ready {
                return None;
            }
        }
        Some(lab)
    }

    /// [`Lab::new`] with sshd started on the hosts in `with_sshd`, or `None`
    /// after reporting (`support::skip`) why `test` cannot run here: no
    /// root, one of `tools` missing, no namespaces, or sshd not starting.
    pub fn open(test: &str, hosts: usize, tools: &[&str], with_sshd: &[usize]) -> Option<Lab> {
        if let Some(why) = missing(tools) {
            crate::support::skip(test, &why);
            return None;
        }
        let Some(mut lab) = Lab::new(hosts) else {
            crate::support::skip(test, "could not set up namespaces (no netns/veth support?)");
            return None;
        };
        for &i in with_sshd {
            if !lab.start_sshd(i) {
                crate::support::skip(test, "sshd did not start");
                return None;
            }
        }
        Some(lab)
    }

    /// The bridge namespace.
    pub fn switch(&self) -> String {
        format!("{}S", self.prefix)
    }

    /// The client namespace (attackers, bystander, soc's SSH client).
    pub fn client(&self) -> String {
        format!("{}C", self.prefix)
    }

    /// Host `i`'s namespace.
    pub fn host(&self, i: usize) -> String {
        format!("{}H{i}", self.prefix)
    }

    fn namespaces(&self) -> Vec<String> {
        let mut v = vec![self.client(), self.switch()];
        v.extend((0..self.hosts).map(|i| self.host(i)));
        v
    }

    /// A veth from `ns` (as `dev`, with the addresses) to the bridge.
    fn attach(&self, ns: &str, dev: &str, v4: &[&str], v6: &[&str]) -> bool {
        let s = self.switch();
        let peer = format!("{dev}p");
        let mut ok = run(&[
            "ip",
            "link",
            "add",
            dev,
            "netns",
            ns,
            "address",
            &mac_of(dev),
            "type",
            "veth",
            "peer",
            "name",
            &peer,
            "netns",
            &s,
        ]) && run(&["ip", "-n", &s, "link", "set", &peer, "master", "br0", "up"])
            && run(&["ip", "-n", ns, "link", "set", dev, "up"])
            && run(&["ip", "-n", ns, "link", "set", "lo", "up"]);
        let v4 = v4.iter().map(|a| (format!("{a}/24"), None));
        let v6 = v6.iter().map(|a| (format!("{a}/48"), Some("nodad")));
        for (a, flag) in v4.chain(v6) {
            let mut argv = vec!["ip", "-n", ns, "addr", "add", &a, "dev", dev];
            argv.extend(flag);
            ok = ok && run(&argv);
        }
        ok
    }

    /// Whether a TCP connection from `src` (in the client namespace) to
    /// `dst:PORT` succeeds within 2 s.
    pub fn connects(&self, src: &str, dst: &str) -> bool {
        let code = format!(
            "import socket\ns = socket.create_connection(('{dst}', {PORT}), timeout=2, source_address=('{src}', 0))\ns.close()\n"
        );
        run(&[
            "ip",
            "netns",
            "exec",
            &self.client(),
            "python3",
            "-c",
            &code,
        ])
    }

    /// Runs `argv` in host `i`'s namespace; its stdout.
    pub fn in_host(&self, i: usize, argv: &[&str]) -> String {
        let out = Command::new("ip")
            .args(["netns", "exec", &self.host(i)])
            .args(argv)
            .output()
            .expect("ip netns exec");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A file in the lab's directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Starts a real sshd in host `i`'s namespace on `host4(i)`/`host6(i)`
    /// port 22, trusting the lab's user key (`path("userkey")`) for root,
    /// and adds its host key to `path("known_hosts")`. False on failure.
    pub fn start_sshd(&mut self, i: usize) -> bool {
        let d = self.dir.path().to_path_buf();
        if !d.join("userkey").exists() && !keygen(&d.join("userkey")) {
            return false;
        }
        let hostkey = d.join(format!("hostkey{i}"));
        if !keygen(&hostkey) {
            return false;
        }
        let keys = d.join("authorized_keys");
        if std::fs::copy(d.join("userkey.pub"), &keys).is_err() {
            return false;
        }
        let pid = d.join(format!("sshd{i}.pid"));
        let cfg = format!(
            "Port 22\nListenAddress {}\nListenAddress {}\nHostKey {}\nAuthorizedKeysFile {}\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n\
             PermitRootLogin prohibit-password\nPidFile {}\n",
            host4(i),
            host6(i),
            hostkey.display(),
            keys.display(),
            pid.display()
        );
        let cfg_path = d.join(format!("sshd{i}.conf"));
        if std::fs::write(&cfg_path, cfg).is_err() {
            return false;
        }
        let _ = std::fs::create_dir_all("/run/sshd");
        let Some(sshd) = find_program("sshd") else {
            return false;
        };
        let started = Command::new("ip")
            .args(["netns", "exec", &self.host(i)])
            .arg(sshd)
            .arg("-f")
            .arg(&cfg_path)
            .arg("-E")
            .arg(d.join(format!("sshd{i}.log")))
            .status()
            .is_ok_and(|s| s.success());
        if !started {
            return false;
        }
        // sshd listens before it daemonizes; wait for its pid file (readiness only).
        if !(0..50).any(|_| {
            pid.exists() || {
                std::thread::sleep(Duration::from_millis(100));
                false
            }
        }) {
            return false;
        }
        self.sshd[i] = Some(pid);
        let Ok(public) = std::fs::read_to_string(hostkey.with_extension("pub")) else {
            return false;
        };
        let line = format!("{},{} {}", host4(i), host6(i), public.trim());
        let kh = d.join("known_hosts");
        let old = std::fs::read_to_string(&kh).unwrap_or_default();
        std::fs::write(kh, format!("{old}{line}\n")).is_ok()
    }

    /// Stops host `i`'s sshd (the host is then "down" for SSH).
    pub fn stop_sshd(&mut self, i: usize) {
        if let Some(pid) = self.sshd.get_mut(i).and_then(Option::take) {
            if let Ok(p) = std::fs::read_to_string(&pid) {
                let _ = Command::new("kill").arg(p.trim()).status();
            }
        }
    }
}

/// A fixed MAC address per lab interface (`vC`, `vH0`, ...).
fn mac_of(dev: &str) -> String {
    let n = dev.strip_prefix("vH").and_then(|i| i.parse::<u8>().ok());
    match n {
        Some(i) => format!("02:00:00:00:01:{i:02x}"),
        None => "02:00:00:00:00:01".into(),
    }
}

/// Makes an ed25519 key pair without passphrase at `path` (and `.pub`).
pub fn keygen(path: &Path) -> bool {
    let _ = std::fs::remove_file(path);
    Command::new(find_program("ssh-keygen").unwrap_or_else(|| "ssh-keygen".into()))
        .args(["-q", "-t", "ed25519", "-N", ""])
        .arg("-f")
        .arg(path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
