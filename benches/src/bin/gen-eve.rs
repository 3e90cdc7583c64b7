//! Writes a deterministic eve.json: `gen-eve [MIB] [OUT]` (default 200 MiB
//! to benches/data/eve.json).

use std::io::BufWriter;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mib: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let out = args
        .next()
        .unwrap_or_else(|| "benches/data/eve.json".into());
    if let Some(dir) = std::path::Path::new(&out).parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut w = BufWriter::new(std::fs::File::create(&out)?);
    let lines = soc_benches::eve::generate(mib << 20, 42, &mut w)?;
    eprintln!("wrote {lines} lines ({mib} MiB) to {out}");
    Ok(())
}
