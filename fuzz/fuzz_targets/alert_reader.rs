//! The JSON / JSON-lines / CSV alert reader (`soc alerts`): never panics,
//! whatever the file holds. The first byte picks the format.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;
use soc_core::parse::json_csv::{read_alerts, AlertFormat, AlertMapping};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let format = if pick % 2 == 0 {
        AlertFormat::Json
    } else {
        AlertFormat::Csv
    };
    let path = std::env::temp_dir().join(format!("soc-fuzz-alerts-{}.txt", std::process::id()));
    let Ok(mut f) = std::fs::File::create(&path) else {
        return;
    };
    if f.write_all(body).is_err() {
        return;
    }
    drop(f);
    if let Ok(items) = read_alerts(&path, format, &AlertMapping::default()) {
        for item in items.take(10_000) {
            let _ = item;
        }
    }
});
