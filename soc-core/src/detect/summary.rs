//! Summary statistics of an SSH log.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::model::{Event, EventOutcome};

/// Counts over SSH events: failures, accepted logins, top sources and
/// users, events per kind and a per-hour histogram of failures.
///
/// ```
/// use soc_core::detect::SshSummary;
/// use soc_core::model::{Event, EventOutcome};
/// let mut s = SshSummary::default();
/// let mut e = Event::new("ssh", "ssh.failed_auth");
/// e.outcome = EventOutcome::Failure;
/// e.src_ip = Some("198.51.100.1".parse().unwrap());
/// e.user = Some("root".into());
/// s.add(&e);
/// assert_eq!(s.failures, 1);
/// assert_eq!(s.top_sources(5), vec![("198.51.100.1".to_string(), 1)]);
/// ```
#[derive(Debug, Default, Clone, Serialize)]
pub struct SshSummary {
    /// Events seen.
    pub events: u64,
    /// Failed or illegitimate attempts.
    pub failures: u64,
    /// Accepted logins.
    pub accepted: u64,
    /// Events per kind.
    pub by_kind: BTreeMap<String, u64>,
    /// Failures per hour (`YYYY-MM-DDTHH`, UTC).
    pub failures_per_hour: BTreeMap<String, u64>,
    #[serde(skip)]
    sources: HashMap<String, u64>,
    #[serde(skip)]
    users: HashMap<String, u64>,
}

fn top(m: &HashMap<String, u64>, n: usize) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = m.iter().map(|(k, c)| (k.clone(), *c)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.truncate(n);
    v
}

impl SshSummary {
    /// Adds one event.
    pub fn add(&mut self, e: &Event) {
        self.events += 1;
        *self.by_kind.entry(e.kind.clone()).or_default() += 1;
        match e.outcome {
            EventOutcome::Failure => {
                self.failures += 1;
                if let Some(s) = e
                    .src_ip
                    .map(|i| i.to_string())
                    .or_else(|| e.src_host.clone())
                {
                    *self.sources.entry(s).or_default() += 1;
                }
                if let Some(u) = &e.user {
                    *self.users.entry(u.clone()).or_default() += 1;
                }
                if let Some(t) = e.time {
                    *self
                        .failures_per_hour
                        .entry(t.format("%Y-%m-%dT%H").to_string())
                        .or_default() += 1;
                }
            }
            EventOutcome::Success => self.accepted += 1,
            EventOutcome::Unknown => {}
        }
    }

    /// The `n` sources with most failures (ties by name).
    pub fn top_sources(&self, n: usize) -> Vec<(String, u64)> {
        top(&self.sources, n)
    }

    /// The `n` most targeted users.
    pub fn top_users(&self, n: usize) -> Vec<(String, u64)> {
        top(&self.users, n)
    }

    /// Distinct failing sources.
    pub fn distinct_sources(&self) -> usize {
        self.sources.len()
    }
}
