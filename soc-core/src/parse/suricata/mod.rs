//! Suricata EVE JSON (placeholder while being written).
