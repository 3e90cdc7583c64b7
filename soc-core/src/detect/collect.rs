//! Events in, alerts out in one call: the detectors run over a whole
//! input, as `soc ssh --alerts` and Python `detect_bruteforce` run them.

use crate::detect::{DetectConfig, DetectorSet};
use crate::model::{Alert, Event};
use crate::parse::ssh::Reader;

/// A [`DetectorSet`] and the alerts it has made so far. Feed it any
/// number of inputs, then [`finish`](AlertCollector::finish).
#[derive(Debug)]
pub struct AlertCollector {
    detectors: DetectorSet,
    alerts: Vec<Alert>,
}

impl AlertCollector {
    /// Detectors configured by `cfg`, no alerts yet.
    pub fn new(cfg: DetectConfig) -> AlertCollector {
        AlertCollector {
            detectors: DetectorSet::new(cfg),
            alerts: Vec::new(),
        }
    }

    /// Feeds every event of `events` (e.g. a `&mut` [`Reader`](crate::parse::ssh::Reader)).
    pub fn observe_all(&mut self, events: impl IntoIterator<Item = Event>) {
        for e in events {
            self.alerts.extend(self.detectors.observe_owned(e));
        }
    }

    /// Feeds every remaining line of `reader`, the same as
    /// [`observe_all`](Self::observe_all) of its events, but builds an
    /// [`Event`] only when a detector keeps it as evidence
    /// ([`DetectorSet::observe_record`]): other sshd lines only move the
    /// detectors' clock ([`DetectorSet::observe_time`]).
    ///
    /// ```
    /// use soc_core::detect::{AlertCollector, DetectConfig};
    /// use soc_core::parse::ssh::{Reader, SshOptions};
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/auth.log");
    /// let opts = SshOptions { year: Some(2026), ..Default::default() };
    /// let mut by_line = AlertCollector::new(DetectConfig::default());
    /// by_line.read(&mut Reader::open(path, opts.clone()).unwrap());
    /// let mut by_event = AlertCollector::new(DetectConfig::default());
    /// by_event.observe_all(Reader::open(path, opts).unwrap());
    /// assert_eq!(by_line.finish(), by_event.finish());
    /// ```
    pub fn read(&mut self, reader: &mut Reader) {
        let AlertCollector { detectors, alerts } = self;
        reader.for_each_line(|r, file, line, text| {
            if r.attempt.is_none() {
                alerts.extend(detectors.observe_time(r.time));
            } else {
                alerts.extend(detectors.observe_line(r, file, line, text));
            }
        });
    }

    /// Ends every open episode and returns all alerts, ordered by first
    /// evidence, then kind (alerts without a time first).
    pub fn finish(mut self) -> Vec<Alert> {
        self.alerts.extend(self.detectors.finish());
        self.alerts
            .sort_by(|a, b| a.first_seen.cmp(&b.first_seen).then(a.kind.cmp(&b.kind)));
        self.alerts
    }
}

/// The alerts of the detectors configured by `cfg` over `events`, ordered
/// as [`AlertCollector::finish`] orders them.
///
/// ```
/// use soc_core::detect::{alerts_of, DetectConfig};
/// use soc_core::parse::ssh::{Reader, SshOptions};
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/auth.log");
/// let reader = Reader::open(path, SshOptions { year: Some(2026), ..Default::default() }).unwrap();
/// let alerts = alerts_of(DetectConfig::default(), reader);
/// assert!(alerts.iter().any(|a| a.kind == "ssh.brute_force"));
/// assert!(alerts.windows(2).all(|w| w[0].first_seen <= w[1].first_seen));
/// ```
pub fn alerts_of(cfg: DetectConfig, events: impl IntoIterator<Item = Event>) -> Vec<Alert> {
    let mut c = AlertCollector::new(cfg);
    c.observe_all(events);
    c.finish()
}
