//! Reading the export endpoint's streamed JSON lines.

use crate::http::truncate;
use serde_json::Value;

use crate::error::SourceError;
use crate::model::Origin;
use crate::source::{SourceKind, SourceRecord};

/// The `messages[].text` of a Splunk JSON body, joined; `None` when there are none.
fn messages_text(body: &str) -> Option<String> {
    let v: Value = serde_json::from_str(body.trim()).ok()?;
    let texts: Vec<String> = v
        .get("messages")?
        .as_array()?
        .iter()
        .filter_map(|m| {
            let t = m.get("text")?.as_str()?;
            let kind = m.get("type").and_then(Value::as_str).unwrap_or("ERROR");
            Some(format!("{kind}: {t}"))
        })
        .collect();
    (!texts.is_empty()).then(|| texts.join("; "))
}

/// Turns an export reply (status and body) of the search source `name`
/// (its records of `kind`) into records, or the error it carries.
pub(super) fn read_export(
    (name, kind): (&str, SourceKind),
    status: u16,
    body: &str,
) -> Result<Vec<SourceRecord>, SourceError> {
    if !(200..300).contains(&status) {
        let said = messages_text(body).unwrap_or_else(|| truncate(body.trim(), 300));
        let hint = match status {
            401 => {
                "authentication failed; check splunk.token (and token_type) or username/password. "
            }
            403 => {
                "permission denied; the Splunk role needs the search capability on these indexes. "
            }
            400 => "the search was rejected; check splunk.query. ",
            _ => "",
        };
        return Err(SourceError::Remote {
            source_name: name.to_string(),
            status,
            message: format!("{hint}{said}"),
        });
    }
    let mut reader = ExportReader {
        name,
        kind,
        status,
        out: Vec::new(),
        done: false,
        line_no: 0,
    };
    for line in body.as_bytes().split(|&b| b == b'\n') {
        if reader.done {
            break;
        }
        reader.line(line)?;
    }
    Ok(reader.out)
}

struct ExportReader<'a> {
    name: &'a str,
    kind: SourceKind,
    status: u16,
    out: Vec<SourceRecord>,
    done: bool,
    line_no: u64,
}

impl ExportReader<'_> {
    fn line(&mut self, bytes: &[u8]) -> Result<(), SourceError> {
        self.line_no += 1;
        let text = String::from_utf8_lossy(bytes);
        let text = text.trim();
        if text.is_empty() {
            return Ok(());
        }
        let v: Value = serde_json::from_str(text).map_err(|e| SourceError::Transport {
            source_name: self.name.to_string(),
            message: format!(
                "malformed export line {}: {e}: {}",
                self.line_no,
                truncate(text, 200)
            ),
        })?;
        if let Some(msgs) = v.get("messages").and_then(Value::as_array) {
            for m in msgs {
                let kind = m.get("type").and_then(Value::as_str).unwrap_or("INFO");
                let t = m.get("text").and_then(Value::as_str).unwrap_or("");
                if kind.eq_ignore_ascii_case("ERROR") || kind.eq_ignore_ascii_case("FATAL") {
                    return Err(SourceError::Remote {
                        source_name: self.name.to_string(),
                        status: self.status,
                        message: format!("{kind}: {t}"),
                    });
                }
                tracing::warn!(source = %self.name, "splunk {kind}: {t}");
            }
        }
        if v.get("preview").and_then(Value::as_bool) == Some(true) {
            return Ok(()); // preview batches are superseded by the final results
        }
        if v.get("lastrow").and_then(Value::as_bool) == Some(true) {
            self.done = true;
        }
        if let Some(r) = v.get("result") {
            self.push(r);
        }
        if let Some(rs) = v.get("results").and_then(Value::as_array) {
            for r in rs {
                self.push(r);
            }
        }
        Ok(())
    }

    fn push(&mut self, result: &Value) {
        let text = match result.get("_raw").and_then(Value::as_str) {
            Some(raw) => raw.to_string(),
            None => result.to_string(),
        };
        self.out.push(SourceRecord {
            kind: self.kind,
            text,
            origin: Origin {
                file: self.name.to_string(),
                line: self.out.len() as u64 + 1,
            },
        });
    }
}
