//! One `journalctl -o json` entry reduced to what the SSH parser reads.
//!
//! journalctl prints a field as a JSON string, as an array of byte values
//! when it is not printable UTF-8, and as an array of those when the entry
//! has the field more than once. [`reduce`] keeps the cursor and the fields
//! the SSH parser's journal path reads (time, host, program, pid, message)
//! and writes them back as one compact JSON object: that object is the
//! record's text, so an event's `raw` stays small and exact.
//!
//! Which fields are trusted: journald sets `_COMM`, `_PID`, `_HOSTNAME` and
//! `__REALTIME_TIMESTAMP` itself, while `SYSLOG_IDENTIFIER` and
//! `SYSLOG_PID` are whatever the logging process said (`logger -t sshd`
//! writes `SYSLOG_IDENTIFIER=sshd` from any local account). The reduced
//! record therefore names the program by `_COMM` when the entry has it, and
//! falls back to `SYSLOG_IDENTIFIER` only for entries without it (imported
//! journals that lack trusted fields).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The fields of an entry we read; journalctl's other fields are ignored.
#[derive(Deserialize)]
struct RawEntry {
    #[serde(rename = "__CURSOR")]
    cursor: Option<Value>,
    #[serde(rename = "__REALTIME_TIMESTAMP")]
    realtime: Option<Value>,
    #[serde(rename = "_HOSTNAME")]
    hostname: Option<Value>,
    #[serde(rename = "_COMM")]
    comm: Option<Value>,
    #[serde(rename = "SYSLOG_IDENTIFIER")]
    identifier: Option<Value>,
    #[serde(rename = "_PID")]
    pid: Option<Value>,
    #[serde(rename = "SYSLOG_PID")]
    syslog_pid: Option<Value>,
    #[serde(rename = "MESSAGE")]
    message: Option<Value>,
}

/// The record text: the field names of `journalctl -o json`, so the SSH
/// parser reads it like any journal JSON line.
#[derive(Serialize)]
struct Reduced<'a> {
    #[serde(
        rename = "__REALTIME_TIMESTAMP",
        skip_serializing_if = "Option::is_none"
    )]
    realtime: Option<Cow<'a, str>>,
    #[serde(rename = "_HOSTNAME", skip_serializing_if = "Option::is_none")]
    hostname: Option<Cow<'a, str>>,
    #[serde(rename = "_COMM", skip_serializing_if = "Option::is_none")]
    comm: Option<Cow<'a, str>>,
    #[serde(rename = "SYSLOG_IDENTIFIER", skip_serializing_if = "Option::is_none")]
    identifier: Option<Cow<'a, str>>,
    #[serde(rename = "_PID", skip_serializing_if = "Option::is_none")]
    pid: Option<Cow<'a, str>>,
    #[serde(rename = "SYSLOG_PID", skip_serializing_if = "Option::is_none")]
    syslog_pid: Option<Cow<'a, str>>,
    #[serde(rename = "MESSAGE")]
    message: Cow<'a, str>,
}

/// An entry ready to become a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// The journal cursor of the entry (where the next run resumes after).
    pub cursor: String,
    /// The reduced entry as compact JSON.
    pub text: String,
}

/// Reduces one line of `journalctl -o json` output. `Err` says why the
/// entry cannot be used (not JSON, no cursor, no message); the error keeps
/// the cursor when there was one, so reading resumes after the entry.
pub(crate) fn reduce(line: &[u8]) -> Result<Entry, (Option<String>, String)> {
    let raw: RawEntry =
        serde_json::from_slice(line).map_err(|e| (None, format!("not a journal entry: {e}")))?;
    let cursor = raw
        .cursor
        .as_ref()
        .and_then(field_text)
        .map(Cow::into_owned)
        .ok_or((None, "journal entry without __CURSOR".to_string()))?;
    let Some(message) = raw.message.as_ref().and_then(field_text) else {
        return Err((Some(cursor), "journal entry without a MESSAGE".into()));
    };
    let comm = raw.comm.as_ref().and_then(field_text);
    let pid = raw.pid.as_ref().and_then(field_text);
    let reduced = Reduced {
        realtime: raw.realtime.as_ref().and_then(field_text),
        hostname: raw.hostname.as_ref().and_then(field_text),
        // SYSLOG_IDENTIFIER / SYSLOG_PID only where journald gave no trusted value.
        identifier: if comm.is_none() {
            raw.identifier.as_ref().and_then(field_text)
        } else {
            None
        },
        syslog_pid: if pid.is_none() {
            raw.syslog_pid.as_ref().and_then(field_text)
        } else {
            None
        },
        comm,
        pid,
        message,
    };
    let text = serde_json::to_string(&reduced)
        .map_err(|e| (Some(cursor.clone()), format!("cannot re-encode entry: {e}")))?;
    Ok(Entry { cursor, text })
}

