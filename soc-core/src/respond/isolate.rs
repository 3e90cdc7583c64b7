//! Host isolation over SSH.
