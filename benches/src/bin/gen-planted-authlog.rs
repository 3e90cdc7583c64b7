//! Writes an auth.log with planted attackers and the list of them:
//! `gen-planted-authlog [LINES] [OUT] [TRUTH] [PER_TYPE]` (default 200000
//! lines to benches/data/planted-auth.log, the truth as `address<TAB>kind`
//! lines to benches/data/planted-truth.tsv, 20 attackers per kind). See
//! `soc_benches::planted` for what is planted.

use std::io::{BufWriter, Write};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let lines: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let out = args
        .next()
        .unwrap_or_else(|| "benches/data/planted-auth.log".into());
    let truth_path = args
        .next()
        .unwrap_or_else(|| "benches/data/planted-truth.tsv".into());
    let per_type: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);
    for p in [&out, &truth_path] {
        if let Some(dir) = std::path::Path::new(p).parent() {
            std::fs::create_dir_all(dir)?;
        }
    }
    let mut w = BufWriter::new(std::fs::File::create(&out)?);
    let truth = soc_benches::planted::generate(lines, per_type, 42, &mut w)?;
    w.flush()?;
    let mut t = BufWriter::new(std::fs::File::create(&truth_path)?);
    for (ip, kind) in &truth {
        writeln!(t, "{ip}\t{kind}")?;
    }
    t.flush()?;
    eprintln!(
        "wrote {out} ({} attackers planted, listed in {truth_path})",
        truth.len()
    );
    Ok(())
}
