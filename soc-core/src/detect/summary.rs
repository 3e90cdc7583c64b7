//! Summary statistics of an SSH log: the counts `soc ssh --summary` and
//! Python `ssh_summary` print.
//!
//! Built for a million lines a second: keys are interned once (a source,
//! user or event kind seen again costs one hash lookup of a cheap hash and
//! an array increment), hours are integers, and strings are made only when
//! the summary is printed ([`SshSummary::rows`], the accessors).

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::detect::{Map, Set};
use crate::model::{Attempt, Event, EventOutcome};
use crate::parse::intern::Tally;
use crate::parse::ssh::{Reader, RemoteRef, SshRecordRef};

/// A failure's source: an address or a host name.
enum Source<'a> {
    Ip(IpAddr),
    Name(&'a str),
}

/// One row of the printed summary: `metric`, an optional `key` (a source,
/// user or hour) and the `value`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SummaryRow {
    /// `events`, `failures`, `probes`, `successes`, `accepted`,
    /// `distinct_sources`, `distinct_probe_sources`, `top_source`,
    /// `top_user` or `failures_per_hour`.
    pub metric: &'static str,
    /// The source, user or hour (`YYYY-MM-DDTHH`, UTC); empty for totals.
    pub key: String,
    /// The count.
    pub value: u64,
}

/// Counts over SSH events by attempt class (failures, probes, successes),
/// top failing sources and users, events per kind and a per-hour histogram
/// of failures. `failures` counts events with `attempt == failure` (each
/// connection's real attempts once), `probes` those with `attempt ==
/// probe`, `successes` those with `attempt == success`.
///
/// Python: `soc_core.ssh_summary`; CLI: `soc ssh --summary`.
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
/// assert_eq!(s.by_kind()["ssh.failed_auth"], 1);
/// ```
#[derive(Debug, Default, Clone)]
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
    /// Events per kind.
    kinds: Tally,
    /// The interned id of each [`SshKind`](crate::parse::ssh::SshKind)'s
    /// event kind, by discriminant (`u32::MAX`: not seen yet).
    kind_ids: Vec<u32>,
    /// Distinct probing sources: addresses (IPv4 as integers, a cheaper
    /// key than `IpAddr`) and host names.
    probe_ips: Set<u32>,
    probe_ips6: Set<Ipv6Addr>,
    probe_names: Set<Box<str>>,
    /// Failures per hour (hours since the epoch, UTC), but for those of
    /// `open_hour`.
    hours: Map<i64, u64>,
    /// The hour of the last failure and its failures not yet in `hours`
    /// (logs come in time order: most failures are the last one's hour).
    open_hour: (i64, u64),
    /// The date of the last failure and its first hour (hours since the
    /// epoch): a failure of the same day takes its hour from its time of
    /// day alone, without the calendar arithmetic of a timestamp.
    open_day: Option<(NaiveDate, i64)>,
    /// Failures per source host name (sources without an address).
    names: Tally,
    /// Failures per source address (IPv4 as integers).
    ips: Map<u32, u64>,
    ips6: Map<Ipv6Addr, u64>,
    /// Failures per user.
    users: Tally,
}

/// The `n` pairs with the highest counts, ties by key; the others are
/// only partitioned away, not sorted.
fn top<K: Ord>(pairs: impl Iterator<Item = (K, u64)>, n: usize) -> Vec<(K, u64)> {
    let mut v: Vec<(K, u64)> = pairs.collect();
    let order = |a: &(K, u64), b: &(K, u64)| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0));
    if v.len() > n {
        v.select_nth_unstable_by(n, order);
        v.truncate(n);
    }
    v.sort_unstable_by(order);
    v
}

/// The `n`-th highest of `counts` (the lowest when there are fewer, 0
/// when none): only keys counted at least that often can make the top `n`,
/// so only their texts need reading.
fn least_of_top(counts: impl Iterator<Item = u64>, n: usize) -> u64 {
    top(counts.map(|c| ((), c)), n).last().map_or(0, |p| p.1)
}

/// [`top`] with the keys as strings.
fn top_strings<'a>(pairs: impl Iterator<Item = (&'a str, u64)>, n: usize) -> Vec<(String, u64)> {
    let v = top(pairs, n);
    v.into_iter().map(|(k, c)| (k.to_string(), c)).collect()
}

