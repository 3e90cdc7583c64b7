//! The side lanes' threads: a reader thread for independent sources (EVE,
//! generic alerts) beside the lane of the SSH sources runs at a lower
//! scheduling priority (on Linux, `nice` +`run.side_lane_nice`, by default
//! [`SIDE_LANE_NICE`]; at most 19).
//!
//! The SSH lane bounds a run: its detectors are one serial chain, while a
//! side lane's work can run at any time before the run ends. With equal
//! priorities the two lanes (and the commits) share the cores evenly, the
//! SSH lane gets half a core while the side lane reads, and the side lane
//! then finishes early and leaves a core idle while the detectors run on.
//! A lower priority lets the side lane use the time the SSH lane leaves:
//! the same work, done sooner (the run's wall time dropped ~7 % in the
//! 1M-line + 200 MiB benchmark, see BENCHMARKS.md). Priority only orders
//! who runs first when the cores are busy: the side lane still runs on an
//! idle core, and its results are the same.
//!
//! Each side lane gets a thread of its own that ends with it (a raised
//! `nice` cannot be lowered again without privileges, so it is never set
//! on a pooled thread).

/// How much lower a side lane's priority is by default (`nice` increment).
pub const SIDE_LANE_NICE: i32 = 10;

/// Runs `body` on a new thread named `soc-side-lane` at `nice` steps
/// lower priority, and waits for it; a panic in `body` is resumed here. When no
/// thread can be started, `body` runs here, at the caller's priority.
pub(super) fn run_side_lane<T: Send>(nice: i32, body: impl FnOnce() -> T + Send) -> T {
    // Taken by the thread, or back here when none could be started.
    let body = std::sync::Mutex::new(Some(body));
    let take = || body.lock().unwrap_or_else(|p| p.into_inner()).take();
    let started = std::thread::scope(|s| {
        let lowered = || {
            lower_priority(nice);
            take().map(|f| f())
        };
        let thread = std::thread::Builder::new().name("soc-side-lane".into());
        match thread.spawn_scoped(s, lowered) {
            Ok(h) => h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
            Err(e) => {
                tracing::debug!(error = %e, "side lane runs on the pool thread");
                None
            }
        }
    });
    match started {
        Some(out) => out,
        None => take()
            .map(|f| f())
            .expect("the side lane's body ran on neither thread"),
    }
}

#[cfg(target_os = "linux")]
fn lower_priority(nice: i32) {
    use rustix::process::{getpriority_process, setpriority_process};
    // On Linux the "process" priority of the calling thread's id (None:
    // the caller) is the thread's own.
    let now = getpriority_process(None).unwrap_or(0);
    let lower = now.saturating_add(nice).min(19);
    if let Err(e) = setpriority_process(None, lower) {
        tracing::debug!(error = %e, "side lane at the run's priority");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority(_nice: i32) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    fn nice() -> i32 {
        rustix::process::getpriority_process(None).unwrap()
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_side_lane_runs_at_a_lower_priority_and_the_caller_keeps_its_own() {
        let before = nice();
        let (inside, name) = run_side_lane(SIDE_LANE_NICE, || {
            (nice(), std::thread::current().name().map(String::from))
        });
        assert_eq!(inside, (before + SIDE_LANE_NICE).min(19));
        assert_eq!(name.as_deref(), Some("soc-side-lane"));
        assert_eq!(nice(), before);
    }

    #[test]
    fn a_panic_in_the_side_lane_reaches_the_caller() {
        let out = std::panic::catch_unwind(|| run_side_lane(3, || -> u8 { panic!("boom") }));
        assert!(out.is_err());
    }
}
