//! Suricata EVE JSON.
//!
//! [`parse_eve_line`] reads one EVE line into an [`EveRecord`]: the typed
//! envelope (timestamp, flow id, tuple, protocol, ...) plus the whole object
//! kept in order, so nothing is lost and re-serializing is faithful. Typed
//! views of the event objects ([`EveAlert`], [`EveDns`], [`EveHttp`],
//! [`EveTls`], [`EveFlow`], [`EveFileinfo`], [`EveAnomaly`]) are built on
//! demand and never fail: fields missing or of an unexpected type are `None`.
//!
//! [`is_alert_line`] is the fast path: a byte search that lets alert-only
//! readers skip every other line without parsing it. [`alert_from_eve`]
//! turns an alert (or a `drop` carrying one) into a normalized [`Alert`].
//!
//! ```
//! use soc_core::parse::suricata::{parse_eve_line, alert_from_eve, is_alert_line};
//! let line = r#"{"timestamp":"2026-11-21T02:14:40.000000+0000","event_type":"alert","src_ip":"203.0.113.45","src_port":4242,"dest_ip":"10.0.0.5","dest_port":22,"proto":"TCP","alert":{"action":"allowed","gid":1,"signature_id":2001219,"rev":20,"signature":"ET SCAN Potential SSH Scan","category":"Attempted Information Leak","severity":2,"metadata":{"mitre_tactic_id":["TA0006"],"mitre_tactic_name":["Credential_Access"],"mitre_technique_id":["T1110"],"mitre_technique_name":["Brute_Force"]}}}"#;
//! assert!(is_alert_line(line.as_bytes()));
//! let rec = parse_eve_line(line).unwrap();
//! let alert = alert_from_eve(&rec).unwrap();
//! assert_eq!(alert.severity, soc_core::Severity::Medium);
//! assert_eq!(alert.attack[0].technique_id, "T1110");
//! assert_eq!(alert.attack[0].tactic_name.as_deref(), Some("credential-access"));
//! ```

mod objects;

use std::net::IpAddr;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

pub use objects::{
    DnsAnswer, DnsQuery, EveAlert, EveAnomaly, EveDns, EveFileinfo, EveFlow, EveHttp, EveTls,
};

use crate::error::ParseError;
use crate::model::{
    Alert, AttackRef, Event, EventOutcome, Indicator, IndicatorKind, Origin, Severity,
};

/// One EVE record: the typed envelope plus the complete object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EveRecord {
    /// Event time (UTC), when present and valid.
    pub timestamp: Option<DateTime<Utc>>,
    /// `event_type` (`alert`, `flow`, `dns`, ...); empty when missing.
    pub event_type: String,
    /// `flow_id`.
    pub flow_id: Option<u64>,
    /// `in_iface`.
    pub in_iface: Option<String>,
    /// `src_ip` (expanded IPv6 is accepted).
    pub src_ip: Option<IpAddr>,
    /// `src_port` (absent for ICMP).
    pub src_port: Option<u16>,
    /// `dest_ip`.
    pub dest_ip: Option<IpAddr>,
    /// `dest_port`.
    pub dest_port: Option<u16>,
    /// `proto` (`TCP`, `UDP`, `ICMP`, ...; numbers as text).
    pub proto: Option<String>,
    /// `app_proto`.
    pub app_proto: Option<String>,
    /// `community_id`.
    pub community_id: Option<String>,
    /// `vlan` ids.
    pub vlan: Vec<u64>,
    /// `tx_id`.
    pub tx_id: Option<u64>,
    /// `direction` (`to_server`, `to_client`).
    pub direction: Option<String>,
    /// `host` (sensor name).
    pub host: Option<String>,
    /// The whole object, keys in their original order.
    pub raw: Map<String, Value>,
}

