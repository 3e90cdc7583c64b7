//! Generic alerts exported by other tools, as JSON (one array or object),
//! JSON lines, or CSV with a header.
//!
//! Fields are found through an [`AlertMapping`] (configured names first),
//! then by common names: `src_ip`, `srcip`, `source.ip` (ECS, dotted path or
//! nested), `source_address`, `dest_ip`, `destination.ip`, `severity`,
//! `signature` / `rule.name`, `timestamp` / `@timestamp`. Alerts get kind
//! `alerts.<tool>` where the tool is `mapping.tool` (default `generic`).
//!
//! ```
//! use soc_core::parse::json_csv::{alert_from_json, AlertMapping};
//! let v = serde_json::json!({"@timestamp": "2026-11-21T02:00:00Z",
//!     "source": {"ip": "198.51.100.23"}, "rule": {"name": "SSH scan"}, "severity": "high"});
//! let a = alert_from_json(&v, &AlertMapping::default()).unwrap();
//! assert_eq!(a.kind, "alerts.generic");
//! assert_eq!(a.title, "SSH scan");
//! assert_eq!(a.src_ip, Some("198.51.100.23".parse().unwrap()));
//! assert_eq!(a.severity, soc_core::Severity::High);
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::lines::LineReader;
use crate::error::ParseError;
use crate::model::{Alert, Indicator, IndicatorKind, Severity};

/// Input format of [`read_alerts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertFormat {
    /// A JSON array of objects, one object, or JSON lines (detected).
    Json,
    /// CSV with a header row.
    Csv,
}

/// Which input field holds each alert field (dotted paths reach into nested
/// objects). Unset fields use the common names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertMapping {
    /// Tool name, used in the alert kind `alerts.<tool>`.
    pub tool: Option<String>,
    /// Explicit mappings: target (`src_ip`, `dst_ip`, `dst_port`, `severity`,
    /// `title`, `time`, `user`, `host`, `id`) to input field.
    pub fields: BTreeMap<String, String>,
}

impl AlertMapping {
    /// Parses `src_ip=field,title=rule.name` (the CLI's `--map`).
    ///
    /// ```
    /// let m = soc_core::parse::json_csv::AlertMapping::parse_pairs("src_ip=attacker,title=msg").unwrap();
    /// assert_eq!(m.fields["src_ip"], "attacker");
    /// assert!(soc_core::parse::json_csv::AlertMapping::parse_pairs("nope").is_err());
    /// ```
    pub fn parse_pairs(s: &str) -> Result<AlertMapping, ParseError> {
        let mut m = AlertMapping::default();
        for pair in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').ok_or_else(|| ParseError::BadOption {
                option: "--map".into(),
                reason: format!("'{pair}' is not target=field (e.g. src_ip=attacker_ip)"),
            })?;
            let k = k.trim();
            if !TARGETS.contains(&k) {
                return Err(ParseError::BadOption {
                    option: "--map".into(),
                    reason: format!("unknown target '{k}'; known: {}", TARGETS.join(", ")),
                });
            }
            m.fields.insert(k.to_string(), v.trim().to_string());
        }
        Ok(m)
    }
}

const TARGETS: &[&str] = &[
    "src_ip", "dst_ip", "dst_port", "severity", "title", "time", "user", "host", "id",
];

fn common(target: &str) -> &'static [&'static str] {
    match target {
        "src_ip" => &[
            "src_ip",
            "srcip",
            "source.ip",
            "source_ip",
            "source_address",
            "src",
            "client_ip",
        ],
        "dst_ip" => &[
            "dest_ip",
            "dst_ip",
            "dstip",
            "destination.ip",
            "destination_ip",
            "destination_address",
            "dst",
        ],
        "dst_port" => &["dest_port", "dst_port", "destination.port", "dport"],
        "severity" => &[
            "severity",
            "event.severity",
            "alert.severity",
            "priority",
            "level",
        ],
        "title" => &[
            "signature",
            "rule.name",
            "alert.signature",
            "title",
            "name",
            "message",
            "msg",
            "description",
        ],
        "time" => &["@timestamp", "timestamp", "time", "event.created", "date"],
        "user" => &["user", "user.name", "username", "account"],
        "host" => &["host", "host.name", "hostname", "observer.name"],
        "id" => &["id", "alert_id", "event.id"],
        _ => &[],
    }
}

