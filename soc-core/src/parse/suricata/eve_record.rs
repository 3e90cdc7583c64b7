//! [`EveRecord`]: one EVE record, its typed envelope and views, built from
//! a JSON map ([`EveRecord::from_map`]) or filled by the line readers, and
//! the normalized [`Event`] it stands for.

use std::net::IpAddr;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use super::objects::{u, EveAlert, EveAnomaly, EveDns, EveFileinfo, EveFlow, EveHttp, EveTls};
use super::scalars;
use super::views::Views;
use crate::model::{Event, EventOutcome, Origin};
use crate::parse::time::Stamp;

/// One EVE record: the typed envelope, typed views of the event objects,
/// and the line it was read from (the complete object, parsed on demand).
///
/// Equality compares the envelope, the views and the complete objects;
/// serializing writes the envelope fields and `raw` (the complete object).
#[derive(Debug, Clone)]
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
    /// The line (or, from [`EveRecord::from_map`], the object as JSON text).
    pub(super) line: Box<str>,
    /// `timestamp` as written, when a string.
    pub(super) ts_text: Option<String>,
    /// The typed event objects.
    pub(super) views: Views,
    /// The whole object, parsed from `line` on first use.
    pub(super) raw: OnceLock<Map<String, Value>>,
}

impl PartialEq for EveRecord {
    fn eq(&self, o: &EveRecord) -> bool {
        self.timestamp == o.timestamp
            && self.event_type == o.event_type
            && self.flow_id == o.flow_id
            && self.in_iface == o.in_iface
            && self.src_ip == o.src_ip
            && self.src_port == o.src_port
            && self.dest_ip == o.dest_ip
            && self.dest_port == o.dest_port
            && self.proto == o.proto
            && self.app_proto == o.app_proto
            && self.community_id == o.community_id
            && self.vlan == o.vlan
            && self.tx_id == o.tx_id
            && self.direction == o.direction
            && self.host == o.host
            && self.ts_text == o.ts_text
            && self.views == o.views
            && self.raw() == o.raw()
    }
}

impl Serialize for EveRecord {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let mut st = ser.serialize_struct("EveRecord", 16)?;
        st.serialize_field("timestamp", &self.timestamp)?;
        st.serialize_field("event_type", &self.event_type)?;
        st.serialize_field("flow_id", &self.flow_id)?;
        st.serialize_field("in_iface", &self.in_iface)?;
        st.serialize_field("src_ip", &self.src_ip)?;
        st.serialize_field("src_port", &self.src_port)?;
        st.serialize_field("dest_ip", &self.dest_ip)?;
        st.serialize_field("dest_port", &self.dest_port)?;
        st.serialize_field("proto", &self.proto)?;
        st.serialize_field("app_proto", &self.app_proto)?;
        st.serialize_field("community_id", &self.community_id)?;
        st.serialize_field("vlan", &self.vlan)?;
        st.serialize_field("tx_id", &self.tx_id)?;
        st.serialize_field("direction", &self.direction)?;
        st.serialize_field("host", &self.host)?;
        st.serialize_field("raw", self.raw())?;
        st.end()
    }
}

