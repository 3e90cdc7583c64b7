//! Freeing committed batches on a thread of their own.
//!
//! Once a batch is committed, the async side drops its alerts (each with
//! its evidence events, fields, indicators and scores: tens of thousands
//! of allocations per batch), a tenth of its time in perf with
//! `--threads 2`. Nothing waits for that memory, so the async side hands
//! the batch to a [`Discard`] thread and goes on with the next one. The
//! queue holds at most [`DEPTH`] batches; when it is full the batch is
//! dropped where it is, so memory never piles up behind the thread.

use std::sync::mpsc::TrySendError;

use super::worker::Worker;

/// Batches waiting to be freed, at most.
pub(super) const DEPTH: usize = 2;

type Garbage = Box<dyn Send>;

/// A thread that drops what it is given (see the module docs); dropping
/// it waits until everything handed over is freed.
pub(super) struct Discard(Option<Worker<Garbage>>);

impl Discard {
    /// Starts the thread; without one (it could not be started), values
    /// are dropped where they are.
    pub(super) fn start() -> Self {
        let worker = Worker::spawn("soc-discard", DEPTH, |garbage| {
            garbage.into_iter().for_each(drop)
        })
        .inspect_err(|e| tracing::debug!(error = %e, "batches freed on the async side"));
        Discard(worker.ok())
    }

    /// Drops `value` on the thread, or here when its queue is full.
    pub(super) fn drop_later<T: Send + 'static>(&self, value: T) {
        let Some(t) = self.0.as_ref().and_then(Worker::queue) else {
            return drop(value);
        };
        match t.try_send(Box::new(value)) {
            Ok(()) => {}
            Err(TrySendError::Full(v) | TrySendError::Disconnected(v)) => drop(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// Counts its drops and the threads they ran on.
    struct Counted(Arc<AtomicUsize>, Arc<std::sync::Mutex<Vec<String>>>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
            let name = std::thread::current().name().unwrap_or("").to_string();
            self.1.lock().unwrap().push(name);
        }
    }

    #[test]
    fn everything_handed_over_is_dropped_mostly_on_the_thread() {
        let dropped = Arc::new(AtomicUsize::new(0));
        let threads = Arc::new(std::sync::Mutex::new(Vec::new()));
        let d = Discard::start();
        for _ in 0..100 {
            d.drop_later(Counted(dropped.clone(), threads.clone()));
        }
        drop(d);
        assert_eq!(dropped.load(Ordering::SeqCst), 100);
        let names = threads.lock().unwrap();
        assert!(
            names.iter().any(|n| n == "soc-discard"),
            "some values dropped on the discard thread: {names:?}"
        );
    }
}
