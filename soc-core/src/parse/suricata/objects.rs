//! Typed views of EVE event objects, built leniently from JSON maps.

use serde::Serialize;
use serde_json::{Map, Value};

fn s(m: &Map<String, Value>, k: &str) -> Option<String> {
    match m.get(k)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// An unsigned number, also when written as a string.
pub(super) fn u(m: &Map<String, Value>, k: &str) -> Option<u64> {
    match m.get(k)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn b(m: &Map<String, Value>, k: &str) -> Option<bool> {
    m.get(k)?.as_bool()
}

/// The `alert` object.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EveAlert {
    /// `allowed` or `blocked`.
    pub action: Option<String>,
    /// Generator id.
    pub gid: Option<u64>,
    /// Signature id.
    pub signature_id: Option<u64>,
    /// Rule revision.
    pub rev: Option<u64>,
    /// Signature text.
    pub signature: Option<String>,
    /// Classification.
    pub category: Option<String>,
    /// Suricata severity (1 most severe).
    pub severity: Option<u64>,
    /// Rule metadata: each key has an array of strings.
    pub metadata: Map<String, Value>,
}

impl EveAlert {
    pub(crate) fn from_map(m: &Map<String, Value>) -> EveAlert {
        EveAlert {
            action: s(m, "action"),
            gid: u(m, "gid"),
            signature_id: u(m, "signature_id"),
            rev: u(m, "rev"),
            signature: s(m, "signature"),
            category: s(m, "category"),
            severity: u(m, "severity"),
            metadata: m
                .get("metadata")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
        }
    }

    /// The strings of a metadata key (a single string is accepted too).
    pub fn meta(&self, key: &str) -> Vec<String> {
        match self.metadata.get(key) {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            Some(Value::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        }
    }
}

/// The `flow` (or `netflow`) object.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EveFlow {
    /// Packets to server.
    pub pkts_toserver: Option<u64>,
    /// Packets to client.
    pub pkts_toclient: Option<u64>,
    /// Bytes to server.
    pub bytes_toserver: Option<u64>,
    /// Bytes to client.
    pub bytes_toclient: Option<u64>,
    /// Start time as written.
    pub start: Option<String>,
    /// End time as written.
    pub end: Option<String>,
    /// Age in seconds.
    pub age: Option<u64>,
    /// State (`new`, `established`, `closed`, ...).
    pub state: Option<String>,
    /// Why the flow was logged.
    pub reason: Option<String>,
    /// Whether the flow had an alert.
    pub alerted: Option<bool>,
}

impl EveFlow {
    pub(crate) fn from_map(m: &Map<String, Value>) -> EveFlow {
        EveFlow {
            pkts_toserver: u(m, "pkts_toserver").or_else(|| u(m, "pkts")),
            pkts_toclient: u(m, "pkts_toclient"),
            bytes_toserver: u(m, "bytes_toserver").or_else(|| u(m, "bytes")),
            bytes_toclient: u(m, "bytes_toclient"),
            start: s(m, "start"),
            end: s(m, "end"),
            age: u(m, "age"),
            state: s(m, "state"),
            reason: s(m, "reason"),
            alerted: b(m, "alerted"),
        }
    }
}

/// One DNS question.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DnsQuery {
    /// Name asked.
    pub rrname: String,
    /// Record type (`A`, `AAAA`, ...).
    pub rrtype: Option<String>,
}

/// One DNS answer record.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DnsAnswer {
    /// Owner name.
    pub rrname: Option<String>,
    /// Record type.
    pub rrtype: Option<String>,
    /// TTL.
    pub ttl: Option<u64>,
    /// Data (address, name, ...).
    pub rdata: Option<String>,
}

impl DnsAnswer {
    /// Appends the answers of one v2 `grouped` entry (`"A": ["192.0.2.1",
    /// ...]`) to `out`: one per value, its text as the data.
    pub(crate) fn push_grouped(
        out: &mut Vec<DnsAnswer>,
        rrname: Option<&str>,
        rrtype: &str,
        values: &Value,
    ) {
        for v in values.as_array().into_iter().flatten() {
            out.push(DnsAnswer {
                rrname: rrname.map(str::to_string),
                rrtype: Some(rrtype.to_string()),
                ttl: None,
                rdata: Some(v.as_str().map_or_else(|| v.to_string(), str::to_string)),
            });
        }
    }
}

/// The `dns` object normalized across formats: v1 (one record per event),
/// v2 (`answers` + `grouped`), the 7.x alert style (`query` array) and v3
/// (`queries` + `answers`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EveDns {
    /// `query`, `answer`/`response`, or None.
    pub kind: Option<String>,
    /// Transaction id.
    pub id: Option<u64>,
    /// Response code.
    pub rcode: Option<String>,
    /// Format version when given.
    pub version: Option<u64>,
    /// Questions.
    pub queries: Vec<DnsQuery>,
    /// Answers (from `answers`, v1 `rdata`, or v2 `grouped`).
    pub answers: Vec<DnsAnswer>,
}

fn answer(m: &Map<String, Value>) -> DnsAnswer {
    DnsAnswer {
        rrname: s(m, "rrname"),
        rrtype: s(m, "rrtype"),
        ttl: u(m, "ttl"),
        rdata: s(m, "rdata"),
    }
}

fn query(m: &Map<String, Value>) -> Option<DnsQuery> {
    Some(DnsQuery {
        rrname: s(m, "rrname")?,
        rrtype: s(m, "rrtype"),
    })
}

