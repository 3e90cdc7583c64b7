//! `soc serve` in a real headless Chromium, driven through WebDriver
//! (chromedriver + fantoccini): the overview loads, an alert opens from the
//! inbox (keyboard j + Enter), it is acknowledged and closed with a reason
//! and the audit entry shows, a real nftables block (inside a network
//! namespace this test creates) is unblocked, a new alert appears live
//! after `soc run --once` adds it, and a hostile user name from auth.log
//! renders as text.
//!
//! Skips with a one-line reason without `chromium`/`chromedriver` (`make
//! test` installs them). The unblock step needs root, `ip` and `nft`; it
//! falls back to a dry-run unblock otherwise. Screenshots go to
//! `$SOC_SCREENSHOTS` (the README's are in `docs/screenshots/`), else to
//! the target's temporary folder. chromedriver, the server and the
//! namespace are removed at the end, even on failure.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

const EVIL: &str = "<img src=x onerror=alert(1)>";
const BLOCKED: &str = "198.51.100.99";

/// Kills and reaps a child process on drop.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Deletes a network namespace on drop.
struct Netns(String);

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn have(cmd: &str) -> bool {
    Command::new("sh")
        .args([
            "-c",
            &format!("command -v {cmd} >/dev/null 2>&1 || [ -x /usr/sbin/{cmd} ]"),
        ])
        .status()
        .is_ok_and(|s| s.success())
}

fn is_root() -> bool {
    soc_core::respond::firewall::exec::running_as_root()
}

fn auth_log(lines: &mut Vec<String>, user: &str, src: &str, n: usize, minute: u32) {
    for i in 0..n {
        lines.push(format!(
            "Dec  6 10:{minute:02}:{i:02} web01 sshd[{}]: Failed password for invalid user {user} from {src} port {} ssh2",
            1000 + i,
            40000 + i
        ));
    }
}

