//! Python bindings for soc: the module `soc_core` (native part `soc_core._native`).
//!
//! Thin wrappers over `soc-core`: each file binds one area and registers its
//! classes and functions; `errors.rs` maps Rust errors onto a Python
//! exception hierarchy rooted at `soc_core.SocError`.

use pyo3::prelude::*;

mod columnar;
mod convert;
mod detector_keys;
mod enrich;
mod errors;
mod iocs;
mod parse;
mod pipeline;
mod respond;
mod serve;
mod triage;

/// mimalloc for the module's own (Rust) allocations, as in the `soc` binary:
/// extraction and parsing allocate many small strings, and glibc malloc was
/// a fifth of the IOC extraction profile. Python's objects keep Python's
/// allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The native module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", soc_core::VERSION)?;
    iocs::register(m)?;
    parse::register(m)?;
    enrich::register(m)?;
    triage::register(m)?;
    pipeline::register(m)?;
    respond::register(m)?;
    serve::register(m)?;
    columnar::register(m)?;
    detector_keys::register(m)?;
    Ok(())
}
