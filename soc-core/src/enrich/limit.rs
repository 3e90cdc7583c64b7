//! Per-provider rate limits: a token bucket per minute, a counter per UTC
//! day, and a concurrency semaphore. Waiters are served in arrival order.
//!
//! With a state store ([`RateLimiter::shared`]) the daily quota and the
//! per-minute count live in the store (see [`crate::store::usage`]), shared
//! by every run and process on that file: cron's run every minute does not
//! start with a fresh quota, and a restart within a minute does not grant a
//! second minute's worth of lookups.

use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use tokio::sync::{Mutex, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::error::{EnrichError, StoreError};
use crate::store::StateStore;

struct Bucket {
    tokens: f64,
    last: Instant,
    day: NaiveDate,
    used_today: u32,
}

/// A rate limiter for one provider.
///
/// ```
/// use soc_core::enrich::limit::RateLimiter;
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let limiter = RateLimiter::new("virustotal", Some(4), Some(500), 4);
/// let _permit = limiter.acquire().await.unwrap();   // the first 4 are immediate
/// assert_eq!(limiter.remaining_today(), Some(499));
/// # });
/// ```
pub struct RateLimiter {
    provider: String,
    per_min: Option<u32>,
    per_day: Option<u32>,
    // A fair (FIFO) mutex: whoever waits first gets the next token.
    bucket: Mutex<Bucket>,
    concurrency: Arc<Semaphore>,
    shared: Option<Arc<StateStore>>,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("provider", &self.provider)
            .field("per_min", &self.per_min)
            .field("per_day", &self.per_day)
            .finish()
    }
}

/// A granted request slot; the concurrency slot is released when dropped.
#[derive(Debug)]
pub struct Permit {
    _permit: OwnedSemaphorePermit,
}

impl RateLimiter {
    /// A limiter allowing `per_min` requests per minute (bursts up to
    /// `per_min`), `per_day` per UTC day and `concurrency` at once. `None`
    /// (or 0) means unlimited.
    pub fn new(
        provider: &str,
        per_min: Option<u32>,
        per_day: Option<u32>,
        concurrency: usize,
    ) -> Self {
        let per_min = per_min.filter(|n| *n > 0);
        RateLimiter {
            provider: provider.to_string(),
            per_min,
            per_day: per_day.filter(|n| *n > 0),
            bucket: Mutex::new(Bucket {
                tokens: f64::from(per_min.unwrap_or(0)),
                last: Instant::now(),
                day: Utc::now().date_naive(),
                used_today: 0,
            }),
            concurrency: Arc::new(Semaphore::new(concurrency.max(1))),
            shared: None,
        }
    }

    /// Keeps the daily quota and the per-minute count in `store`, shared
    /// with every other limiter (in this or another process) on that file.
    pub fn shared(mut self, store: Arc<StateStore>) -> Self {
        self.shared = Some(store);
        self
    }

    /// The daily quota, if any.
    pub fn per_day(&self) -> Option<u32> {
        self.per_day
    }

    /// Runs a store call off the async runtime's threads.
    async fn in_store<T: Send + 'static>(
        &self,
        store: &Arc<StateStore>,
        f: impl FnOnce(&StateStore) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, EnrichError> {
        let store = store.clone();
        let failed = |message: String| EnrichError::Transport {
            provider: self.provider.clone(),
            message: format!("rate limit state: {message}"),
        };
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .map_err(|e| failed(e.to_string()))?
            .map_err(|e| failed(e.to_string()))
    }

    /// Takes the daily and per-minute slots in the shared store, waiting for
    /// the next minute while this one is full.
    async fn acquire_shared(&self, store: &Arc<StateStore>) -> Result<(), EnrichError> {
        let (provider, per_day) = (self.provider.clone(), self.per_day);
        let today = Utc::now().date_naive();
        if !self
            .in_store(store, move |s| s.take_daily_slot(&provider, today, per_day))
            .await?
        {
            return Err(EnrichError::RateLimited {
                provider: self.provider.clone(),
                retry_after: Some(until_midnight()),
            });
        }
        let Some(per_min) = self.per_min else {
            return Ok(());
        };
        loop {
            let now = Utc::now();
            let minute = now.timestamp().div_euclid(60);
            let provider = self.provider.clone();
            if self
                .in_store(store, move |s| {
                    s.take_minute_slot(&provider, minute, per_min)
                })
                .await?
            {
                return Ok(());
            }
            let into_minute = now.timestamp_millis().rem_euclid(60_000) as u64;
            tracing::debug!(provider = %self.provider, "per-minute limit reached by this or another run: waiting for the next minute");
            tokio::time::sleep(Duration::from_millis(60_000 - into_minute + 10)).await;
        }
    }

