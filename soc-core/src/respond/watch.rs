//! The watch-list responder: remembers an alert's source (address, else
//! user, else host) in the state store, counting repeat sightings across runs.
//!
//! ```
//! use std::sync::Arc;
//! use soc_core::respond::watch::WatchList;
//! use soc_core::{Alert, Mode, Responder, Severity, StateStore};
//!
//! let store = Arc::new(StateStore::in_memory().unwrap());
//! let watch = WatchList::new(store.clone());
//! let mut alert = Alert::new("ssh.invalid_user", "k", "Invalid user", Severity::Low);
//! alert.src_ip = Some("203.0.113.9".parse().unwrap());
//! let rt = tokio::runtime::Runtime::new().unwrap();
//! rt.block_on(watch.respond(&alert, Mode::DryRun)).unwrap();
//! assert!(store.watchlist().unwrap().is_empty()); // dry-run changes nothing
//! rt.block_on(watch.respond(&alert, Mode::Live)).unwrap();
//! assert_eq!(store.watchlist().unwrap()[0].value, "203.0.113.9");
//! ```

use std::sync::Arc;

use async_trait::async_trait;

use super::Responder;
use crate::error::RespondError;
use crate::model::{ActionRecord, Alert, Mode};
use crate::store::StateStore;

/// What an alert is about, for the watch-list and idempotency keys:
/// `(kind, value)` of its source address, else user, else host, else the alert id.
pub fn alert_subject(alert: &Alert) -> (&'static str, String) {
    if let Some(ip) = alert.src_ip {
        (if ip.is_ipv4() { "ipv4" } else { "ipv6" }, ip.to_string())
    } else if let Some(u) = &alert.user {
        ("user", u.clone())
    } else if let Some(h) = &alert.host {
        ("host", h.clone())
    } else {
        ("alert", alert.id.clone())
    }
}

/// Adds alert subjects to the persistent watch-list ([`StateStore::watch`]).
#[derive(Debug, Clone)]
pub struct WatchList {
    store: Arc<StateStore>,
}

impl WatchList {
    /// A watch-list over `store`.
    pub fn new(store: Arc<StateStore>) -> Self {
        WatchList { store }
    }
}

#[async_trait]
impl Responder for WatchList {
    fn name(&self) -> &str {
        "watchlist"
    }

    async fn respond(&self, alert: &Alert, mode: Mode) -> Result<ActionRecord, RespondError> {
        let (kind, value) = alert_subject(alert);
        let mut rec = ActionRecord::new("watchlist", "watch", &value, &alert.id, mode);
        let reason = format!("{} ({})", alert.kind, alert.id);
        rec.requests
            .push(format!("watch {kind} {value} reason={reason:?}"));
        if mode == Mode::Live {
            self.store.watch(&value, kind, &reason)?;
        }
        Ok(rec)
    }
}
