//! The JSON / JSON-lines / CSV alert reader (`soc alerts`): never panics,
//! whatever the file holds. The first byte picks the format. The reader
//! takes a path, so each input is written to one scratch file (its path
//! and the mapping are built once per process).
#![no_main]

use std::io::Write;
use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use soc_core::parse::json_csv::{read_alerts, AlertFormat, AlertMapping};

static SCRATCH: OnceLock<(PathBuf, AlertMapping)> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let (path, mapping) = SCRATCH.get_or_init(|| {
        let path = std::env::temp_dir().join(format!("soc-fuzz-alerts-{}.txt", std::process::id()));
        (path, AlertMapping::default())
    });
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let format = if pick % 2 == 0 {
        AlertFormat::Json
    } else {
        AlertFormat::Csv
    };
    let Ok(mut f) = std::fs::File::create(path) else {
        return;
    };
    if f.write_all(body).is_err() {
        return;
    }
    drop(f);
    if let Ok(items) = read_alerts(path, format, mapping) {
        for item in items.take(10_000) {
            let _ = item;
        }
    }
});
