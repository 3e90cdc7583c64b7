//! Writes the IOC benchmark corpus: `gen-ioc PATH [MIB] [SEED]` (default 20 MiB, seed 42).

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: gen-ioc PATH [MIB] [SEED]");
        return ExitCode::from(2);
    };
    let mib: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(20);
    let seed: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(42);
    let text = soc_benches::ioc_corpus::generate(mib << 20, seed);
    if let Err(e) = std::fs::write(path, text) {
        eprintln!("gen-ioc: writing {path}: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
