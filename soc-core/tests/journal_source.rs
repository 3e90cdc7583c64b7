//! The journal source against real journal files: written by Debian's
//! `systemd-journal-remote` from export format, read through the real
//! `journalctl`. Skips (with the reason) where those tools are missing.

#[path = "support/journal.rs"]
mod journal;
mod support;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use soc_core::error::{ParseError, SourceError};
use soc_core::model::Event;
use soc_core::parse::ssh::{SshOptions, SshParser};
use soc_core::source::{
    JournalConfig, JournalSource, JournalSourceOptions, LogSource, SourceKind, SourceRecord,
};
use soc_core::StateStore;

const BOOT: &str = "0123456789abcdef0123456789abcdef";
/// 2023-11-14T22:13:20Z
const T0: u64 = 1_700_000_000_000_000;

/// One journal entry in export format.
struct Entry<'a> {
    seq: u64,
    comm: Option<&'a str>,
    ident: &'a str,
    pid: u32,
    message: Option<&'a str>,
}

impl Entry<'_> {
    fn export(&self) -> String {
        let mut s = format!(
            "__REALTIME_TIMESTAMP={}\n__MONOTONIC_TIMESTAMP={}\n_BOOT_ID={BOOT}\n_HOSTNAME=web01\nSYSLOG_IDENTIFIER={}\n_PID={}\n",
            T0 + self.seq * 1_000_000,
            1000 + self.seq * 1000,
            self.ident,
            self.pid
        );
        if let Some(c) = self.comm {
            s.push_str(&format!("_COMM={c}\n"));
        }
        if let Some(m) = self.message {
            s.push_str(&format!("MESSAGE={m}\n"));
        }
        s.push('\n');
        s
    }
}

fn sshd(seq: u64, message: &str) -> Entry<'_> {
    Entry {
        seq,
        comm: Some("sshd"),
        ident: "sshd",
        pid: 4000 + seq as u32,
        message: Some(message),
    }
}

fn failed(seq: u64, ip: &str) -> String {
    format!(
        "Failed password for root from {ip} port {} ssh2",
        40000 + seq
    )
}

