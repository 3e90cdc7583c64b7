//! A thread between a reader lane and the async side that prepares the
//! lane's alerts: bounds their evidence and attaches their indicators
//! (`indicators::bound_and_attach`, which needs nothing but the alert).
//!
//! The SSH lane bounds the run and the async side (scoring, actions,
//! SQLite) is the next longest chain, so neither should spend its time on
//! the IOC scan of ~4,000 SSH alerts' titles, fields and first evidence
//! lines (a fifth of the async side's work with `--threads 1`). The
//! preparer does it on the core time they leave, one batch at a time, in
//! the order the lane sent them, and holds at most one batch besides the
//! one it works on (backpressure as before: the lane waits when it is
//! full).

use std::sync::mpsc::{sync_channel, SyncSender};
use std::thread::JoinHandle;

use tokio::sync::mpsc;

use super::reader::{prepare, Batch};

/// The preparing thread of one lane.
pub(super) struct Preparer {
    to_thread: Option<SyncSender<Batch>>,
    thread: Option<JoinHandle<()>>,
}

impl Preparer {
    /// Starts a thread that prepares each batch handed to it (evidence
    /// bounded to `max_events`) and sends it on `tx`, in order.
    pub(super) fn spawn(tx: mpsc::Sender<Batch>, max_events: usize) -> std::io::Result<Self> {
        let (to_thread, batches) = sync_channel::<Batch>(1);
        let thread = std::thread::Builder::new()
            .name("soc-prepare".into())
            .spawn(move || {
                for mut batch in batches {
                    batch.prepared = prepare(&mut batch.analysis, Some(max_events));
                    if tx.blocking_send(batch).is_err() {
                        return; // the async side is gone
                    }
                }
            })?;
        Ok(Preparer {
            to_thread: Some(to_thread),
            thread: Some(thread),
        })
    }

    /// Hands `batch` to the thread (waiting while it holds one already);
    /// false when the async side is gone.
    pub(super) fn send(&self, batch: Batch) -> bool {
        (self.to_thread.as_ref()).is_some_and(|t| t.send(batch).is_ok())
    }
}

impl Drop for Preparer {
    /// Waits until the thread has handed on every batch it was given.
    fn drop(&mut self) {
        drop(self.to_thread.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Alert, Event, Origin, Severity};
    use crate::pipeline::stages::Analysis;

    fn batch(n: u64, events: usize) -> Batch {
        let mut a = Alert::new(
            "t",
            &n.to_string(),
            format!("from 203.0.113.{n}"),
            Severity::Low,
        );
        for i in 0..events {
            let mut e = Event::new("sshd", "ssh.failed");
            e.origin = Some(Origin {
                file: "auth.log".into(),
                line: i as u64,
            });
            a.events.push(e);
        }
        Batch {
            analysis: Analysis {
                records: n,
                alerts: vec![a],
                ..Default::default()
            },
            checkpoints: Vec::new(),
            prepared: false,
        }
    }

    #[test]
    fn batches_come_out_prepared_in_order_and_drop_waits_for_them() {
        let (tx, mut rx) = mpsc::channel(64);
        let p = Preparer::spawn(tx, 3).unwrap();
        for n in 1..=10 {
            assert!(p.send(batch(n, 5)));
        }
        drop(p);
        for n in 1..=10 {
            let b = rx
                .try_recv()
                .expect("every batch handed on before drop returns");
            assert_eq!(b.analysis.records, n);
            assert!(b.prepared);
            let a = &b.analysis.alerts[0];
            assert_eq!(a.events.len(), 3, "evidence bounded");
            let ip = format!("203.0.113.{n}");
            assert!(
                a.indicators.iter().any(|i| i.value == ip),
                "indicators attached: {:?}",
                a.indicators
            );
        }
        assert!(rx.try_recv().is_err());
    }

    #[test]
    fn send_fails_once_the_async_side_is_gone() {
        let (tx, rx) = mpsc::channel(1);
        drop(rx);
        let p = Preparer::spawn(tx, 3).unwrap();
        // The thread ends at its first hand-on; a later send finds it gone.
        let sent: Vec<bool> = (0..5).map(|n| p.send(batch(n, 1))).collect();
        assert!(sent.contains(&false), "{sent:?}");
    }
}