fn lookup<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    if let Some(x) = v.get(path) {
        return Some(x);
    }
    let mut cur = v;
    for part in path.split('.') {
        cur = cur.get(part)?;
    }
    Some(cur)
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(a) => a.first().and_then(text),
        _ => None,
    }
}

fn get(v: &Value, m: &AlertMapping, target: &str) -> Option<String> {
    if let Some(f) = m.fields.get(target) {
        return lookup(v, f).and_then(text);
    }
    common(target)
        .iter()
        .find_map(|f| lookup(v, f).and_then(text))
}

/// Builds an alert from one JSON object. Errors (a string saying why) when
/// the object has neither a title nor a source address.
pub fn alert_from_json(v: &Value, mapping: &AlertMapping) -> Result<Alert, String> {
    if !v.is_object() {
        return Err("not a JSON object".into());
    }
    let src = get(v, mapping, "src_ip");
    let title = get(v, mapping, "title");
    if src.is_none() && title.is_none() {
        return Err(
            "no title/signature and no source address field (use --map title=...,src_ip=...)"
                .into(),
        );
    }
    let src_ip = src
        .as_deref()
        .and_then(|s| s.parse::<std::net::IpAddr>().ok());
    let sev = get(v, mapping, "severity")
        .and_then(|s| Severity::parse_loose(&s))
        .unwrap_or(Severity::Medium);
    let time = get(v, mapping, "time").and_then(|t| {
        super::suricata::parse_eve_time(&t).or_else(|| {
            t.parse::<f64>()
                .ok()
                .and_then(|s| chrono::DateTime::from_timestamp_millis((s * 1000.0) as i64))
        })
    });
    let title = title.unwrap_or_else(|| format!("Alert from {}", src.as_deref().unwrap_or("?")));
    let tool = mapping.tool.as_deref().unwrap_or("generic");
    let key = match get(v, mapping, "id") {
        Some(id) => id,
        None => serde_json::to_string(v).unwrap_or_default(),
    };
    let mut a = Alert::new(format!("alerts.{tool}"), &key, title, sev);
    a.source = tool.to_string();
    a.src_ip = src_ip;
    a.dst_ip = get(v, mapping, "dst_ip").and_then(|s| s.parse().ok());
    a.dst_port = get(v, mapping, "dst_port").and_then(|s| s.parse().ok());
    a.user = get(v, mapping, "user");
    a.host = get(v, mapping, "host");
    a.first_seen = time;
    a.last_seen = time;
    a.count = 1;
    if let Some(ip) = src_ip {
        let kind = if ip.is_ipv4() {
            IndicatorKind::Ipv4
        } else {
            IndicatorKind::Ipv6
        };
        a.indicators.push(Indicator::new(kind, ip.to_string()));
    }
    if let Value::Object(o) = v {
        a.fields.insert("original".into(), Value::Object(o.clone()));
    }
    Ok(a)
}

/// One alert, or a malformed record (with file and line), in file order.
pub type AlertItem = Result<Alert, ParseError>;

