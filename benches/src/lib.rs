//! Deterministic input generators for the criterion benches and the
//! comparison scripts (`benches/compare/`). Run `cargo run -p soc-benches
//! --release --bin gen -- ...` to write the inputs to `benches/data/`.

pub mod authlog;
pub mod eve;
pub mod ioc_corpus;
