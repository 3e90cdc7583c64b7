//! [`ShardedCollector`]: the detectors of an [`AlertCollector`] split by
//! key over threads. Each shard is a [`DetectorSet`] for the sources and
//! users whose key hashes to it (see `shard`), fed every line of the
//! input on a thread of its own, so the windows of one input are worked
//! on side by side. The shards raise the alerts of one set: sorted with
//! [`alert_order`], they are [`AlertCollector::finish`]'s alerts.
//!
//! The one difference is the bound: each shard holds at most its share
//! of `max_tracked_keys` sources (and users), so past the bound the keys
//! forgotten first are the least recently active of their shard.
//!
//! [`AlertCollector`]: super::AlertCollector
//! [`AlertCollector::finish`]: super::AlertCollector::finish
//! [`alert_order`]: super::alert_order

use std::thread;

use super::shard::{Part, MAX_PARTS};
use super::sighting::{Route, Sighting};
use super::{DetectConfig, DetectorSet};
use crate::model::Alert;
use crate::parse::ssh::{Reader, SshRecordRef};

/// Detector sets for the shards of the keys (see the module docs).
#[derive(Debug)]
pub struct ShardedCollector {
    shards: Vec<DetectorSet>,
    /// Any one of the parts: routes lines among them all.
    router: Part,
    ipv6_prefix: u8,
}

impl ShardedCollector {
    /// Detectors configured by `cfg`, split into `shards` (from 1 to 64).
    pub fn new(cfg: DetectConfig, shards: usize) -> ShardedCollector {
        let n = shards.clamp(1, MAX_PARTS);
        ShardedCollector {
            router: Part::new(0, n),
            ipv6_prefix: cfg.ipv6_prefix,
            shards: (0..n)
                .map(|i| DetectorSet::part(cfg.clone(), Part::new(i, n)))
                .collect(),
        }
    }

    /// How many shards the keys are split into.
    pub fn shards(&self) -> usize {
        self.shards.len()
    }

    /// Feeds every remaining line of `reader` to every shard, each shard
    /// on a thread of its own when `reader` parses on more than one; each
    /// alert goes to `each` as it becomes final, from its shard's thread.
    ///
    /// ```
    /// use std::sync::Mutex;
    /// use soc_core::detect::{alert_order, AlertCollector, DetectConfig, ShardedCollector};
    /// use soc_core::parse::ssh::{Reader, SshOptions};
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/auth.log");
    /// let opts = SshOptions { year: Some(2026), ..Default::default() };
    /// let found = Mutex::new(Vec::new());
    /// let keep = |a| found.lock().unwrap().push(a);
    /// let mut sharded = ShardedCollector::new(DetectConfig::default(), 3);
    /// sharded.read_each(&mut Reader::open(path, opts.clone()).unwrap().with_threads(2), &keep);
    /// sharded.finish_each(&keep);
    /// let mut found = found.into_inner().unwrap();
    /// found.sort_by(alert_order);
    /// let mut one = AlertCollector::new(DetectConfig::default());
    /// one.read(&mut Reader::open(path, opts).unwrap());
    /// assert_eq!(found, one.finish());
    /// ```
    pub fn read_each(&mut self, reader: &mut Reader, each: &(dyn Fn(Alert) + Sync)) {
        // The same for every shard: computed once per line, on the joiner.
        let (router, prefix) = (self.router, self.ipv6_prefix);
        let route = |r: &SshRecordRef<'_>| router.route(&Sighting::of_record(r), prefix).0;
        reader.for_each_line_sharded(
            &mut self.shards,
            &route,
            &|d, route, r, file, line, text| {
                let done = if r.attempt.is_none() {
                    d.observe_time(r.time)
                } else {
                    d.observe_line_routed(r, file, line, text, Route(route))
                };
                done.into_iter().for_each(each);
            },
        );
    }

    /// Ends every open episode, each shard on a thread of its own, handing
    /// each alert to `each` (sort with [`alert_order`](super::alert_order)).
    pub fn finish_each(self, each: &(dyn Fn(Alert) + Sync)) {
        let mut shards = self.shards.into_iter();
        let Some(mut first) = shards.next() else {
            return;
        };
        thread::scope(|s| {
            for mut d in shards {
                s.spawn(move || d.finish_each(each));
            }
            first.finish_each(each);
        });
    }
}
