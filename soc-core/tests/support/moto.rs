//! A `moto` server (the AWS emulator from PyPI, real AWS wire protocols) on
//! 127.0.0.1 for the AWS responder tests: one per test binary, started on
//! first use. moto is installed once into `target/tmp/moto-venv`
//! (`pip install "moto[server]"`); the server runs under
//! `setpriv --pdeathsig KILL` from a thread that lives as long as the test
//! process, so it dies with the tests.
//!
//! Include with `#[path = "support/moto.rs"] mod moto;` next to `mod support;`.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The credentials every test signs with (moto checks the format only).
pub const ACCESS_KEY: &str = "AKIDSOCTESTMOTO00001";
/// The secret key that goes with [`ACCESS_KEY`].
pub const SECRET_KEY: &str = "soc-moto-test-secret-key-not-a-real-one";
/// The region the tests use.
pub const REGION: &str = "us-east-1";

static SERVER: OnceLock<Result<String, String>> = OnceLock::new();

/// The base URL of the running moto server, or why it cannot run here.
/// Also exports the test credentials and region to the environment (the
/// standard chain the responders read), once, before any test uses them.
pub fn server() -> Result<String, String> {
    SERVER
        .get_or_init(|| {
            // Set once, before the first reader, from the only initializer.
            std::env::set_var("AWS_ACCESS_KEY_ID", ACCESS_KEY);
            std::env::set_var("AWS_SECRET_ACCESS_KEY", SECRET_KEY);
            std::env::set_var("AWS_REGION", REGION);
            std::env::remove_var("AWS_SESSION_TOKEN");
            std::env::remove_var("AWS_PROFILE");
            start()
        })
        .clone()
}

fn venv() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("moto-venv")
}

/// Creates the venv with moto when it is missing.
fn install() -> Result<PathBuf, String> {
    let dir = venv();
    let bin = dir.join("bin/moto_server");
    if bin.exists() {
        return Ok(bin);
    }
    let run = |cmd: &mut Command, what: &str| -> Result<(), String> {
        let out = cmd
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("{what}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{what} failed: {}",
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            ))
        }
    };
    run(
        Command::new("python3").args(["-m", "venv"]).arg(&dir),
        "python3 -m venv",
    )?;
    run(
        Command::new(dir.join("bin/pip")).args(["install", "-q", "moto[server]"]),
        "pip install moto[server]",
    )?;
    if bin.exists() {
        Ok(bin)
    } else {
        Err("moto_server missing after pip install".into())
    }
}

fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

fn start() -> Result<String, String> {
    let bin = install()?;
    let port = free_port()?;
    let log = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("moto-{port}.log"));
    let log_file = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let err_file = log_file.try_clone().map_err(|e| e.to_string())?;
    let mut cmd = if Path::new("/usr/bin/setpriv").exists() {
        let mut c = Command::new("/usr/bin/setpriv");
        c.args(["--pdeathsig", "KILL", "--"]).arg(&bin);
        c
    } else {
        Command::new(&bin)
    };
    cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(log_file)
        .stderr(err_file);
    let (tx, rx) = std::sync::mpsc::channel();
    // The parent-death signal follows the spawning thread: this one waits
    // on the server until the test process ends.
    std::thread::spawn(move || match cmd.spawn() {
        Ok(mut child) => {
            let _ = tx.send(Ok(()));
            let _ = child.wait();
        }
        Err(e) => {
            let _ = tx.send(Err(format!("starting moto_server: {e}")));
        }
    });
    rx.recv().map_err(|e| e.to_string())??;
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(format!("http://127.0.0.1:{port}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!(
        "moto_server did not listen on {addr} within 60 s (see {})",
        log.display()
    ))
}

/// A name no other test of this run uses: `<prefix>-<pid>-<n>`.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// The text of every `<name>` element in `xml` (EC2 answers), in order.
pub fn xml_texts(xml: &str, name: &str) -> Vec<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        match after.find(&close) {
            Some(j) => {
                out.push(after[..j].trim().to_string());
                rest = &after[j + close.len()..];
            }
            None => break,
        }
    }
    out
}
