//! A thread between a reader lane and the async side that prepares the
//! lane's batches: the reader gives it the work (bounding the alerts'
//! evidence and attaching their indicators, `indicators::bound_and_attach`,
//! which needs nothing but the alert).
//!
//! The SSH lane bounds the run and the async side (scoring, actions,
//! SQLite) is the next longest chain, so neither should spend its time on
//! the IOC scan of ~4,000 SSH alerts' titles, fields and first evidence
//! lines (a fifth of the async side's work with `--threads 1`). The
//! preparer does it on the core time they leave, one batch at a time, in
//! the order the lane sent them, and holds at most one batch besides the
//! one it works on (backpressure as before: the lane waits when it is
//! full).

use tokio::sync::mpsc;

use super::worker::Worker;

/// The preparing thread of one lane, for batches of type `T`.
pub(super) struct Preparer<T>(Worker<T>);

impl<T: Send + 'static> Preparer<T> {
    /// Starts a thread that applies `work` to each batch handed to it and
    /// sends it on `tx`, in order; dropping the preparer waits until it
    /// has handed on every batch it was given.
    pub(super) fn spawn(
        tx: mpsc::Sender<T>,
        mut work: impl FnMut(&mut T) + Send + 'static,
    ) -> std::io::Result<Self> {
        Worker::spawn("soc-prepare", 1, move |batches| {
            for mut batch in batches {
                work(&mut batch);
                if tx.blocking_send(batch).is_err() {
                    return; // the async side is gone
                }
            }
        })
        .map(Preparer)
    }

    /// Hands `batch` to the thread (waiting while it holds one already);
    /// false when the async side is gone.
    pub(super) fn send(&self, batch: T) -> bool {
        (self.0.queue()).is_some_and(|t| t.send(batch).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_come_out_worked_on_in_order_and_drop_waits_for_them() {
        let (tx, mut rx) = mpsc::channel(64);
        let p = Preparer::spawn(tx, |b: &mut (u64, bool)| {
            assert_eq!(std::thread::current().name(), Some("soc-prepare"));
            b.1 = true;
        })
        .unwrap();
        for n in 1..=10 {
            assert!(p.send((n, false)));
        }
        drop(p);
        for n in 1..=10 {
            let b = rx
                .try_recv()
                .expect("every batch handed on before drop returns");
            assert_eq!(b, (n, true));
        }
        assert!(rx.try_recv().is_err());
    }

    #[test]
    fn send_fails_once_the_async_side_is_gone() {
        let (tx, rx) = mpsc::channel::<u64>(1);
        drop(rx);
        let p = Preparer::spawn(tx, |_| {}).unwrap();
        // The thread ends at its first hand-on; a later send finds it gone.
        let sent: Vec<bool> = (0..5).map(|n| p.send(n)).collect();
        assert!(sent.contains(&false), "{sent:?}");
    }
}
