//! Helpers shared by the integration tests of soc-core and soc-cli (the
//! CLI's tests include this file with `#[path]`): golden files and skips.
//!
//! * [`golden`]: compares output with a checked-in file. A missing golden
//!   file is a failure; `SOC_UPDATE_GOLDEN=1` (re)writes it after an
//!   intended change. One helper, one variable.
//! * [`brute_force_alert`]: the SSH brute-force alert responder tests send.
//! * [`all_alerts`]: every alert a state store holds; [`stored_alerts`]:
//!   those of `DIR/state.db` by id, each as `f` sums it up.
//! * [`failed_attempt`]: the event of one failed SSH login attempt.
//! * [`nft_block_argv`]: the command that blocks an address with nftables.
//! * [`parse_each_line`]: an SSH log's lines through a parser, numbered.
//! * [`score`], [`append`]: a plain score; appending to a file.
//! * [`mock`]: short forms for the mockito set-ups the HTTP tests share.
//! * [`skip`]: a test that cannot run here (no root, a missing tool) says
//!   so: `SKIPPED: <test>: <reason>` on stderr and a line in
//!   `target/tmp/skipped-tests.log`, which `make test` counts and prints.
//!   With `SOC_REQUIRE_ALL_TESTS=1` (CI, which runs as root) a skip fails
//!   the test instead.
#![allow(dead_code)] // each test crate uses what it needs

use std::io::Write;
use std::path::Path;

pub mod mock;

/// The text of `rel` under soc-core's `tests/` (fixtures, contracts);
/// fails naming the path when it cannot be read.
pub fn fixture(rel: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../soc-core/tests")
        .join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The variable that (re)writes golden files.
pub const UPDATE_GOLDEN: &str = "SOC_UPDATE_GOLDEN";
/// The variable that turns skips into failures.
pub const REQUIRE_ALL: &str = "SOC_REQUIRE_ALL_TESTS";

/// Asserts that `actual` equals the golden file at `path`.
pub fn golden(path: &Path, actual: &str) {
    let name = path.display();
    if std::env::var_os(UPDATE_GOLDEN).is_some() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(path, actual).unwrap();
    }
    let want = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!("golden file {name} is missing or unreadable ({e}); run with {UPDATE_GOLDEN}=1 to create it")
    });
    assert_eq!(
        actual, want,
        "output differs from golden file {name} ({UPDATE_GOLDEN}=1 to accept)"
    );
}

/// Reports that `test` cannot run here because of `reason` (see the module
/// docs); the caller returns right after.
pub fn skip(test: &str, reason: &str) {
    if std::env::var_os(REQUIRE_ALL).is_some() {
        panic!("{test} cannot run here ({reason}) and {REQUIRE_ALL} is set");
    }
    eprintln!("SKIPPED: {test}: {reason}");
    let log = Path::new(env!("CARGO_TARGET_TMPDIR")).join("skipped-tests.log");
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
    {
        let _ = writeln!(f, "{test}: {reason}");
    }
}

/// An SSH brute-force alert from 203.0.113.9 (keyed by that address) with
/// `title` and `severity`: what responder and scoring tests start from.
pub fn brute_force_alert(title: &str, severity: soc_core::Severity) -> soc_core::Alert {
    let mut a = soc_core::Alert::new("ssh.brute_force", "203.0.113.9", title, severity);
    a.src_ip = Some("203.0.113.9".parse().unwrap());
    a
}

/// Every alert `store` holds, oldest first.
pub fn all_alerts(store: &soc_core::StateStore) -> Vec<soc_core::store::StoredAlert> {
    store
        .alerts_since(chrono::DateTime::<chrono::Utc>::MIN_UTC)
        .unwrap()
}

/// The alerts of the state store `dir/state.db` by id, each as `f` sums
/// it up (what must agree between two runs).
pub fn stored_alerts<T>(
    dir: &std::path::Path,
    f: impl Fn(soc_core::Alert) -> T,
) -> std::collections::BTreeMap<String, T> {
    let store = soc_core::StateStore::open(dir.join("state.db")).unwrap();
    all_alerts(&store)
        .into_iter()
        .map(|s| (s.alert.id.clone(), f(s.alert)))
        .collect()
}

/// A failed SSH login attempt by `user` from `src` at `time`, as the SSH
/// parser reports one (an `attempt`, outcome failure).
pub fn failed_attempt(
    src: &str,
    user: &str,
    time: chrono::DateTime<chrono::Utc>,
) -> soc_core::Event {
    let mut e = soc_core::Event::new("ssh", "ssh.failed_auth");
    e.time = Some(time);
    e.src_ip = Some(src.parse().unwrap());
    e.user = Some(user.into());
    e.outcome = soc_core::EventOutcome::Failure;
    e.fields.insert("attempt".into(), true.into());
    e
}

/// The argv with which soc's nftables backend blocks `ip` for an hour
/// (what fake firewalls record).
pub fn nft_block_argv(ip: &str) -> Vec<String> {
    let element = format!("{{ {ip} timeout 1h }}");
    ["nft", "add", "element", "inet", "soc", "block4", &element]
        .map(String::from)
        .to_vec()
}

/// What `parser` makes of each line of `text`, read as the file `file`
/// (lines numbered from 1): one entry a line, `None` where it made nothing.
pub fn parse_each_line(
    parser: &mut soc_core::parse::ssh::SshParser,
    file: &str,
    text: &str,
) -> Vec<Option<soc_core::Event>> {
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            let origin = soc_core::Origin {
                file: file.into(),
                line: i as u64 + 1,
            };
            parser.parse_line(l, origin)
        })
        .collect()
}

/// A score of `value` at `level` by the scorer `scorer`, without factors.
pub fn score(scorer: &str, value: f64, level: soc_core::RiskLevel) -> soc_core::Score {
    soc_core::Score {
        scorer: scorer.into(),
        value,
        level,
        factors: vec![],
    }
}

/// Appends `data` to the file at `path`, created when missing.
pub fn append(path: &Path, data: impl AsRef<[u8]>) {
    let mut options = std::fs::OpenOptions::new();
    let mut file = options.create(true).append(true).open(path).unwrap();
    file.write_all(data.as_ref()).unwrap();
}
