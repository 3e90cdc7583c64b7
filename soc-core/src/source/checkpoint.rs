//! Checkpoints: how far a source has read, persisted in the state store.
//!
//! A checkpoint is one row of the store's `checkpoints` table: a key
//! (`source_key`), an opaque `identity` string and a byte `offset`. File
//! sources key one row per file *identity* (device and inode), so a file
//! renamed by log rotation keeps its checkpoint, and the identity string also
//! carries the fingerprint of the first bytes (to detect inode reuse) and the
//! line count (so line numbers stay right across restarts).

use std::collections::BTreeMap;

use rusqlite::params;
use sha2::{Digest, Sha256};

use crate::error::StoreError;
use crate::store::{put_checkpoint, StateStore};

/// How many leading bytes of a file the fingerprint covers at most.
pub(crate) const FP_LEN: u64 = 1024;

/// A resumable position of one source (or one file of a source).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The store key, e.g. `file:/var/log/auth.log*@2049:131075` or `splunk:linux`.
    pub source_key: String,
    /// Opaque, self-contained identity (for files: device, inode, fingerprint, line count).
    pub identity: String,
    /// Bytes consumed (files: offset after the last complete line; Splunk: window end, epoch seconds).
    pub offset: u64,
    /// Lines (records) consumed; the next record is line `line + 1`.
    pub line: u64,
}

impl Checkpoint {
    /// Writes this checkpoint inside a transaction, e.g. the one that also
    /// stores the alerts produced from the records it covers.
    ///
    /// ```
    /// use soc_core::{source::Checkpoint, StateStore};
    /// let store = StateStore::in_memory().unwrap();
    /// let cp = Checkpoint { source_key: "k".into(), identity: "id;line=3".into(), offset: 42, line: 3 };
    /// store.with_tx(|tx| cp.put(tx)).unwrap();
    /// assert_eq!(store.checkpoint("k").unwrap(), Some(("id;line=3".into(), 42)));
    /// ```
    pub fn put(&self, tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
        put_checkpoint(tx, &self.source_key, &self.identity, self.offset)
    }

    /// Writes this checkpoint in its own transaction.
    pub fn save(&self, store: &StateStore) -> Result<(), StoreError> {
        store.set_checkpoint(&self.source_key, &self.identity, self.offset)
    }
}

impl StateStore {
    /// All checkpoints whose key starts with `prefix`, as `key -> (identity, offset)`.
    ///
    /// ```
    /// use soc_core::StateStore;
    /// let s = StateStore::in_memory().unwrap();
    /// s.set_checkpoint("file:a@1:2", "x", 1).unwrap();
    /// s.set_checkpoint("splunk:b", "y", 2).unwrap();
    /// assert_eq!(s.checkpoints_with_prefix("file:").unwrap().len(), 1);
    /// ```
    pub fn checkpoints_with_prefix(
        &self,
        prefix: &str,
    ) -> Result<BTreeMap<String, (String, u64)>, StoreError> {
        self.with_tx(|tx| {
            let mut stmt = tx.prepare(
                "SELECT source, identity, offset FROM checkpoints WHERE substr(source, 1, ?2) = ?1",
            )?;
            let rows = stmt.query_map(params![prefix, prefix.chars().count() as i64], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    (r.get::<_, String>(1)?, r.get::<_, i64>(2)?.max(0) as u64),
                ))
            })?;
            rows.collect()
        })
    }

    /// Deletes the checkpoint `key`; returns whether there was one.
    pub fn delete_checkpoint(&self, key: &str) -> Result<bool, StoreError> {
        self.with_tx(|tx| tx.execute("DELETE FROM checkpoints WHERE source = ?1", params![key]))
            .map(|n| n > 0)
    }
}