fn s(m: &Map<String, Value>, k: &str) -> Option<String> {
    match m.get(k)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn ip(m: &Map<String, Value>, k: &str) -> Option<IpAddr> {
    scalars::ip_of(m.get(k)?.as_str()?)
}

/// Parses an EVE timestamp (`2026-11-21T02:14:40.123456+0000`, also with
/// `+00:00` or `Z`).
///
/// ```
/// let t = soc_core::parse::suricata::parse_eve_time("2024-01-02T03:04:05.5+0100").unwrap();
/// assert_eq!(t.to_rfc3339(), "2024-01-02T02:04:05.500+00:00");
/// ```
pub fn parse_eve_time(t: &str) -> Option<DateTime<Utc>> {
    scalars::eve_time(t, iso_time)
}

/// [`parse_eve_time`] without the minute cache.
pub(super) fn iso_time(t: &str) -> Option<DateTime<Utc>> {
    match crate::parse::time::iso(t.as_bytes())? {
        (Stamp::Full(d), _) => Some(d),
        (Stamp::Local(n), _) => Some(n.and_utc()),
        _ => None,
    }
}

impl EveRecord {
    /// A record with every field empty (filled by the line reader).
    pub(super) fn empty() -> EveRecord {
        EveRecord {
            timestamp: None,
            event_type: String::new(),
            flow_id: None,
            in_iface: None,
            src_ip: None,
            src_port: None,
            dest_ip: None,
            dest_port: None,
            proto: None,
            app_proto: None,
            community_id: None,
            vlan: Vec::new(),
            tx_id: None,
            direction: None,
            host: None,
            line: Box::default(),
            ts_text: None,
            views: Views::default(),
            raw: OnceLock::new(),
        }
    }

    /// Builds a record from a parsed JSON object (the reference behaviour
    /// that [`parse_eve_line`](super::parse_eve_line) reproduces without the object).
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
            line: serde_json::to_string(&raw).unwrap_or_default().into(),
            ts_text: raw
                .get("timestamp")
                .and_then(Value::as_str)
                .map(str::to_string),
            views: Views::from_map(&raw),
            raw: OnceLock::from(raw),
        }
    }

    /// The whole object, keys in their original order (parsed from the
    /// line on first use, then kept).
    pub fn raw(&self) -> &Map<String, Value> {
        self.raw.get_or_init(|| {
            // The line was validated by the same parser when it was read.
            serde_json::from_str(&self.line).unwrap_or_default()
        })
    }

    /// The line the record was read from.
    pub fn line(&self) -> &str {
        &self.line
    }

    /// The `alert` object (also inside `drop` events).
    pub fn alert(&self) -> Option<EveAlert> {
        self.views.alert.as_deref().cloned()
    }
    /// The `alert` object, borrowed.
    pub fn alert_ref(&self) -> Option<&EveAlert> {
        self.views.alert.as_deref()
    }
    /// The `flow` object (or `netflow`).
    pub fn flow(&self) -> Option<EveFlow> {
        self.views.flow.as_deref().cloned()
    }
    /// The `dns` object, normalized across DNS log versions 1, 2, 3 and the
    /// 7.x alert style.
    pub fn dns(&self) -> Option<EveDns> {
        self.views.dns.as_deref().cloned()
    }
    /// The `http` object.
    pub fn http(&self) -> Option<EveHttp> {
        self.views.http.as_deref().cloned()
    }
    /// The `tls` object.
    pub fn tls(&self) -> Option<EveTls> {
        self.views.tls.as_deref().cloned()
    }
    /// The `fileinfo` object.
    pub fn fileinfo(&self) -> Option<EveFileinfo> {
        self.views.fileinfo.as_deref().cloned()
    }
    /// The `anomaly` object.
    pub fn anomaly(&self) -> Option<EveAnomaly> {
        self.views.anomaly.as_deref().cloned()
    }
    /// Any other object (`ssh`, `smtp`, `drop`, `stats`, ...) as raw JSON
    /// (parses the whole line on first use, see [`EveRecord::raw`]).
    pub fn object(&self, name: &str) -> Option<&Map<String, Value>> {
        self.raw().get(name)?.as_object()
    }

    /// The record as JSON text, keys in their original order.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self.raw()).unwrap_or_default()
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
        if let Some(a) = &self.views.alert {
            if let Some(sig) = &a.signature {
                f.insert("signature".into(), sig.clone().into());
            }
            if let Some(sid) = a.signature_id {
                f.insert("signature_id".into(), sid.into());
            }
            if a.action.as_deref() == Some("blocked") || et == "drop" {
                e.outcome = EventOutcome::Failure;
            }
        }
        if let Some(d) = &self.views.dns {
            if let Some(q) = d.queries.first() {
                f.insert("rrname".into(), q.rrname.clone().into());
            }
        }
        if let Some(h) = &self.views.http {
            if let Some(v) = &h.hostname {
                f.insert("http_host".into(), v.clone().into());
            }
            if let Some(v) = &h.url {
                f.insert("url".into(), v.clone().into());
            }
        }
        if let Some(t) = &self.views.tls {
            if let Some(v) = &t.sni {
                f.insert("sni".into(), v.clone().into());
            }
        }
        if let Some(fi) = &self.views.fileinfo {
            if let Some(v) = &fi.filename {
                f.insert("filename".into(), v.clone().into());
            }
            if let Some(v) = &fi.sha256 {
                f.insert("sha256".into(), v.clone().into());
            }
        }
        e
    }
}
