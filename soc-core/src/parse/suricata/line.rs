//! Reading one EVE line: the fast cursor, or `serde_json` for the lines
//! it leaves.

use super::eve_record::EveRecord;
use super::{fast, record};
use crate::error::ParseError;

/// Parses one EVE line. Errors (not JSON, not an object) carry a reason;
/// the caller adds file and line.
pub fn parse_eve_line(line: &str) -> Result<EveRecord, ParseError> {
    let mut rec = EveRecord::empty();
    read_line(line, true, &mut rec)?;
    rec.line = line.into();
    Ok(rec)
}

/// Reads a line into `rec` (an empty record) fully or (`full = false`)
/// only what an alert needs: the fast reader, or `serde_json` for lines it
/// leaves.
#[inline]
pub(super) fn read_line(line: &str, full: bool, rec: &mut EveRecord) -> Result<(), ParseError> {
    if fast::read_into(line, full, rec) {
        return Ok(());
    }
    match record::read_serde(line, full) {
        Ok(Some(r)) => {
            *rec = r;
            Ok(())
        }
        Ok(None) => Err(malformed("not a JSON object".into())),
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
