//! How `soc ssh --alerts`, `soc eve --alerts` and `soc alerts` print an
//! alert: the whole object in JSON/JSONL, a fixed set of columns in table
//! and CSV.

use std::io::Write;

use serde_json::{json, Value};
use soc_core::Alert;

use crate::output::{rfc3339, Format, RowWriter};

/// The columns of an alert in table and CSV output.
pub const ALERT_COLUMNS: &[&str] = &[
    "id",
    "kind",
    "severity",
    "src_ip",
    "user",
    "count",
    "first_seen",
    "last_seen",
    "attack",
    "title",
];

/// An alert as a table/CSV row.
pub fn alert_row(a: &Alert) -> Value {
    json!({
        "id": a.id,
        "kind": a.kind,
        "severity": a.severity.as_str(),
        "src_ip": a.src_ip.map(|i| i.to_string()),
        "user": a.user,
        "count": a.count,
        "first_seen": a.first_seen.map(rfc3339),
        "last_seen": a.last_seen.map(rfc3339),
        "attack": a.attack.iter().map(|r| r.technique_id.clone()).collect::<Vec<_>>(),
        "title": a.title,
    })
}

/// Writes one alert: the whole serialized alert in JSON and JSONL, the
/// [`ALERT_COLUMNS`] row otherwise.
pub fn write_alert<W: Write>(
    w: &mut RowWriter<W>,
    format: Format,
    a: &Alert,
) -> anyhow::Result<()> {
    if format == Format::Jsonl || format == Format::Json {
        w.write_ser(a)?;
    } else {
        w.write(&alert_row(a))?;
    }
    Ok(())
}
