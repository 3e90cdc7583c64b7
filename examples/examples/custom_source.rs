//! See `soc_examples::custom_source`. Run with `cargo run -p soc-examples --example custom_source`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir =
        std::env::temp_dir().join(format!("soc-example-custom_source-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = soc_examples::custom_source::run(&dir, &mut std::io::stdout());
    let _ = std::fs::remove_dir_all(&dir);
    result.map(|_| ())
}
