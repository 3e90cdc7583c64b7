//! [`MemoryBlockList`]: a [`BlockList`] held in memory, for examples and
//! for testing code built on [`super::CloudResponder`] without a server.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use async_trait::async_trait;

use super::{ApiRequest, BlockList, Capabilities, CloudError, ListedBlock};
use crate::respond::firewall::BlockTarget;

/// A block list in memory. Its requests are described as
/// `POST|DELETE memory://<name>/<target>`; [`fail`](Self::fail) makes the
/// next calls fail like an unreachable API.
#[derive(Debug)]
pub struct MemoryBlockList {
    name: String,
    caps: Capabilities,
    entries: Mutex<BTreeMap<String, ListedBlock>>,
    failing: AtomicBool,
    changes: AtomicUsize,
}

impl MemoryBlockList {
    /// An empty list called `name` (`kind@name`) holding anything.
    pub fn new(name: &str) -> Self {
        MemoryBlockList {
            name: name.to_string(),
            caps: Capabilities::ALL,
            entries: Mutex::new(BTreeMap::new()),
            failing: AtomicBool::new(false),
            changes: AtomicUsize::new(0),
        }
    }

    /// The same with other capabilities.
    pub fn with_capabilities(mut self, caps: Capabilities) -> Self {
        self.caps = caps;
        self
    }

    /// Makes every later call fail (`true`) or succeed again (`false`).
    pub fn fail(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    /// How many adds and removes changed the list.
    pub fn changes(&self) -> usize {
        self.changes.load(Ordering::SeqCst)
    }

    fn check(&self) -> Result<(), CloudError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(CloudError::Transport {
                backend: self.name.clone(),
                message: "connection refused".into(),
            });
        }
        Ok(())
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, ListedBlock>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn url(&self, target: &BlockTarget) -> String {
        format!("memory://{}/{target}", self.name)
    }
}

#[async_trait]
impl BlockList for MemoryBlockList {
    fn name(&self) -> &str {
        &self.name
    }

    fn capabilities(&self) -> Capabilities {
        self.caps
    }

    async fn contains(&self, target: &BlockTarget) -> Result<bool, CloudError> {
        self.check()?;
        Ok(self.entries().contains_key(&target.to_string()))
    }

    async fn add(&self, target: &BlockTarget, note: &str) -> Result<(), CloudError> {
        self.check()?;
        if let Some(max) = self.caps.max_entries {
            if self.entries().len() >= max {
                return Err(CloudError::Unsupported {
                    backend: self.name.clone(),
                    target: target.to_string(),
                    reason: format!("the list is full ({max} entries)"),
                });
            }
        }
        let entry = ListedBlock {
            target: *target,
            note: Some(note.to_string()),
        };
        if self.entries().insert(target.to_string(), entry).is_none() {
            self.changes.fetch_add(1, Ordering::SeqCst);
        }
        Ok(())
    }

    async fn remove(&self, target: &BlockTarget) -> Result<bool, CloudError> {
        self.check()?;
        let removed = self.entries().remove(&target.to_string()).is_some();
        if removed {
            self.changes.fetch_add(1, Ordering::SeqCst);
        }
        Ok(removed)
    }

    async fn list(&self) -> Result<Vec<ListedBlock>, CloudError> {
        self.check()?;
        Ok(self.entries().values().cloned().collect())
    }

    fn describe_add(&self, target: &BlockTarget, note: &str) -> Vec<ApiRequest> {
        vec![ApiRequest::new("POST", &self.url(target)).json(&serde_json::json!({ "note": note }))]
    }

    fn describe_remove(&self, target: &BlockTarget) -> Vec<ApiRequest> {
        vec![ApiRequest::new("DELETE", &self.url(target))]
    }
}
