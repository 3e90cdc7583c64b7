//! The audit log: every action record, successful, skipped, dry-run or
//! failed, goes to the state store (`actions` table, keyed for idempotency)
//! and, when configured, to an append-only JSONL file.
//!
//! ```
//! use std::sync::Arc;
//! use soc_core::respond::AuditLog;
//! use soc_core::{ActionRecord, Mode, StateStore};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let store = Arc::new(StateStore::in_memory().unwrap());
//! let log = AuditLog::new(store.clone(), Some(dir.path().join("audit.jsonl")));
//! let rec = ActionRecord::new("email", "notify", "soc@example.org", "a1", Mode::DryRun);
//! log.record("email|198.51.100.23|ssh.brute_force", &rec).unwrap();
//! assert_eq!(AuditLog::read_jsonl(&dir.path().join("audit.jsonl")).unwrap().len(), 1);
//! assert_eq!(store.actions_since(chrono::DateTime::<chrono::Utc>::MIN_UTC).unwrap().len(), 1);
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::error::RespondError;
use crate::model::ActionRecord;
use crate::store::StateStore;

/// One line of the JSONL audit log: the idempotency key and the record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// The idempotency key (`responder|target|alert kind`).
    pub key: String,
    /// The record.
    #[serde(flatten)]
    pub record: ActionRecord,
}

/// Writes action records to the store and an optional JSONL file.
#[derive(Debug)]
pub struct AuditLog {
    store: Arc<StateStore>,
    path: Option<PathBuf>,
    file_lock: Mutex<()>,
}

impl AuditLog {
    /// An audit log over `store`, also appending to `path` when given.
    pub fn new(store: Arc<StateStore>, path: Option<PathBuf>) -> Self {
        AuditLog {
            store,
            path,
            file_lock: Mutex::new(()),
        }
    }

    /// The JSONL file, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The state store.
    pub fn store(&self) -> &Arc<StateStore> {
        &self.store
    }

    /// Records `record` under `key`: the store first, then the file. Both are
    /// attempted even when one fails; the first error is returned.
    pub fn record(&self, key: &str, record: &ActionRecord) -> Result<(), RespondError> {
        let stored = self
            .store
            .record_action(key, record)
            .map_err(RespondError::from);
        let filed = match &self.path {
            Some(p) => self.append(p, key, record),
            None => Ok(()),
        };
        stored.and(filed)
    }

    /// Records an action an operator ran by hand (`soc block`, Python
    /// `Firewall.block`): live actions only, under the key
    /// `operator:<action>:<target>`, so every face audits the same way.
    /// Dry-run records change nothing and are not recorded.
    pub fn record_operator_action(&self, record: &ActionRecord) -> Result<(), RespondError> {
        if record.mode != crate::model::Mode::Live {
            return Ok(());
        }
        let key = format!("operator:{}:{}", record.action, record.target);
        self.record(&key, record)
    }

    fn append(&self, path: &Path, key: &str, record: &ActionRecord) -> Result<(), RespondError> {
        let io = |source| RespondError::Io {
            context: format!("appending to audit log {}", path.display()),
            source,
        };
        let entry = AuditEntry {
            key: key.to_string(),
            record: record.clone(),
        };
        let mut line = serde_json::to_string(&entry).map_err(|e| io(std::io::Error::other(e)))?;
        line.push('\n');
        let _guard = self.file_lock.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(io)?;
        // One write call per line, so concurrent writers never interleave within a line.
        f.write_all(line.as_bytes()).map_err(io)?;
        Ok(())
    }

    /// Reads a JSONL audit log (skipping blank lines).
    pub fn read_jsonl(path: &Path) -> Result<Vec<AuditEntry>, RespondError> {
        let text = std::fs::read_to_string(path).map_err(|source| RespondError::Io {
            context: format!("reading audit log {}", path.display()),
            source,
        })?;
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                serde_json::from_str(l).map_err(|e| RespondError::Io {
                    context: format!("{}:{}", path.display(), i + 1),
                    source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
                })
            })
            .collect()
    }
}
