//! The systemd units of `packaging/systemd/`: `systemd-analyze verify`
//! passes on them, their sandbox is the one the docs promise (and
//! `systemd-analyze security` rates it), their command lines run here
//! against the packaged config, and the capabilities they grant are
//! exactly what blocking needs: a non-root user holding only
//! CAP_NET_ADMIN blocks inside a throwaway network namespace, the
//! dashboard's empty set cannot.

#[path = "../../soc-core/tests/support/mod.rs"]
mod support;

mod packaging_common;

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use packaging_common::{local_argv, packaged_config_in, read, text, unit_value, unit_values};
use soc_core::StateStore;

const SERVICES: [&str; 3] = [
    "soc-run.service",
    "soc-run-once.service",
    "soc-serve.service",
];

fn unit(name: &str) -> String {
    read(&format!("packaging/systemd/{name}"))
}

fn exec_start(name: &str) -> Vec<String> {
    unit_value(&unit(name), "ExecStart")
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

fn tool(name: &str) -> Option<std::path::PathBuf> {
    soc_core::respond::firewall::exec::find_program(name)
}

/// systemd-analyze, or a skip of `test` when it is missing.
fn systemd_analyze(test: &str) -> Option<std::path::PathBuf> {
    let found = tool("systemd-analyze");
    if found.is_none() {
        support::skip(
            test,
            "systemd-analyze is not installed (apt-get install systemd)",
        );
    }
    found
}

#[test]
fn units_pass_systemd_analyze_verify() {
    let Some(analyze) = systemd_analyze("units_pass_systemd_analyze_verify") else {
        return;
    };
    // The units name /usr/bin/soc, which verify checks is executable: point
    // them at the binary under test, change nothing else.
    let dir = tempfile::tempdir().unwrap();
    let bin = packaging_common::soc_bin().display().to_string();
    let mut files = Vec::new();
    for name in SERVICES.iter().chain(&["soc-run.timer"]) {
        let text = unit(name);
        for exec in unit_values(&text, "ExecStart") {
            assert!(exec.starts_with("/usr/bin/soc "), "{name}: {exec}");
        }
        let path = dir.path().join(name);
        std::fs::write(&path, text.replace("/usr/bin/soc", &bin)).unwrap();
        files.push(path);
    }
    let out = Command::new(analyze)
        .args(["verify", "--man=no"])
        .args(&files)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    // Unknown keys or bad values are only warnings: none allowed.
    assert!(out.stderr.is_empty(), "{}", text(&out));
}

#[test]
fn units_run_as_the_soc_user_in_the_promised_sandbox() {
    for name in SERVICES {
        let u = unit(name);
        for (key, want) in [
            ("User", "soc"),
            ("Group", "soc"),
            ("StateDirectory", "soc"),
            ("ProtectSystem", "strict"),
            ("ProtectHome", "yes"),
            ("PrivateTmp", "yes"),
            ("NoNewPrivileges", "yes"),
            ("EnvironmentFile", "-/etc/soc/soc.env"),
        ] {
            assert_eq!(unit_value(&u, key), want, "{name}: {key}");
        }
        let filters = unit_values(&u, "SystemCallFilter");
        assert_eq!(filters[0], "@system-service", "{name}");
        // The one unit that blocks keeps CAP_NET_ADMIN, nothing else; the
        // web-facing dashboard keeps nothing.
        let caps = if name == "soc-serve.service" {
            ""
        } else {
            "CAP_NET_ADMIN"
        };
        assert_eq!(unit_value(&u, "CapabilityBoundingSet"), caps, "{name}");
        assert_eq!(unit_value(&u, "AmbientCapabilities"), caps, "{name}");
        assert!(
            unit_values(&u, "ExecStart")[0].contains("--config /etc/soc/soc.toml"),
            "{name}"
        );
    }
    // Reading /var/log/auth.log takes the adm group; only the pipeline has it.
    assert!(unit_value(&unit("soc-run.service"), "SupplementaryGroups").contains("adm"));
    assert!(unit_values(&unit("soc-serve.service"), "SupplementaryGroups").is_empty());
    let timer = unit("soc-run.timer");
    assert_eq!(unit_value(&timer, "Unit"), "soc-run-once.service");
    assert_eq!(exec_start("soc-run-once.service")[1..3], ["run", "--once"]);
    assert_eq!(exec_start("soc-run.service")[1..3], ["run", "--follow"]);
    // The sysusers.d line creates that user.
    let sysusers = read("packaging/systemd/soc.sysusers");
    assert!(
        sysusers.lines().any(|l| l.starts_with("u soc ")),
        "{sysusers}"
    );
}

#[test]
fn security_exposure_stays_low() {
    let Some(analyze) = systemd_analyze("security_exposure_stays_low") else {
        return;
    };
    for name in SERVICES {
        let path = Path::new(&packaging_common::repo())
            .join("packaging/systemd")
            .join(name);
        let out = Command::new(&analyze)
            .args(["security", "--offline=true", "--no-pager"])
            .arg(&path)
            .output()
            .unwrap();
        let all = String::from_utf8_lossy(&out.stdout);
        let line = all
            .lines()
            .find(|l| l.contains("Overall exposure level"))
            .unwrap_or_else(|| panic!("{}", text(&out)));
        let score: f64 = line
            .split_once(": ")
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("{line}"));
        // systemd rates 0 (locked down) to 10 (exposed); "OK" is below 4.
        assert!(score <= 2.5, "{name}: {line}");
    }
}

