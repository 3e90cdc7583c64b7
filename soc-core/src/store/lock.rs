//! One writer per state file: `soc run` holds an exclusive OS file lock
//! (`flock`) on `<state file>.lock` for the whole run. The kernel drops the
//! lock when the holder exits, however it exits (kill -9 included), so a
//! crash never leaves the store locked. A second run does not wait: it
//! stops at once with [`StoreError::Locked`], naming the holder's pid, so a
//! cron job that overlaps a slow run skips that minute instead of acting
//! twice on the same alerts.
//!
//! ```
//! use soc_core::StateStore;
//! let dir = tempfile::tempdir().unwrap();
//! let store = StateStore::open(dir.path().join("state.db")).unwrap();
//! let held = store.lock_writer().unwrap();
//! let other = StateStore::open(dir.path().join("state.db")).unwrap();
//! assert!(matches!(other.lock_writer(), Err(soc_core::error::StoreError::Locked { .. })));
//! drop(held);
//! assert!(other.lock_writer().is_ok());
//! ```

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::PathBuf;

use fs4::{FileExt, TryLockError};

use super::StateStore;
use crate::error::StoreError;

/// The writer lock of a state file, released when dropped (or when the
/// process ends).
#[derive(Debug)]
pub struct WriterLock {
    _file: Option<File>,
}

impl StateStore {
    /// Takes the writer lock of this state file (a no-op for `:memory:`).
    /// Fails with [`StoreError::Locked`] when another process holds it.
    pub fn lock_writer(&self) -> Result<WriterLock, StoreError> {
        if self.path == ":memory:" {
            return Ok(WriterLock { _file: None });
        }
        let path = PathBuf::from(format!("{}.lock", self.path));
        let io = |e: std::io::Error| StoreError::Sqlite {
            path: path.display().to_string(),
            source: rusqlite::Error::ToSqlConversionFailure(Box::new(e)),
        };
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                return Err(StoreError::Locked {
                    path: self.path.clone(),
                    holder: if holder.chars().all(|c| c.is_ascii_digit()) && !holder.is_empty() {
                        format!("pid {holder}")
                    } else {
                        "another process".into()
                    },
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        // Who holds it, for the message of the next one (best effort).
        let _ = file.set_len(0);
        let _ = file.rewind();
        let _ = write!(file, "{}", std::process::id());
        let _ = file.flush();
        Ok(WriterLock { _file: Some(file) })
    }
}