/// Reads alerts from `path` (`.gz` transparent). JSON input may be one
/// array, one object or JSON lines; CSV needs a header. Arrays and CSV are
/// streamed record by record.
pub fn read_alerts(
    path: impl AsRef<Path>,
    format: AlertFormat,
    mapping: &AlertMapping,
) -> Result<Box<dyn Iterator<Item = AlertItem> + Send>, ParseError> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let mapping = mapping.clone();
    let bad = |name: &str, line: u64, reason: String| ParseError::Malformed {
        source_name: name.to_string(),
        line,
        reason,
    };
    match format {
        AlertFormat::Csv => {
            let lr = LineReader::open(path)?;
            let mut rdr = csv::ReaderBuilder::new()
                .flexible(true)
                .from_reader(LineBytes {
                    lr,
                    buf: Vec::new(),
                });
            let headers = rdr
                .headers()
                .map_err(|e| bad(&name, 1, format!("CSV header: {e}")))?
                .clone();
            let it = rdr.into_records().map(move |r| match r {
                Ok(rec) => {
                    let line = rec.position().map_or(0, |p| p.line());
                    let mut obj = serde_json::Map::new();
                    for (h, v) in headers.iter().zip(rec.iter()) {
                        obj.insert(h.to_string(), Value::String(v.to_string()));
                    }
                    alert_from_json(&Value::Object(obj), &mapping).map_err(|r| bad(&name, line, r))
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    Err(bad(&name, line, format!("CSV: {e}")))
                }
            });
            Ok(Box::new(it))
        }
        AlertFormat::Json => {
            let mut lr = LineReader::open(path)?;
            // Peek the first non-blank byte: '[' means one array.
            let mut first: Option<(u64, Result<String, ParseError>)> = None;
            for item in lr.by_ref() {
                if matches!(&item.1, Ok(l) if l.trim().is_empty()) {
                    continue;
                }
                first = Some(item);
                break;
            }
            let Some(first) = first else {
                return Ok(Box::new(std::iter::empty()));
            };
            if matches!(&first.1, Ok(l) if l.trim_start().starts_with('[')) {
                let file = std::fs::File::open(path).map_err(|source| ParseError::Io {
                    path: name.clone(),
                    source,
                })?;
                let text = LineBytes {
                    lr: LineReader::from_reader(file, &name)?,
                    buf: Vec::new(),
                };
                let v: Value = serde_json::from_reader(std::io::BufReader::new(text))
                    .map_err(|e| bad(&name, e.line() as u64, format!("invalid JSON: {e}")))?;
                let items: Vec<Value> = match v {
                    Value::Array(a) => a,
                    other => vec![other],
                };
                let it = items.into_iter().enumerate().map(move |(i, v)| {
                    alert_from_json(&v, &mapping)
                        .map_err(|r| bad(&name, 0, format!("element {i}: {r}")))
                });
                return Ok(Box::new(it));
            }
            let it = std::iter::once(first)
                .chain(lr)
                .filter_map(move |(line, l)| match l {
                    Err(e) => Some(Err(e)),
                    Ok(l) if l.trim().is_empty() => None,
                    Ok(l) => Some(match serde_json::from_str::<Value>(&l) {
                        Ok(v) => alert_from_json(&v, &mapping).map_err(|r| bad(&name, line, r)),
                        Err(e) => Err(bad(&name, line, format!("invalid JSON: {e}"))),
                    }),
                });
            Ok(Box::new(it))
        }
    }
}

