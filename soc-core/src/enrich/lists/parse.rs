//! Line parsing of threat-intelligence list files. The format is detected
//! per line, so one parser reads plain IP/CIDR lists, FireHOL netsets,
//! Spamhaus DROP (text and JSON lines), abuse.ch Feodo / URLhaus / ThreatFox
//! CSV, hosts files and plain domain, URL and hash lists.

use std::net::IpAddr;
use std::str::FromStr;

use ipnetwork::IpNetwork;
use serde_json::Value;

/// Where parsed entries go (a threat list).
pub(crate) trait EntrySink {
    /// Adds `entry`, written as `raw`, with its label.
    fn add(&mut self, entry: Entry, raw: &str, label: Option<String>);
}

/// What one token of a list is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Entry {
    /// An address range, inclusive (single addresses have `start == end`).
    V4(u32, u32),
    /// An IPv6 range, inclusive.
    V6(u128, u128),
    /// A domain (lower case, no trailing dot).
    Domain(String),
    /// A URL as written.
    Url(String),
    /// A file hash (lower case hex).
    Hash(String),
}

/// Classifies one token (IP, `IP:port`, CIDR, URL, hash or domain).
pub(crate) fn classify(token: &str) -> Option<Entry> {
    let t = token.trim().trim_matches('"').trim();
    if t.is_empty() {
        return None;
    }
    if let Ok(ip) = IpAddr::from_str(t) {
        return Some(range_of(ip, ip));
    }
    if t.contains('/') && !t.contains("://") {
        if let Ok(net) = IpNetwork::from_str(t) {
            return Some(range_of(net.network(), net.broadcast()));
        }
        return None;
    }
    if let Some((host, port)) = t.rsplit_once(':') {
        if port.chars().all(|c| c.is_ascii_digit()) && !port.is_empty() {
            let host = host.trim_start_matches('[').trim_end_matches(']');
            if let Ok(ip) = IpAddr::from_str(host) {
                return Some(range_of(ip, ip));
            }
        }
    }
    if t.contains("://") {
        return url::Url::parse(t).ok().map(|_| Entry::Url(t.to_string()));
    }
    if matches!(t.len(), 32 | 40 | 64 | 128) && t.chars().all(|c| c.is_ascii_hexdigit()) {
        return Some(Entry::Hash(t.to_ascii_lowercase()));
    }
    let d = t.trim_end_matches('.').to_ascii_lowercase();
    let labels_ok = d.split('.').all(|l| {
        !l.is_empty()
            && l.len() <= 63
            && l.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    });
    let tld_alpha = d
        .rsplit('.')
        .next()
        .is_some_and(|tld| tld.chars().any(|c| c.is_ascii_alphabetic()));
    if d.contains('.') && labels_ok && tld_alpha && d.len() <= 253 {
        return Some(Entry::Domain(d));
    }
    None
}

fn range_of(a: IpAddr, b: IpAddr) -> Entry {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => Entry::V4(
            u32::from(a).min(u32::from(b)),
            u32::from(a).max(u32::from(b)),
        ),
        (IpAddr::V6(a), IpAddr::V6(b)) => Entry::V6(
            u128::from(a).min(u128::from(b)),
            u128::from(a).max(u128::from(b)),
        ),
        (IpAddr::V4(a), IpAddr::V6(_)) | (IpAddr::V6(_), IpAddr::V4(a)) => {
            Entry::V4(u32::from(a), u32::from(a))
        }
    }
}

/// Private and loopback IPv4 blocks a threat list should not contain.
const PRIVATE_V4: &[(u32, u32, &str)] = &[
    (0x0A00_0000, 0x0AFF_FFFF, "10.0.0.0/8 (private)"),
    (0xAC10_0000, 0xAC1F_FFFF, "172.16.0.0/12 (private)"),
    (0xC0A8_0000, 0xC0A8_FFFF, "192.168.0.0/16 (private)"),
    (0x7F00_0000, 0x7FFF_FFFF, "127.0.0.0/8 (loopback)"),
];