impl SshSummary {
    /// The summary of everything `reader` has left to read (its counts of
    /// lines stay in the reader, see [`Reader::stats`]).
    ///
    /// ```
    /// use soc_core::detect::SshSummary;
    /// use soc_core::parse::ssh::{Reader, SshOptions};
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/auth.log");
    /// let mut reader = Reader::open(path, SshOptions { year: Some(2026), ..Default::default() }).unwrap();
    /// let mut s = SshSummary::default();
    /// s.read(&mut reader);
    /// assert_eq!(s.events, reader.stats().events);
    /// assert!(s.failures > 10);
    /// ```
    pub fn read(&mut self, reader: &mut Reader) {
        reader.for_each_record(|r| self.add_record(r));
    }

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
        self.kinds.bump(&e.kind);
        self.count(attempt, source, e.user.as_deref(), e.time);
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
        let k = m.kind as usize;
        if self.kind_ids.len() <= k {
            self.kind_ids.resize(k + 1, u32::MAX);
        }
        if self.kind_ids[k] == u32::MAX {
            self.kind_ids[k] = self.kinds.id(m.kind.event_kind());
        }
        self.kinds.bump_id(self.kind_ids[k]);
        self.count(r.attempt, source, m.user.as_deref(), r.time);
    }

    fn count(
        &mut self,
        attempt: Option<Attempt>,
        source: Option<Source<'_>>,
        user: Option<&str>,
        time: Option<DateTime<Utc>>,
    ) {
        self.events += 1;
        match attempt {
            Some(Attempt::Failure) => {
                self.failures += 1;
                match source {
                    Some(Source::Ip(IpAddr::V4(ip))) => {
                        *self.ips.entry(ip.to_bits()).or_default() += 1;
                    }
                    Some(Source::Ip(IpAddr::V6(ip))) => *self.ips6.entry(ip).or_default() += 1,
                    Some(Source::Name(h)) => self.names.bump(h),
                    None => {}
                }
                if let Some(u) = user {
                    self.users.bump(u);
                }
                if let Some(t) = time {
                    let h = self.hour_of(t);
                    self.hour_failed(h);
                }
            }
            Some(Attempt::Success) => {
                self.successes += 1;
                self.accepted += 1;
            }
            Some(Attempt::Probe) => {
                self.probes += 1;
                match source {
                    Some(Source::Ip(IpAddr::V4(ip))) => {
                        self.probe_ips.insert(ip.to_bits());
                    }
                    Some(Source::Ip(IpAddr::V6(ip))) => {
                        self.probe_ips6.insert(ip);
                    }
                    Some(Source::Name(h)) if !self.probe_names.contains(h) => {
                        self.probe_names.insert(h.into());
                    }
                    Some(Source::Name(_)) | None => {}
                }
            }
            None => {}
        }
    }

    /// The hour of `t` (hours since the epoch): `t.timestamp()` divided
    /// by 3600, from the day's first hour when `t` falls on the day of the
    /// failure before.
    fn hour_of(&mut self, t: DateTime<Utc>) -> i64 {
        // The UTC fields as stored (`DateTime`'s own `date_naive` and
        // `Timelike` go through the offset: dearer than the timestamp).
        let utc = t.naive_utc();
        let (day, secs) = (utc.date(), utc.time().num_seconds_from_midnight());
        let first = match self.open_day {
            Some((d, first)) if d == day => first,
            _ => {
                let first = (t.timestamp() - i64::from(secs)) / 3600;
                self.open_day = Some((day, first));
                first
            }
        };
        first + i64::from(secs / 3600)
    }

    /// Counts a failure in hour `h` (hours since the epoch).
    fn hour_failed(&mut self, h: i64) {
        if self.open_hour.0 != h {
            let (open, n) = std::mem::replace(&mut self.open_hour, (h, 0));
            if n > 0 {
                *self.hours.entry(open).or_default() += n;
            }
        }
        self.open_hour.1 += 1;
    }

    /// Events per kind (`ssh.failed_auth`, ...).
    pub fn by_kind(&self) -> BTreeMap<String, u64> {
        self.kinds
            .pairs()
            .filter(|(_, c)| *c > 0)
            .map(|(k, c)| (k.to_string(), c))
            .collect()
    }

    /// Failures per hour, keyed `YYYY-MM-DDTHH` (UTC), in time order.
    pub fn failures_per_hour(&self) -> BTreeMap<String, u64> {
        let (open, n) = self.open_hour;
        let mut hours: Vec<(i64, u64)> = self
            .hours
            .iter()
            .map(|(&h, &c)| (h, c + if h == open { n } else { 0 }))
            .collect();
        if n > 0 && !self.hours.contains_key(&open) {
            hours.push((open, n));
        }
        hours.sort_unstable();
        hours
            .into_iter()
            .filter_map(|(h, c)| {
                let t = DateTime::<Utc>::from_timestamp(h.checked_mul(3600)?, 0)?;
                Some((t.format("%Y-%m-%dT%H").to_string(), c))
            })
            .collect()
    }

    /// The `n` sources with most failures (ties by name).
    pub fn top_sources(&self, n: usize) -> Vec<(String, u64)> {
        // The text of an address parses back as that address: when no
        // host name does, names and addresses never share a key, and only
        // the addresses that can make the top need their text: those
        // counted at least as often as the n-th most counted.
        let least = if self.names.pairs().any(|(k, _)| k.parse::<IpAddr>().is_ok()) {
            0
        } else {
            let counts = (self.ips.values().chain(self.ips6.values()).copied())
                .chain(self.names.counts().iter().copied());
            least_of_top(counts, n)
        };
        // Only the addresses that can make the top become text.
        let v4 = (self.ips.iter().filter(|p| *p.1 >= least))
            .map(|(&ip, &c)| (Ipv4Addr::from_bits(ip).to_string(), c));
        let v6 = (self.ips6.iter().filter(|p| *p.1 >= least)).map(|(ip, &c)| (ip.to_string(), c));
        let ips: Vec<(String, u64)> = v4.chain(v6).collect();
        let mut all: Map<&str, u64> = Map::default();
        for (k, c) in self
            .names
            .pairs()
            .chain(ips.iter().map(|(k, c)| (k.as_str(), *c)))
        {
            *all.entry(k).or_default() += c;
        }
        top_strings(all.into_iter(), n)
    }

    /// The `n` most targeted users.
    pub fn top_users(&self, n: usize) -> Vec<(String, u64)> {
        let least = least_of_top(self.users.counts().iter().copied(), n);
        top_strings(self.users.pairs_from(least), n)
    }

    /// Distinct probing sources.
    pub fn distinct_probe_sources(&self) -> usize {
        self.probe_ips.len() + self.probe_ips6.len() + self.probe_names.len()
    }

    /// Distinct failing sources.
    pub fn distinct_sources(&self) -> usize {
        self.names.len() + self.ips.len() + self.ips6.len()
    }

    /// The summary as printed by `soc ssh --summary`: the totals, the `top`
    /// sources and users, and the failures per hour.
    ///
    /// ```
    /// let rows = soc_core::detect::SshSummary::default().rows(10);
    /// assert_eq!((rows[0].metric, rows[0].value), ("events", 0));
    /// assert_eq!(rows.len(), 7);
    /// ```
    pub fn rows(&self, top: usize) -> Vec<SummaryRow> {
        let row = |metric, key: &str, value| SummaryRow {
            metric,
            key: key.to_string(),
            value,
        };
        let mut rows = vec![
            row("events", "", self.events),
            row("failures", "", self.failures),
            row("probes", "", self.probes),
            row("successes", "", self.successes),
            row("accepted", "", self.accepted),
            row("distinct_sources", "", self.distinct_sources() as u64),
            row(
                "distinct_probe_sources",
                "",
                self.distinct_probe_sources() as u64,
            ),
        ];
        rows.extend(self.top_sources(top).into_iter().map(|(k, v)| SummaryRow {
            metric: "top_source",
            key: k,
            value: v,
        }));
        rows.extend(self.top_users(top).into_iter().map(|(k, v)| SummaryRow {
            metric: "top_user",
            key: k,
            value: v,
        }));
        rows.extend(
            self.failures_per_hour()
                .into_iter()
                .map(|(k, v)| SummaryRow {
                    metric: "failures_per_hour",
                    key: k,
                    value: v,
                }),
        );
        rows
    }
}

/// The counters and the per-kind and per-hour maps (what the summary
/// serialized before the maps were interned).
impl Serialize for SshSummary {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let mut st = ser.serialize_struct("SshSummary", 7)?;
        st.serialize_field("events", &self.events)?;
        st.serialize_field("failures", &self.failures)?;
        st.serialize_field("probes", &self.probes)?;
        st.serialize_field("successes", &self.successes)?;
        st.serialize_field("accepted", &self.accepted)?;
        st.serialize_field("by_kind", &self.by_kind())?;
        st.serialize_field("failures_per_hour", &self.failures_per_hour())?;
        st.end()
    }
}

#[cfg(test)]
#[path = "summary_tests.rs"]
mod tests;
