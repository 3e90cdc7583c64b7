//! `soc config check` and `soc config example`.

mod common;

use common::soc;
use predicates::prelude::*;

#[test]
fn example_is_valid_and_check_prints_the_resolved_pipeline() {
    let dir = tempfile::tempdir().unwrap();
    let out = soc().args(["config", "example"]).output().unwrap();
    assert!(out.status.success());
    let example = String::from_utf8(out.stdout).unwrap();
    assert!(example.contains("[[sources]]"), "example shows sources");
    let path = dir.path().join("soc.toml");
    std::fs::write(&path, &example).unwrap();
    // Every ${VAR} the example references, set to a recognisable secret.
    let mut cmd = soc();
    let mut rest = example.as_str();
    let mut vars = 0;
    while let Some(i) = rest.find("${") {
        let tail = &rest[i + 2..];
        let end = tail.find('}').unwrap();
        let name = tail[..end].split(":-").next().unwrap();
        // URLs must be URLs: `config check` builds every responder, as `soc run` does.
        if name.ends_with("_URL") {
            cmd.env(name, format!("https://hooks.example/secret-value-{name}"));
        } else {
            cmd.env(name, format!("secret-value-{name}"));
        }
        vars += 1;
        rest = &tail[end..];
    }
    assert!(
        vars >= 5,
        "the example shows secrets coming from the environment"
    );
    cmd.args(["config", "check", "--config"])
        .arg(&path)
        .assert()
        .success()
        .stderr(predicate::str::contains("valid"))
        .stdout(predicate::str::contains("[store]"))
        .stdout(predicate::str::contains("secret-value").not());
}

/// `soc config check` of a file holding `config` fails, naming the file,
/// `line` and `key`.
fn check_fails_at_line(config: &str, line: usize, key: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, config).unwrap();
    soc()
        .args(["config", "check", "--config"])
        .arg(&path)
        .assert()
        .failure()
        .stderr(predicate::str::contains(format!(
            "{}:{line}:",
            path.display()
        )))
        .stderr(predicate::str::contains(key));
}

#[test]
fn unknown_key_names_key_file_and_line() {
    let config = "[store]\npath = \"x.db\"\n\n[run]\npoll_ms = 100\nbatch_sise = 3\n";
    check_fails_at_line(config, 6, "batch_sise");
}

#[test]
fn wrong_type_names_key_and_line() {
    check_fails_at_line("[run]\nbatch_records = \"many\"\n", 2, "run.batch_records");
}

#[test]
fn missing_env_var_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("env.toml");
    std::fs::write(
        &path,
        "[store]\npath = \"${SOC_TEST_UNSET_VAR_42}/state.db\"\n",
    )
    .unwrap();
    soc()
        .args(["config", "check", "--config"])
        .arg(&path)
        .env_remove("SOC_TEST_UNSET_VAR_42")
        .assert()
        .failure()
        .stderr(predicate::str::contains("SOC_TEST_UNSET_VAR_42"))
        .stderr(predicate::str::contains("store.path"));
}

#[test]
fn config_path_comes_from_soc_config_env() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("via-env.toml");
    std::fs::write(&path, "[store]\npath = \"/tmp/from-env.db\"\n").unwrap();
    soc()
        .args(["config", "check", "--json"])
        .env("SOC_CONFIG", &path)
        .assert()
        .success()
        .stdout(predicate::str::contains("/tmp/from-env.db"));
    // Without --config or $SOC_CONFIG, ./soc.toml is used.
    soc()
        .current_dir(dir.path())
        .args(["config", "check"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("soc.toml"));
}