/// The private block `[start, end]` overlaps, if any.
pub(crate) fn private_overlap(start: u32, end: u32) -> Option<&'static str> {
    PRIVATE_V4
        .iter()
        .find(|(s, e, _)| start <= *e && end >= *s)
        .map(|(_, _, name)| *name)
}

/// Column layout of a CSV list, learned from its header.
#[derive(Debug, Default, Clone)]
struct Columns {
    value: Option<usize>,
    kind: Option<usize>,
    label: Option<usize>,
}

impl Columns {
    fn from_header(fields: &[String]) -> Option<Columns> {
        let find = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| fields.iter().position(|f| f == n))
        };
        let value = find(&[
            "ioc_value",
            "ioc",
            "dst_ip",
            "ip_address",
            "ip",
            "url",
            "indicator",
            "cidr",
        ])?;
        Some(Columns {
            value: Some(value),
            kind: find(&["ioc_type", "type"]),
            label: find(&[
                "malware_printable",
                "malware",
                "threat",
                "fk_malware",
                "tags",
                "sblid",
            ]),
        })
    }
}

fn csv_fields(line: &str) -> Option<Vec<String>> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(line.as_bytes());
    let rec = rdr.records().next()?.ok()?;
    Some(
        rec.iter()
            .map(|f| f.trim().trim_matches('"').to_string())
            .collect(),
    )
}

fn add_token(
    list: &mut impl EntrySink,
    token: &str,
    label: Option<String>,
    warnings: &mut Vec<String>,
    path: &str,
    n: usize,
) -> bool {
    match classify(token) {
        Some(entry) => {
            if let Entry::V4(s, e) = entry {
                if let Some(block) = private_overlap(s, e) {
                    warnings.push(format!(
                        "{path}:{n}: '{}' covers {block}; internal hosts will match this list",
                        token.trim()
                    ));
                }
            }
            list.add(entry, token.trim().trim_matches('"'), label);
            true
        }
        None => false,
    }
}