/// One alert in soc's own JSON form (as `soc ssh --alerts --format json`,
/// the state store and Python `Alert.to_dict()` write it), optionally
/// wrapped as `{"alert": {...}}` (as `soc triage` writes it). Only `kind`
/// is required: `severity` defaults to medium, `title` to the kind,
/// `count` to 1 and `id` to the stable id of kind and source address. The
/// one reader of soc alerts for the CLI (`soc triage`) and Python.
///
/// ```
/// use soc_core::parse::json_csv::soc_alert_from_json;
/// let v = serde_json::json!({"alert": {"kind": "ssh.brute_force", "src_ip": "198.51.100.23"}});
/// let a = soc_alert_from_json(v).unwrap();
/// assert_eq!(a.title, "ssh.brute_force");
/// assert_eq!(a.severity, soc_core::Severity::Medium);
/// assert!(soc_alert_from_json(serde_json::json!({"title": "no kind"})).is_err());
/// ```
pub fn soc_alert_from_json(v: Value) -> Result<Alert, String> {
    let v = match v {
        Value::Object(mut m) if m.get("alert").is_some_and(Value::is_object) => {
            m.remove("alert").unwrap_or_default()
        }
        other => other,
    };
    let Value::Object(mut m) = v else {
        return Err("an alert must be a JSON object".into());
    };
    let kind = match m.get("kind").and_then(Value::as_str) {
        Some(k) if !k.is_empty() => k.to_string(),
        _ => return Err("an alert needs a non-empty 'kind'".into()),
    };
    let severity: Severity = match m.get("severity") {
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| format!("severity: {e}"))?,
        None => Severity::Medium,
    };
    m.entry("severity").or_insert(serde_json::json!(severity));
    m.entry("title")
        .or_insert_with(|| Value::String(kind.clone()));
    m.entry("source")
        .or_insert_with(|| Value::String(String::new()));
    m.entry("count").or_insert(Value::from(1u64));
    if !m.contains_key("id") {
        let key = m.get("src_ip").and_then(Value::as_str).unwrap_or("");
        let id = Alert::new(kind.clone(), key, "", severity).id;
        m.insert("id".into(), Value::String(id));
    }
    serde_json::from_value(Value::Object(m)).map_err(|e| format!("not an alert: {e}"))
}

/// Alerts in soc's own JSON form ([`soc_alert_from_json`]) from `text`: a
/// JSON array, one object, or JSON lines. Errors name `name` and the item
/// or line.
pub fn parse_soc_alerts(text: &str, name: &str) -> Result<Vec<Alert>, ParseError> {
    let bad = |line: u64, reason: String| ParseError::Malformed {
        source_name: name.to_string(),
        line,
        reason,
    };
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') {
        let items: Vec<Value> = serde_json::from_str(trimmed)
            .map_err(|e| bad(e.line() as u64, format!("invalid JSON array: {e}")))?;
        return items
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                soc_alert_from_json(v).map_err(|r| bad(0, format!("item {}: {r}", i + 1)))
            })
            .collect();
    }
    if let Ok(v) = serde_json::from_str::<Value>(trimmed) {
        return Ok(vec![soc_alert_from_json(v).map_err(|r| bad(1, r))?]);
    }
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let line = i as u64 + 1;
            let v: Value =
                serde_json::from_str(l).map_err(|e| bad(line, format!("invalid JSON: {e}")))?;
            soc_alert_from_json(v).map_err(|r| bad(line, r))
        })
        .collect()
}

/// Adapts a [`LineReader`] back into a byte stream (gzip already undone).
struct LineBytes {
    lr: LineReader,
    buf: Vec<u8>,
}

impl std::io::Read for LineBytes {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.buf.is_empty() {
            match self.lr.next_bytes() {
                None => return Ok(0),
                Some((_, Ok(b))) => {
                    self.buf.extend_from_slice(b);
                    self.buf.push(b'\n');
                }
                Some((_, Err(e))) => return Err(std::io::Error::other(e.to_string())),
            }
        }
        let n = out.len().min(self.buf.len());
        out[..n].copy_from_slice(&self.buf[..n]);
        self.buf.drain(..n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soc_alerts_from_every_shape_and_errors_without_line_zero() {
        let one = r#"{"kind": "ssh.brute_force", "src_ip": "198.51.100.23"}"#;
        assert_eq!(parse_soc_alerts(one, "a.json").unwrap().len(), 1);
        let lines = format!("{one}\n\n{one}\n");
        assert_eq!(parse_soc_alerts(&lines, "a.jsonl").unwrap().len(), 2);
        let arr = format!("[{one}, 3]");
        let e = parse_soc_alerts(&arr, "a.json").unwrap_err().to_string();
        assert_eq!(e, "a.json: item 2: an alert must be a JSON object");
        let e = parse_soc_alerts(&format!("{one}\n{{\"title\": 1}}\n"), "b.jsonl")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "b.jsonl:2: an alert needs a non-empty 'kind'");
    }
}
