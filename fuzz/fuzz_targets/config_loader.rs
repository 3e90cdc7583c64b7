//! The `soc.toml` loader: never panics; a config that loads renders its
//! redacted form, which loads again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use soc_core::pipeline::PipelineConfig;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let env = |name: &str| Some(format!("fuzz-{name}"));
    if let Ok(cfg) = PipelineConfig::from_toml_str_with_env(text, "fuzz.toml", &env) {
        let _ = cfg.to_redacted_toml();
        let _ = cfg.to_redacted_json();
    }
});