/// The source addresses of the alerts in a state store (none while it
/// cannot be read).
fn alert_ips(state: &Path) -> Vec<String> {
    let day_ago = chrono::Utc::now() - chrono::Duration::days(1);
    StateStore::open_read_only(state)
        .and_then(|store| store.alerts_since(day_ago))
        .unwrap_or_default()
        .iter()
        .filter_map(|a| a.alert.src_ip.map(|ip| ip.to_string()))
        .collect()
}

#[test]
fn the_units_command_lines_run_against_the_packaged_config() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = packaged_config_in(dir.path());
    let state = dir.path().join("state/state.db");

    // soc-run-once.service (what the timer starts): one pass, then exit.
    let (bin, args) = local_argv(&exec_start("soc-run-once.service"), &cfg);
    let out = Command::new(&bin).args(&args).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let ips = alert_ips(&state);
    assert!(ips.contains(&"203.0.113.9".to_string()), "{ips:?}");

    // soc-run.service: follows the log (a second attacker appears while it
    // runs) until systemd's KillSignal, SIGTERM, then drains and exits 0,
    // which Restart=on-failure leaves alone.
    let (bin, args) = local_argv(&exec_start("soc-run.service"), &cfg);
    let mut child = Command::new(&bin)
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let second = packaging_common::BRUTE_FORCE_LOG.replace("203.0.113.9", "203.0.113.10");
    let mut log = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.path().join("log/auth.log"))
        .unwrap();
    log.write_all(second.as_bytes()).unwrap();
    // Its checkpoint reaching the end of the grown file says it read them;
    // detection raises the alert when the episode ends, at the latest on
    // shutdown.
    let size = std::fs::metadata(dir.path().join("log/auth.log"))
        .unwrap()
        .len();
    let read_all = (0..1200).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        StateStore::open_read_only(&state)
            .and_then(|s| s.checkpoints())
            .is_ok_and(|cps| cps.iter().any(|c| c.offset == size))
    });
    assert_eq!(
        unit_value(&unit("soc-run.service"), "KillSignal"),
        "SIGTERM"
    );
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(
        read_all,
        "soc run --follow did not read the new lines: {err}"
    );
    assert!(status.success(), "{status:?}: {err}");
    let ips = alert_ips(&state);
    assert!(ips.contains(&"203.0.113.10".to_string()), "{ips:?}: {err}");

    // soc-serve.service: the dashboard answers on the unit's address (here
    // on a free port of the same loopback address).
    let argv = exec_start("soc-serve.service");
    assert!(argv.contains(&"127.0.0.1:8080".to_string()), "{argv:?}");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (bin, args) = local_argv(&argv, &cfg);
    let args: Vec<String> = args
        .iter()
        .map(|a| a.replace("127.0.0.1:8080", &format!("127.0.0.1:{port}")))
        .collect();
    let mut serve = Command::new(&bin)
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let answer = (0..600).find_map(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        let mut conn = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
        conn.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .ok()?;
        let mut reply = String::new();
        conn.read_to_string(&mut reply).ok()?;
        Some(reply)
    });
    let _ = serve.kill();
    let _ = serve.wait();
    let answer = answer.expect("soc serve never answered");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("203.0.113.9"), "{answer}");
}

