//! Local threat-intelligence lists, offline: plain IP/CIDR lists, FireHOL
//! netsets, Spamhaus DROP (text and JSON lines), abuse.ch Feodo / URLhaus /
//! ThreatFox CSV, hosts files, plain domain, URL and hash lists.
//!
//! Address entries are kept as sorted, merged, non-overlapping ranges
//! (`u32` for IPv4, `u128` for IPv6), so a lookup is one binary search
//! however many millions of entries a list has.
//!
//! ```
//! use soc_core::enrich::lists::{ListSet, ThreatList};
//! let (list, warnings) = ThreatList::parse("drop", "# Spamhaus DROP\n198.51.100.0/24 ; SBL1\nbogus line\n");
//! assert_eq!(warnings.len(), 1);
//! assert!(warnings[0].starts_with("drop:3:"));
//! let set = ListSet::from_lists(vec![list]);
//! assert_eq!(set.contains_ip("198.51.100.77".parse().unwrap()), Some("drop"));
//! assert_eq!(set.contains_ip("203.0.113.1".parse().unwrap()), None);
//! ```

mod parse;

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;

use self::parse::Entry;
use super::{Enricher, Reading};
use crate::error::EnrichError;
use crate::model::{Enrichment, Facts, Indicator, IndicatorKind, Verdict};

/// One list file.
#[derive(Debug, Clone, Default)]
pub struct ThreatList {
    /// The list's name (file stem), shown in matches.
    pub name: String,
    /// Where it was read from (or its name).
    pub path: String,
    v4: Vec<(u32, u32)>,
    v6: Vec<(u128, u128)>,
    domains: HashSet<String>,
    urls: HashSet<String>,
    hashes: HashSet<String>,
    labels: HashMap<String, String>,
    entries: usize,
}

/// A list hit: which list, and the entry's label (malware family, SBL id...) when it has one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListMatch {
    /// The list name.
    pub list: String,
    /// The entry that matched (an address, network, domain, URL or hash).
    pub entry: String,
    /// The entry's label, when the list gives one.
    pub label: Option<String>,
}

fn merge<T: Ord + Copy>(ranges: &mut Vec<(T, T)>, next: impl Fn(T) -> Option<T>) {
    ranges.sort_unstable();
    let mut out: Vec<(T, T)> = Vec::with_capacity(ranges.len());
    for &(s, e) in ranges.iter() {
        match out.last_mut() {
            Some(last) if next(last.1).is_none_or(|n| s <= n) => {
                if e > last.1 {
                    last.1 = e;
                }
            }
            _ => out.push((s, e)),
        }
    }
    *ranges = out;
}

fn find<T: Ord + Copy>(ranges: &[(T, T)], x: T) -> Option<(T, T)> {
    let i = ranges.partition_point(|r| r.0 <= x);
    let r = *ranges.get(i.checked_sub(1)?)?;
    (r.1 >= x).then_some(r)
}

impl ThreatList {
    /// Parses list text; `name` is used in matches and warnings. Returns the
    /// list and warnings (`name:line: why`) for bad lines and private ranges.
    pub fn parse(name: &str, text: &str) -> (ThreatList, Vec<String>) {
        Self::parse_from(name, name, text)
    }

    fn parse_from(name: &str, path: &str, text: &str) -> (ThreatList, Vec<String>) {
        let mut list = ThreatList {
            name: name.to_string(),
            path: path.to_string(),
            ..ThreatList::default()
        };
        let warnings = parse::parse_into(&mut list, path, text);
        merge(&mut list.v4, |x| x.checked_add(1));
        merge(&mut list.v6, |x| x.checked_add(1));
        (list, warnings)
    }

