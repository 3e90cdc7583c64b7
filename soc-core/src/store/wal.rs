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
//! A passive checkpoint never *restarts* the WAL: SQLite writes from the
//! start of the file again only when a write begins with every frame
//! copied, which a run committing hundreds of times a second never
//! allows, so the WAL grew by everything the run wrote (256 MB for the
//! 1M-line benchmark) and the run's end deleted it. So once the WAL holds
//! [`RESTART_BYTES`], the thread follows its passive checkpoint with a
//! *restart* checkpoint: it takes the write lock, copies the few frames
//! committed since, and waits for readers to leave the WAL, so the next
//! commit writes from the start of the file. It waits at most
//! [`RESTART_WAIT`] for the writer or a reader (another process reading
//! the store): a busy store postpones the restart, it never stalls the
//! run's commits longer than that.
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

/// The store connection's automatic checkpoint, in bytes of WAL: 32 MiB
/// instead of SQLite's 1000 pages, as each checkpoint syncs the database
/// and a busy run commits tens of thousands of small records.
pub(super) const AUTO_CHECKPOINT_BYTES: i64 = 32 << 20;

/// [`AUTO_CHECKPOINT_BYTES`] in pages of `conn`'s database (SQLite counts
/// its automatic checkpoint in pages: 8192 of 4 KiB, 2048 of 16 KiB).
pub(super) fn auto_checkpoint_pages(conn: &Connection) -> i64 {
    let page_size: i64 = (conn.query_row("PRAGMA page_size", [], |r| r.get(0))).unwrap_or(4096);
    AUTO_CHECKPOINT_BYTES / page_size.max(512)
}

/// Shortest time between two background checkpoints (a busy run commits
/// hundreds of times a second; each checkpoint syncs both files).
pub const MIN_INTERVAL: Duration = Duration::from_millis(200);

/// WAL size from which the background thread restarts the WAL (see the
/// module docs).
pub const RESTART_BYTES: i64 = 32 << 20;

/// Longest the background thread waits for the writer or a reader to
/// restart the WAL (the writer waits for it meanwhile).
pub const RESTART_WAIT: Duration = Duration::from_millis(20);

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
        // Only a restart checkpoint waits (a passive one never does).
        conn.busy_timeout(RESTART_WAIT).ok()?;
        let page_size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0)).ok()?;
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
                    background_checkpoint(&conn, page_size);
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

/// The thread's checkpoint: a passive one, and a restart when the WAL
/// holds [`RESTART_BYTES`] of `page_size` pages (see the module docs).
/// Returns whether a restart was tried and, if so, whether it completed
/// (`Some(false)`: the writer or a reader kept it waiting too long).
fn background_checkpoint(conn: &Connection, page_size: i64) -> Option<bool> {
    let (_, frames) = checkpoint(conn, "PASSIVE")?;
    if frames.saturating_mul(page_size) < RESTART_BYTES {
        return None;
    }
    Some(checkpoint(conn, "RESTART").is_some_and(|(busy, _)| !busy))
}

