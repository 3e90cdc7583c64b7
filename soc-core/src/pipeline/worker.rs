//! A named thread fed through a bounded queue, stopped and waited for when
//! dropped: what the runner's helper threads (`preparer`, `discard`) are
//! made of.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

/// A thread that takes `T`s from a queue of `capacity` until the queue's
/// sending side is dropped (see [`Drop`]).
pub(super) struct Worker<T> {
    to_thread: Option<SyncSender<T>>,
    thread: Option<JoinHandle<()>>,
}

impl<T: Send + 'static> Worker<T> {
    /// Starts thread `name` running `body` over the queue's receiving end.
    pub(super) fn spawn(
        name: &str,
        capacity: usize,
        body: impl FnOnce(Receiver<T>) + Send + 'static,
    ) -> std::io::Result<Self> {
        let (to_thread, queue) = sync_channel::<T>(capacity);
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || body(queue))?;
        Ok(Worker {
            to_thread: Some(to_thread),
            thread: Some(thread),
        })
    }

    /// The queue's sending end.
    pub(super) fn queue(&self) -> Option<&SyncSender<T>> {
        self.to_thread.as_ref()
    }
}

impl<T> Drop for Worker<T> {
    /// Closes the queue and waits until the thread has taken everything
    /// in it and ended.
    fn drop(&mut self) {
        drop(self.to_thread.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
