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
use crate::model::Alert;
use crate::parse::json_csv::{alert_from_json, AlertMapping};
use crate::parse::line_block::LineBlock;
use crate::parse::ssh::{BlockParser, SshOptions, SshParser, SshRecordRef};
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

impl StandardAnalyzer {
    /// Feeds the detectors the lines of a block parsed ahead, if any (see
    /// [`Analyzer::analyze_block`]).
    fn settle(&mut self, out: &mut Analysis) {
        let Some(parser) = self.blocks.as_mut().filter(|p| p.has_ahead()) else {
            return;
        };
        let mut stats = ParseStats::default();
        let (counts, detectors, alerts) =
            (&mut self.ssh_counts, &mut self.detectors, &mut out.alerts);
        let blank = parser.finish_ahead(&mut stats, &mut |r, file, no, text| {
            observe(counts, detectors, alerts, r, file, no, text)
        });
        count_block(out, stats, blank);
    }
}

/// An sshd line of a block, counted and fed to the detectors. As in
/// [`Analyzer::analyze`]: only attempts and successes reach the windows;
/// other events move their clock.
fn observe(
    counts: &mut KindCounts,
    detectors: &mut DetectorSet,
    alerts: &mut Vec<Alert>,
    r: &SshRecordRef<'_>,
    file: &str,
    no: u64,
    text: &str,
) {
    counts.add(r.message.kind.event_kind());
    if r.attempt.is_none() {
        alerts.extend(detectors.observe_time(r.time));
    } else {
        alerts.extend(detectors.observe_line(r, file, no, text));
    }
}

/// Adds the counts of a block's lines handed to the detectors to `out`.
fn count_block(out: &mut Analysis, stats: ParseStats, blank: u64) {
    // Blank lines are no records (the file source passes over them).
    out.records += stats.lines - blank;
    out.skipped += stats.skipped - blank;
    let unkept = stats.malformed - stats.errors.len() as u64;
    for e in stats.errors {
        out.malformed(e.to_string());
    }
    out.malformed += unkept;
}

impl Analyzer for StandardAnalyzer {
    fn analyze(&mut self, rec: &SourceRecord, out: &mut Analysis) {
        if matches!(rec.kind, SourceKind::Ssh | SourceKind::Journal) {
            // Lines of a block parsed ahead come first.
            self.settle(out);
        }
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

    /// sshd lines: parsed on `threads` threads (`parse::ssh`'s block
    /// parser), joined in order by this analyzer's parser, and fed to the
    /// detectors in order as borrowed records. With more than one thread
    /// the parse runs one block ahead of the detectors: a block's lines
    /// reach them at the next call, or at [`Analyzer::end_batch`] with
    /// `save`, [`Analyzer::finish`], or the next record handed to
    /// [`Analyzer::analyze`] (in input order all the same).
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
        let threads = threads.max(1);
        if self.blocks.as_ref().is_some_and(|p| p.threads() != threads) {
            self.settle(out);
            self.blocks = None;
        }
        let parser = (self.blocks).get_or_insert_with(|| BlockParser::new(threads, BLOCK_CHUNK));
        let mut stats = ParseStats::default();
        let (counts, detectors, alerts) =
            (&mut self.ssh_counts, &mut self.detectors, &mut out.alerts);
        let mut f = |r: &SshRecordRef<'_>, file: &str, no: u64, text: &str| {
            observe(counts, detectors, alerts, r, file, no, text)
        };
        let blank = if threads > 1 {
            parser.parse_ahead(block, &mut self.ssh, &mut stats, &mut f)
        } else {
            parser.parse(block, &mut self.ssh, &mut stats, &mut f)
        };
        count_block(out, stats, blank);
    }

    fn finish(&mut self, out: &mut Analysis) {
        self.settle(out);
        // The block parser's buffers go before the final save (the run's
        // peak of memory); another run makes them again.
        self.blocks = None;
        self.ssh_counts.drain_into(out);
        out.alerts.extend(self.detectors.flush());
    }

    fn end_batch(&mut self, out: &mut Analysis, save: bool) {
        if save {
            // The state saved covers every line read (the checkpoints).
            self.settle(out);
        }
        self.ssh_counts.drain_into(out);
        let ev = self.detectors.evictions();
        out.detector_evictions += ev.saturating_sub(self.evictions);
        self.evictions = ev;
        if save {
            out.detector_state = Some(self.detectors.take_changes());
        }
    }

    fn has_unsaved_state(&self) -> bool {
        self.detectors.has_unsaved_state() || self.blocks.as_ref().is_some_and(|p| p.has_ahead())
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

    /// A block of `n` lines from line `first` on: failed passwords from
    /// a few addresses, a line of another program, a blank line.
    fn ssh_block(first: u64, n: u64) -> LineBlock {
        let mut b = LineBlock::default();
        b.start("auth.log", first);
        for i in first..first + n {
            let line = match i % 10 {
                3 => "Nov 21 02:00:00 web CRON[1]: session opened".to_string(),
                7 => String::new(),
                _ => format!(
                    "Nov 21 02:{:02}:{:02} web sshd[{}]: Failed password for root from 203.0.113.{} port 4242 ssh2",
                    i / 60 % 60,
                    i % 60,
                    100 + i % 7,
                    i % 3
                ),
            };
            b.push_line(line.as_bytes());
        }
        b
    }

    /// On two threads a block's lines reach the detectors one call late
    /// (held meanwhile, and reported unsaved), at the latest when the
    /// state is saved or the input ends: the alerts and counts of one
    /// thread, batch for batch at every save.
    #[test]
    fn blocks_parsed_ahead_reach_the_detectors_by_the_save() {
        let run = |threads: usize| {
            let mut a = StandardAnalyzer::new(&ParseConfig::default(), Default::default()).unwrap();
            let mut out = Analysis::default();
            let mut saved = Vec::new();
            for (k, first) in [1u64, 401, 801, 1201].into_iter().enumerate() {
                let mut block = ssh_block(first, 400);
                a.analyze_block(SourceKind::Ssh, &mut block, threads, &mut out);
                if threads > 1 {
                    assert!(a.has_unsaved_state());
                    // Only the blocks before this one (since the save
                    // after the second) were counted.
                    let before = if k > 1 { k - 2 } else { k };
                    assert_eq!(out.records, 360 * before as u64, "block {k}");
                }
                if k == 1 {
                    a.end_batch(&mut out, true);
                    assert_eq!(out.records, 720, "the save takes the held block");
                    assert!(out.detector_state.take().is_some());
                    saved.push(std::mem::take(&mut out));
                }
            }
            a.finish(&mut out);
            a.end_batch(&mut out, true);
            assert!(!a.has_unsaved_state());
            saved.push(out);
            saved
                .into_iter()
                .map(|o| {
                    let ids: Vec<String> = o.alerts.iter().map(|x| x.id.clone()).collect();
                    (ids, o.records, o.skipped, o.events_by_kind)
                })
                .collect::<Vec<_>>()
        };
        let one = run(1);
        // The episodes stay open until the end, where they are reported.
        assert!(!one[1].0.is_empty(), "{one:?}");
        assert_eq!((one[0].1, one[1].1), (720, 720));
        assert_eq!(run(2), one);
        assert_eq!(run(3), one);
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
