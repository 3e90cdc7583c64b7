//! Blocks on API-managed firewalls (placeholder until the shared trait lands).

pub mod aws;
