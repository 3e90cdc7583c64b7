use super::*;

fn env(name: &str) -> Option<String> {
    match name {
        "SOC_TEST_TOKEN" => Some("tok-123".into()),
        "STATE_DIR" => Some("/var/lib/soc".into()),
        _ => None,
    }
}

fn load(text: &str) -> Result<PipelineConfig, ConfigError> {
    PipelineConfig::from_toml_str_with_env(text, "t.toml", &env)
}

#[test]
fn example_is_valid_and_covers_every_default_option() {
    let env = |_: &str| Some("x".to_string());
    let cfg = PipelineConfig::from_toml_str_with_env(EXAMPLE, "example.toml", &env).unwrap();
    assert!(cfg.sources.len() >= 3);
    fn keys(v: &serde_json::Value, out: &mut Vec<String>) {
        if let serde_json::Value::Object(m) = v {
            for (k, v) in m {
                // Maps keyed by user data (kinds, ports, ...) have no fixed keys.
                if !k.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                    || k.parse::<u16>().is_ok()
                {
                    continue;
                }
                out.push(k.clone());
                keys(v, out);
            }
        }
    }
    let mut all = Vec::new();
    keys(
        &serde_json::to_value(PipelineConfig::default()).unwrap(),
        &mut all,
    );
    let dynamic = ["ssh.brute_force"];
    for k in all.iter().filter(|k| !dynamic.contains(&k.as_str())) {
        let written = EXAMPLE.contains(&format!("{k} ="))
            || EXAMPLE.contains(&format!("[{k}]"))
            || EXAMPLE.contains(&format!(".{k}]"))
            || EXAMPLE.contains(&format!("[[{k}]]"));
        assert!(written, "the example does not show option `{k}`");
    }
}

#[test]
fn empty_config_is_all_defaults() {
    let cfg = load("").unwrap();
    assert_eq!(cfg.store, StoreConfig::default());
    assert_eq!(cfg.run, RunConfig::default());
    assert!(cfg.sources.is_empty());
}

#[test]
fn unknown_key_names_key_file_and_line() {
    let err = load("[run]\npoll_ms = 10\nbatch_recrds = 5\n").unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("t.toml:3: "), "{msg}");
    assert!(msg.contains("batch_recrds"), "{msg}");
}

#[test]
fn wrong_type_names_key_and_line() {
    let err = load("\n[run]\n\npoll_ms = \"fast\"\n").unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("t.toml:4: "), "{msg}");
    assert!(msg.contains("run.poll_ms"), "{msg}");
}

#[test]
fn syntax_error_has_line() {
    let err = load("[run]\npoll_ms = = 3\n").unwrap_err();
    assert!(err.to_string().starts_with("t.toml:2: "), "{err}");
}

#[test]
fn env_interpolation_and_missing_var() {
    let cfg = load("[store]\npath = \"${STATE_DIR}/state.db\"\n").unwrap();
    assert_eq!(cfg.store.path, PathBuf::from("/var/lib/soc/state.db"));
    let err = load("[store]\npath = \"${NOT_SET_ANYWHERE}\"\n").unwrap_err();
    match err {
        ConfigError::MissingEnv { key, var, path } => {
            assert_eq!(key, "store.path");
            assert_eq!(var, "NOT_SET_ANYWHERE");
            assert_eq!(path, "t.toml");
        }
        other => panic!("unexpected {other:?}"),
    }
    // Escaped references stay literal.
    let cfg = load("[store]\npath = \"$${X}\"\n").unwrap();
    assert_eq!(cfg.store.path, PathBuf::from("${X}"));
}

#[test]
fn bad_values_are_rejected() {
    let err = load("[run]\nbatch_records = 0\n").unwrap_err();
    assert!(err.to_string().contains("run.batch_records"), "{err}");
    for nice in ["-1", "20"] {
        let err = load(&format!("[run]\nside_lane_nice = {nice}\n")).unwrap_err();
        assert!(err.to_string().contains("run.side_lane_nice"), "{err}");
    }
    assert_eq!(
        load("[run]\nside_lane_nice = 0\n")
            .unwrap()
            .run
            .side_lane_nice,
        0
    );
}

#[test]
fn key_lookup_handles_headers() {
    let text = "[a.b]\nx = 1\n";
    assert_eq!(
        key_at(text, text.find("1").unwrap()).as_deref(),
        Some("a.b.x")
    );
    assert_eq!(key_at(text, 1).as_deref(), Some("a.b"));
}
