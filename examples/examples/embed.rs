//! See `soc_examples::embed`. Run with `cargo run -p soc-examples --example embed`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("soc-example-embed-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = soc_examples::embed::run(&dir, &mut std::io::stdout());
    let _ = std::fs::remove_dir_all(&dir);
    result.map(|_| ())
}
