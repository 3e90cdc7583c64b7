//! One `journalctl -o json` entry reduced to what the SSH parser reads.
//!
//! [`reduce`] keeps the cursor and the fields the SSH parser's journal
//! path reads (time, host, program, pid, message), each as text, with the
//! self-declared program and pid only where journald gave none (the field
//! rules are [`crate::parse::journal`]'s), and writes them back as one
//! compact JSON object: that object is the record's text, so an event's
//! `raw` stays small and exact.

use std::borrow::Cow;

use serde::Serialize;

use crate::parse::journal::{Field, JournalFields};

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
    let mut raw =
        JournalFields::from_slice(line).map_err(|e| (None, format!("not a journal entry: {e}")))?;
    let cursor = raw
        .take(Field::Cursor)
        .map(Cow::into_owned)
        .ok_or((None, "journal entry without __CURSOR".to_string()))?;
    let Some(message) = raw.take(Field::Message) else {
        return Err((Some(cursor), "journal entry without a MESSAGE".into()));
    };
    // SYSLOG_IDENTIFIER / SYSLOG_PID only where journald gave no trusted value.
    raw.keep_trusted();
    let reduced = Reduced {
        realtime: raw.take(Field::Realtime),
        hostname: raw.take(Field::Hostname),
        comm: raw.take(Field::Comm),
        identifier: raw.take(Field::Identifier),
        pid: raw.take(Field::Pid),
        syslog_pid: raw.take(Field::SyslogPid),
        message,
    };
    let text = serde_json::to_string(&reduced)
        .map_err(|e| (Some(cursor.clone()), format!("cannot re-encode entry: {e}")))?;
    Ok(Entry { cursor, text })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> serde_json::Map<String, serde_json::Value> {
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
