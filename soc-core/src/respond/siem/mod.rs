//! SIEM forwarding: Splunk HTTP Event Collector, Elasticsearch `_bulk`, and a
//! generic HTTPS JSON sink. Each batches ([`SplunkHec::forward`] and friends
//! take many alerts) and retries what is retryable: HEC 429/503 (never
//! 400/403), Elasticsearch per-item 429s, sink 429/5xx.
//!
//! ```
//! use soc_core::respond::siem::{SplunkHec, SplunkHecConfig};
//! use soc_core::respond::Secret;
//! use soc_core::{Alert, Mode, Responder, Severity};
//!
//! let hec = SplunkHec::new(&SplunkHecConfig {
//!     url: "https://splunk.example:8088".into(),
//!     token: Secret::new("00000000-0000-0000-0000-000000000000"),
//!     ..Default::default()
//! }).unwrap();
//! let alert = Alert::new("ssh.brute_force", "198.51.100.23", "SSH brute force", Severity::High);
//! let rt = tokio::runtime::Runtime::new().unwrap();
//! let rec = rt.block_on(hec.respond(&alert, Mode::DryRun)).unwrap();
//! assert_eq!(rec.requests, ["POST https://splunk.example:8088/services/collector/event"]);
//! ```

mod elastic;
mod forwarder;
mod hec;
mod sink;

pub use elastic::{ElasticBulk, ElasticConfig};
pub use hec::{SplunkHec, SplunkHecConfig};
pub use sink::{JsonSink, SinkConfig};
