//! Installation paths: the Dockerfile builds with `packaging/build-tree.sh`
//! (which `make packaging-test` runs here) and its HEALTHCHECK works;
//! `compose.yaml` runs `soc run --follow` and `soc serve` on one state
//! volume; the .deb metadata lists files that exist; crate and Python
//! package metadata are complete; completions and man pages come from the
//! CLI definition. The `#[ignore]`d test checks the tree build-tree.sh
//! installed (`make packaging-test` runs it with SOC_PKG_TREE set).

mod packaging_common;

use std::path::Path;
use std::process::Command;

use packaging_common::{
    local_argv, packaged_config_in, read, repo, soc_bin, text, visible_subcommands,
};

/// The Dockerfile's instructions (continuations joined, comments dropped)
/// as (keyword, arguments).
fn dockerfile() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut pending = String::new();
    for line in read("Dockerfile").lines() {
        let line = line.trim();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(head) => pending.push_str(head),
            None => {
                pending.push_str(line);
                let (kw, args) = pending.split_once(' ').unwrap_or((&pending, ""));
                out.push((kw.to_uppercase(), args.trim().to_string()));
                pending.clear();
            }
        }
    }
    out
}

/// A JSON-array (exec form) instruction argument as argv.
fn exec_form(args: &str) -> Vec<String> {
    serde_json::from_str(args).unwrap_or_else(|e| panic!("not exec form: {args}: {e}"))
}

#[test]
fn dockerfile_builds_with_build_tree_and_runs_soc_as_non_root() {
    let ins = dockerfile();
    let froms: Vec<&String> = ins
        .iter()
        .filter(|(k, _)| k == "FROM")
        .map(|(_, a)| a)
        .collect();
    assert_eq!(froms.len(), 2, "a builder and a runtime stage: {froms:?}");
    assert!(froms[0].ends_with(" AS builder"), "{froms:?}");
    let runtime_start = ins.iter().rposition(|(k, _)| k == "FROM").unwrap();
    let (builder, runtime) = ins.split_at(runtime_start);

    // The builder's only build step is the script make packaging-test runs.
    let runs: Vec<&String> = builder
        .iter()
        .filter(|(k, _)| k == "RUN")
        .map(|(_, a)| a)
        .collect();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert!(
        runs[0].starts_with("packaging/build-tree.sh /out"),
        "{runs:?}"
    );
    assert!(repo().join("packaging/build-tree.sh").is_file());
    // The runtime stage: no build steps, the binary from the builder, files
    // of the repository, a non-root user.
    assert!(!runtime.iter().any(|(k, _)| k == "RUN"), "{runtime:?}");
    for (k, a) in runtime.iter().filter(|(k, _)| k == "COPY") {
        let parts: Vec<&str> = a.split_whitespace().collect();
        let from_builder = parts.contains(&"--from=builder");
        let src = parts[parts.len() - 2];
        if from_builder {
            assert!(src.starts_with("/out/"), "{k} {a}");
        } else {
            assert!(
                repo().join(src).is_file(),
                "{k} {a}: {src} is not in the repository"
            );
        }
    }
    let copies = runtime.iter().filter(|(k, _)| k == "COPY").count();
    assert!(runtime
        .iter()
        .any(|(k, a)| k == "COPY" && a.contains("/out/bin/soc /usr/bin/soc")));
    assert!(
        copies <= 3,
        "only the binary, its config and the state folder: {runtime:?}"
    );
    let user = runtime
        .iter()
        .rfind(|(k, _)| k == "USER")
        .map(|(_, a)| a.as_str());
    let user = user.expect("the runtime stage sets USER");
    assert!(
        !user.starts_with("root") && !user.starts_with("0"),
        "{user}"
    );
    let entry = runtime.iter().find(|(k, _)| k == "ENTRYPOINT").unwrap();
    assert_eq!(exec_form(&entry.1), ["/usr/bin/soc"]);
    let cmd = runtime.iter().find(|(k, _)| k == "CMD").unwrap();
    assert_eq!(exec_form(&cmd.1), ["run", "--follow"]);
}

#[test]
fn dockerfile_healthcheck_fails_before_the_first_run_and_passes_after() {
    let ins = dockerfile();
    let health = &ins.iter().find(|(k, _)| k == "HEALTHCHECK").unwrap().1;
    let argv = exec_form(
        health
            .split_once("CMD ")
            .expect("HEALTHCHECK ... CMD [..]")
            .1,
    );
    let dir = tempfile::tempdir().unwrap();
    let cfg = packaged_config_in(dir.path());
    let (bin, args) = local_argv(&argv, &cfg);
    let check = || Command::new(&bin).args(&args).output().unwrap();

    let out = check();
    assert!(
        !out.status.success(),
        "healthy without a state store: {}",
        text(&out)
    );
    let run = Command::new(&bin)
        .args(["run", "--once", "-q", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run));
    let out = check();
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn dockerignore_keeps_target_out_and_what_the_build_needs_in() {
    let ignore = read(".dockerignore");
    let patterns: Vec<&str> = ignore
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert!(patterns.contains(&"target/"), "{patterns:?}");
    for needed in [
        "Cargo.toml",
        "Cargo.lock",
        "packaging/",
        "soc-cli/",
        "soc-core/",
        "soc-serve/",
    ] {
        assert!(
            !patterns
                .iter()
                .any(|p| needed.starts_with(p.trim_start_matches("**/"))),
            "{needed} is ignored: {patterns:?}"
        );
    }
}

fn yaml_str(v: &serde_yaml_ng::Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v:?}"))
}

