//! The standard parse + detect stage: routes each record by its
//! [`SourceKind`] to the OpenSSH parser (then the detectors), the Suricata
//! EVE parser, or the generic alert mapping.
//!
//! EVE lines take the fast path: only `alert` lines are parsed fully (into
//! alerts); other lines are counted by their `event_type`, found without a
//! full parse, and a line that is not a JSON object is counted malformed.
//!
//! ```
//! use soc_core::pipeline::analyze::{ParseConfig, StandardAnalyzer};
//! use soc_core::pipeline::stages::{Analysis, Analyzer};
//! use soc_core::source::{SourceKind, SourceRecord};
//! use soc_core::model::Origin;
//! let mut a = StandardAnalyzer::new(&ParseConfig::default(), Default::default()).unwrap();
//! let mut out = Analysis::default();
//! let rec = SourceRecord { kind: SourceKind::Eve, text: r#"{"event_type":"flow"}"#.into(),
//!                          origin: Origin { file: "eve.json".into(), line: 1 } };
//! a.analyze(&rec, &mut out);
//! assert_eq!(out.events_by_kind["suricata.flow"], 1);
//! ```

use serde::{Deserialize, Serialize};

use super::stages::{analyze_each_line, Analysis, Analyzer};
use crate::detect::{DetectConfig, DetectorSet};
use crate::error::ConfigError;
use crate::parse::json_csv::{alert_from_json, AlertMapping};
use crate::parse::line_block::LineBlock;
use crate::parse::ssh::{BlockParser, SshOptions, SshParser};
use crate::parse::suricata::{alert_from_eve, is_alert_line, parse_eve_line};
use crate::parse::ParseStats;
use crate::source::{SourceKind, SourceRecord};

/// `[parse]`: parser options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ParseConfig {
    /// Year for BSD syslog timestamps (which have none); default: inferred
    /// from the current date (a December log read in January is last year).
    pub ssh_year: Option<i32>,
    /// Time zone of syslog timestamps without an offset (IANA name).
    pub ssh_tz: String,
    /// Join address-less sshd lines to the earlier line of the same pid.
    pub ssh_stateful: bool,
    /// Field mapping for generic alerts (`src_ip = "source.address"`, ...),
    /// on top of the automatic recognition of common names.
    pub alert_fields: std::collections::BTreeMap<String, String>,
}

impl Default for ParseConfig {
    fn default() -> Self {
        ParseConfig {
            ssh_year: None,
            ssh_tz: "UTC".into(),
            ssh_stateful: true,
            alert_fields: Default::default(),
        }
    }
}

/// Parsers + detectors. The detectors' windows outlive a run: at the end
/// of input their open episodes are reported without being closed
/// ([`DetectorSet::flush`]), and their state is saved with the checkpoints
/// and restored by the next run.
pub struct StandardAnalyzer {
    ssh: SshParser,
    /// The parallel parse of blocks of sshd lines (made on first use).
    blocks: Option<BlockParser>,
    /// sshd events counted since the last hand-over (see [`KindCounts`]).
    ssh_counts: KindCounts,
    detectors: DetectorSet,
    mapping: AlertMapping,
    /// Evictions already reported.
    evictions: u64,
    /// The configuration, for [`Analyzer::fork`].
    parse: ParseConfig,
    detect: DetectConfig,
}

impl StandardAnalyzer {
    /// Builds the parsers and detectors.
    pub fn new(parse: &ParseConfig, detect: DetectConfig) -> Result<Self, ConfigError> {
        let opts = SshOptions {
            year: parse.ssh_year,
            tz: parse.ssh_tz.clone(),
            stateful: parse.ssh_stateful,
            ..SshOptions::default()
        };
        let ssh = SshParser::try_new(opts).map_err(|e| ConfigError::BadValue {
            path: "soc.toml".into(),
            key: "parse.ssh_tz".into(),
            message: e.to_string(),
        })?;
        let pairs: Vec<String> = parse
            .alert_fields
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let mapping =
            AlertMapping::parse_pairs(&pairs.join(",")).map_err(|e| ConfigError::BadValue {
                path: "soc.toml".into(),
                key: "parse.alert_fields".into(),
                message: e.to_string(),
            })?;
        Ok(StandardAnalyzer {
            ssh,
            blocks: None,
            ssh_counts: KindCounts::default(),
            detectors: DetectorSet::new(detect.clone()),
            mapping,
            evictions: 0,
            parse: parse.clone(),
            detect,
        })
    }
}

