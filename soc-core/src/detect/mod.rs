//! Detectors: brute force, spraying, distributed attacks, success after failures.
