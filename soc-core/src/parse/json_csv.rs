//! Generic alerts (placeholder while being written).
