//! Deterministic input generators for the criterion benches and the
//! comparison scripts (`benches/compare/`). Run `cargo run -p soc-benches
//! --release --bin gen -- ...` to write the inputs to `benches/data/`.

/// Every bench and generator runs on mimalloc, the allocator the `soc`
/// binary and the `soc_core` Python module ship with, so the figures are
/// what those faces get. (A Rust program embedding `soc-core` chooses its own
/// allocator; the README gives the IOC figure with glibc malloc too.)
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod authlog;
pub mod eve;
pub mod ioc_corpus;
pub mod planted;
