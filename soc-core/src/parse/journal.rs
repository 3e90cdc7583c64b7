//! The fields of one `journalctl -o json` entry that soc reads, read the
//! same way by the journal source (which reduces each entry to them) and
//! by the SSH parser (journal JSON lines in a file).
//!
//! journalctl prints a field as a JSON string, as an array of byte values
//! when it is not printable UTF-8, and as an array of those when the entry
//! has the field more than once: each becomes text here (bytes decoded as
//! UTF-8 with invalid sequences replaced; the first of repeated values).
//!
//! Which fields are trusted: journald sets `_COMM`, `_PID`, `_HOSTNAME` and
//! `__REALTIME_TIMESTAMP` itself, while `SYSLOG_IDENTIFIER` and
//! `SYSLOG_PID` are whatever the logging process said (`logger -t sshd`
//! writes `SYSLOG_IDENTIFIER=sshd` from any local account). So the program
//! and the pid are journald's when the entry has them
//! ([`JournalFields::program`], [`JournalFields::pid`]); the self-declared
//! ones count only for entries without them (imported journals).

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, Error, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A field soc reads from a journal entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    /// `__CURSOR`: where a reader resumes after the entry.
    Cursor,
    /// `__REALTIME_TIMESTAMP`: microseconds since the epoch (journald's).
    Realtime,
    /// `_HOSTNAME` (journald's).
    Hostname,
    /// `_COMM`: the process's command name (journald's).
    Comm,
    /// `SYSLOG_IDENTIFIER`: the program name the process declared.
    Identifier,
    /// `_PID` (journald's).
    Pid,
    /// `SYSLOG_PID`: the pid the process declared.
    SyslogPid,
    /// `MESSAGE`.
    Message,
}

/// The JSON names of the fields, in the order of [`Field`].
const NAMES: [&str; 8] = [
    "__CURSOR",
    "__REALTIME_TIMESTAMP",
    "_HOSTNAME",
    "_COMM",
    "SYSLOG_IDENTIFIER",
    "_PID",
    "SYSLOG_PID",
    "MESSAGE",
];

/// The fields of one entry as text (`None`: absent, or not text: a
/// number, an object, a byte array with a value over 255); the entry's
/// other fields are passed over. A field given twice makes the entry
/// invalid.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct JournalFields<'a> {
    values: [Option<Cow<'a, str>>; 8],
}

impl<'a> JournalFields<'a> {
    /// Reads one entry; strings without escapes stay borrowed from `text`.
    pub fn from_json(text: &'a str) -> Result<JournalFields<'a>, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// [`JournalFields::from_json`] over bytes (checked as UTF-8).
    pub fn from_slice(bytes: &'a [u8]) -> Result<JournalFields<'a>, serde_json::Error> {
        serde_json::from_slice(bytes)
    }

    /// One field's text.
    pub fn get(&self, field: Field) -> Option<&str> {
        self.values[field as usize].as_deref()
    }

    /// Takes one field's text out.
    pub fn take(&mut self, field: Field) -> Option<Cow<'a, str>> {
        self.values[field as usize].take()
    }

    /// The program: `_COMM` when journald set it, else `SYSLOG_IDENTIFIER`.
    pub fn program(&self) -> Option<&str> {
        self.get(Field::Comm).or(self.get(Field::Identifier))
    }

    /// The pid: `_PID` when journald set it, else `SYSLOG_PID`.
    pub fn pid(&self) -> Option<&str> {
        self.get(Field::Pid).or(self.get(Field::SyslogPid))
    }

    /// Drops the self-declared program and pid where journald's own are
    /// present, so what is left says no more than [`JournalFields::program`]
    /// and [`JournalFields::pid`] read.
    pub fn keep_trusted(&mut self) {
        if self.get(Field::Comm).is_some() {
            self.take(Field::Identifier);
        }
        if self.get(Field::Pid).is_some() {
            self.take(Field::SyslogPid);
        }
    }
}

impl<'de> Deserialize<'de> for JournalFields<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(EntryVisitor)
    }
}

struct EntryVisitor;

impl<'de> Visitor<'de> for EntryVisitor {
    type Value = JournalFields<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a journal entry (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = JournalFields::default();
        let mut seen = 0u16;
        while let Some(Key(key)) = map.next_key()? {
            let Some(i) = NAMES.iter().position(|n| *n == key) else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            if seen & (1 << i) != 0 {
                return Err(A::Error::custom(format_args!(
                    "duplicate field `{}`",
                    NAMES[i]
                )));
            }
            seen |= 1 << i;
            fields.values[i] = map.next_value::<FieldValue<'de>>()?.into_text();
        }
        Ok(fields)
    }
}

/// An object key, borrowed when it has no escapes.
#[derive(serde::Deserialize)]
struct Key<'a>(#[serde(borrow)] Cow<'a, str>);

