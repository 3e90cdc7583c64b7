//! Events in, alerts out in one call: the detectors run over a whole
//! input, as `soc ssh --alerts` and Python `detect_bruteforce` run them.
//! The streaming forms ([`AlertCollector::read_each`],
//! [`AlertCollector::finish_each`]) hand each alert over as it becomes
//! final, so a caller can encode it beside the detectors; sorting the
//! alerts with [`alert_order`] (a stable sort, in the order they were
//! handed over) gives the order of [`AlertCollector::finish`].

use std::cmp::Ordering;

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

    /// Like [`read`](Self::read), handing each alert to `each` as it
    /// becomes final instead of keeping it (alerts kept by earlier calls
    /// stay kept, for [`finish`](Self::finish) or
    /// [`finish_each`](Self::finish_each)).
    ///
    /// ```
    /// use soc_core::detect::{alert_order, AlertCollector, DetectConfig};
    /// use soc_core::parse::ssh::{Reader, SshOptions};
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/auth.log");
    /// let opts = SshOptions { year: Some(2026), ..Default::default() };
    /// let mut streamed = Vec::new();
    /// let mut c = AlertCollector::new(DetectConfig::default());
    /// c.read_each(&mut Reader::open(path, opts.clone()).unwrap(), |a| streamed.push(a));
    /// c.finish_each(|a| streamed.push(a));
    /// streamed.sort_by(alert_order);
    /// let mut kept = AlertCollector::new(DetectConfig::default());
    /// kept.read(&mut Reader::open(path, opts).unwrap());
    /// assert_eq!(streamed, kept.finish());
    /// ```
    pub fn read_each(&mut self, reader: &mut Reader, mut each: impl FnMut(Alert)) {
        let detectors = &mut self.detectors;
        reader.for_each_line(|r, file, line, text| {
            let done = if r.attempt.is_none() {
                detectors.observe_time(r.time)
            } else {
                detectors.observe_line(r, file, line, text)
            };
            done.into_iter().for_each(&mut each);
        });
    }

    /// Ends every open episode and returns all alerts, ordered by first
    /// evidence, then kind (alerts without a time first), then id.
    pub fn finish(mut self) -> Vec<Alert> {
        self.alerts.extend(self.detectors.finish());
        self.alerts.sort_by(alert_order);
        self.alerts
    }

    /// Ends every open episode and hands every alert not handed over yet
    /// to `each`, unsorted: the kept ones first, in the order they became
    /// final, then the open episodes' (sort with [`alert_order`]).
    pub fn finish_each(self, mut each: impl FnMut(Alert)) {
        let AlertCollector {
            mut detectors,
            alerts,
        } = self;
        alerts.into_iter().for_each(&mut each);
        detectors.finish_each(each);
    }
}

/// The order of [`AlertCollector::finish`]: by first evidence, then kind
/// (alerts without a time first), then id; for a stable sort of the
/// alerts in the order they became final (only alerts of one key and kind
/// can share an id, and those become final in one shard, in order: so
/// the order is the same however the detectors are split, see
/// [`ShardedCollector`](super::ShardedCollector)).
pub fn alert_order(a: &Alert, b: &Alert) -> Ordering {
    a.first_seen
        .cmp(&b.first_seen)
        .then_with(|| a.kind.cmp(&b.kind))
        .then_with(|| a.id.cmp(&b.id))
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