    /// Waits for a slot. Fails with [`EnrichError::RateLimited`] (retry after
    /// the next UTC midnight) when the daily quota is spent.
    pub async fn acquire(&self) -> Result<Permit, EnrichError> {
        {
            let mut b = self.bucket.lock().await;
            let today = Utc::now().date_naive();
            if b.day != today {
                b.day = today;
                b.used_today = 0;
            }
            if let Some(per_day) = self.per_day.filter(|_| self.shared.is_none()) {
                if b.used_today >= per_day {
                    return Err(EnrichError::RateLimited {
                        provider: self.provider.clone(),
                        retry_after: Some(until_midnight()),
                    });
                }
            }
            if let Some(per_min) = self.per_min {
                let rate = f64::from(per_min) / 60.0; // tokens per second
                loop {
                    let now = Instant::now();
                    let elapsed = now.duration_since(b.last).as_secs_f64();
                    b.tokens = (b.tokens + elapsed * rate).min(f64::from(per_min));
                    b.last = now;
                    if b.tokens >= 1.0 {
                        b.tokens -= 1.0;
                        break;
                    }
                    let wait = Duration::from_secs_f64((1.0 - b.tokens) / rate);
                    tracing::debug!(provider = %self.provider, "rate limit: waiting {:.1}s", wait.as_secs_f64());
                    // Sleep holding the lock: later callers queue behind us.
                    tokio::time::sleep(wait).await;
                }
            }
            if let Some(store) = &self.shared {
                // Under the bucket's lock: this process's waiters keep their order.
                self.acquire_shared(store).await?;
            }
            b.used_today += 1;
        }
        let permit = self
            .concurrency
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| EnrichError::Transport {
                provider: self.provider.clone(),
                message: "rate limiter closed".into(),
            })?;
        Ok(Permit { _permit: permit })
    }

    /// Requests left today under the configured daily quota (counted by
    /// this limiter; a shared limiter's count is in the store's
    /// [`provider_usage`](StateStore::provider_usage)).
    pub fn remaining_today(&self) -> Option<u64> {
        let per_day = self.per_day?;
        let used = self.bucket.try_lock().map(|b| b.used_today).unwrap_or(0);
        Some(u64::from(per_day.saturating_sub(used)))
    }
}

fn until_midnight() -> Duration {
    let now = Utc::now();
    let tomorrow = now
        .date_naive()
        .succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0));
    tomorrow
        .map(|t| t.and_utc() - now)
        .and_then(|d| d.to_std().ok())
        .unwrap_or(Duration::from_secs(3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn per_minute_bucket_spaces_requests() {
        let l = RateLimiter::new("t", Some(4), None, 10);
        let start = Instant::now();
        for _ in 0..4 {
            drop(l.acquire().await.unwrap());
        }
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "burst of 4 is immediate"
        );
        drop(l.acquire().await.unwrap());
        // The fifth waits for one token at 4/min = 15 s (paused clock, exact).
        assert!(start.elapsed() >= Duration::from_secs(14));
    }

    #[tokio::test(start_paused = true)]
    async fn daily_quota_is_an_error() {
        let l = RateLimiter::new("vt", None, Some(2), 10);
        drop(l.acquire().await.unwrap());
        drop(l.acquire().await.unwrap());
        assert_eq!(l.remaining_today(), Some(0));
        match l.acquire().await {
            Err(EnrichError::RateLimited {
                provider,
                retry_after,
            }) => {
                assert_eq!(provider, "vt");
                assert!(retry_after.is_some());
            }
            other => panic!("expected RateLimited, got {other:?}"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn waiters_are_served_in_order() {
        let l = Arc::new(RateLimiter::new("t", Some(1), None, 10));
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut handles = Vec::new();
        for i in 0..5 {
            let l = l.clone();
            let order = order.clone();
            handles.push(tokio::spawn(async move {
                let _p = l.acquire().await.unwrap();
                order.lock().unwrap().push(i);
            }));
            // Let task i queue up before task i+1 starts.
            tokio::task::yield_now().await;
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        for h in handles {
            h.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), vec![0, 1, 2, 3, 4]);
    }

    #[tokio::test]
    async fn concurrency_is_bounded() {
        let l = RateLimiter::new("t", None, None, 2);
        let a = l.acquire().await.unwrap();
        let _b = l.acquire().await.unwrap();
        let third = tokio::time::timeout(Duration::from_millis(50), l.acquire()).await;
        assert!(third.is_err(), "third slot must wait while two are held");
        drop(a);
        assert!(l.acquire().await.is_ok());
    }
}
