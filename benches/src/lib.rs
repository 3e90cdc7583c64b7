//! Deterministic input generators for the criterion benches and the
//! comparison scripts (`benches/compare/`). To write the inputs to disk:
//!
//! ```text
//! cargo run -p soc-benches --release --bin gen-ioc -- benches/data/corpus.txt [MIB] [SEED]
//! cargo run -p soc-benches --release --bin gen-authlog -- [LINES] [OUT]
//! cargo run -p soc-benches --release --bin gen-eve -- [MIB] [OUT]
//! cargo run -p soc-benches --release --bin gen-planted-authlog -- [LINES] [OUT] [TRUTH_TSV] [PER_KIND]
//! ```
//!
//! The benches themselves: `make bench` (or `cargo bench -p soc-benches
//! --bench ioc|ssh|eve|enrich|pipeline`); the side-by-side runs against
//! other tools: `bash benches/compare/{ssh,eve,ioc}_compare.sh`,
//! `bash benches/compare/ioc_accuracy.sh`, `bash benches/compare/pipeline.sh`
//! and `bash benches/compare/peers.sh`, from the repository root. Figures
//! in the README, their history in `BENCHMARKS.md`.

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
