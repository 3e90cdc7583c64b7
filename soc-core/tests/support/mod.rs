//! Helpers shared by the integration tests of soc-core and soc-cli (the
//! CLI's tests include this file with `#[path]`): golden files and skips.
//!
//! * [`golden`]: compares output with a checked-in file. A missing golden
//!   file is a failure; `SOC_UPDATE_GOLDEN=1` (re)writes it after an
//!   intended change. One helper, one variable.
//! * [`skip`]: a test that cannot run here (no root, a missing tool) says
//!   so: `SKIPPED: <test>: <reason>` on stderr and a line in
//!   `target/tmp/skipped-tests.log`, which `make test` counts and prints.
//!   With `SOC_REQUIRE_ALL_TESTS=1` (CI, which runs as root) a skip fails
//!   the test instead.
#![allow(dead_code)] // each test crate uses what it needs

use std::io::Write;
use std::path::Path;

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