    /// Reads a list file; the name is the file stem.
    pub fn load(path: &Path) -> Result<(ThreatList, Vec<String>), EnrichError> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| EnrichError::ListIo {
            path: shown.clone(),
            source,
        })?;
        let text = String::from_utf8_lossy(&bytes);
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| shown.clone());
        Ok(Self::parse_from(&name, &shown, &text))
    }

    /// Entries read (before merging overlapping networks).
    pub fn len(&self) -> usize {
        self.entries
    }

    /// Whether the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// Whether `ip` is on the list (in one of its addresses or networks).
    pub fn contains_ip(&self, ip: IpAddr) -> bool {
        self.ip_range(ip).is_some()
    }

    fn ip_range(&self, ip: IpAddr) -> Option<String> {
        match ip {
            IpAddr::V4(v4) => find(&self.v4, u32::from(v4)).map(|(s, e)| {
                fmt_range(
                    IpAddr::from(std::net::Ipv4Addr::from(s)),
                    IpAddr::from(std::net::Ipv4Addr::from(e)),
                )
            }),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => self.ip_range(IpAddr::V4(v4)),
                None => find(&self.v6, u128::from(v6)).map(|(s, e)| {
                    fmt_range(
                        IpAddr::from(std::net::Ipv6Addr::from(s)),
                        IpAddr::from(std::net::Ipv6Addr::from(e)),
                    )
                }),
            },
        }
    }

    /// Whether `domain` or one of its parents is on the list.
    pub fn contains_domain(&self, domain: &str) -> Option<String> {
        let d = domain.trim_end_matches('.').to_ascii_lowercase();
        let mut rest = d.as_str();
        loop {
            if self.domains.contains(rest) {
                return Some(rest.to_string());
            }
            rest = rest.split_once('.')?.1;
        }
    }

    /// Matches of `ind` on this list.
    pub fn lookup(&self, ind: &Indicator) -> Option<ListMatch> {
        let entry = match ind.kind {
            IndicatorKind::Ipv4 | IndicatorKind::Ipv6 => self.ip_range(ind.ip()?),
            IndicatorKind::Domain => self.contains_domain(&ind.value),
            IndicatorKind::Url => {
                let trimmed = ind.value.trim_end_matches('/');
                if self.urls.contains(&ind.value) {
                    Some(ind.value.clone())
                } else if self.urls.contains(trimmed) {
                    Some(trimmed.to_string())
                } else {
                    let host = url::Url::parse(&ind.value).ok()?.host_str()?.to_string();
                    let host = host.trim_start_matches('[').trim_end_matches(']');
                    match host.parse::<IpAddr>() {
                        Ok(ip) => self.ip_range(ip),
                        Err(_) => self.contains_domain(host),
                    }
                }
            }
            k if k.is_hash() => {
                let h = ind.value.to_ascii_lowercase();
                self.hashes.contains(&h).then_some(h)
            }
            _ => None,
        }?;
        let label = self
            .labels
            .get(&entry)
            .cloned()
            .or_else(|| self.labels.get(&ind.value).cloned());
        Some(ListMatch {
            list: self.name.clone(),
            entry,
            label,
        })
    }
}

impl parse::EntrySink for ThreatList {
    fn add(&mut self, entry: Entry, raw: &str, label: Option<String>) {
        self.entries += 1;
        let key = match entry {
            Entry::V4(s, e) => {
                self.v4.push((s, e));
                raw.to_string()
            }
            Entry::V6(s, e) => {
                self.v6.push((s, e));
                raw.to_string()
            }
            Entry::Domain(d) => {
                self.domains.insert(d.clone());
                d
            }
            Entry::Url(u) => {
                self.urls.insert(u.clone());
                u
            }
            Entry::Hash(h) => {
                self.hashes.insert(h.clone());
                h
            }
        };
        if let Some(l) = label {
            self.labels.insert(key, l);
        }
    }
}

fn fmt_range(s: IpAddr, e: IpAddr) -> String {
    if s == e {
        return s.to_string();
    }
    match ipnetwork::IpNetwork::new(s, prefix_len(s, e)) {
        Ok(n) if n.network() == s && n.broadcast() == e => n.to_string(),
        _ => format!("{s} - {e}"),
    }
}

fn prefix_len(s: IpAddr, e: IpAddr) -> u8 {
    match (s, e) {
        (IpAddr::V4(s), IpAddr::V4(e)) => (u32::from(s) ^ u32::from(e)).leading_zeros() as u8,
        (IpAddr::V6(s), IpAddr::V6(e)) => (u128::from(s) ^ u128::from(e)).leading_zeros() as u8,
        _ => 0,
    }
}

/// Several lists, looked up together.
#[derive(Debug, Clone, Default)]
pub struct ListSet {
    lists: Vec<ThreatList>,
}

impl ListSet {
    /// Loads list files. Unreadable files are errors; bad lines and private
    /// ranges are returned as warnings (`path:line: why`).
    pub fn load<P: AsRef<Path>>(paths: &[P]) -> Result<(ListSet, Vec<String>), EnrichError> {
        let mut lists = Vec::new();
        let mut warnings = Vec::new();
        for p in paths {
            let (list, w) = ThreatList::load(p.as_ref())?;
            warnings.extend(w);
            lists.push(list);
        }
        Ok((ListSet { lists }, warnings))
    }

