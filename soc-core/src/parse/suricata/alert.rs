//! Alerts from EVE: normalization ([`alert_from_eve`], [`alert_from_line`])
//! and the fast paths that find alert lines without parsing the others
//! ([`is_alert_line`] for one line, [`alert_lines`] for a whole buffer).

use std::fmt;
use std::net::IpAddr;
use std::sync::LazyLock;

use serde_json::Value;

use super::{read_line, EveAlert, EveRecord};
use crate::error::ParseError;
use crate::model::{Alert, AttackRef, Indicator, IndicatorKind, Severity};

static ALERT_FINDERS: LazyLock<[memchr::memmem::Finder<'static>; 2]> = LazyLock::new(|| {
    [
        memchr::memmem::Finder::new(b"\"event_type\":\"alert\""),
        memchr::memmem::Finder::new(b"\"event_type\": \"alert\""),
    ]
});
static DROP_FINDER: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new(b"\"event_type\":\"drop\""));
static ALERT_OBJ: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new(b"\"alert\":"));

/// Whether a raw EVE line may hold an alert (`event_type` `alert`, or a
/// `drop` carrying an `alert` object), without parsing it. False positives
/// are possible (the text inside a string), false negatives are not for
/// Suricata's own output.
///
/// ```
/// use soc_core::parse::suricata::is_alert_line;
/// assert!(is_alert_line(br#"{"event_type":"alert","alert":{}}"#));
/// assert!(!is_alert_line(br#"{"event_type":"flow"}"#));
/// ```
pub fn is_alert_line(line: &[u8]) -> bool {
    ALERT_FINDERS.iter().any(|f| f.find(line).is_some())
        || (DROP_FINDER.find(line).is_some() && ALERT_OBJ.find(line).is_some())
}

static ALERT_WORD: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new(b"\"alert\""));

/// The lines of a whole EVE buffer for which [`is_alert_line`] holds, in
/// order (a trailing `\r` removed), found without splitting the buffer into
/// lines: one substring search for `"alert"` runs over the buffer, and only
/// the lines it hits are delimited and checked. Every line that
/// [`is_alert_line`] accepts contains `"alert"`, so none is missed.
///
/// ```
/// use soc_core::parse::suricata::alert_lines;
/// let buf = b"{\"event_type\":\"flow\",\"flow\":{\"alerted\":false}}\n{\"event_type\":\"alert\",\"alert\":{}}\r\n";
/// let v: Vec<&[u8]> = alert_lines(buf).collect();
/// assert_eq!(v, vec![&b"{\"event_type\":\"alert\",\"alert\":{}}"[..]]);
/// ```
pub fn alert_lines(buf: &[u8]) -> AlertLines<'_> {
    AlertLines { buf, pos: 0 }
}

/// Iterator returned by [`alert_lines`].
#[derive(Debug, Clone)]
pub struct AlertLines<'a> {
    buf: &'a [u8],
    /// Always the start of a line (or past the end).
    pos: usize,
}

impl<'a> AlertLines<'a> {
    /// The next candidate line with its offset in the buffer.
    pub(super) fn next_at(&mut self) -> Option<(usize, &'a [u8])> {
        loop {
            let base = self.pos;
            let rest = self.buf.get(base..)?;
            let hit = ALERT_WORD.find(rest)?;
            let before = rest.get(..hit)?;
            let start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
            let after = rest.get(hit..)?;
            let end = memchr::memchr(b'\n', after).map_or(rest.len(), |i| hit + i);
            self.pos = base + end + 1;
            let line = rest.get(start..end)?;
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if is_alert_line(line) {
                return Some((base + start, line));
            }
        }
    }
}

impl<'a> Iterator for AlertLines<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        self.next_at().map(|(_, line)| line)
    }
}

/// The normalized alert of one EVE line, reading only what the alert
/// needs (the envelope and the `alert` object; everything else is
/// validated and skipped). Same result as [`parse_eve_line`] followed by
/// [`alert_from_eve`], including the errors: `Ok(None)` when the line is
/// a valid record without an alert.
///
/// [`parse_eve_line`]: super::parse_eve_line
///
/// ```
/// use soc_core::parse::suricata::alert_from_line;
/// let a = alert_from_line(r#"{"event_type":"alert","src_ip":"192.0.2.7","alert":{"signature":"X","severity":1}}"#).unwrap().unwrap();
/// assert_eq!((a.title.as_str(), a.severity), ("X", soc_core::Severity::High));
/// assert_eq!(alert_from_line(r#"{"event_type":"flow"}"#).unwrap(), None);
/// assert!(alert_from_line("{").is_err());
/// ```
pub fn alert_from_line(line: &str) -> Result<Option<Alert>, ParseError> {
    let mut rec = EveRecord::empty();
    read_line(line, false, &mut rec)?;
    Ok(alert_from_eve(&rec))
}