fn soc(args: &[&str]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_soc"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "soc {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Waits (bounded) until `check` returns `Some`.
async fn wait_for<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..150 {
        if let Some(v) = check().await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("timed out waiting for {what}");
}

/// Waits until the browser shows an alert's page.
async fn on_alert_page(c: &Client) {
    wait_for("the alert page", || async {
        c.current_url()
            .await
            .ok()
            .filter(|u| u.path().starts_with("/alerts/"))
    })
    .await;
}

/// The text of the element matching `css`, retried (bounded) while the
/// page is navigating or a live refresh replaces the element.
async fn text(c: &Client, css: &str) -> String {
    for _ in 0..100 {
        if let Ok(el) = c.find(Locator::Css(css)).await {
            if let Ok(t) = el.text().await {
                return t;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no element {css}");
}

/// Clicks the element matching `css`, retried like [`text`].
async fn click(c: &Client, css: &str) {
    for _ in 0..100 {
        if let Ok(el) = c.find(Locator::Css(css)).await {
            if el.click().await.is_ok() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("could not click {css}");
}

async fn shot(c: &Client, dir: &Path, name: &str) {
    let png = c.screenshot().await.unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

async fn key(c: &Client, k: char) {
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: k })
        .then(KeyAction::Up { value: k });
    c.perform_actions(keys).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_in_a_real_browser() {
    for tool in ["chromium", "chromedriver"] {
        if !have(tool) {
            eprintln!(
                "skipping: {tool} is not installed (apt-get install chromium chromium-driver)"
            );
            return;
        }
    }
    tokio::time::timeout(Duration::from_secs(240), scenario())
        .await
        .expect("the browser scenario finished in time");
}

async fn scenario() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let shots: PathBuf = std::env::var_os("SOC_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots"));
    std::fs::create_dir_all(&shots).unwrap();
    let state = d.join("state.db");
    let log = d.join("auth.log");
    let mut lines = Vec::new();
    auth_log(&mut lines, EVIL, "203.0.113.51", 8, 0);
    auth_log(&mut lines, "admin", "198.51.100.23", 12, 1);
    std::fs::write(&log, lines.join("\n") + "\n").unwrap();
    let run_toml = d.join("run.toml");
    std::fs::write(
        &run_toml,
        format!(
            "[store]\npath = {:?}\n[run]\noffline = true\n[[sources]]\nkind = \"ssh\"\npath = {:?}\n",
            state, log
        ),
    )
    .unwrap();
    let run_cfg = run_toml.to_str().unwrap();
    soc(&["run", "--once", "--config", run_cfg]);

    // A real block inside a namespace this test owns, when we can.
    let live_fw = is_root() && have("ip") && have("nft");
    let ns = format!("socsrv{}", std::process::id());
    let _ns_guard = if live_fw {
        assert!(Command::new("ip")
            .args(["netns", "add", &ns])
            .status()
            .unwrap()
            .success());
        let guard = Netns(ns.clone());
        soc(&[
            "block",
            BLOCKED,
            "--for",
            "1h",
            "--netns",
            &ns,
            "--state",
            state.to_str().unwrap(),
        ]);
        Some(guard)
    } else {
        eprintln!("note: not root or no ip/nft: the unblock step runs in dry-run");
        None
    };
    let serve_toml = d.join("serve.toml");
    let fw = if live_fw {
        format!(
            "[firewall]\nbackend = \"nftables\"\nnetns = \"{ns}\"\n[response]\ndry_run = false\n"
        )
    } else {
        String::new()
    };
    std::fs::write(&serve_toml, format!("[store]\npath = {:?}\n{fw}", state)).unwrap();
    if !live_fw {
        let store = soc_core::StateStore::open(&state).unwrap();
        store
            .add_block(&soc_core::store::BlockEntry {
                ip: BLOCKED.into(),
                backend: "nftables".into(),
                created_at: chrono::Utc::now(),
                expires_at: None,
                reason: "test".into(),
            })
            .unwrap();
    }

    let port = free_port();
    let _server = Proc(
        Command::new(env!("CARGO_BIN_EXE_soc"))
            .args([
                "serve",
                "--config",
                serve_toml.to_str().unwrap(),
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--user",
                "analyst1",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let driver_port = free_port();
    let _driver = Proc(
        Command::new("chromedriver")
            .arg(format!("--port={driver_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    wait_for("soc serve", || async {
        http.get(&base).send().await.ok().map(|_| ())
    })
    .await;
    let profile = d.join("chrome-profile");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({ "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                          "--window-size=1400,1000", format!("--user-data-dir={}", profile.display())] }),
    );
    let c = wait_for("chromedriver", || {
        let caps = caps.clone();
        async move {
            // Plain HTTP to chromedriver on loopback: no TLS stack needed.
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps)
                .connect(&format!("http://127.0.0.1:{driver_port}"))
                .await
                .ok()
        }
    })
    .await;
    // Run the steps in a task so that a failed assertion still closes the
    // browser session (and with it Chromium) before the guards run.
    let (c2, run_cfg) = (c.clone(), run_cfg.to_string());
    let res = tokio::spawn(async move {
        steps(&c2, &base, &shots, &run_cfg, &log, &lines, live_fw, &ns).await;
    })
    .await;
    let _ = c.close().await;
    if let Err(e) = res {
        std::panic::resume_unwind(e.into_panic());
    }
}

#[allow(clippy::too_many_arguments)]
async fn steps(
    c: &Client,
    base: &str,
    shots: &Path,
    run_cfg: &str,
    log: &Path,
    lines: &[String],
    live_fw: bool,
    ns: &str,
) {
    // Overview.
    c.goto(&format!("{base}/")).await.unwrap();
    assert_eq!(text(c, "#alert-total").await, "2");
    wait_for("the live indicator", || async {
        (text(c, "#live").await.starts_with("live")).then_some(())
    })
    .await;
    assert_eq!(
        c.find(Locator::Css("#live"))
            .await
            .unwrap()
            .attr("class")
            .await
            .unwrap()
            .as_deref(),
        Some("on")
    );
    shot(c, shots, "overview").await;

    // Inbox: the hostile user name is text, not an element, and ran nothing.
    c.goto(&format!("{base}/inbox")).await.unwrap();
    let main = text(c, "main").await;
    assert!(main.contains(EVIL), "the user name shows as text: {main}");
    assert!(
        c.find_all(Locator::Css("main img"))
            .await
            .unwrap()
            .is_empty(),
        "no <img> was created"
    );
    assert!(
        c.get_alert_text().await.is_err(),
        "no alert() dialog opened"
    );
    shot(c, shots, "inbox").await;

    // Open an alert with the keyboard: j selects the first group, Enter opens it.
    let first_title = text(c, "#inbox tr.group a.title").await;
    key(c, 'j').await;
    key(c, Key::Enter.into()).await;
    on_alert_page(c).await;
    assert_eq!(text(c, "#alert-title").await, first_title);

    // Open the hostile user's alert from the inbox by clicking.
    c.goto(&format!("{base}/inbox?sort=first_seen"))
        .await
        .unwrap();
    click(c, "#inbox tr.group a.title").await;
    on_alert_page(c).await;
    assert_eq!(text(c, "a.user").await, EVIL);
    assert!(
        text(c, "#evidence").await.contains("auth.log:1"),
        "evidence with file and line"
    );

    // Acknowledge, then close as a false positive; the audit log shows both.
    click(c, "#ack").await;
    wait_for("acknowledged", || async {
        (text(c, "#status").await == "acknowledged").then_some(())
    })
    .await;
    click(c, "#reason option[value=false_positive]").await;
    click(c, "#close").await;
    wait_for("closed", || async {
        (text(c, "#status").await == "closed (false_positive)").then_some(())
    })
    .await;
    let audit = text(c, "#audit").await;
    assert!(audit.contains("analyst1 status: acknowledged"), "{audit}");
    assert!(
        audit.contains("analyst1 status: closed (false_positive)"),
        "{audit}"
    );
    shot(c, shots, "alert").await;

    // Unblock.
    c.goto(&format!("{base}/blocks")).await.unwrap();
    assert!(text(c, "#blocks").await.contains(BLOCKED));
    shot(c, shots, "blocks").await;
    click(c, "button.unblock").await;
    let msg = wait_for("the unblock message", || async {
        c.find(Locator::Css("#message"))
            .await
            .ok()?
            .text()
            .await
            .ok()
    })
    .await;
    if live_fw {
        assert!(msg.contains(&format!("unblock {BLOCKED}: done")), "{msg}");
        assert!(
            !text(c, "#blocks").await.contains(BLOCKED),
            "the block is gone"
        );
        let set = Command::new("ip")
            .args([
                "netns", "exec", ns, "nft", "list", "set", "inet", "soc", "block4",
            ])
            .output()
            .unwrap();
        assert!(
            !String::from_utf8_lossy(&set.stdout).contains(BLOCKED),
            "the kernel set no longer holds it"
        );
    } else {
        assert!(msg.contains(&format!("Dry-run unblock {BLOCKED}")), "{msg}");
    }

    // Live: a new alert appears in the open inbox after `soc run --once`.
    c.goto(&format!("{base}/inbox?status=any")).await.unwrap();
    wait_for("the live feed", || async {
        c.find(Locator::Css("#live.on")).await.ok().map(|_| ())
    })
    .await;
    assert!(text(c, "#inbox-summary")
        .await
        .starts_with("2 alerts in 2 groups"));
    let mut more = lines.to_vec();
    auth_log(&mut more, "oracle", "192.0.2.200", 10, 5);
    std::fs::write(log, more.join("\n") + "\n").unwrap();
    soc(&["run", "--once", "--config", run_cfg]);
    wait_for("the new alert, without a reload", || async {
        text(c, "#inbox-summary")
            .await
            .starts_with("3 alerts in 3 groups")
            .then_some(())
    })
    .await;
    assert!(text(c, "#inbox").await.contains("192.0.2.200"));
    c.goto(&format!("{base}/health")).await.unwrap();
    assert!(text(c, "#sources").await.contains("auth.log"));
    shot(c, shots, "health").await;
}