/// One checkpoint in `mode` (`PASSIVE`: copies what no reader still
/// needs, never waits; `RESTART`: see the module docs): whether it was
/// kept from completing, and the frames in the WAL; `None` when it
/// failed. A failure is logged: the WAL keeps the pages.
fn checkpoint(conn: &Connection, mode: &str) -> Option<(bool, i64)> {
    let sql = format!("PRAGMA wal_checkpoint({mode})");
    let out = conn.query_row(&sql, [], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
        ))
    });
    match out {
        Ok((busy, log, done)) => {
            tracing::trace!(mode, busy, log, done, "background WAL checkpoint");
            Some((busy != 0, log))
        }
        Err(e) => {
            tracing::debug!(mode, error = %e, "background WAL checkpoint failed");
            None
        }
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
        let pages = auto_checkpoint_pages(&conn);
        if let Err(e) = conn.pragma_update(None, "wal_autocheckpoint", pages) {
            tracing::debug!(error = %e, "could not restore the WAL auto-checkpoint");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Rows of `table` in the database file alone (read without the WAL).
    fn rows_in_file(path: &Path, table: &str) -> i64 {
        let uri = format!("file:{}?immutable=1", path.display());
        let flags =
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI;
        let file_only = Connection::open_with_flags(uri, flags).unwrap();
        (file_only.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))).unwrap()
    }

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
        // 32 MiB of the new stores' 16 KiB pages.
        assert_eq!(auto, 2048);
        assert_eq!(rows_in_file(&dir.path().join("s.db"), "checkpoints"), 50);
    }

    /// A store in `dir` with a table `t` of 1 MiB blobs holding `mib` rows,
    /// that never checkpoints by itself, and a second connection to
    /// checkpoint it as the background thread does.
    fn blob_store(dir: &Path, mib: i64) -> (StateStore, Connection) {
        let store = StateStore::open(dir.join("s.db")).unwrap();
        (store.lock())
            .execute_batch("PRAGMA wal_autocheckpoint = 0; CREATE TABLE t(b BLOB)")
            .unwrap();
        for _ in 0..mib {
            put_one(&store);
        }
        let checkpointer = Connection::open(dir.join("s.db")).unwrap();
        checkpointer.busy_timeout(RESTART_WAIT).unwrap();
        (store, checkpointer)
    }

    fn put_one(store: &StateStore) {
        (store.lock())
            .execute("INSERT INTO t VALUES (zeroblob(1048576))", [])
            .unwrap();
    }

    fn rows(store: &StateStore) -> i64 {
        (store.lock())
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap()
    }

    /// Frames in `store`'s WAL (a passive checkpoint reports them).
    fn wal_frames(store: &StateStore) -> i64 {
        (store.lock())
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1))
            .unwrap()
    }

    #[test]
    fn a_large_wal_is_restarted_so_the_next_commits_write_from_its_start() {
        let dir = tempfile::tempdir().unwrap();
        let (store, checkpointer) = blob_store(dir.path(), RESTART_BYTES >> 20);
        let frames = wal_frames(&store);
        assert!(frames * 16384 >= RESTART_BYTES, "{frames} frames");
        assert_eq!(background_checkpoint(&checkpointer, 16384), Some(true));
        put_one(&store);
        // The next commit wrote from the start: one MiB of frames, not 33.
        let frames = wal_frames(&store);
        assert!(frames < 100, "{frames} frames after the restart");
        assert_eq!(rows(&store), (RESTART_BYTES >> 20) + 1);
    }

    #[test]
    fn a_reader_in_the_wal_postpones_the_restart() {
        let dir = tempfile::tempdir().unwrap();
        let (store, checkpointer) = blob_store(dir.path(), RESTART_BYTES >> 20);
        // Another process reading the store, its snapshot in the WAL.
        let reader = Connection::open(dir.path().join("s.db")).unwrap();
        reader.execute_batch("BEGIN").unwrap();
        let seen: i64 = reader
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(background_checkpoint(&checkpointer, 16384), Some(false));
        put_one(&store);
        // The restart gave up waiting: the WAL goes on growing.
        assert!(wal_frames(&store) * 16384 > RESTART_BYTES);
        reader.execute_batch("COMMIT").unwrap();
        assert_eq!(background_checkpoint(&checkpointer, 16384), Some(true));
        put_one(&store);
        assert!(wal_frames(&store) < 100);
        assert_eq!(rows(&store), seen + 2);
    }

    #[test]
    fn a_small_wal_gets_a_passive_checkpoint_only() {
        let dir = tempfile::tempdir().unwrap();
        let (_store, checkpointer) = blob_store(dir.path(), 1);
        assert_eq!(background_checkpoint(&checkpointer, 16384), None);
        // Copied all the same: the file alone has the row.
        assert_eq!(rows_in_file(&dir.path().join("s.db"), "t"), 1);
    }

    #[test]
    fn in_memory_stores_keep_their_checkpoints() {
        let store = Arc::new(StateStore::in_memory().unwrap());
        assert!(StateStore::checkpoint_in_background(&store).is_none());
    }
}
