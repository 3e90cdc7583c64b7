//! Generator (filled in by its feature).