fn s(m: &Map<String, Value>, k: &str) -> Option<String> {
    match m.get(k)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn u(m: &Map<String, Value>, k: &str) -> Option<u64> {
    match m.get(k)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn ip(m: &Map<String, Value>, k: &str) -> Option<IpAddr> {
    let t = m.get(k)?.as_str()?;
    let t = t.split('%').next().unwrap_or(t);
    t.parse::<IpAddr>().ok().map(|i| i.to_canonical())
}

/// Parses an EVE timestamp (`2026-11-21T02:14:40.123456+0000`, also with
/// `+00:00` or `Z`).
///
/// ```
/// let t = soc_core::parse::suricata::parse_eve_time("2024-01-02T03:04:05.5+0100").unwrap();
/// assert_eq!(t.to_rfc3339(), "2024-01-02T02:04:05.500+00:00");
/// ```
pub fn parse_eve_time(t: &str) -> Option<DateTime<Utc>> {
    match crate::parse::ssh::header::iso(t.as_bytes())? {
        (crate::parse::ssh::header::Stamp::Full(d), _) => Some(d),
        (crate::parse::ssh::header::Stamp::Local(n), _) => Some(n.and_utc()),
        _ => None,
    }
}

impl EveRecord {
    /// Builds a record from a parsed JSON object.
    pub fn from_map(raw: Map<String, Value>) -> EveRecord {
        let vlan = match raw.get("vlan") {
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_u64).collect(),
            Some(Value::Number(n)) => n.as_u64().into_iter().collect(),
            _ => Vec::new(),
        };
        EveRecord {
            timestamp: raw
                .get("timestamp")
                .and_then(Value::as_str)
                .and_then(parse_eve_time),
            event_type: s(&raw, "event_type").unwrap_or_default(),
            flow_id: u(&raw, "flow_id"),
            in_iface: s(&raw, "in_iface"),
            src_ip: ip(&raw, "src_ip"),
            src_port: u(&raw, "src_port").and_then(|p| u16::try_from(p).ok()),
            dest_ip: ip(&raw, "dest_ip"),
            dest_port: u(&raw, "dest_port").and_then(|p| u16::try_from(p).ok()),
            proto: s(&raw, "proto"),
            app_proto: s(&raw, "app_proto"),
            community_id: s(&raw, "community_id"),
            vlan,
            tx_id: u(&raw, "tx_id"),
            direction: s(&raw, "direction"),
            host: s(&raw, "host"),
            raw,
        }
    }

    fn obj(&self, k: &str) -> Option<&Map<String, Value>> {
        self.raw.get(k)?.as_object()
    }

    /// The `alert` object (also inside `drop` events).
    pub fn alert(&self) -> Option<EveAlert> {
        self.obj("alert").map(EveAlert::from_map)
    }
    /// The `flow` object (or `netflow`).
    pub fn flow(&self) -> Option<EveFlow> {
        self.obj("flow")
            .or_else(|| self.obj("netflow"))
            .map(EveFlow::from_map)
    }
    /// The `dns` object, normalized across DNS log versions 1, 2, 3 and the
    /// 7.x alert style.
    pub fn dns(&self) -> Option<EveDns> {
        self.obj("dns").map(EveDns::from_map)
    }
    /// The `http` object.
    pub fn http(&self) -> Option<EveHttp> {
        self.obj("http").map(EveHttp::from_map)
    }
    /// The `tls` object.
    pub fn tls(&self) -> Option<EveTls> {
        self.obj("tls").map(EveTls::from_map)
    }
    /// The `fileinfo` object.
    pub fn fileinfo(&self) -> Option<EveFileinfo> {
        self.obj("fileinfo").map(EveFileinfo::from_map)
    }
    /// The `anomaly` object.
    pub fn anomaly(&self) -> Option<EveAnomaly> {
        self.obj("anomaly").map(EveAnomaly::from_map)
    }
    /// Any other object (`ssh`, `smtp`, `drop`, `stats`, ...) as raw JSON.
    pub fn object(&self, name: &str) -> Option<&Map<String, Value>> {
        self.obj(name)
    }

    /// The record as JSON text, keys in their original order.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.raw).unwrap_or_default()
    }

    /// The normalized event: `kind = "suricata.<event_type>"`, the tuple,
    /// and in `fields` the flow id, protocol and the main detail of the
    /// event type (signature, rrname, hostname/url, sni, filename, ...).
    pub fn to_event(&self, origin: Origin) -> Event {
        let et = if self.event_type.is_empty() {
            "unknown"
        } else {
            &self.event_type
        };
        let mut e = Event::new("suricata", format!("suricata.{et}"));
        e.time = self.timestamp;
        e.host = self.host.clone();
        e.src_ip = self.src_ip;
        e.src_port = self.src_port;
        e.dst_ip = self.dest_ip;
        e.dst_port = self.dest_port;
        e.raw = self.to_json();
        e.origin = Some(origin);
        let f = &mut e.fields;
        if let Some(id) = self.flow_id {
            f.insert("flow_id".into(), id.into());
        }
        for (k, v) in [
            ("proto", &self.proto),
            ("app_proto", &self.app_proto),
            ("community_id", &self.community_id),
        ] {
            if let Some(v) = v {
                f.insert(k.into(), v.clone().into());
            }
        }
        if let Some(a) = self.alert() {
            if let Some(sig) = a.signature {
                f.insert("signature".into(), sig.into());
            }
            if let Some(sid) = a.signature_id {
                f.insert("signature_id".into(), sid.into());
            }
            if a.action.as_deref() == Some("blocked") || et == "drop" {
                e.outcome = EventOutcome::Failure;
            }
        }
        if let Some(d) = self.dns() {
            if let Some(q) = d.queries.first() {
                f.insert("rrname".into(), q.rrname.clone().into());
            }
        }
        if let Some(h) = self.http() {
            if let Some(v) = h.hostname {
                f.insert("http_host".into(), v.into());
            }
            if let Some(v) = h.url {
                f.insert("url".into(), v.into());
            }
        }
        if let Some(t) = self.tls() {
            if let Some(v) = t.sni {
                f.insert("sni".into(), v.into());
            }
        }
        if let Some(fi) = self.fileinfo() {
            if let Some(v) = fi.filename {
                f.insert("filename".into(), v.into());
            }
            if let Some(v) = fi.sha256 {
                f.insert("sha256".into(), v.into());
            }
        }
        e
    }
}

