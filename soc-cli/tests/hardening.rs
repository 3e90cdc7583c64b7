//! Issue #14 regressions at the command line: escape sequences and formulas
//! from log text, secrets in printed URLs, `soc config check` validating
//! like `soc run`, `soc run` failing loudly on unreadable sources and failed
//! actions, and read-only state files.

mod common;

use std::path::{Path, PathBuf};

use common::{soc, succeed};

/// A log line whose user name holds an OSC hyperlink, a screen clear, a
/// BEL and a spreadsheet formula (sshd logs invalid user names verbatim).
const HOSTILE: &str = "Nov 21 02:19:08 web01 sshd[4242]: Invalid user =HYPERLINK(\"http://evil\")\x1b]8;;http://evil\x07\x1b[2J from 203.0.113.5 port 4711\n";

fn write(dir: &Path, name: &str, text: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `soc ssh --events ARGS` over a log of the [`HOSTILE`] line; it must
/// succeed.
fn hostile_events(args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let log = write(dir.path(), "auth.log", HOSTILE.as_bytes());
    succeed(soc().args(["ssh", "--events"]).args(args).arg(&log))
}

/// Reproduction (#14 item 4): ESC/OSC/BEL bytes in a user name reached the
/// terminal through table output.
#[test]
fn table_output_shows_escape_sequences_visibly() {
    let out = hostile_events(&["--format", "table"]);
    let text = stdout(&out);
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "{text:?}"
    );
    assert!(text.contains("\\x1b]8;;http://evil\\x07\\x1b[2J"), "{text}");
}

/// Reproduction (#14 item 5): the user name `=HYPERLINK(...)` was written
/// unprefixed by `--format csv`; `--raw-csv` is the opt-out.
#[test]
fn csv_output_neutralises_formulas_unless_raw() {
    let out = hostile_events(&["--format", "csv"]);
    let mut r = csv::Reader::from_reader(out.stdout.as_slice());
    let user_col = r
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "user")
        .unwrap();
    let rec = r.records().next().unwrap().unwrap();
    assert!(rec[user_col].starts_with("'=HYPERLINK("), "{:?}", &rec);
    let raw = hostile_events(&["--format", "csv", "--raw-csv"]);
    let mut r = csv::Reader::from_reader(raw.stdout.as_slice());
    assert!(r.records().next().unwrap().unwrap()[user_col].starts_with("=HYPERLINK("));
}

fn config(dir: &Path, extra: &str) -> PathBuf {
    let log = write(
        dir,
        "auth.log",
        b"Nov 21 02:19:08 web01 sshd[4242]: Failed password for root from 203.0.113.5 port 4711 ssh2\n",
    );
    write(
        dir,
        "prod-soc.toml",
        format!(
            "[store]\npath = {:?}\n\n[run]\noffline = true\n\n[[sources]]\nkind = \"ssh\"\npath = {:?}\n\n{extra}",
            dir.join("state.db").display().to_string(),
            log.display().to_string()
        )
        .as_bytes(),
    )
}

/// Reproduction (#14 item 10): `soc config check` printed the password of
/// `http://elastic:SECRET@...` and an API key in a URL's query.
#[test]
fn config_check_redacts_secrets_in_urls() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        "[response.elasticsearch]\nurl = \"http://elastic:SECRET-PW@127.0.0.1:9200/?api_key=SECRET-KEY\"\n",
    );
    for json in [false, true] {
        let mut cmd = soc();
        cmd.args(["config", "check", "--config"]).arg(&cfg);
        if json {
            cmd.arg("--json");
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let all = stdout(&out) + &stderr(&out);
        assert!(!all.contains("SECRET"), "{all}");
        assert!(all.contains("127.0.0.1:9200"), "{all}");
    }
}

/// Reproduction (#14 low): `soc config check` said "valid" for a config
/// `soc run` refused, and errors named `soc.toml` instead of the file read.
#[test]
fn config_check_validates_like_run_and_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "[isolate]\nmgmt_ip = \"not-an-ip\"\n");
    for args in [&["config", "check"][..], &["run", "--once"][..]] {
        let out = soc().args(args).arg("--config").arg(&cfg).output().unwrap();
        assert_eq!(out.status.code(), Some(4), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("prod-soc.toml"), "{err}");
        assert!(err.contains("mgmt_ip"), "{err}");
        assert_eq!(err.matches("not an IP address").count(), 1, "{err}");
    }
    let missing = soc()
        .args(["config", "check", "--config"])
        .arg(dir.path().join("nope.toml"))
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(4), "{}", stderr(&missing));
    assert!(stderr(&missing).contains("nope.toml"));
}

/// Reproduction (#14 low): `soc run` exited 0 when a source could not be
/// read; now it finishes, says so in a summary line and exits 5.
#[test]
fn run_with_an_unreadable_source_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    // A gzip header followed by garbage: the source fails while reading.
    write(
        dir.path(),
        "auth.log",
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage-garbage",
    );
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("auth.log\"", "auth.log.gz\"");
    std::fs::write(&cfg, text).unwrap();
    std::fs::rename(dir.path().join("auth.log"), dir.path().join("auth.log.gz")).unwrap();
    let out = soc()
        .args(["run", "--once", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("incomplete: 1 source errors, 0 failed actions"),
        "{}",
        stderr(&out)
    );
}

/// Reproduction (#14 low): `soc run` exited 0 when actions failed.
#[test]
fn run_with_failed_actions_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    // Port 9 on loopback: nothing listens, every POST fails at once.
    let cfg = config(
        dir.path(),
        "[response]\ndry_run = false\n\n[response.playbook.levels]\nlow = [\"notify\"]\nmedium = [\"notify\"]\nhigh = [\"notify\"]\ncritical = [\"notify\"]\n\n[response.webhook]\nurl = \"http://127.0.0.1:9/hook\"\nmax_retries = 0\n\n[detect]\nbrute_force_threshold = 1\n",
    );
    let out = soc()
        .args(["run", "--once", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(5), "{err}");
    assert!(err.contains("failed actions"), "{err}");
    assert!(!err.contains("0 failed actions"), "{err}");
}

/// Reproduction (#14 low): `soc status` / `soc report` failed on a state
/// file the user may only read ("attempt to write a readonly database").
/// Runs them as `nobody` on a root-owned store; needs root and `setpriv`.
#[test]
fn status_and_report_work_on_a_read_only_state_file() {
    use std::os::unix::fs::PermissionsExt;
    let root = std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"));
    let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    let (true, Some(setpriv)) = (root, setpriv) else {
        eprintln!("skipping: needs root and setpriv to read the store as another user");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    let out = soc()
        .args(["run", "--once", "-q", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // The folder and file stay root's: nobody may read, not write.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin = dir.path().join("soc");
    std::fs::copy(assert_cmd::cargo::cargo_bin("soc"), &bin).unwrap();
    let state = dir.path().join("state.db");
    let before = std::fs::read(&state).unwrap();
    for args in [
        &["status", "--state"][..],
        &["report", "--since", "all", "--state"][..],
    ] {
        let out = std::process::Command::new(setpriv)
            .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
            .arg(&bin)
            .args(args)
            .arg(&state)
            .env_remove("SOC_CONFIG")
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert!(!stdout(&out).is_empty());
    }
    assert_eq!(
        std::fs::read(&state).unwrap(),
        before,
        "the store was written"
    );
}
