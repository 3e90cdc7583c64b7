//! WAL checkpoints on a thread of their own while a run commits.
//!
//! SQLite's automatic checkpoint runs on the connection that commits,
//! right after the commit that crosses the WAL's size limit: during
//! `soc run` that is the async side, which then copies up to 32 MiB of
//! pages into the database (and syncs both files) before it can take the
//! next batch, and the run's last commit (the detector windows, ~20 MB)
//! checkpointed at the very end, on the run's serial tail. While a
//! [`BackgroundCheckpoints`] is alive, the store's connection does not
//! checkpoint; a second connection on its own thread runs *passive*
//! checkpoints (which never block the writer or readers) at most every
//! [`MIN_INTERVAL`] after a commit nudges it. What a checkpoint copies is
//! already committed, so a crash at any moment loses nothing: the WAL is
//! the durable copy until it is copied. When the guard is dropped the
//! thread stops and the store's connection checkpoints again as before.
//!
//! ```
//! let dir = std::env::temp_dir().join(format!("soc-wal-doc-{}", std::process::id()));
//! let store = std::sync::Arc::new(soc_core::StateStore::open(dir.join("state.db")).unwrap());
//! let bg = soc_core::StateStore::checkpoint_in_background(&store).unwrap();
//! store.set_checkpoint("auth.log", "inode:1", 42).unwrap();
//! bg.nudge();
//! drop(bg);
//! assert_eq!(store.checkpoint("auth.log").unwrap(), Some(("inode:1".into(), 42)));
//! # std::fs::remove_dir_all(dir).ok();
//! ```

use std::sync::mpsc::{sync_channel, RecvTimeoutError, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::StateStore;

/// The store connection's automatic checkpoint, in pages: every 8192
/// pages (32 MiB) instead of SQLite's 1000, as each checkpoint syncs the
/// database and a busy run commits tens of thousands of small records.
pub(super) const AUTO_CHECKPOINT_PAGES: i64 = 8192;

/// Shortest time between two background checkpoints (a busy run commits
/// hundreds of times a second; each checkpoint syncs both files).
pub const MIN_INTERVAL: Duration = Duration::from_millis(200);

/// Checkpoints the store's WAL on a thread of its own until dropped
/// (see the module docs).
pub struct BackgroundCheckpoints {
    store: Arc<StateStore>,
    nudge: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for BackgroundCheckpoints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackgroundCheckpoints")
            .field("store", &self.store.path)
            .finish()
    }
}

impl StateStore {
    /// Moves the WAL checkpoints of `store` to a thread of their own while
    /// the guard lives; `None` (checkpoints stay where they were) for an
    /// in-memory or read-only store, or when the second connection or the
    /// thread cannot be had.
    pub fn checkpoint_in_background(store: &Arc<StateStore>) -> Option<BackgroundCheckpoints> {
        if store.path == ":memory:" || store.lock().is_readonly("main").unwrap_or(true) {
            return None;
        }
        let conn = Connection::open(&store.path).ok()?;
        conn.busy_timeout(Duration::from_secs(10)).ok()?;
        let (nudge, nudged) = sync_channel::<()>(1);
        let thread = std::thread::Builder::new()
            .name("soc-wal-checkpoint".into())
            .spawn(move || {
                let mut last: Option<Instant> = None;
                'nudged: while nudged.recv().is_ok() {
                    // Wait out the interval, but stop at once when the
                    // guard goes (the run's end must not wait for it).
                    while let Some(left) = last.and_then(|t| MIN_INTERVAL.checked_sub(t.elapsed()))
                    {
                        if let Err(RecvTimeoutError::Disconnected) = nudged.recv_timeout(left) {
                            break 'nudged;
                        }
                    }
                    passive_checkpoint(&conn);
                    last = Some(Instant::now());
                }
            })
            .ok()?;
        if let Err(e) = store.lock().pragma_update(None, "wal_autocheckpoint", 0) {
            tracing::debug!(error = %e, "WAL checkpoints stay on the committing connection");
        }
        Some(BackgroundCheckpoints {
            store: store.clone(),
            nudge: Some(nudge),
            thread: Some(thread),
        })
    }
}

/// One passive checkpoint (copies what no reader still needs; never
/// waits for the writer). A failure is logged: the WAL keeps the pages.
fn passive_checkpoint(conn: &Connection) {
    let out = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
        ))
    });
    match out {
        Ok((busy, log, done)) => tracing::trace!(busy, log, done, "background WAL checkpoint"),
        Err(e) => tracing::debug!(error = %e, "background WAL checkpoint failed"),
    }
}

impl BackgroundCheckpoints {
    /// Tells the thread a commit happened (it checkpoints soon, at most
    /// every [`MIN_INTERVAL`]); never blocks.
    pub fn nudge(&self) {
        if let Some(n) = &self.nudge {
            let _ = n.try_send(());
        }
    }
}

impl Drop for BackgroundCheckpoints {
    fn drop(&mut self) {
        drop(self.nudge.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let conn = self.store.lock();
        if let Err(e) = conn.pragma_update(None, "wal_autocheckpoint", AUTO_CHECKPOINT_PAGES) {
            tracing::debug!(error = %e, "could not restore the WAL auto-checkpoint");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_writer_stops_checkpointing_and_the_thread_copies_the_wal() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(StateStore::open(dir.path().join("s.db")).unwrap());
        let bg = StateStore::checkpoint_in_background(&store).unwrap();
        let auto: i64 = (store.lock())
            .query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
            .unwrap();
        assert_eq!(auto, 0);
        for i in 0..50u64 {
            store.set_checkpoint(&format!("s{i}"), "id", i).unwrap();
        }
        bg.nudge();
        drop(bg); // joins the thread after its last checkpoint
        let auto: i64 = (store.lock())
            .query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
            .unwrap();
        assert_eq!(auto, AUTO_CHECKPOINT_PAGES);
        // The rows are in the database file itself: read without the WAL.
        let uri = format!("file:{}?immutable=1", dir.path().join("s.db").display());
        let flags =
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI;
        let file_only = Connection::open_with_flags(uri, flags).unwrap();
        let n: i64 = file_only
            .query_row("SELECT count(*) FROM checkpoints", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 50);
    }

    #[test]
    fn in_memory_stores_keep_their_checkpoints() {
        let store = Arc::new(StateStore::in_memory().unwrap());
        assert!(StateStore::checkpoint_in_background(&store).is_none());
    }
}