/// A field's value: a whole number (a byte, inside an array) or text.
enum FieldValue<'a> {
    Number(u64),
    Text(Option<Cow<'a, str>>),
}

impl<'a> FieldValue<'a> {
    fn into_text(self) -> Option<Cow<'a, str>> {
        match self {
            FieldValue::Number(_) => None,
            FieldValue::Text(t) => t,
        }
    }
}

impl<'de> Deserialize<'de> for FieldValue<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = FieldValue<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a journal field value")
    }

    fn visit_borrowed_str<E: Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(FieldValue::Text(Some(Cow::Borrowed(v))))
    }

    fn visit_str<E: Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(FieldValue::Text(Some(Cow::Owned(v.to_owned()))))
    }

    fn visit_string<E: Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(FieldValue::Text(Some(Cow::Owned(v))))
    }

    fn visit_u64<E: Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(FieldValue::Number(v))
    }

    fn visit_i64<E: Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(FieldValue::Text(None))
    }

    fn visit_f64<E: Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(FieldValue::Text(None))
    }

    fn visit_bool<E: Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(FieldValue::Text(None))
    }

    fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
        Ok(FieldValue::Text(None))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(FieldValue::Text(None))
    }

    /// An array of byte values is text in UTF-8; any other array stands
    /// for repeated values, of which the first counts.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut bytes = Vec::new();
        let (mut all_numbers, mut all_bytes) = (true, true);
        let mut first: Option<Option<Cow<'de, str>>> = None;
        while let Some(item) = seq.next_element::<FieldValue<'de>>()? {
            let text = match item {
                FieldValue::Number(n) => {
                    match u8::try_from(n) {
                        Ok(b) => bytes.push(b),
                        Err(_) => all_bytes = false,
                    }
                    None
                }
                FieldValue::Text(t) => {
                    all_numbers = false;
                    t
                }
            };
            first.get_or_insert(text);
        }
        let text = if all_numbers {
            all_bytes.then(|| Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()))
        } else {
            first.flatten()
        };
        Ok(FieldValue::Text(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_stay_borrowed_and_other_fields_are_passed_over() {
        let line =
            r#"{"_CMDLINE":"sshd: x","MESSAGE":"Failed password","_PID":"42","_X":[1,{"a":2}]}"#;
        let f = JournalFields::from_json(line).unwrap();
        assert!(matches!(
            f.values[Field::Message as usize],
            Some(Cow::Borrowed("Failed password"))
        ));
        assert_eq!(f.get(Field::Pid), Some("42"));
        assert_eq!(f.get(Field::Comm), None);
    }

    #[test]
    fn byte_arrays_and_repeated_fields_become_text() {
        let f = JournalFields::from_json(
            r#"{"_COMM":["sshd","x"],"MESSAGE":[73,110,118,32,27,255],"_HOSTNAME":[],"_PID":[[52,50],"7"]}"#,
        )
        .unwrap();
        assert_eq!(f.get(Field::Comm), Some("sshd"));
        assert_eq!(f.get(Field::Message), Some("Inv \u{1b}\u{fffd}"));
        assert_eq!(f.get(Field::Hostname), Some(""));
        assert_eq!(f.get(Field::Pid), Some("42"));
    }

    #[test]
    fn values_that_are_not_text_are_absent() {
        let f = JournalFields::from_json(
            r#"{"MESSAGE":[1,300],"_PID":42,"_COMM":null,"_HOSTNAME":{"a":"b"},"SYSLOG_PID":[7,"x"],"__CURSOR":-1}"#,
        )
        .unwrap();
        assert_eq!(f, JournalFields::default());
    }

    #[test]
    fn journald_fields_win_over_declared_ones() {
        // `logger -t sshd -i` from a local account: journald says `logger`.
        let mut f = JournalFields::from_json(
            r#"{"_COMM":"logger","SYSLOG_IDENTIFIER":"sshd","_PID":"9","SYSLOG_PID":"7"}"#,
        )
        .unwrap();
        assert_eq!((f.program(), f.pid()), (Some("logger"), Some("9")));
        f.keep_trusted();
        assert_eq!(
            (f.get(Field::Identifier), f.get(Field::SyslogPid)),
            (None, None)
        );
        // An imported journal without journald's fields: the declared ones.
        let mut f =
            JournalFields::from_json(r#"{"SYSLOG_IDENTIFIER":"sshd","SYSLOG_PID":"7"}"#).unwrap();
        f.keep_trusted();
        assert_eq!((f.program(), f.pid()), (Some("sshd"), Some("7")));
    }

    #[test]
    fn a_field_given_twice_or_a_non_object_is_an_error() {
        let e = JournalFields::from_json(r#"{"_COMM":"sshd","_COMM":"logger"}"#).unwrap_err();
        assert!(e.to_string().contains("duplicate field `_COMM`"), "{e}");
        assert!(JournalFields::from_json("[1]").is_err());
        assert!(JournalFields::from_slice(b"{\"MESSAGE\":\"\xff\"}").is_err());
    }
}
