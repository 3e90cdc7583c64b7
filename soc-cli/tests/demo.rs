//! The demo (`make demo` runs `scripts/demo.sh target/release/soc`) works on
//! the debug binary too, offline, and prints the triage summary.

use std::path::PathBuf;

#[test]
fn demo_script_runs_and_shows_the_triage() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let script = root.join("scripts/demo.sh");
    let data = root.join("examples/data/auth.log");
    if !data.exists() {
        eprintln!("skipping: {} is missing", data.display());
        return;
    }
    let bin = assert_cmd::cargo::cargo_bin("soc");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .arg(&bin)
        .env_remove("SOC_CONFIG")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "demo failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    for needle in [
        "== IOC extraction",
        "soc run --once",
        "ssh.brute_force",
        "ssh.success_after_failures",
        "suricata.alert",
        "action ",
        "dry_run",
        "nothing new",
        "# soc report",
        "demo finished",
    ] {
        assert!(
            stdout.contains(needle),
            "demo output lacks {needle:?}\n{stdout}\n{stderr}"
        );
    }
    // The second run reads nothing and repeats no action.
    assert!(stderr.contains("0 records"), "{stderr}");
}