struct Netns(String);
impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
}

/// `CAP_NET_ADMIN CAP_X` as setpriv's `-all,+net_admin,+x`.
fn setpriv_caps(unit_caps: &str) -> String {
    let mut caps = String::from("-all");
    for cap in unit_caps.split_whitespace() {
        caps.push_str(",+");
        caps.push_str(&cap.trim_start_matches("CAP_").to_lowercase());
    }
    caps
}

#[test]
fn only_the_pipeline_units_capability_set_can_block() {
    let test = "only_the_pipeline_units_capability_set_can_block";
    let (Some(ip), Some(setpriv), Some(_nft)) = (tool("ip"), tool("setpriv"), tool("nft")) else {
        support::skip(
            test,
            "needs ip, setpriv and nft (apt-get install iproute2 util-linux nftables)",
        );
        return;
    };
    if !is_root() {
        support::skip(test, "needs root to create a network namespace");
        return;
    }
    let ns = Netns(format!("socpkg{}", std::process::id()));
    let created = Command::new(&ip).args(["netns", "add", &ns.0]).status();
    if !created.is_ok_and(|s| s.success()) {
        support::skip(test, "cannot create a network namespace");
        return;
    }
    // A folder `nobody` may enter holding a copy of the binary, and a state
    // folder it owns (what StateDirectory= gives the soc user).
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let bin = dir.path().join("soc");
    std::fs::copy(packaging_common::soc_bin(), &bin).unwrap();
    let state = dir.path().join("state");
    std::fs::create_dir(&state).unwrap();
    let chown = Command::new("chown")
        .args(["nobody:nogroup"])
        .arg(&state)
        .status();
    assert!(chown.unwrap().success());

    let block_as = |unit_name: &str, addr: &str| {
        let u = unit(unit_name);
        let caps = setpriv_caps(&unit_value(&u, "AmbientCapabilities"));
        let bounding = setpriv_caps(&unit_value(&u, "CapabilityBoundingSet"));
        Command::new(&ip)
            .args(["netns", "exec", &ns.0])
            .arg(&setpriv)
            .args([
                "--reuid=nobody",
                "--regid=nogroup",
                "--clear-groups",
                "--no-new-privs",
            ])
            .arg(format!("--inh-caps={caps}"))
            .arg(format!("--ambient-caps={caps}"))
            .arg(format!("--bounding-set={bounding}"))
            .arg(&bin)
            .args(["block", addr, "--for", "10m", "--state"])
            .arg(state.join("state.db"))
            .env_remove("SSH_CONNECTION")
            .env_remove("SOC_STATE")
            .output()
            .unwrap()
    };
    let set = || {
        let out = Command::new(&ip)
            .args([
                "netns", "exec", &ns.0, "nft", "list", "set", "inet", "soc", "block4",
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };

    let out = block_as("soc-run.service", "198.51.100.7");
    assert!(out.status.success(), "{}", text(&out));
    assert!(set().contains("198.51.100.7"), "{}", set());

    let out = block_as("soc-serve.service", "198.51.100.8");
    assert!(!out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Operation not permitted"));
    assert!(!set().contains("198.51.100.8"), "{}", set());
}
