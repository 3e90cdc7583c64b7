//! The sync [`LogSource`] adapter around the async [`SplunkSource::fetch`].

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{SearchWindow, SplunkSource};
use crate::error::SourceError;
use crate::source::{Checkpoint, LogSource, SourceRecord};
use crate::store::StateStore;

/// A [`SplunkSource`] as a [`LogSource`]: fetches a window, then yields its
/// results one by one; see the [module docs](super).
pub struct SplunkLogSource {
    src: SplunkSource,
    store: Option<Arc<StateStore>>,
    follow: bool,
    buffer: VecDeque<SourceRecord>,
    /// End of the last window whose records were all yielded.
    committed: Option<i64>,
    /// End of the window being yielded.
    in_flight: Option<i64>,
    last_fetch: Option<Instant>,
    loaded: bool,
}

impl std::fmt::Debug for SplunkLogSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SplunkLogSource")
            .field("src", &self.src)
            .field("follow", &self.follow)
            .field("buffered", &self.buffer.len())
            .field("committed", &self.committed)
            .finish()
    }
}

impl SplunkLogSource {
    pub(super) fn new(src: SplunkSource, store: Option<Arc<StateStore>>, follow: bool) -> Self {
        SplunkLogSource {
            src,
            store,
            follow,
            buffer: VecDeque::new(),
            committed: None,
            in_flight: None,
            last_fetch: None,
            loaded: false,
        }
    }

    /// How long to wait after a `None` before asking again (following).
    pub fn poll_interval(&self) -> Duration {
        Duration::from_secs(self.src.cfg.interval_secs.max(1))
    }

    fn load_checkpoint(&mut self) -> Result<(), SourceError> {
        if self.loaded {
            return Ok(());
        }
        if let Some(store) = &self.store {
            if let Some((_, end)) = store.checkpoint(&self.src.checkpoint_key())? {
                self.committed = i64::try_from(end).ok();
            }
        }
        self.loaded = true;
        Ok(())
    }

    /// Runs one fetch to completion on a private thread and runtime.
    fn fetch_blocking(&self, window: &SearchWindow) -> Result<Vec<SourceRecord>, SourceError> {
        let transport = |message: String| SourceError::Transport {
            source_name: self.src.name.clone(),
            message,
        };
        std::thread::scope(|s| {
            s.spawn(|| {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| transport(format!("starting a runtime: {e}")))?;
                rt.block_on(self.src.fetch(window))
            })
            .join()
            .unwrap_or_else(|_| Err(transport("the fetch thread panicked".into())))
        })
    }
}

impl LogSource for SplunkLogSource {
    fn name(&self) -> &str {
        &self.src.name
    }

    fn next_record(&mut self) -> Option<Result<SourceRecord, SourceError>> {
        if let Some(r) = self.buffer.pop_front() {
            if self.buffer.is_empty() {
                self.committed = self.in_flight;
            }
            return Some(Ok(r));
        }
        let due = match self.last_fetch {
            None => true,
            Some(at) => self.follow && at.elapsed() >= self.poll_interval(),
        };
        if !due {
            return None;
        }
        self.last_fetch = Some(Instant::now());
        if let Err(e) = self.load_checkpoint() {
            return Some(Err(e));
        }
        let window = self.src.window(self.committed, chrono::Utc::now());
        if window
            .earliest
            .parse::<i64>()
            .is_ok_and(|e| e >= window.latest)
        {
            return None; // nothing new yet (clock behind the checkpoint)
        }
        match self.fetch_blocking(&window) {
            Ok(records) => {
                self.buffer = records.into();
                if self.buffer.is_empty() {
                    self.committed = Some(window.latest);
                    None
                } else {
                    self.in_flight = Some(window.latest);
                    self.next_record()
                }
            }
            Err(e) => Some(Err(e)),
        }
    }

    fn checkpoints(&self) -> Vec<Checkpoint> {
        match self.committed {
            Some(end) => vec![Checkpoint {
                source_key: self.src.checkpoint_key(),
                identity: format!("splunk;latest={end}"),
                offset: end.max(0) as u64,
                line: 0,
            }],
            None => vec![],
        }
    }

    fn is_following(&self) -> bool {
        self.follow
    }

    fn poll_interval(&self) -> Duration {
        SplunkLogSource::poll_interval(self)
    }
}
