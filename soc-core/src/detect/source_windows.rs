//! The windows of one source: brute force, slow brute force, spraying and
//! its recent failures (for success-after-failures) as rules over one
//! [`FailureRing`], plus scanning.

use super::arena::Marks;
use super::config::Rule;
use super::failure_ring::{FailureRing, RuleWindow};
use super::keyed::KeyState;
use super::stamp::Stamp;
use super::window::{Episode, Windowed};

/// The recent failures' rule of the ring (see [`super::failure_ring::RULES`]).
pub(crate) const FAILURES: usize = 3;

/// The windows of one source (one map look-up per event for all of them).
#[derive(Debug, Default)]
pub(crate) struct SourceWindows {
    /// Failures: brute force, slow, spraying, recent failures.
    pub ring: FailureRing,
    /// Probes, for `ssh.scan`.
    pub scan: Windowed,
}

/// What the sweeps do with a window of any kind.
pub(crate) trait SweptWindow {
    fn last_time(&self) -> Option<Stamp>;
    fn queued(&mut self) -> &mut Option<Stamp>;
    fn close(&mut self) -> Option<Episode>;
    fn reset(&mut self);
    fn peek_mut(&mut self) -> Option<&mut Episode>;
}

impl SweptWindow for Windowed {
    fn last_time(&self) -> Option<Stamp> {
        Windowed::last_time(self)
    }
    fn queued(&mut self) -> &mut Option<Stamp> {
        &mut self.queued
    }
    fn close(&mut self) -> Option<Episode> {
        Windowed::close(self)
    }
    fn reset(&mut self) {
        Windowed::reset(self);
    }
    fn peek_mut(&mut self) -> Option<&mut Episode> {
        Windowed::peek_mut(self)
    }
}

impl SweptWindow for RuleWindow {
    fn last_time(&self) -> Option<Stamp> {
        RuleWindow::last_time(self)
    }
    fn queued(&mut self) -> &mut Option<Stamp> {
        &mut self.queued
    }
    fn close(&mut self) -> Option<Episode> {
        RuleWindow::close(self)
    }
    fn reset(&mut self) {
        RuleWindow::reset(self);
    }
    fn peek_mut(&mut self) -> Option<&mut Episode> {
        RuleWindow::peek_mut(self)
    }
}

impl SourceWindows {
    /// The windows that raise episodes, with their rule.
    pub fn rules_mut(&mut self) -> [(Rule, &mut dyn SweptWindow); 4] {
        let [brute, slow, spray, _] = &mut self.ring.rules;
        [
            (Rule::Brute, brute),
            (Rule::Slow, slow),
            (Rule::Spray, spray),
            (Rule::Scan, &mut self.scan),
        ]
    }

    /// Marks the evidence all the windows hold.
    pub fn mark_evidence(&self, marks: &mut Marks<'_>) {
        for w in &self.ring.rules {
            w.mark_evidence(marks);
        }
        self.scan.mark_evidence(marks);
    }

    /// The windows with an expiry calendar, with their rule (`None`: the
    /// recent failures, which raise no episode), in calendar order.
    pub fn by_queue(&mut self) -> [(Option<Rule>, &mut dyn SweptWindow); 5] {
        let [brute, slow, spray, failures] = &mut self.ring.rules;
        [
            (Some(Rule::Brute), brute),
            (Some(Rule::Slow), slow),
            (Some(Rule::Spray), spray),
            (Some(Rule::Scan), &mut self.scan),
            (None, failures),
        ]
    }
}

impl KeyState for SourceWindows {
    fn last_time(&self) -> Option<Stamp> {
        let mut last = self.scan.last_time();
        for r in &self.ring.rules {
            if r.last_time() > last {
                last = r.last_time();
            }
        }
        last
    }

    fn reset(&mut self) {
        self.ring.reset_all();
        self.scan.reset_unqueued();
    }
}

impl KeyState for Windowed {
    fn last_time(&self) -> Option<Stamp> {
        Windowed::last_time(self)
    }

    fn reset(&mut self) {
        Windowed::reset_unqueued(self);
    }
}