/// The normalized alert of an `alert` record (or a `drop` carrying one):
/// signature, sid, rev, category, severity on the common scale (1 high,
/// 2 medium, 3 low, 4 info; `signature_severity: Critical` makes it
/// critical), action, tuple and ATT&CK references from rule metadata.
/// The id is stable: derived from time, flow id, sid and addresses.
pub fn alert_from_eve(rec: &EveRecord) -> Option<Alert> {
    // An `alert` record without its object (partial exports) is still an alert.
    let none = EveAlert::default();
    let a = match rec.views.alert.as_deref() {
        Some(a) => a,
        None if rec.event_type == "alert" => &none,
        None => return None,
    };
    let mut sev = match a.severity {
        Some(1) => Severity::High,
        Some(2) => Severity::Medium,
        Some(3) => Severity::Low,
        Some(_) => Severity::Info,
        None => Severity::Medium,
    };
    if a.meta_strs("signature_severity")
        .any(|v| v.eq_ignore_ascii_case("critical"))
    {
        sev = Severity::Critical;
    }
    let sig = a
        .signature
        .clone()
        .unwrap_or_else(|| "Suricata alert".into());
    let key = format!(
        "{}|{}|{}:{}:{}|{}|{}",
        rec.ts_text.as_deref().unwrap_or(""),
        rec.flow_id.unwrap_or(0),
        a.gid.unwrap_or(1),
        a.signature_id.unwrap_or(0),
        a.rev.unwrap_or(0),
        OptIp(rec.src_ip),
        OptIp(rec.dest_ip),
    );
    let mut al = Alert::new("suricata.alert", &key, sig, sev);
    al.source = "suricata".into();
    al.src_ip = rec.src_ip;
    al.dst_ip = rec.dest_ip;
    al.dst_port = rec.dest_port;
    al.host = rec.host.clone();
    al.first_seen = rec.timestamp;
    al.last_seen = rec.timestamp;
    al.count = 1;
    al.attack = a.attack();
    for ip in [rec.src_ip, rec.dest_ip].into_iter().flatten() {
        let kind = if ip.is_ipv4() {
            IndicatorKind::Ipv4
        } else {
            IndicatorKind::Ipv6
        };
        al.indicators.push(Indicator::new(kind, ip.to_string()));
    }
    let f = &mut al.fields;
    if let Some(v) = a.signature_id {
        f.insert("signature_id".into(), v.into());
    }
    if let Some(v) = a.gid {
        f.insert("gid".into(), v.into());
    }
    if let Some(v) = a.rev {
        f.insert("rev".into(), v.into());
    }
    if let Some(v) = &a.category {
        f.insert("category".into(), v.clone().into());
    }
    if let Some(v) = &a.action {
        f.insert("action".into(), v.clone().into());
    }
    if let Some(v) = a.severity {
        f.insert("suricata_severity".into(), v.into());
    }
    if let Some(v) = rec.src_port {
        f.insert("src_port".into(), v.into());
    }
    if let Some(v) = &rec.proto {
        f.insert("proto".into(), v.clone().into());
    }
    if let Some(v) = &rec.app_proto {
        f.insert("app_proto".into(), v.clone().into());
    }
    if let Some(v) = rec.flow_id {
        f.insert("flow_id".into(), v.into());
    }
    if rec.event_type == "drop" {
        f.insert("dropped".into(), true.into());
    }
    Some(al)
}

/// An optional address, written as nothing when absent.
struct OptIp(Option<IpAddr>);

impl fmt::Display for OptIp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(ip) => ip.fmt(f),
            None => Ok(()),
        }
    }
}

/// `Command_And_Control` -> `command-and-control`.
pub(crate) fn norm_tactic(s: &str) -> String {
    s.trim().to_ascii_lowercase().replace(['_', ' '], "-")
}

impl EveAlert {
    /// ATT&CK references from the rule metadata (`mitre_technique_id`,
    /// `mitre_technique_name`, `mitre_tactic_id`, `mitre_tactic_name`),
    /// paired by position; tactic names normalized to `command-and-control`
    /// style, technique names with spaces.
    pub fn attack(&self) -> Vec<AttackRef> {
        let tnames: Vec<&str> = self.meta_strs("mitre_technique_name").collect();
        let aids: Vec<&str> = self.meta_strs("mitre_tactic_id").collect();
        let anames: Vec<&str> = self.meta_strs("mitre_tactic_name").collect();
        self.meta_strs("mitre_technique_id")
            .enumerate()
            .map(|(i, t)| AttackRef {
                technique_id: t.trim().to_string(),
                technique_name: tnames
                    .get(i)
                    .or(tnames.first())
                    .map(|n| n.replace('_', " ")),
                tactic_id: aids.get(i).or(aids.first()).map(|s| s.to_string()),
                tactic_name: anames.get(i).or(anames.first()).map(|n| norm_tactic(n)),
            })
            .collect()
    }

    /// The strings of a metadata key, borrowed ([`EveAlert::meta`]).
    fn meta_strs<'s>(&'s self, key: &str) -> impl Iterator<Item = &'s str> {
        let (many, one) = match self.metadata.get(key) {
            Some(Value::Array(a)) => (a.as_slice(), None),
            Some(Value::String(s)) => (&[][..], Some(s.as_str())),
            _ => (&[][..], None),
        };
        many.iter().filter_map(Value::as_str).chain(one)
    }
}
