//! See `soc_examples::custom_enricher`. Run with `cargo run -p soc-examples --example custom_enricher`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!(
        "soc-example-custom_enricher-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir)?;
    let result = soc_examples::custom_enricher::run(&dir, &mut std::io::stdout());
    let _ = std::fs::remove_dir_all(&dir);
    result.map(|_| ())
}