/// Events counted by their static kind names, added to an [`Analysis`]
/// when the batch is handed on: on an sshd line the count is a scan over a
/// dozen pointers instead of a map look-up comparing strings (a tenth of
/// the SSH lane's own work on a million lines).
#[derive(Debug, Default)]
struct KindCounts(Vec<(&'static str, u64)>);

impl KindCounts {
    fn add(&mut self, kind: &'static str) {
        match self.0.iter_mut().find(|(k, _)| std::ptr::eq(*k, kind)) {
            Some((_, n)) => *n += 1,
            None => self.0.push((kind, 1)),
        }
    }

    /// Adds the counts to `out` and starts again from zero.
    fn drain_into(&mut self, out: &mut Analysis) {
        for (kind, n) in self.0.drain(..) {
            match out.events_by_kind.get_mut(kind) {
                Some(total) => *total += n,
                None => {
                    out.events_by_kind.insert(kind.to_string(), n);
                }
            }
        }
    }
}

/// Bytes of sshd lines per unit of work of a parsing thread in
/// [`StandardAnalyzer::analyze_block`]: a block is a batch of lines (a few
/// hundred KiB), cut small so the threads start together and the calling
/// thread waits little for the first chunk.
const BLOCK_CHUNK: usize = 64 << 10;

/// The `event_type` of an EVE line without parsing it.
fn eve_event_type(line: &str) -> Option<&str> {
    let key = "\"event_type\":";
    let at = line.find(key)? + key.len();
    let rest = line[at..].trim_start().strip_prefix('"')?;
    let end = rest.find('"')?;
    Some(&rest[..end])
}

/// Counts one EVE event of type `t` as `suricata.<t>`, the name built on
/// the stack (one count per line, no allocation).
fn count_eve_type(out: &mut Analysis, t: &str) {
    const PREFIX: &[u8] = b"suricata.";
    let mut buf = [0u8; 64];
    match buf.get_mut(..PREFIX.len() + t.len()) {
        Some(dst) => {
            dst[..PREFIX.len()].copy_from_slice(PREFIX);
            dst[PREFIX.len()..].copy_from_slice(t.as_bytes());
            // Two valid UTF-8 strings joined are valid UTF-8.
            out.count_event(std::str::from_utf8(dst).unwrap_or("suricata.?"));
        }
        None => out.count_event(&format!("suricata.{t}")),
    }
}

fn looks_like_object(line: &str) -> bool {
    let t = line.trim();
    t.starts_with('{') && t.ends_with('}')
}

impl Analyzer for StandardAnalyzer {
    fn analyze(&mut self, rec: &SourceRecord, out: &mut Analysis) {
        match rec.kind {
            SourceKind::Ssh | SourceKind::Journal => match self.ssh.parse_ref(&rec.text) {
                None => out.skipped += 1,
                // Only attempts and successes reach the detectors' windows:
                // other events move their clock; events are built only as
                // evidence.
                Some(r) if r.attempt.is_none() => {
                    self.ssh_counts.add(r.message.kind.event_kind());
                    out.alerts.extend(self.detectors.observe_time(r.time));
                }
                Some(r) => {
                    self.ssh_counts.add(r.message.kind.event_kind());
                    let origin = || rec.origin.clone();
                    let alerts = self.detectors.observe_record(&r, &rec.text, origin);
                    out.alerts.extend(alerts);
                }
            },
            SourceKind::Eve => {
                if rec.text.trim().is_empty() {
                    out.skipped += 1;
                } else if is_alert_line(rec.text.as_bytes()) {
                    match parse_eve_line(&rec.text) {
                        Ok(r) => {
                            out.count_event("suricata.alert");
                            if let Some(mut a) = alert_from_eve(&r) {
                                if a.events.is_empty() {
                                    a.events.push(r.to_event(rec.origin.clone()));
                                }
                                out.alerts.push(a);
                            }
                        }
                        Err(e) => {
                            out.malformed(format!("{}:{}: {e}", rec.origin.file, rec.origin.line))
                        }
                    }
                } else if !looks_like_object(&rec.text) {
                    out.malformed(format!(
                        "{}:{}: not a JSON object",
                        rec.origin.file, rec.origin.line
                    ));
                } else {
                    match eve_event_type(&rec.text) {
                        Some(t) => count_eve_type(out, t),
                        None => out.malformed(format!(
                            "{}:{}: no event_type",
                            rec.origin.file, rec.origin.line
                        )),
                    }
                }
            }
            SourceKind::Alerts => {
                let value: serde_json::Value = match serde_json::from_str(&rec.text) {
                    Ok(v) => v,
                    Err(e) => {
                        out.malformed(format!("{}:{}: {e}", rec.origin.file, rec.origin.line));
                        return;
                    }
                };
                match alert_from_json(&value, &self.mapping) {
                    Ok(a) => {
                        out.count_event(&a.kind);
                        out.alerts.push(a);
                    }
                    Err(e) => {
                        out.malformed(format!("{}:{}: {e}", rec.origin.file, rec.origin.line))
                    }
                }
            }
        }
    }

    fn takes_blocks(&self, kind: SourceKind) -> bool {
        kind == SourceKind::Ssh
    }

    /// sshd lines: parsed on `threads` threads (`parse::ssh`'s block parser), joined
    /// in order by this analyzer's parser, and fed to the detectors in
    /// order as borrowed records.
    fn analyze_block(
        &mut self,
        kind: SourceKind,
        block: &mut LineBlock,
        threads: usize,
        out: &mut Analysis,
    ) {
        if kind != SourceKind::Ssh {
            return analyze_each_line(self, kind, block, out);
        }
        let parser = match &mut self.blocks {
            Some(p) if p.threads() == threads.max(1) => p,
            slot => slot.insert(BlockParser::new(threads, BLOCK_CHUNK)),
        };
        let mut stats = ParseStats::default();
        let (counts, detectors, alerts) =
            (&mut self.ssh_counts, &mut self.detectors, &mut out.alerts);
        let blank = parser.parse(
            block,
            &mut self.ssh,
            &mut stats,
            &mut |r, file, no, text| {
                counts.add(r.message.kind.event_kind());
                // As in `analyze`: only attempts and successes reach the
                // windows; other events move their clock.
                if r.attempt.is_none() {
                    alerts.extend(detectors.observe_time(r.time));
                } else {
                    alerts.extend(detectors.observe_line(r, file, no, text));
                }
            },
        );
        // Blank lines are no records (the file source passes over them).
        out.records += stats.lines - blank;
        out.skipped += stats.skipped - blank;
        let unkept = stats.malformed - stats.errors.len() as u64;
        for e in stats.errors {
            out.malformed(e.to_string());
        }
        out.malformed += unkept;
    }

    fn finish(&mut self, out: &mut Analysis) {
        self.ssh_counts.drain_into(out);
        out.alerts.extend(self.detectors.flush());
    }

    fn end_batch(&mut self, out: &mut Analysis, save: bool) {
        self.ssh_counts.drain_into(out);
        let ev = self.detectors.evictions();
        out.detector_evictions += ev.saturating_sub(self.evictions);
        self.evictions = ev;
        if save {
            out.detector_state = Some(self.detectors.take_changes());
        }
    }

    fn has_unsaved_state(&self) -> bool {
        self.detectors.has_unsaved_state()
    }

    fn fork(&self) -> Option<Box<dyn Analyzer>> {
        let a = StandardAnalyzer::new(&self.parse, self.detect.clone()).ok()?;
        Some(Box::new(a))
    }

    fn restore_state(&mut self, rows: Vec<(String, String, String)>) -> usize {
        let skipped = self.detectors.restore(rows);
        self.evictions = self.detectors.evictions();
        skipped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// sshd events are counted when the batch is handed on (end_batch or
    /// finish), each kind once per line, whatever the batches.
    #[test]
    fn sshd_counts_arrive_with_the_batch() {
        use crate::model::Origin;
        let mut a = StandardAnalyzer::new(&ParseConfig::default(), Default::default()).unwrap();
        let rec = |text: &str| SourceRecord {
            kind: SourceKind::Ssh,
            text: text.into(),
            origin: Origin {
                file: "auth.log".into(),
                line: 1,
            },
        };
        let failed = rec(
            "Nov 21 02:00:01 web sshd[9]: Failed password for root from 203.0.113.9 port 4242 ssh2",
        );
        let closed = rec("Nov 21 02:00:02 web sshd[9]: Connection closed by 203.0.113.9 port 4242");
        let mut out = Analysis::default();
        for r in [&failed, &closed, &failed] {
            a.analyze(r, &mut out);
        }
        a.end_batch(&mut out, false);
        a.analyze(&failed, &mut out);
        a.finish(&mut out);
        let ssh: Vec<(&str, u64)> = (out.events_by_kind.iter())
            .map(|(k, n)| (k.as_str(), *n))
            .collect();
        assert_eq!(ssh.iter().map(|x| x.1).sum::<u64>(), 4, "{ssh:?}");
        assert_eq!(out.events_by_kind.len(), 2, "{ssh:?}");
    }

    #[test]
    fn event_type_without_parsing() {
        assert_eq!(
            eve_event_type(r#"{"a":1,"event_type": "dns","x":{}}"#),
            Some("dns")
        );
        assert_eq!(eve_event_type(r#"{"a":1}"#), None);
        assert!(!looks_like_object(r#"{"truncated":"#));
        let mut out = Analysis::default();
        count_eve_type(&mut out, "dns");
        count_eve_type(&mut out, &"x".repeat(80));
        assert_eq!(out.events_by_kind["suricata.dns"], 1);
        assert_eq!(
            out.events_by_kind[&format!("suricata.{}", "x".repeat(80))],
            1
        );
    }
}
