//! `soc iocs` over many files and folders: the same output, in input
//! order, on one thread or several.

mod common;

use std::path::Path;

use common::soc;

/// A folder of reports of uneven sizes (so that they finish out of
/// order), one in a subfolder.
fn reports(dir: &Path) {
    std::fs::create_dir(dir.join("sub")).unwrap();
    for k in 0..12usize {
        let name = if k == 5 {
            format!("sub/r{k:02}.txt")
        } else {
            format!("r{k:02}.txt")
        };
        let filler = "the actor moved laterally. ".repeat((12 - k) * 400);
        let text = format!("{filler}\nC2 203.0.113.{k} and evil{k}[.]example[.]com\n");
        std::fs::write(dir.join(name), text).unwrap();
    }
}

fn run(args: &[&str], env: Option<(&str, &str)>) -> String {
    let mut cmd = soc();
    cmd.env_remove("SOC_THREADS");
    if let Some((k, v)) = env {
        cmd.env(k, v);
    }
    let out = cmd
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn a_folder_gives_the_same_output_on_any_number_of_threads() {
    let dir = tempfile::tempdir().unwrap();
    reports(dir.path());
    let d = dir.path().to_str().unwrap();
    let one = run(&["iocs", "--format", "jsonl", "--threads", "1", d], None);
    let lines: Vec<serde_json::Value> = one
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 24, "{one}");
    // Name order, depth first: r00..r04, r06..r11, then sub/r05.
    let files: Vec<String> = lines
        .iter()
        .step_by(2)
        .map(|v| {
            let f = v["file"].as_str().unwrap();
            f.strip_prefix(d).unwrap().to_string()
        })
        .collect();
    assert_eq!(files[0], "/r00.txt");
    assert_eq!(files[4], "/r04.txt");
    assert_eq!(files[5], "/r06.txt");
    assert_eq!(files[11], "/sub/r05.txt");
    assert_eq!(lines[1]["value"], "evil0.example.com");
    for threads in ["2", "3", "16"] {
        let many = run(
            &["iocs", "--format", "jsonl", "--threads", threads, d],
            None,
        );
        assert_eq!(many, one, "--threads {threads}");
    }
    let env = run(
        &["iocs", "--format", "jsonl", d],
        Some(("SOC_THREADS", "2")),
    );
    assert_eq!(env, one, "SOC_THREADS=2");
}

#[test]
fn files_keep_their_order_and_stdin_mixes_in() {
    let dir = tempfile::tempdir().unwrap();
    reports(dir.path());
    let a = dir.path().join("r03.txt");
    let b = dir.path().join("r01.txt");
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let out = run(&["iocs", "--format", "csv", "--threads", "2", a, b], None);
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert!(
        rows[0].starts_with(a) && rows[0].contains("203.0.113.3"),
        "{out}"
    );
    assert!(
        rows[2].starts_with(b) && rows[2].contains("203.0.113.1"),
        "{out}"
    );
    let mixed = soc()
        .args(["iocs", "--format", "csv", a, "-"])
        .write_stdin("from stdin 198.51.100.77")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let mixed = String::from_utf8(mixed).unwrap();
    assert!(mixed.lines().nth(1).unwrap().starts_with(a), "{mixed}");
    // The stdin row comes last (its file cell `-` is formula-neutralised).
    assert!(
        mixed
            .lines()
            .last()
            .unwrap()
            .contains("-,ipv4,198.51.100.77,"),
        "{mixed}"
    );
}

#[test]
fn zero_threads_and_missing_files_are_usage_errors() {
    soc()
        .args(["iocs", "--threads", "0", "x.txt"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("--threads"));
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.txt");
    soc()
        .args(["iocs", "--threads", "2", dir.path().to_str().unwrap()])
        .arg(&missing)
        .assert()
        .failure()
        .stderr(predicates::str::contains("no such file"));
}