/// The identity of one file as encoded in a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct FileIdentity {
    pub dev: u64,
    pub ino: u64,
    /// Hex SHA-256 of the first `fp_len` bytes (decompressed for `.gz`).
    pub fp: String,
    pub fp_len: u64,
    pub line: u64,
    /// For `.gz` files read to the end: the compressed size then.
    pub gz_done_size: Option<u64>,
}

impl FileIdentity {
    pub fn encode(&self) -> String {
        let mut s = format!(
            "v1;dev={};ino={};fplen={};fp={};line={}",
            self.dev, self.ino, self.fp_len, self.fp, self.line
        );
        if let Some(n) = self.gz_done_size {
            s.push_str(&format!(";gzdone={n}"));
        }
        s
    }

    /// Decodes an identity; `None` when it is not one of ours.
    pub fn decode(s: &str) -> Option<Self> {
        let mut parts = s.split(';');
        if parts.next()? != "v1" {
            return None;
        }
        let mut id = FileIdentity::default();
        for part in parts {
            let (k, v) = part.split_once('=')?;
            match k {
                "dev" => id.dev = v.parse().ok()?,
                "ino" => id.ino = v.parse().ok()?,
                "fplen" => id.fp_len = v.parse().ok()?,
                "fp" => id.fp = v.to_string(),
                "line" => id.line = v.parse().ok()?,
                "gzdone" => id.gz_done_size = Some(v.parse().ok()?),
                _ => {}
            }
        }
        Some(id)
    }
}

/// Incremental fingerprint of the first [`FP_LEN`] consumed bytes.
#[derive(Clone, Default)]
pub(crate) struct Fingerprint {
    hasher: Sha256,
    len: u64,
}

impl Fingerprint {
    /// Feeds bytes consumed at `offset`; only the part below [`FP_LEN`] counts.
    pub fn feed(&mut self, offset: u64, bytes: &[u8]) {
        if offset >= FP_LEN || offset != self.len {
            return;
        }
        let take = ((FP_LEN - offset) as usize).min(bytes.len());
        self.hasher.update(&bytes[..take]);
        self.len += take as u64;
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn hex(&self) -> String {
        hex(&self.hasher.clone().finalize())
    }

    /// The fingerprint of `bytes` (all of them).
    pub fn of(bytes: &[u8]) -> Self {
        let mut f = Fingerprint::default();
        f.feed(0, bytes);
        f
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_roundtrip() {
        let id = FileIdentity {
            dev: 1,
            ino: 2,
            fp: "ab".into(),
            fp_len: 10,
            line: 7,
            gz_done_size: Some(99),
        };
        assert_eq!(FileIdentity::decode(&id.encode()), Some(id));
        assert_eq!(FileIdentity::decode("dev:1/ino:2"), None);
        assert_eq!(FileIdentity::decode("v1;dev=x"), None);
    }

    #[test]
    fn fingerprint_is_incremental_and_capped() {
        let data = vec![b'a'; 3000];
        let mut f = Fingerprint::default();
        f.feed(0, &data[..10]);
        f.feed(10, &data[10..3000]);
        assert_eq!(f.len(), FP_LEN);
        assert_eq!(f.hex(), Fingerprint::of(&data[..FP_LEN as usize]).hex());
        assert_ne!(f.hex(), Fingerprint::of(&data[..10]).hex());
    }

    #[test]
    fn prefix_listing_and_delete() {
        let s = StateStore::in_memory().unwrap();
        s.set_checkpoint("file:x@1:1", "a", 1).unwrap();
        s.set_checkpoint("file:x@1:2", "b", 2).unwrap();
        s.set_checkpoint("file:y@1:3", "c", 3).unwrap();
        let m = s.checkpoints_with_prefix("file:x@").unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m["file:x@1:2"], ("b".to_string(), 2));
        assert!(s.delete_checkpoint("file:x@1:1").unwrap());
        assert!(!s.delete_checkpoint("file:x@1:1").unwrap());
        assert_eq!(s.checkpoints_with_prefix("file:x@").unwrap().len(), 1);
    }
}