    /// A set of already parsed lists.
    pub fn from_lists(lists: Vec<ThreatList>) -> Self {
        ListSet { lists }
    }

    /// The lists.
    pub fn lists(&self) -> &[ThreatList] {
        &self.lists
    }

    /// The name of the first list containing `ip`.
    pub fn contains_ip(&self, ip: IpAddr) -> Option<&str> {
        self.lists
            .iter()
            .find(|l| l.contains_ip(ip))
            .map(|l| l.name.as_str())
    }

    /// Every list that has `ind`.
    pub fn lookup(&self, ind: &Indicator) -> Vec<ListMatch> {
        self.lists.iter().filter_map(|l| l.lookup(ind)).collect()
    }
}

/// The `lists` enricher: local list membership.
#[derive(Debug, Clone)]
pub struct LocalLists {
    set: Arc<ListSet>,
}

impl LocalLists {
    /// An enricher over `set`.
    pub fn new(set: Arc<ListSet>) -> Self {
        LocalLists { set }
    }

    /// The lists it consults.
    pub fn set(&self) -> &ListSet {
        &self.set
    }
}

#[async_trait]
impl Enricher for LocalLists {
    fn name(&self) -> &str {
        "lists"
    }

    fn supports(&self, ind: &Indicator) -> bool {
        ind.kind.is_ip()
            || ind.kind.is_hash()
            || matches!(ind.kind, IndicatorKind::Domain | IndicatorKind::Url)
    }

    fn is_local(&self) -> bool {
        true
    }

    async fn enrich(&self, ind: &Indicator) -> Result<Enrichment, EnrichError> {
        let matches = self.set.lookup(ind);
        if matches.is_empty() {
            let mut e = Enrichment::unknown("lists", ind).with_ttl(0);
            e.summary = format!("not on {} local lists", self.set.lists.len());
            return Ok(e);
        }
        let mut facts = Facts::default();
        let mut parts = Vec::new();
        for m in &matches {
            facts.tags.push(m.list.clone());
            let mut part = m.list.clone();
            if m.entry != ind.value {
                part.push_str(&format!(" as {}", m.entry));
            }
            if let Some(l) = &m.label {
                facts.tags.push(l.clone());
                part.push_str(&format!(" ({l})"));
            }
            parts.push(part);
        }
        if let Ok(v) = serde_json::to_value(&matches) {
            facts.extra.insert("matches".into(), v);
        }
        let summary = format!("listed in {}", parts.join(", "));
        Ok(Reading::new(Verdict::Malicious, 90, facts, summary).answer("lists", ind, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_ranges_answer_membership() {
        let (l, w) = ThreatList::parse(
            "t",
            "198.51.100.0/25\n198.51.100.128/25\n203.0.113.5\n2001:db8::/32\n",
        );
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(
            l.v4,
            vec![(0xC633_6400, 0xC633_64FF), (0xCB00_7105, 0xCB00_7105)]
        );
        assert!(l.contains_ip("198.51.100.200".parse().unwrap()));
        assert!(!l.contains_ip("198.51.101.0".parse().unwrap()));
        assert!(l.contains_ip("203.0.113.5".parse().unwrap()));
        assert!(!l.contains_ip("203.0.113.6".parse().unwrap()));
        assert!(l.contains_ip("2001:db8:1::1".parse().unwrap()));
        assert!(l.contains_ip("::ffff:203.0.113.5".parse().unwrap()));
    }

    #[test]
    fn full_range_does_not_overflow() {
        let (l, _) = ThreatList::parse("all", "0.0.0.0/0\n255.255.255.255\n::/0\n");
        assert!(l.contains_ip("255.255.255.255".parse().unwrap()));
        assert!(l.contains_ip("ffff::1".parse().unwrap()));
        assert_eq!(l.v4.len(), 1);
    }

    #[test]
    fn domain_parents_match() {
        let (l, _) = ThreatList::parse("d", "evil.example\n");
        assert_eq!(
            l.contains_domain("a.b.Evil.Example."),
            Some("evil.example".into())
        );
        assert_eq!(l.contains_domain("notevil.example"), None);
    }
}