#[test]
fn compose_runs_follow_and_serve_on_one_state_volume() {
    let mut doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&read("compose.yaml")).unwrap();
    doc.apply_merge().unwrap();
    let services = doc["services"].as_mapping().unwrap();
    let names: Vec<&str> = services.keys().map(yaml_str).collect();
    assert_eq!(names, ["run", "serve"]);
    let help = |sub: &str| {
        let out = Command::new(soc_bin())
            .args([sub, "--help"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    for (name, svc) in services {
        let name = yaml_str(name);
        assert!(repo()
            .join(yaml_str(&svc["build"]))
            .join("Dockerfile")
            .is_file());
        let cmd: Vec<&str> = svc["command"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(yaml_str)
            .collect();
        assert_eq!(cmd[0], name, "{cmd:?}");
        // Every option the service passes exists on that subcommand.
        let sub_help = help(cmd[0]);
        for opt in cmd.iter().filter(|a| a.starts_with("--")) {
            assert!(
                sub_help.contains(opt),
                "{name}: soc {} has no {opt}",
                cmd[0]
            );
        }
        let volumes: Vec<&str> = svc["volumes"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(yaml_str)
            .collect();
        assert!(
            volumes.contains(&"soc-state:/var/lib/soc"),
            "{name}: {volumes:?}"
        );
        for v in &volumes {
            let host = v.split(':').next().unwrap();
            if let Some(rel) = host.strip_prefix("./") {
                assert!(repo().join(rel).exists(), "{name}: {v}: no {rel}");
            }
        }
        if name == "run" {
            assert_eq!(cmd[..2], ["run", "--follow"]);
            assert!(volumes.contains(&"/var/log:/var/log:ro"), "{volumes:?}");
        }
    }
    assert!(doc["volumes"]
        .as_mapping()
        .unwrap()
        .contains_key("soc-state"));
}

fn toml_file(rel: &str) -> toml::Table {
    read(rel).parse().unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn every_crate_has_publishable_metadata() {
    let ws = toml_file("Cargo.toml");
    let shared = ws["workspace"]["package"].as_table().unwrap();
    for member in ws["workspace"]["members"].as_array().unwrap() {
        let member = member.as_str().unwrap();
        let manifest = toml_file(&format!("{member}/Cargo.toml"));
        let pkg = manifest["package"].as_table().unwrap();
        for field in [
            "description",
            "license",
            "repository",
            "authors",
            "rust-version",
        ] {
            let value = match pkg.get(field) {
                Some(toml::Value::Table(t)) if t.get("workspace").is_some() => shared.get(field),
                other => other,
            };
            assert!(value.is_some(), "{member}: no {field}");
        }
    }
    assert!(repo().join("LICENSE").is_file());
}

#[test]
fn deb_metadata_lists_files_that_exist() {
    let manifest = toml_file("soc-cli/Cargo.toml");
    let deb = manifest["package"]["metadata"]["deb"].as_table().unwrap();
    let cli_dir = repo().join("soc-cli");
    let bins: Vec<&str> = manifest["bin"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    let mut dests = Vec::new();
    for asset in deb["assets"].as_array().unwrap() {
        let a: Vec<&str> = asset
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let (src, dest) = (a[0], a[1]);
        dests.push(dest.to_string());
        if let Some(bin) = src.strip_prefix("target/release/") {
            // Built by build-tree.sh: the binary, or what it generates into
            // pkg-tree (checked by build_tree_holds_every_deb_asset).
            assert!(bins.contains(&bin) || bin.starts_with("pkg-tree/"), "{src}");
        } else {
            assert!(
                cli_dir.join(src).is_file(),
                "deb asset {src} does not exist"
            );
        }
    }
    for want in ["usr/bin/", "etc/soc/soc.toml", "etc/soc/soc.env"] {
        assert!(
            dests.iter().any(|d| d == want),
            "nothing installed to {want}: {dests:?}"
        );
    }
    // cargo-deb installs `<unit-name>.<suffix>` from unit-scripts, and the
    // `soc` user from `<package>.sysusers` there.
    let mut units = Vec::new();
    for entry in deb["systemd-units"].as_array().unwrap() {
        let dir = cli_dir.join(entry["unit-scripts"].as_str().unwrap());
        let name = entry["unit-name"].as_str().unwrap();
        assert_eq!(
            entry["enable"].as_bool(),
            Some(false),
            "{name}: enabled on install"
        );
        for file in std::fs::read_dir(&dir).unwrap().filter_map(Result::ok) {
            let file = file.file_name().to_string_lossy().into_owned();
            if file.rsplit_once('.').is_some_and(|(stem, _)| stem == name) {
                units.push(file);
            }
        }
        assert!(dir
            .join(format!("{}.sysusers", deb["name"].as_str().unwrap()))
            .is_file());
    }
    units.sort();
    assert_eq!(
        units,
        [
            "soc-run-once.service",
            "soc-run.service",
            "soc-run.timer",
            "soc-serve.service"
        ]
    );
    let scripts = cli_dir.join(deb["maintainer-scripts"].as_str().unwrap());
    // cargo-deb replaces the first #DEBHELPER#, comments included.
    let postinst = read_path(&scripts.join("postinst"));
    let token = postinst.lines().find(|l| l.contains("#DEBHELPER#"));
    assert_eq!(token, Some("#DEBHELPER#"), "{postinst}");
    let license = deb["license-file"][0].as_str().unwrap();
    assert!(cli_dir.join(license).is_file());
    // The packaged /etc/soc/soc.toml is valid as shipped.
    let out = Command::new(soc_bin())
        .args(["config", "check", "--config"])
        .arg(repo().join("packaging/soc.toml"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
}

fn read_path(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn python_package_metadata_is_complete_for_pypi() {
    let py = toml_file("soc-py/pyproject.toml");
    let project = py["project"].as_table().unwrap();
    assert_eq!(project["name"].as_str(), Some("soc-core"));
    for field in [
        "description",
        "readme",
        "license",
        "authors",
        "keywords",
        "classifiers",
        "urls",
        "requires-python",
    ] {
        assert!(
            project.contains_key(field),
            "pyproject.toml: no project.{field}"
        );
    }
    let readme = project["readme"].as_str().unwrap();
    assert!(repo().join("soc-py").join(readme).is_file(), "{readme}");
    for f in project["license-files"].as_array().unwrap() {
        assert!(
            repo().join("soc-py").join(f.as_str().unwrap()).is_file(),
            "{f}"
        );
    }
    let module = py["tool"]["maturin"]["module-name"].as_str().unwrap();
    assert!(module.starts_with("soc_core."), "import soc_core: {module}");
    let version = toml_file("Cargo.toml")["workspace"]["package"]["version"].clone();
    assert_eq!(
        project.get("version"),
        Some(&version),
        "one version for crates and wheel"
    );
}

#[test]
fn completions_and_man_page_name_every_subcommand() {
    let names = visible_subcommands();
    for shell in ["bash", "zsh", "fish"] {
        let out = Command::new(soc_bin())
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
        let script = String::from_utf8(out.stdout).unwrap();
        for n in &names {
            assert!(script.contains(n.as_str()), "{shell} completions: no {n}");
        }
    }
    let out = Command::new(soc_bin()).arg("man").output().unwrap();
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.starts_with(".ie"), "{page}");
    for n in &names {
        assert!(
            page.contains(&format!("soc\\-{n}(1)")),
            "man page: no soc-{n}(1)"
        );
    }
    // Packaging helpers, not part of the documented CLI.
    assert!(
        !names.iter().any(|n| n == "completions" || n == "man"),
        "{names:?}"
    );
    let bad = Command::new(soc_bin())
        .args(["completions", "nosuchshell"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
}

/// What `packaging/build-tree.sh` installed into `$SOC_PKG_TREE` (run by
/// `make packaging-test`): every file the .deb takes from it, a working
/// binary of this version, a man page per subcommand.
#[test]
#[ignore = "needs the tree of packaging/build-tree.sh: make packaging-test"]
fn build_tree_holds_every_deb_asset() {
    let tree = std::env::var_os("SOC_PKG_TREE").expect("SOC_PKG_TREE (make packaging-test)");
    let tree = Path::new(&tree);
    let manifest = toml_file("soc-cli/Cargo.toml");
    for asset in manifest["package"]["metadata"]["deb"]["assets"]
        .as_array()
        .unwrap()
    {
        let src = asset[0].as_str().unwrap();
        let Some(rel) = src.strip_prefix("target/release/pkg-tree/") else {
            continue;
        };
        let path = tree.join(rel);
        // One pattern form is used: `dir/*.ext`.
        let found = match rel.rsplit_once("/*") {
            Some((_, ext)) => std::fs::read_dir(path.parent().unwrap())
                .unwrap()
                .filter_map(Result::ok)
                .any(|e| e.file_name().to_string_lossy().ends_with(ext)),
            None => path.is_file(),
        };
        assert!(found, "build-tree.sh installed nothing matching {rel}");
    }
    let out = Command::new(tree.join("bin/soc"))
        .arg("--version")
        .output()
        .unwrap();
    let version = toml_file("Cargo.toml")["workspace"]["package"]["version"].clone();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("soc {}", version.as_str().unwrap())
    );
    for n in visible_subcommands() {
        let page = tree.join(format!("share/man/man1/soc-{n}.1.gz"));
        assert!(page.is_file(), "no {}", page.display());
    }
}