/// Appends `entries` to the journal file `file` (created when missing).
fn write_journal(remote: &Path, file: &Path, entries: &[Entry<'_>]) {
    let text: String = entries.iter().map(Entry::export).collect();
    journal::append(remote, file, &text);
}

fn file_cfg(file: &Path) -> JournalConfig {
    JournalConfig {
        files: vec![file.to_path_buf()],
        ..JournalConfig::default()
    }
}

/// Reads a one-shot source to its end: records and errors.
fn drain(src: &mut dyn LogSource) -> (Vec<SourceRecord>, Vec<SourceError>) {
    let (mut recs, mut errs) = (Vec::new(), Vec::new());
    while let Some(r) = src.next_record() {
        match r {
            Ok(r) => recs.push(r),
            Err(e) => errs.push(e),
        }
    }
    (recs, errs)
}

/// What the pipeline does with the records: the OpenSSH parser's events.
fn events(recs: &[SourceRecord]) -> Vec<Event> {
    let mut p = SshParser::new(SshOptions::default());
    recs.iter()
        .filter_map(|r| p.parse_line(&r.text, r.origin.clone()))
        .collect()
}

fn src_ips(evs: &[Event]) -> Vec<String> {
    evs.iter()
        .map(|e| e.src_ip.map(|i| i.to_string()).unwrap_or_default())
        .collect()
}

fn commit(src: &dyn LogSource, store: &StateStore) {
    for cp in src.checkpoints() {
        cp.save(store).unwrap();
    }
}

#[test]
fn cursor_checkpoint_across_once_runs_never_repeats_or_skips() {
    let Some(remote) =
        journal::remote_or_skip("cursor_checkpoint_across_once_runs_never_repeats_or_skips")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("remote.journal");
    let store = Arc::new(StateStore::open(dir.path().join("state.db")).unwrap());
    let first: Vec<String> = (0..3).map(|i| failed(i, "203.0.113.5")).collect();
    write_journal(
        &remote,
        &file,
        &first
            .iter()
            .enumerate()
            .map(|(i, m)| sshd(i as u64, m))
            .collect::<Vec<_>>(),
    );
    let open = || {
        JournalSource::open(
            file_cfg(&file),
            JournalSourceOptions::default(),
            Some(store.clone()),
        )
        .unwrap()
    };

    let mut run1 = open();
    let (recs, errs) = drain(&mut run1);
    assert!(errs.is_empty(), "{errs:?}");
    assert!(recs.iter().all(|r| r.kind == SourceKind::Journal));
    assert_eq!(
        recs.iter().map(|r| r.origin.line).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    let evs = events(&recs);
    assert_eq!(evs.len(), 3);
    assert!(
        evs.iter()
            .all(|e| e.kind == "ssh.failed_auth" && e.host.as_deref() == Some("web01")),
        "{evs:?}"
    );
    assert_eq!(evs[0].time.unwrap().timestamp(), (T0 / 1_000_000) as i64);
    assert_eq!(
        evs[2].fields.get("pid").and_then(|v| v.as_u64()),
        Some(4002)
    );
    commit(&run1, &store);
    drop(run1);

    // Entries arrive between the runs, from three program names.
    let m3 = failed(3, "198.51.100.7");
    let m4 = failed(4, "198.51.100.7");
    let session = Entry {
        comm: Some("sshd-session"),
        ident: "sshd-session",
        ..sshd(4, &m4)
    };
    let auth = Entry {
        comm: Some("sshd-auth"),
        ident: "sshd-auth",
        ..sshd(5, "Invalid user admin from 192.0.2.9 port 5555")
    };
    write_journal(&remote, &file, &[sshd(3, &m3), session, auth]);
    let mut run2 = open();
    let (recs, errs) = drain(&mut run2);
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(
        recs.iter().map(|r| r.origin.line).collect::<Vec<_>>(),
        [4, 5, 6],
        "line numbers continue"
    );
    assert_eq!(
        src_ips(&events(&recs)),
        ["198.51.100.7", "198.51.100.7", "192.0.2.9"]
    );
    commit(&run2, &store);
    drop(run2);

    let (recs, errs) = drain(&mut open());
    assert!(
        recs.is_empty() && errs.is_empty(),
        "nothing new: {recs:?} {errs:?}"
    );
}

#[test]
fn non_sshd_and_forged_entries_give_no_events_and_malformed_ones_are_counted() {
    let Some(remote) = journal::remote_or_skip(
        "non_sshd_and_forged_entries_give_no_events_and_malformed_ones_are_counted",
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mixed.journal");
    let ok1 = failed(0, "203.0.113.5");
    let forged = failed(2, "8.8.8.8");
    let ok2 = failed(4, "203.0.113.5");
    write_journal(
        &remote,
        &file,
        &[
            sshd(0, &ok1),
            Entry {
                comm: Some("cron"),
                ident: "CRON",
                ..sshd(1, "pam_unix(cron:session): session opened for user root")
            },
            // `logger -t sshd` from a local account: journald records the real command.
            Entry {
                comm: Some("logger"),
                ident: "sshd",
                ..sshd(2, &forged)
            },
            Entry {
                message: None,
                ..sshd(3, "")
            },
            sshd(4, &ok2),
        ],
    );
    let mut src =
        JournalSource::open(file_cfg(&file), JournalSourceOptions::default(), None).unwrap();
    let (recs, errs) = drain(&mut src);
    let evs = events(&recs);
    assert_eq!(src_ips(&evs), ["203.0.113.5", "203.0.113.5"], "{recs:?}");
    assert!(
        !recs.iter().any(|r| r.text.contains("cron:session")),
        "cron is not matched"
    );
    assert_eq!(errs.len(), 1, "{errs:?}");
    match &errs[0] {
        SourceError::Parse(ParseError::Malformed {
            source_name,
            line,
            reason,
        }) => {
            assert!(source_name.starts_with("journal:"), "{source_name}");
            assert!(reason.contains("MESSAGE"), "{reason}");
            assert!(*line >= 2, "{line}");
        }
        e => panic!("expected a malformed entry, got {e:?}"),
    }
    // The malformed entry's cursor is consumed too: a resumed run starts after the last entry.
    assert!(!src.checkpoints().is_empty());
}

#[test]
fn follow_yields_entries_appended_later() {
    let Some(remote) = journal::remote_or_skip("follow_yields_entries_appended_later") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("follow.journal");
    let m0 = failed(0, "203.0.113.5");
    write_journal(&remote, &file, &[sshd(0, &m0)]);
    let opts = JournalSourceOptions {
        follow: true,
        poll_interval: Duration::from_millis(20),
        ..JournalSourceOptions::default()
    };
    let mut src = JournalSource::open(file_cfg(&file), opts, None).unwrap();
    assert!(src.is_following());
    let mut got = Vec::new();
    let mut wait_for = |n: usize, got: &mut Vec<SourceRecord>| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while got.len() < n {
            match src.next_record() {
                Some(r) => got.push(r.unwrap()),
                None => {
                    assert!(
                        Instant::now() < deadline,
                        "timed out waiting for entry {}",
                        got.len() + 1
                    );
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        }
    };
    wait_for(1, &mut got);
    let (m1, m2) = (failed(1, "198.51.100.7"), failed(2, "198.51.100.8"));
    write_journal(&remote, &file, &[sshd(1, &m1), sshd(2, &m2)]);
    wait_for(3, &mut got);
    assert_eq!(
        src_ips(&events(&got)),
        ["203.0.113.5", "198.51.100.7", "198.51.100.8"]
    );
}

#[test]
fn from_end_skips_old_entries_and_a_bad_directory_is_a_clear_error() {
    let Some(remote) =
        journal::remote_or_skip("from_end_skips_old_entries_and_a_bad_directory_is_a_clear_error")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("old.journal");
    let m0 = failed(0, "203.0.113.5");
    write_journal(&remote, &file, &[sshd(0, &m0)]);
    let opts = JournalSourceOptions {
        from_start: false,
        ..JournalSourceOptions::default()
    };
    let mut src = JournalSource::open(file_cfg(&file), opts.clone(), None).unwrap();
    let m1 = failed(1, "198.51.100.7");
    write_journal(&remote, &file, &[sshd(1, &m1)]);
    let (recs, _) = drain(&mut src);
    // Started after the newest entry at open time: the old one is not read.
    assert!(
        recs.iter().all(|r| !r.text.contains("203.0.113.5")),
        "{recs:?}"
    );

    let missing = JournalConfig {
        journalctl: dir.path().join("no-journalctl"),
        ..file_cfg(&file)
    };
    let err = JournalSource::open(missing, JournalSourceOptions::default(), None).unwrap_err();
    assert!(err.to_string().contains("journalctl"), "{err}");
    let both = JournalConfig {
        directory: Some(dir.path().into()),
        ..file_cfg(&file)
    };
    assert!(matches!(
        JournalSource::open(both, opts, None),
        Err(SourceError::Config { .. })
    ));
}