impl EveDns {
    pub(crate) fn from_map(m: &Map<String, Value>) -> EveDns {
        let mut d = EveDns {
            kind: s(m, "type"),
            id: u(m, "id"),
            rcode: s(m, "rcode"),
            version: u(m, "version"),
            queries: Vec::new(),
            answers: Vec::new(),
        };
        // 7.x alert style: "query": [ {type, rrname, ...} ], "answer": {...}
        if let Some(Value::Array(qs)) = m.get("query") {
            for q in qs.iter().filter_map(Value::as_object) {
                d.queries.extend(query(q));
                if d.id.is_none() {
                    d.id = u(q, "id");
                }
            }
        }
        if let Some(Value::Array(qs)) = m.get("queries") {
            d.queries
                .extend(qs.iter().filter_map(Value::as_object).filter_map(query));
        }
        if let Some(a) = m.get("answer").and_then(Value::as_object) {
            d.answers.extend(Self::from_map(a).answers);
            if d.queries.is_empty() {
                d.queries.extend(query(a));
            }
        }
        if let Some(Value::Array(ans)) = m.get("answers") {
            d.answers
                .extend(ans.iter().filter_map(Value::as_object).map(answer));
        }
        if d.queries.is_empty() {
            // v1 query/answer or v2: rrname on the object itself
            d.queries.extend(query(m));
        }
        if d.answers.is_empty() {
            if m.contains_key("rdata") {
                d.answers.push(answer(m));
            } else if let Some(g) = m.get("grouped").and_then(Value::as_object) {
                let rrname = s(m, "rrname");
                for (rrtype, vals) in g {
                    DnsAnswer::push_grouped(&mut d.answers, rrname.as_deref(), rrtype, vals);
                }
            }
        }
        d
    }
}

/// The `http` object.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EveHttp {
    /// Host header.
    pub hostname: Option<String>,
    /// URL path.
    pub url: Option<String>,
    /// User agent.
    pub http_user_agent: Option<String>,
    /// Method.
    pub http_method: Option<String>,
    /// Protocol (`HTTP/1.1`).
    pub protocol: Option<String>,
    /// Status code.
    pub status: Option<u64>,
    /// Response length.
    pub length: Option<u64>,
    /// Content type.
    pub http_content_type: Option<String>,
}

impl EveHttp {
    pub(crate) fn from_map(m: &Map<String, Value>) -> EveHttp {
        EveHttp {
            hostname: s(m, "hostname"),
            url: s(m, "url"),
            http_user_agent: s(m, "http_user_agent"),
            http_method: s(m, "http_method"),
            protocol: s(m, "protocol"),
            status: u(m, "status"),
            length: u(m, "length"),
            http_content_type: s(m, "http_content_type"),
        }
    }
}

/// The `tls` object.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EveTls {
    /// Server name indication.
    pub sni: Option<String>,
    /// Certificate subject.
    pub subject: Option<String>,
    /// Issuer DN.
    pub issuerdn: Option<String>,
    /// Version (`TLS 1.3`).
    pub version: Option<String>,
    /// Certificate fingerprint.
    pub fingerprint: Option<String>,
    /// JA3 hash.
    pub ja3: Option<String>,
    /// JA3S hash.
    pub ja3s: Option<String>,
    /// JA4 fingerprint.
    pub ja4: Option<String>,
}

fn hash_of(m: &Map<String, Value>, k: &str) -> Option<String> {
    match m.get(k)? {
        Value::Object(o) => s(o, "hash"),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

impl EveTls {
    pub(crate) fn from_map(m: &Map<String, Value>) -> EveTls {
        EveTls {
            sni: s(m, "sni"),
            subject: s(m, "subject"),
            issuerdn: s(m, "issuerdn"),
            version: s(m, "version"),
            fingerprint: s(m, "fingerprint"),
            ja3: hash_of(m, "ja3"),
            ja3s: hash_of(m, "ja3s"),
            ja4: hash_of(m, "ja4"),
        }
    }
}

/// The `fileinfo` object.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EveFileinfo {
    /// File name.
    pub filename: Option<String>,
    /// libmagic description.
    pub magic: Option<String>,
    /// MD5.
    pub md5: Option<String>,
    /// SHA-1.
    pub sha1: Option<String>,
    /// SHA-256.
    pub sha256: Option<String>,
    /// Size in bytes.
    pub size: Option<u64>,
    /// `CLOSED`, `TRUNCATED`, ...
    pub state: Option<String>,
    /// Whether it was stored.
    pub stored: Option<bool>,
}

impl EveFileinfo {
    pub(crate) fn from_map(m: &Map<String, Value>) -> EveFileinfo {
        EveFileinfo {
            filename: s(m, "filename"),
            magic: s(m, "magic"),
            md5: s(m, "md5"),
            sha1: s(m, "sha1"),
            sha256: s(m, "sha256"),
            size: u(m, "size"),
            state: s(m, "state"),
            stored: b(m, "stored"),
        }
    }
}

/// The `anomaly` object.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EveAnomaly {
    /// `decode`, `stream`, `applayer`.
    pub kind: Option<String>,
    /// Event name, e.g. `decoder.ipv4.trunc_pkt`.
    pub event: Option<String>,
    /// Code.
    pub code: Option<u64>,
    /// Layer (`proto_detect`, ...).
    pub layer: Option<String>,
}

impl EveAnomaly {
    pub(crate) fn from_map(m: &Map<String, Value>) -> EveAnomaly {
        EveAnomaly {
            kind: s(m, "type"),
            event: s(m, "event"),
            code: u(m, "code"),
            layer: s(m, "layer"),
        }
    }
}
