//! The fast EVE line reader: a small, conservative JSON cursor that feeds
//! the same field rules as the serde path (it implements [`Src`]).
//!
//! It accepts only a subset of JSON whose meaning it can reproduce exactly
//! and which `serde_json` surely accepts too: strings without escapes or
//! control characters, non-negative integers of up to 19 digits, `true`,
//! `false`, `null`, and objects and arrays nested at most [`MAX_DEPTH`]
//! deep (`serde_json` allows 127). On anything else (an escape, a float, a
//! negative or huge number, any syntax error) it gives up ([`Bail`]) and
//! the caller reads the line again with `serde_json`, which then decides,
//! so errors and rare forms behave exactly as before. Suricata's own
//! lines almost never leave the subset.

use super::eve_record::EveRecord;
use super::record::TopWire;

mod alert;
mod cursor;

pub(super) use alert::read_alert_into;
use cursor::Cur;

/// Reads a whole line into `rec` (an empty record); false when the line
/// leaves the subset (or is invalid), `rec` then holds a partial read.
pub(super) fn read_into(line: &str, full: bool, rec: &mut EveRecord) -> bool {
    let Some(mut c) = Cur::at_object(line) else {
        return false;
    };
    let mut top = TopWire::new(rec);
    if c.object(|c, k| top.field(k, c, full)).is_err() {
        return false;
    }
    top.finish();
    // Only whitespace may follow (`serde_json::from_str` rules).
    c.ws().is_none()
}

/// [`read_into`] a new record.
#[cfg(test)]
pub(super) fn read(line: &str, full: bool) -> Option<EveRecord> {
    let mut rec = EveRecord::empty();
    read_into(line, full, &mut rec).then_some(rec)
}