/// Parses `text` (read from `path`) into `list`, returning warnings
/// (`path:line: ...`) for bad lines and private ranges.
pub(crate) fn parse_into(list: &mut impl EntrySink, path: &str, text: &str) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut columns: Option<Columns> = None;
    for (i, raw_line) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw_line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line
            .strip_prefix('#')
            .or_else(|| line.strip_prefix(';'))
            .or_else(|| line.strip_prefix("//"))
        {
            // abuse.ch CSVs put their header in a comment.
            if comment.contains(',') {
                if let Some(fields) = csv_fields(comment.trim()) {
                    if let Some(c) = Columns::from_header(&fields) {
                        columns = Some(c);
                    }
                }
            }
            continue;
        }
        // Spamhaus DROP JSON lines (metadata lines have no cidr).
        if line.starts_with('{') {
            match serde_json::from_str::<Value>(line) {
                Ok(v) => {
                    if let Some(cidr) = v.get("cidr").and_then(Value::as_str) {
                        let label = v.get("sblid").and_then(Value::as_str).map(str::to_string);
                        if !add_token(list, cidr, label, &mut warnings, path, n) {
                            warnings.push(format!("{path}:{n}: cidr '{cidr}' is not a network"));
                        }
                    }
                }
                Err(e) => warnings.push(format!("{path}:{n}: invalid JSON line: {e}")),
            }
            continue;
        }
        if line.contains(',') {
            let Some(fields) = csv_fields(line) else {
                warnings.push(format!("{path}:{n}: unreadable CSV row"));
                continue;
            };
            if columns.is_none() {
                // A header row without '#' (plain CSV export).
                if let Some(c) = Columns::from_header(
                    &fields
                        .iter()
                        .map(|f| f.to_ascii_lowercase())
                        .collect::<Vec<_>>(),
                ) {
                    columns = Some(c);
                    continue;
                }
            }
            let label_of = |c: &Columns| {
                c.label
                    .and_then(|l| fields.get(l))
                    .filter(|s| !s.is_empty() && *s != "None")
                    .cloned()
            };
            let ok = match &columns {
                Some(c) => {
                    let value = c.value.and_then(|v| fields.get(v));
                    let kind = c.kind.and_then(|k| fields.get(k)).map(String::as_str);
                    match (value, kind) {
                        (Some(v), Some("ip:port")) => add_token(
                            list,
                            v.rsplit_once(':').map_or(v.as_str(), |(h, _)| h),
                            label_of(c),
                            &mut warnings,
                            path,
                            n,
                        ),
                        (Some(v), _) => add_token(list, v, label_of(c), &mut warnings, path, n),
                        (None, _) => false,
                    }
                }
                None => fields
                    .iter()
                    .any(|f| add_token(list, f, None, &mut warnings, path, n)),
            };
            if !ok {
                warnings.push(format!(
                    "{path}:{n}: no IP, CIDR, domain, URL or hash in CSV row"
                ));
            }
            continue;
        }
        // Plain lines: strip trailing comments (DROP: "1.10.16.0/20 ; SBL256894").
        let (body, label) = match line.split_once(';').or_else(|| line.split_once(" #")) {
            Some((b, c)) => (
                b.trim(),
                Some(c.trim().to_string()).filter(|c| !c.is_empty()),
            ),
            None => (line, None),
        };
        let tokens: Vec<&str> = body.split_whitespace().collect();
        let ok = match tokens.as_slice() {
            [] => true,
            // hosts file: "0.0.0.0 evil.example"
            [sink, host] if matches!(*sink, "0.0.0.0" | "127.0.0.1" | "::" | "::1") => {
                add_token(list, host, label, &mut warnings, path, n)
            }
            // range: "198.51.100.0 - 198.51.100.255"
            [a, "-", b] => match (IpAddr::from_str(a), IpAddr::from_str(b)) {
                (Ok(a), Ok(b)) => {
                    let entry = range_of(a, b);
                    if let Entry::V4(s, e) = entry {
                        if let Some(block) = private_overlap(s, e) {
                            warnings.push(format!("{path}:{n}: '{body}' covers {block}; internal hosts will match this list"));
                        }
                    }
                    list.add(entry, body, label);
                    true
                }
                _ => false,
            },
            [first, rest @ ..] => {
                let label = label.or_else(|| (!rest.is_empty()).then(|| rest.join(" ")));
                add_token(list, first, label, &mut warnings, path, n)
            }
        };
        if !ok {
            warnings.push(format!(
                "{path}:{n}: '{}' is not an IP, CIDR, domain, URL or hash",
                crate::enrich::http::truncate(body, 80)
            ));
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_tokens() {
        assert_eq!(
            classify("198.51.100.7"),
            Some(Entry::V4(0xC633_6407, 0xC633_6407))
        );
        assert_eq!(
            classify("198.51.100.0/24"),
            Some(Entry::V4(0xC633_6400, 0xC633_64FF))
        );
        assert_eq!(
            classify("198.51.100.7:8080"),
            Some(Entry::V4(0xC633_6407, 0xC633_6407))
        );
        assert_eq!(
            classify("Evil.Example."),
            Some(Entry::Domain("evil.example".into()))
        );
        assert!(matches!(
            classify("http://evil.example/x"),
            Some(Entry::Url(_))
        ));
        assert!(matches!(classify(&"A".repeat(64)), Some(Entry::Hash(_))));
        assert_eq!(classify("not a thing"), None);
        assert_eq!(classify("1.2.3"), None);
        assert_eq!(classify("300.1.1.1/8"), None);
    }

    #[test]
    fn private_overlap_detects_bogons() {
        assert!(private_overlap(0x0A01_0203, 0x0A01_0203).is_some());
        assert!(private_overlap(0, u32::MAX).is_some());
        assert!(private_overlap(0xC633_6400, 0xC633_64FF).is_none());
    }
}
