//! Summary statistics of an SSH log.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use serde::Serialize;

use chrono::{DateTime, Utc};

use crate::model::{Attempt, Event, EventOutcome};
use crate::parse::ssh::{RemoteRef, SshRecordRef};

/// A failure's source: an address or a host name.
enum Source<'a> {
    Ip(IpAddr),
    Name(&'a str),
}

fn bump(m: &mut BTreeMap<String, u64>, k: &str) {
    match m.get_mut(k) {
        Some(c) => *c += 1,
        None => {
            m.insert(k.to_string(), 1);
        }
    }
}

fn bump_hash(m: &mut HashMap<String, u64>, k: &str) {
    match m.get_mut(k) {
        Some(c) => *c += 1,
        None => {
            m.insert(k.to_string(), 1);
        }
    }
}

/// Counts over SSH events by attempt class (failures, probes, successes),
/// top failing sources and users, events per kind and a per-hour histogram
/// of failures. `failures` counts events with `attempt == failure` (each
/// connection's real attempts once), `probes` those with `attempt ==
/// probe`, `successes` those with `attempt == success`.
///
/// ```
/// use soc_core::detect::SshSummary;
/// use soc_core::model::{Attempt, Event, EventOutcome};
/// let mut s = SshSummary::default();
/// let mut e = Event::new("ssh", "ssh.failed_auth");
/// e.outcome = EventOutcome::Failure;
/// e.attempt = Some(Attempt::Failure);
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
    /// Failed authentication attempts.
    pub failures: u64,
    /// Probes (pre-authentication activity that is no login attempt).
    pub probes: u64,
    /// Successful authentications (`attempt == success`).
    pub successes: u64,
    /// Accepted logins (the same count as `successes`, kept for readers of
    /// the older field).
    pub accepted: u64,
    /// Distinct probing sources: addresses and host names.
    #[serde(skip)]
    probe_ips: std::collections::HashSet<IpAddr>,
    #[serde(skip)]
    probe_names: std::collections::HashSet<String>,
    /// Events per kind.
    pub by_kind: BTreeMap<String, u64>,
    /// Failures per hour (`YYYY-MM-DDTHH`, UTC).
    pub failures_per_hour: BTreeMap<String, u64>,
    /// Failures per source host name (sources without an address).
    #[serde(skip)]
    sources: HashMap<String, u64>,
    /// Failures per source address (formatted only for the top list).
    #[serde(skip)]
    ip_sources: HashMap<IpAddr, u64>,
    /// The last hour key formatted, with its hour number.
    #[serde(skip)]
    last_hour: Option<(i64, String)>,
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
        let source = match (e.src_ip, e.src_host.as_deref()) {
            (Some(ip), _) => Some(Source::Ip(ip)),
            (None, Some(h)) => Some(Source::Name(h)),
            (None, None) => None,
        };
        let attempt = e.attempt.or(match e.outcome {
            EventOutcome::Failure => Some(Attempt::Failure),
            EventOutcome::Success => Some(Attempt::Success),
            EventOutcome::Unknown => None,
        });
        self.count(&e.kind, attempt, source, e.user.as_deref(), e.time);
    }

    /// Adds one record of the borrowed fast path
    /// ([`SshParser::parse_ref`](crate::parse::ssh::SshParser::parse_ref)),
    /// counting exactly what [`add`](Self::add) counts for the same line's
    /// event, without building the event.
    ///
    /// ```
    /// use soc_core::detect::SshSummary;
    /// use soc_core::parse::ssh::{SshOptions, SshParser};
    /// let mut p = SshParser::new(SshOptions { year: Some(2026), ..Default::default() });
    /// let mut s = SshSummary::default();
    /// let line = "Mar  1 10:00:00 host sshd[7]: Failed password for root from 198.51.100.1 port 22 ssh2";
    /// if let Some(r) = p.parse_ref(line) {
    ///     s.add_record(&r);
    /// }
    /// assert_eq!(s.failures, 1);
    /// assert_eq!(s.top_users(1), vec![("root".to_string(), 1)]);
    /// ```
    pub fn add_record(&mut self, r: &SshRecordRef<'_>) {
        let m = &r.message;
        let source = match &m.remote {
            Some(RemoteRef::Ip(ip)) => Some(Source::Ip(*ip)),
            Some(RemoteRef::Name(n)) => Some(Source::Name(n)),
            None => None,
        };
        self.count(
            m.kind.event_kind(),
            r.attempt,
            source,
            m.user.as_deref(),
            r.time,
        );
    }

    fn count(
        &mut self,
        kind: &str,
        attempt: Option<Attempt>,
        source: Option<Source<'_>>,
        user: Option<&str>,
        time: Option<DateTime<Utc>>,
    ) {
        self.events += 1;
        bump(&mut self.by_kind, kind);
        match attempt {
            Some(Attempt::Failure) => {
                self.failures += 1;
                match source {
                    Some(Source::Ip(ip)) => *self.ip_sources.entry(ip).or_default() += 1,
                    Some(Source::Name(h)) => bump_hash(&mut self.sources, h),
                    None => {}
                }
                if let Some(u) = user {
                    bump_hash(&mut self.users, u);
                }
                if let Some(t) = time {
                    // Logs are in time order: format each hour's key once.
                    let hour = t.timestamp().div_euclid(3600);
                    if self.last_hour.as_ref().is_none_or(|(h, _)| *h != hour) {
                        self.last_hour = Some((hour, t.format("%Y-%m-%dT%H").to_string()));
                    }
                    if let Some((_, key)) = &self.last_hour {
                        bump(&mut self.failures_per_hour, key);
                    }
                }
            }
            Some(Attempt::Success) => {
                self.successes += 1;
                self.accepted += 1;
            }
            Some(Attempt::Probe) => {
                self.probes += 1;
                match source {
                    Some(Source::Ip(ip)) => {
                        self.probe_ips.insert(ip);
                    }
                    Some(Source::Name(h)) if !self.probe_names.contains(h) => {
                        self.probe_names.insert(h.to_string());
                    }
                    Some(Source::Name(_)) => {}
                    None => {}
                }
            }
            None => {}
        }
    }

    /// The `n` sources with most failures (ties by name).
    pub fn top_sources(&self, n: usize) -> Vec<(String, u64)> {
        let mut all: HashMap<String, u64> = self.sources.clone();
        for (ip, c) in &self.ip_sources {
            *all.entry(ip.to_string()).or_default() += c;
        }
        top(&all, n)
    }

    /// The `n` most targeted users.
    pub fn top_users(&self, n: usize) -> Vec<(String, u64)> {
        top(&self.users, n)
    }

    /// Distinct probing sources.
    pub fn distinct_probe_sources(&self) -> usize {
        self.probe_ips.len() + self.probe_names.len()
    }

    /// Distinct failing sources.
    pub fn distinct_sources(&self) -> usize {
        self.sources.len() + self.ip_sources.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Origin;
    use crate::parse::ssh::{SshOptions, SshParser};

    /// The fast path counts exactly what the event path counts.
    #[test]
    fn add_record_agrees_with_add_on_the_sample_log() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/auth.log");
        let text = std::fs::read_to_string(path).unwrap();
        let opts = SshOptions {
            year: Some(2026),
            ..Default::default()
        };
        let (mut by_event, mut by_record) = (SshSummary::default(), SshSummary::default());
        let (mut p1, mut p2) = (SshParser::new(opts.clone()), SshParser::new(opts));
        for (i, line) in text.lines().enumerate() {
            let origin = Origin {
                file: String::new(),
                line: i as u64 + 1,
            };
            if let Some(e) = p1.parse_line(line, origin) {
                by_event.add(&e);
            }
            if let Some(r) = p2.parse_ref(line) {
                by_record.add_record(&r);
            }
        }
        assert!(by_event.failures > 10 && by_event.accepted > 0);
        assert_eq!(
            serde_json::to_value(&by_event).unwrap(),
            serde_json::to_value(&by_record).unwrap()
        );
        assert_eq!(by_event.top_sources(50), by_record.top_sources(50));
        assert_eq!(by_event.top_users(50), by_record.top_users(50));
        assert_eq!(by_event.distinct_sources(), by_record.distinct_sources());
    }

    #[test]
    fn host_name_sources_count_beside_addresses() {
        let mut s = SshSummary::default();
        for src in ["198.51.100.1", "198.51.100.1", "attacker.example"] {
            let mut e = Event::new("ssh", "ssh.failed_auth");
            e.outcome = EventOutcome::Failure;
            e.attempt = Some(Attempt::Failure);
            match src.parse() {
                Ok(ip) => e.src_ip = Some(ip),
                Err(_) => e.src_host = Some(src.into()),
            }
            s.add(&e);
        }
        assert_eq!(s.distinct_sources(), 2);
        assert_eq!(
            s.top_sources(5),
            vec![
                ("198.51.100.1".to_string(), 2),
                ("attacker.example".to_string(), 1)
            ]
        );
    }
}
