//! Writes a deterministic auth.log: `gen-authlog [LINES] [OUT]` (default
//! 1000000 lines to benches/data/auth.log).

use std::io::BufWriter;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let lines: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let out = args
        .next()
        .unwrap_or_else(|| "benches/data/auth.log".into());
    if let Some(dir) = std::path::Path::new(&out).parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut w = BufWriter::new(std::fs::File::create(&out)?);
    soc_benches::authlog::generate(lines, 42, &mut w)?;
    eprintln!("wrote {lines} lines to {out}");
    Ok(())
}
