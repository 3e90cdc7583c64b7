//! The windows of one source: brute force, slow brute force, spraying and
//! scanning, plus its recent failures for success-after-failures.

use super::arena::Marks;
use super::config::Rule;
use super::keyed::KeyState;
use super::stamp::Stamp;
use super::window::Windowed;

/// The windows of one source: brute force and slow brute force share its
/// failures (one map look-up per event for all of them).
#[derive(Debug, Default)]
pub(crate) struct SourceWindows {
    pub brute: Windowed,
    pub slow: Windowed,
    pub spray: Windowed,
    /// Probes, for `ssh.scan`.
    pub scan: Windowed,
    /// Failure times, for success-after-failures.
    pub failures: Windowed,
}

impl SourceWindows {
    /// The windows that raise episodes, with their rule.
    pub fn rules_mut(&mut self) -> [(Rule, &mut Windowed); 4] {
        [
            (Rule::Brute, &mut self.brute),
            (Rule::Slow, &mut self.slow),
            (Rule::Spray, &mut self.spray),
            (Rule::Scan, &mut self.scan),
        ]
    }

    /// Every window, in the order they are saved.
    pub fn all(&self) -> [&Windowed; 5] {
        [
            &self.brute,
            &self.slow,
            &self.spray,
            &self.failures,
            &self.scan,
        ]
    }

    /// Marks the evidence all the windows hold.
    pub fn mark_evidence(&self, marks: &mut Marks<'_>) {
        for w in self.all() {
            w.mark_evidence(marks);
        }
    }

    /// The windows with an expiry queue, with their rule (`None`: the
    /// recent failures, which raise no episode), in queue order.
    pub fn by_queue(&mut self) -> [(Option<Rule>, &mut Windowed); 5] {
        [
            (Some(Rule::Brute), &mut self.brute),
            (Some(Rule::Slow), &mut self.slow),
            (Some(Rule::Spray), &mut self.spray),
            (Some(Rule::Scan), &mut self.scan),
            (None, &mut self.failures),
        ]
    }
}

impl KeyState for SourceWindows {
    fn last_time(&self) -> Option<Stamp> {
        self.all().iter().filter_map(|w| w.last_time()).max()
    }

    fn reset(&mut self) {
        self.brute.reset();
        self.slow.reset();
        self.spray.reset();
        self.scan.reset();
        self.failures.reset();
    }
}

impl KeyState for Windowed {
    fn last_time(&self) -> Option<Stamp> {
        Windowed::last_time(self)
    }

    fn reset(&mut self) {
        Windowed::reset(self);
    }
}