/// Parses one EVE line. Errors (not JSON, not an object) carry a reason;
/// the caller adds file and line.
pub fn parse_eve_line(line: &str) -> Result<EveRecord, ParseError> {
    match serde_json::from_str::<Value>(line) {
        Ok(Value::Object(m)) => Ok(EveRecord::from_map(m)),
        Ok(_) => Err(malformed("not a JSON object".into())),
        Err(e) => Err(malformed(format!("invalid JSON: {e}"))),
    }
}

fn malformed(reason: String) -> ParseError {
    ParseError::Malformed {
        source_name: String::new(),
        line: 0,
        reason,
    }
}

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

/// The normalized alert of an `alert` record (or a `drop` carrying one):
/// signature, sid, rev, category, severity on the common scale (1 high,
/// 2 medium, 3 low, 4 info; `signature_severity: Critical` makes it
/// critical), action, tuple and ATT&CK references from rule metadata.
/// The id is stable: derived from time, flow id, sid and addresses.
pub fn alert_from_eve(rec: &EveRecord) -> Option<Alert> {
    // An `alert` record without its object (partial exports) is still an alert.
    let a = rec
        .alert()
        .or_else(|| (rec.event_type == "alert").then(|| EveAlert::from_map(&Map::new())))?;
    let mut sev = match a.severity {
        Some(1) => Severity::High,
        Some(2) => Severity::Medium,
        Some(3) => Severity::Low,
        Some(_) => Severity::Info,
        None => Severity::Medium,
    };
    if a.meta("signature_severity")
        .iter()
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
        rec.raw
            .get("timestamp")
            .and_then(Value::as_str)
            .unwrap_or(""),
        rec.flow_id.unwrap_or(0),
        a.gid.unwrap_or(1),
        a.signature_id.unwrap_or(0),
        a.rev.unwrap_or(0),
        rec.src_ip.map(|i| i.to_string()).unwrap_or_default(),
        rec.dest_ip.map(|i| i.to_string()).unwrap_or_default(),
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
        let tids = self.meta("mitre_technique_id");
        let tnames = self.meta("mitre_technique_name");
        let aids = self.meta("mitre_tactic_id");
        let anames = self.meta("mitre_tactic_name");
        tids.iter()
            .enumerate()
            .map(|(i, t)| AttackRef {
                technique_id: t.trim().to_string(),
                technique_name: tnames
                    .get(i)
                    .or(tnames.first())
                    .map(|n| n.replace('_', " ")),
                tactic_id: aids.get(i).or(aids.first()).cloned(),
                tactic_name: anames.get(i).or(anames.first()).map(|n| norm_tactic(n)),
            })
            .collect()
    }
}
