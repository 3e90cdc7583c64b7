use super::*;
use crate::model::Mode;

#[test]
fn checkpoint_roundtrip_and_persistence() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    {
        let s = StateStore::open(&path).unwrap();
        assert_eq!(s.checkpoint("a").unwrap(), None);
        s.set_checkpoint("a", "id1", 10).unwrap();
        s.set_checkpoint("a", "id1", 20).unwrap();
    }
    let s = StateStore::open(&path).unwrap();
    assert_eq!(s.checkpoint("a").unwrap(), Some(("id1".into(), 20)));
}

#[test]
fn cache_honours_expiry() {
    let s = StateStore::in_memory().unwrap();
    let now = Utc::now();
    s.cache_put(
        "vt",
        "ipv4",
        "1.2.3.4",
        "{}",
        now,
        now + chrono::Duration::seconds(60),
    )
    .unwrap();
    assert!(s.cache_get("vt", "ipv4", "1.2.3.4", now).unwrap().is_some());
    assert!(s
        .cache_get("vt", "ipv4", "1.2.3.4", now + chrono::Duration::seconds(61))
        .unwrap()
        .is_none());
    assert_eq!(
        s.cache_purge(now + chrono::Duration::seconds(61)).unwrap(),
        1
    );
}

#[test]
fn actions_and_last_done() {
    let s = StateStore::in_memory().unwrap();
    let mut rec = ActionRecord::new("nftables", "block", "198.51.100.23", "a1", Mode::DryRun);
    s.record_action("k", &rec).unwrap();
    assert_eq!(s.last_done("k").unwrap(), None, "dry-run is not 'done'");
    rec.mode = Mode::Live;
    rec.outcome = crate::model::ActionOutcome::Done;
    s.record_action("k", &rec).unwrap();
    assert!(s.last_done("k").unwrap().is_some());
    assert_eq!(s.actions_since(DateTime::<Utc>::MIN_UTC).unwrap().len(), 2);
}

#[test]
fn blocks_expire() {
    let s = StateStore::in_memory().unwrap();
    let now = Utc::now();
    for (ip, exp) in [
        ("192.0.2.1", Some(now - chrono::Duration::seconds(1))),
        ("192.0.2.2", None),
    ] {
        s.add_block(&BlockEntry {
            ip: ip.into(),
            backend: "nftables".into(),
            created_at: now,
            expires_at: exp,
            reason: "t".into(),
        })
        .unwrap();
    }
    assert_eq!(s.active_blocks(now).unwrap().len(), 1);
    assert_eq!(s.expired_blocks(now).unwrap()[0].ip, "192.0.2.1");
    assert!(s.remove_block("192.0.2.1", "nftables").unwrap());
    assert!(!s.remove_block("192.0.2.1", "nftables").unwrap());
}

#[test]
fn alerts_are_upserted_by_id() {
    let s = StateStore::in_memory().unwrap();
    let a = Alert::new("ssh.brute_force", "k", "t", crate::model::Severity::High);
    assert!(s.save_alert(&a, None).unwrap());
    assert!(!s.save_alert(&a, None).unwrap());
    assert_eq!(s.alerts_since(DateTime::<Utc>::MIN_UTC).unwrap().len(), 1);
}

#[test]
fn watchlist_counts_hits() {
    let s = StateStore::in_memory().unwrap();
    s.watch("198.51.100.23", "ipv4", "low risk").unwrap();
    s.watch("198.51.100.23", "ipv4", "again").unwrap();
    let w = s.watchlist().unwrap();
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].hits, 2);
}

/// #14 item 6: the suppression claim is one atomic step: of many
/// connections racing on one key, exactly one wins; a released claim
/// can be taken again, and an old one (past the window) is taken over.
#[test]
fn racing_claims_have_one_winner() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    StateStore::open(&path).unwrap();
    let now = Utc::now();
    let day = chrono::Duration::days(1);
    let winners: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let path = path.clone();
                s.spawn(move || {
                    let st = StateStore::open(&path).unwrap();
                    (0..20)
                        .filter(|i| {
                            st.claim_action(&format!("webhook|k{i}"), now, day)
                                .unwrap()
                                .is_none()
                        })
                        .count()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    assert_eq!(winners, 20, "one winner per key");
    let st = StateStore::open(&path).unwrap();
    assert!(st.claim_action("webhook|k0", now, day).unwrap().is_some());
    st.release_action_claim("webhook|k0").unwrap();
    assert!(st.claim_action("webhook|k0", now, day).unwrap().is_none());
    let later = now + chrono::Duration::days(2);
    assert!(st.claim_action("webhook|k1", later, day).unwrap().is_none());
}

/// Deferred dry-run records are written only by the batch commit; live
/// records at once; turning deferral off drops what was not committed.
#[test]
fn dry_run_records_wait_for_the_batch_commit() {
    let s = StateStore::in_memory().unwrap();
    let all = || s.actions_since(DateTime::<Utc>::MIN_UTC).unwrap().len();
    s.defer_dry_run_actions(true);
    let dry = ActionRecord::new("webhook", "notify", "x", "a1", Mode::DryRun);
    let live = ActionRecord::new("webhook", "notify", "y", "a2", Mode::Live);
    s.record_action("k1", &dry).unwrap();
    s.record_action("k2", &live).unwrap();
    assert_eq!(all(), 1, "only the live record is written at once");
    s.with_tx(|tx| s.write_deferred_actions(tx)).unwrap();
    assert_eq!(all(), 2);
    s.record_action("k3", &dry).unwrap();
    s.defer_dry_run_actions(false);
    s.with_tx(|tx| s.write_deferred_actions(tx)).unwrap();
    assert_eq!(all(), 2, "an uncommitted batch's records are dropped");
    s.record_action("k4", &dry).unwrap();
    assert_eq!(all(), 3, "written at once when not deferring");
}

/// A transaction that reads before it writes holds the write lock from its
/// start: another connection's commit cannot slip in between (which made a
/// deferred one fail with "database is locked", SQLITE_BUSY_SNAPSHOT).
#[test]
fn with_tx_takes_the_write_lock_before_its_first_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let s = StateStore::open(&path).unwrap();
    s.set_checkpoint("a", "id", 1).unwrap();
    let other = Connection::open(&path).unwrap();
    other.busy_timeout(std::time::Duration::ZERO).unwrap();
    let out = s.with_tx(|tx| {
        let offset: i64 = tx.query_row(
            "SELECT offset FROM checkpoints WHERE source = 'a'",
            [],
            |r| r.get(0),
        )?;
        // Another writer now: refused at once (busy), not let in.
        let refused = other.execute(
            "INSERT INTO checkpoints(source, identity, offset, updated_at) VALUES ('b', 'id', 2, 0)",
            [],
        );
        let busy = matches!(&refused, Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::DatabaseBusy);
        assert!(busy, "another writer got in: {refused:?}");
        tx.execute(
            "UPDATE checkpoints SET offset = ?1 WHERE source = 'a'",
            [offset + 1],
        )
    });
    assert_eq!(out.unwrap(), 1);
    assert_eq!(s.checkpoint("a").unwrap(), Some(("id".into(), 2)));
    // A read-only store still reads in a transaction.
    let ro = StateStore::open_read_only(&path).unwrap();
    let n: i64 = ro
        .with_tx(|tx| tx.query_row("SELECT count(*) FROM checkpoints", [], |r| r.get(0)))
        .unwrap();
    assert_eq!(n, 1);
}