/// A field's value as text: a string, a byte array (decoded as UTF-8,
/// invalid sequences replaced), or the first of repeated values.
fn field_text(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::String(s) => Some(Cow::Borrowed(s)),
        Value::Array(items) if items.iter().all(Value::is_u64) => {
            let bytes: Vec<u8> = items
                .iter()
                .map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
                .collect::<Option<_>>()?;
            Some(Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()))
        }
        Value::Array(items) => items.first().and_then(field_text),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> serde_json::Map<String, Value> {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn keeps_trusted_fields_and_drops_the_rest() {
        let e = reduce(br#"{"__CURSOR":"s=1;i=2","__REALTIME_TIMESTAMP":"1700000000000000","_HOSTNAME":"web01","_COMM":"sshd","SYSLOG_IDENTIFIER":"sshd","_PID":"42","SYSLOG_PID":"42","_CMDLINE":"sshd: root [priv]","MESSAGE":"Failed password for root from 203.0.113.5 port 4711 ssh2"}"#).unwrap();
        assert_eq!(e.cursor, "s=1;i=2");
        let f = fields(&e.text);
        assert_eq!(f["_COMM"], "sshd");
        assert_eq!(f["_PID"], "42");
        assert!(!f.contains_key("SYSLOG_IDENTIFIER") && !f.contains_key("_CMDLINE"));
        assert!(!f.contains_key("__CURSOR"));
    }

    #[test]
    fn a_forged_identifier_does_not_replace_the_real_command() {
        // `logger -t sshd ...` from a local account.
        let e = reduce(br#"{"__CURSOR":"c","_COMM":"logger","SYSLOG_IDENTIFIER":"sshd","MESSAGE":"Failed password for root from 8.8.8.8 port 1 ssh2"}"#).unwrap();
        let f = fields(&e.text);
        assert_eq!(f["_COMM"], "logger");
        assert!(!f.contains_key("SYSLOG_IDENTIFIER"));
        // Without trusted fields (an imported journal) the identifier is all there is.
        let e = reduce(
            br#"{"__CURSOR":"c","SYSLOG_IDENTIFIER":"sshd","SYSLOG_PID":"7","MESSAGE":"m"}"#,
        )
        .unwrap();
        let f = fields(&e.text);
        assert_eq!(
            (f["SYSLOG_IDENTIFIER"].as_str(), f["SYSLOG_PID"].as_str()),
            (Some("sshd"), Some("7"))
        );
    }

    #[test]
    fn byte_arrays_and_repeated_fields_become_text() {
        let e = reduce(br#"{"__CURSOR":"c","_COMM":["sshd","x"],"MESSAGE":[73,110,118,97,108,105,100,32,117,115,101,114,32,27,255]}"#).unwrap();
        let f = fields(&e.text);
        assert_eq!(f["_COMM"], "sshd");
        assert_eq!(f["MESSAGE"], "Invalid user \u{1b}\u{fffd}");
    }

    #[test]
    fn unusable_entries_say_why() {
        assert!(reduce(b"not json")
            .unwrap_err()
            .1
            .contains("not a journal entry"));
        assert_eq!(reduce(br#"{"MESSAGE":"m"}"#).unwrap_err().0, None);
        let (cursor, why) = reduce(br#"{"__CURSOR":"c","_COMM":"sshd"}"#).unwrap_err();
        assert_eq!(cursor.as_deref(), Some("c"));
        assert!(why.contains("MESSAGE"), "{why}");
        assert!(reduce(br#"{"__CURSOR":"c","MESSAGE":[1,300]}"#).is_err());
    }
}
