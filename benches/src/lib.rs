//! Deterministic input generators for the criterion benches and the
//! comparison scripts (`benches/compare/`).
