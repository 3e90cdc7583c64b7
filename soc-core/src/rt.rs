//! What an implementer of the async traits needs without depending on
//! tokio or async-trait directly: the [`async_trait`](crate::async_trait)
//! attribute is re-exported at the crate root, and this module drives async
//! code from synchronous code.
//!
//! ```
//! use soc_core::enrich::{EnrichConfig, EnrichmentService};
//! use soc_core::{Indicator, IndicatorKind};
//!
//! let svc = EnrichmentService::from_config(&EnrichConfig::default(), None, true).unwrap();
//! let ind = Indicator::new(IndicatorKind::AttackTechnique, "T1110");
//! let results = soc_core::rt::block_on(svc.enrich(&ind));
//! assert_eq!(results[0].as_ref().unwrap().provider, "attack");
//! ```

use std::future::Future;
use std::sync::OnceLock;

/// The shared multi-threaded runtime, started on first use.
///
/// # Panics
/// When the operating system refuses to start the runtime's threads.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("soc-rt")
            .build()
            .unwrap_or_else(|e| panic!("cannot start the soc runtime: {e}"))
    })
}

/// A handle to the shared runtime (to spawn tasks from other threads).
pub fn handle() -> tokio::runtime::Handle {
    runtime().handle().clone()
}

/// Runs `future` to completion on the shared runtime, from synchronous code
/// (a `main` without `#[tokio::main]`, a test, a binding).
///
/// # Panics
/// When called from inside an async context (use `.await` there).
pub fn block_on<F: Future>(future: F) -> F::Output {
    runtime().block_on(future)
}

/// Runs blocking work (a synchronous client library, file I/O) from inside
/// an `async fn` such as [`Enricher::enrich`](crate::Enricher::enrich)
/// without stalling the runtime. `None` when the work panicked.
pub async fn spawn_blocking<F, R>(work: F) -> Option<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    tokio::task::spawn_blocking(work).await.ok()
}
