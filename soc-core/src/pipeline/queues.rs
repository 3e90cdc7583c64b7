//! The async side's view of the reader threads: one bounded queue per
//! lane, the first lane's (the SSH sources', whose detectors bound the
//! run) served first.
//!
//! With one queue shared by every lane, a side lane that reads fast and
//! raises many alerts (an EVE file) kept the queue full, so the first
//! lane waited for a free slot behind batches that cost the async side
//! far more than its own: on two cores the run's critical path stood
//! still while the EVE alerts were stored. With a queue per lane the
//! first lane never waits for another lane's batches; a side lane waits
//! instead (its queue full), and it always gets a turn: every
//! [`SIDE_TURN`]th batch taken starts at the side lanes, so no lane
//! starves however busy the first one is. Each lane's batches still come
//! in the order it sent them, which is all the commit needs (lanes share
//! no detector state, no checkpoints and no alert kinds' episodes).

use std::task::Poll;

use tokio::sync::mpsc;

use super::reader::Batch;

/// One turn in this many starts at the side lanes.
pub(super) const SIDE_TURN: u32 = 8;

/// The receiving ends of the lanes' queues, first lane first.
pub(super) struct LaneQueues {
    lanes: Vec<mpsc::Receiver<Batch>>,
    /// Batches taken so far (decides whose turn it is).
    taken: u32,
}

impl LaneQueues {
    /// Queues of `capacity` batches for `n` lanes: the senders, in lane
    /// order, and the receiving side.
    pub(super) fn new(n: usize, capacity: usize) -> (Vec<mpsc::Sender<Batch>>, Self) {
        let (senders, lanes) = (0..n.max(1))
            .map(|_| mpsc::channel::<Batch>(capacity.max(1)))
            .unzip();
        (senders, LaneQueues { lanes, taken: 0 })
    }

    /// The lanes in the order this turn looks at them.
    fn order(&self) -> impl Iterator<Item = usize> {
        let n = self.lanes.len();
        let start = usize::from(self.taken % SIDE_TURN == SIDE_TURN - 1 && n > 1);
        (0..n).map(move |i| (start + i) % n)
    }

    fn took(&mut self, b: Batch) -> Batch {
        self.taken = self.taken.wrapping_add(1);
        b
    }

    /// The next batch (first lane first); `None` once every lane is done.
    pub(super) async fn recv(&mut self) -> Option<Batch> {
        let got = std::future::poll_fn(|cx| {
            let mut open = false;
            let order: Vec<usize> = self.order().collect();
            for i in order {
                match self.lanes[i].poll_recv(cx) {
                    Poll::Ready(Some(b)) => return Poll::Ready(Some(b)),
                    Poll::Ready(None) => {}
                    Poll::Pending => open = true,
                }
            }
            if open {
                Poll::Pending
            } else {
                Poll::Ready(None)
            }
        })
        .await;
        got.map(|b| self.took(b))
    }

    /// A batch already waiting (first lane first), if any.
    pub(super) fn try_recv(&mut self) -> Option<Batch> {
        let order: Vec<usize> = self.order().collect();
        let got = order
            .into_iter()
            .find_map(|i| self.lanes[i].try_recv().ok())?;
        Some(self.took(got))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::stages::Analysis;

    fn batch(records: u64) -> Batch {
        Batch {
            analysis: Analysis {
                records,
                ..Default::default()
            },
            checkpoints: Vec::new(),
            prepared: false,
        }
    }

    #[tokio::test]
    async fn first_lane_first_side_lanes_get_their_turn_and_order_is_kept() {
        let (tx, mut q) = LaneQueues::new(2, 64);
        for i in 0..20 {
            tx[0].send(batch(i)).await.unwrap();
            tx[1].send(batch(100 + i)).await.unwrap();
        }
        drop(tx);
        let mut got = Vec::new();
        while let Some(b) = q.recv().await {
            got.push(b.analysis.records);
        }
        assert_eq!(got.len(), 40);
        // Each lane's batches in the order sent.
        let first: Vec<u64> = got.iter().copied().filter(|r| *r < 100).collect();
        let side: Vec<u64> = got.iter().copied().filter(|r| *r >= 100).collect();
        assert_eq!(first, (0..20).collect::<Vec<_>>());
        assert_eq!(side, (100..120).collect::<Vec<_>>());
        // The first lane is served first, with one side turn in SIDE_TURN.
        let head: Vec<u64> = got[..SIDE_TURN as usize].to_vec();
        let mut want: Vec<u64> = (0..u64::from(SIDE_TURN) - 1).collect();
        want.push(100);
        assert_eq!(head, want);
    }

    #[tokio::test]
    async fn try_recv_takes_what_waits_and_recv_ends_when_all_lanes_close() {
        let (tx, mut q) = LaneQueues::new(3, 4);
        assert!(q.try_recv().is_none());
        tx[2].send(batch(7)).await.unwrap();
        assert_eq!(q.try_recv().map(|b| b.analysis.records), Some(7));
        tx[1].send(batch(8)).await.unwrap();
        drop(tx);
        assert_eq!(q.recv().await.map(|b| b.analysis.records), Some(8));
        assert!(q.recv().await.is_none());
    }
}
