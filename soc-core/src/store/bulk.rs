//! The store's connection while a run writes in bulk: a larger page cache
//! and one read snapshot for a batch's lookups.
//!
//! SQLite's default page cache (2,000 KiB) is smaller than what one of a
//! busy run's commits changes (a few thousand alerts of 2-10 KB, their
//! action records, and the indexes on their random ids): the pager then
//! *spills* dirty pages into the WAL before the commit, writes them again
//! when they change once more, and reads back pages it let go.
//! [`StateStore::bulk_writes`] raises the cache for as long as its guard
//! lives (on the 1M-line benchmark, with 16 KiB pages: `pread` calls
//! 25.9k to 16.4k, `pwrite` 47.1k to 41.1k); the cache takes memory only as
//! pages are used, and gives it back when the guard restores the size.
//!
//! Each lookup outside a transaction takes and drops a WAL read lock (two
//! `fcntl` calls on the `-shm` file): `StateStore::read_snapshot` lets a
//! batch's episode lookups share one (45,800 `fcntl` calls to 900 on the
//! benchmark).
//!
//! ```
//! let store = soc_core::StateStore::in_memory().unwrap();
//! {
//!     let _bulk = store.bulk_writes();
//!     store.set_checkpoint("auth.log", "inode:1", 42).unwrap();
//! }
//! assert_eq!(store.checkpoint("auth.log").unwrap(), Some(("inode:1".into(), 42)));
//! ```

use super::StateStore;

/// The page cache while a run writes, in KiB.
pub const BULK_CACHE_KIB: i64 = 8 * 1024;

/// Restores the store's page cache when dropped (see the module docs).
#[derive(Debug)]
pub struct BulkWrites<'a> {
    store: &'a StateStore,
    /// The cache size to restore (SQLite's `cache_size` value).
    before: Option<i64>,
}

impl StateStore {
    /// Raises the connection's page cache to [`BULK_CACHE_KIB`] until the
    /// guard is dropped. Failing to read or set it changes nothing (the
    /// cache stays as it was: slower, not wrong).
    pub fn bulk_writes(&self) -> BulkWrites<'_> {
        let conn = self.lock();
        let before = conn
            .query_row("PRAGMA cache_size", [], |r| r.get::<_, i64>(0))
            .ok();
        let before = before.filter(|_| {
            conn.pragma_update(None, "cache_size", -BULK_CACHE_KIB)
                .inspect_err(|e| tracing::debug!(error = %e, "page cache left as it was"))
                .is_ok()
        });
        BulkWrites {
            store: self,
            before,
        }
    }
}

impl Drop for BulkWrites<'_> {
    fn drop(&mut self) {
        if let Some(size) = self.before {
            if let Err(e) = self.store.lock().pragma_update(None, "cache_size", size) {
                tracing::debug!(error = %e, "page cache not restored");
            }
        }
    }
}

/// A read transaction held by [`StateStore::read_snapshot`]: ended when
/// dropped.
#[derive(Debug)]
pub(crate) struct ReadSnapshot<'a> {
    store: &'a StateStore,
}

impl StateStore {
    /// Opens one read transaction for a series of lookups (a batch's
    /// episode lookups: one WAL read lock instead of one per alert, two
    /// `fcntl` calls each). `None` when a transaction is already open or
    /// cannot be begun: the lookups then take their own, as before. No
    /// write may happen on this connection while it lives.
    pub(crate) fn read_snapshot(&self) -> Option<ReadSnapshot<'_>> {
        let conn = self.lock();
        if !conn.is_autocommit() {
            return None;
        }
        conn.execute_batch("BEGIN")
            .inspect_err(|e| tracing::debug!(error = %e, "lookups without a shared snapshot"))
            .ok()?;
        Some(ReadSnapshot { store: self })
    }
}

impl Drop for ReadSnapshot<'_> {
    fn drop(&mut self) {
        let conn = self.store.lock();
        if !conn.is_autocommit() {
            if let Err(e) = conn.execute_batch("COMMIT") {
                tracing::debug!(error = %e, "read snapshot not ended cleanly");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page_size(s: &StateStore) -> i64 {
        s.lock()
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap()
    }

    fn cache_size(s: &StateStore) -> i64 {
        s.lock()
            .query_row("PRAGMA cache_size", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn new_stores_take_the_larger_page_and_old_ones_keep_theirs() {
        let dir = tempfile::tempdir().unwrap();
        let new = StateStore::open(dir.path().join("new.db")).unwrap();
        assert_eq!(page_size(&new), super::super::NEW_PAGE_SIZE);

        // A store made by an older build (SQLite's 4 KiB pages).
        let old_path = dir.path().join("old.db");
        {
            let conn = rusqlite::Connection::open(&old_path).unwrap();
            conn.pragma_update(None, "page_size", 4096).unwrap();
            conn.pragma_update(None, "journal_mode", "WAL").unwrap();
            conn.execute_batch("CREATE TABLE t(x)").unwrap();
        }
        {
            let old = StateStore::open(&old_path).unwrap();
            assert_eq!(page_size(&old), 4096);
            old.set_checkpoint("auth.log", "inode:7", 99).unwrap();
        }
        let old = StateStore::open(&old_path).unwrap();
        assert_eq!(page_size(&old), 4096);
        assert_eq!(
            old.checkpoint("auth.log").unwrap(),
            Some(("inode:7".into(), 99))
        );
    }

    #[test]
    fn bulk_writes_raise_the_cache_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let s = StateStore::open(dir.path().join("state.db")).unwrap();
        let before = cache_size(&s);
        {
            let _bulk = s.bulk_writes();
            assert_eq!(cache_size(&s), -BULK_CACHE_KIB);
            s.set_checkpoint("a", "id", 1).unwrap();
        }
        assert_eq!(cache_size(&s), before);
        assert_eq!(s.checkpoint("a").unwrap(), Some(("id".into(), 1)));
    }

    #[test]
    fn a_read_snapshot_ends_when_dropped_and_never_nests() {
        let dir = tempfile::tempdir().unwrap();
        let s = StateStore::open(dir.path().join("state.db")).unwrap();
        s.set_checkpoint("a", "id", 1).unwrap();
        {
            let snap = s.read_snapshot();
            assert!(snap.is_some());
            assert!(!s.lock().is_autocommit());
            assert!(s.read_snapshot().is_none(), "one snapshot at a time");
            assert_eq!(s.checkpoint("a").unwrap(), Some(("id".into(), 1)));
        }
        assert!(s.lock().is_autocommit());
        // Writes work again once it is gone.
        s.set_checkpoint("a", "id", 2).unwrap();
        assert_eq!(s.checkpoint("a").unwrap(), Some(("id".into(), 2)));
    }
}
