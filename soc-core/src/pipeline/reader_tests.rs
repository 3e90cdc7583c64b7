//! Tests of the reader loop ([`super`]).

use super::*;
use crate::model::Origin;
use crate::source::{Checkpoint, SourceKind, SourceRecord};

/// `n` records; its checkpoint is the number yielded so far.
struct Numbers {
    n: u64,
    at: u64,
}

impl LogSource for Numbers {
    fn name(&self) -> &str {
        "numbers"
    }
    fn next_record(&mut self) -> Option<Result<SourceRecord, SourceError>> {
        (self.at < self.n).then(|| {
            self.at += 1;
            Ok(SourceRecord {
                kind: SourceKind::Ssh,
                text: self.at.to_string(),
                origin: Origin {
                    file: "numbers".into(),
                    line: self.at,
                },
            })
        })
    }
    fn checkpoints(&self) -> Vec<Checkpoint> {
        vec![Checkpoint {
            source_key: "numbers".into(),
            identity: String::new(),
            offset: self.at,
            line: self.at,
        }]
    }
}

/// Every record changes its state (when `stateful`); a save hands the
/// number of records seen so far on as its one state row.
struct Counting {
    stateful: bool,
    /// Raises one alert every second record.
    alerting: bool,
    seen: u64,
    saved: u64,
}

impl Analyzer for Counting {
    fn finish(&mut self, _: &mut Analysis) {}
    fn analyze(&mut self, _: &SourceRecord, out: &mut Analysis) {
        self.seen += 1;
        if self.alerting && self.seen % 2 == 0 {
            let id = self.seen.to_string();
            out.alerts.push(crate::model::Alert::new(
                "t",
                &id,
                id.clone(),
                crate::model::Severity::Low,
            ));
        }
    }
    fn end_batch(&mut self, out: &mut Analysis, save: bool) {
        if save && self.stateful {
            self.saved = self.seen;
            out.detector_state = Some(vec![crate::detect::StateChange {
                detector: "count".into(),
                key: String::new(),
                state: Some(self.seen.to_string()),
            }]);
        }
    }
    fn has_unsaved_state(&self) -> bool {
        self.stateful && self.seen != self.saved
    }
}

/// (records, checkpoint offset, saved state) of every batch handed on.
fn batches(stateful: bool) -> Vec<(u64, u64, Option<String>)> {
    handed_on(stateful, false)
        .into_iter()
        .map(|b| {
            let state = b
                .analysis
                .detector_state
                .and_then(|s| s.into_iter().next())
                .and_then(|c| c.state);
            (b.analysis.records, b.checkpoints[0].offset, state)
        })
        .collect()
}

/// Every batch a reader over 95 numbers hands on, 10 records a round.
fn handed_on(stateful: bool, alerting: bool) -> Vec<Batch> {
    handed_on_via(stateful, alerting, false)
}

/// [`handed_on`], the alerts prepared beside the lane when `beside`.
fn handed_on_via(stateful: bool, alerting: bool, beside: bool) -> Vec<Batch> {
    let (tx, mut rx) = mpsc::channel(1000);
    let cfg = ReaderConfig {
        follow: false,
        batch_records: 10,
        poll: Duration::from_millis(1),
        shutdown: Arc::default(),
        prepare_alerts: Some(20),
        prepare_beside: beside,
        parse_threads: 1,
    };
    let analyzer = Counting {
        stateful,
        alerting,
        seen: 0,
        saved: 0,
    };
    let source: Box<dyn LogSource> = Box::new(Numbers { n: 95, at: 0 });
    read_loop(vec![source], Box::new(analyzer), tx, cfg);
    let mut out = Vec::new();
    while let Ok(b) = rx.try_recv() {
        out.push(b);
    }
    out
}

/// A stateful lane's alerts do not wait for its next save: between
/// saves they go on in batches without checkpoints or state (bounded
/// memory), and every checkpoint still goes with its state. At the end
/// the last alerts go on before the final save, which carries none.
#[test]
fn alerts_go_on_between_saves_without_checkpoints() {
    let b = handed_on(true, true);
    let alerts_only: Vec<&Batch> = b.iter().filter(|x| x.checkpoints.is_empty()).collect();
    assert!(alerts_only.len() >= 5, "{}", alerts_only.len());
    let (last, full) = alerts_only.split_last().unwrap();
    for x in full {
        assert!(x.analysis.detector_state.is_none());
        assert_eq!(x.analysis.alerts.len(), 5);
    }
    // Records 91 to 95: alerts 92 and 94, then the final save alone.
    assert_eq!(last.analysis.alerts.len(), 2);
    let fin = b.last().unwrap();
    assert!(fin.analysis.alerts.is_empty() && fin.analysis.detector_state.is_some());
    assert_eq!(fin.checkpoints[0].offset, 95);
    for x in b.iter().filter(|x| !x.checkpoints.is_empty()) {
        let state = x
            .analysis
            .detector_state
            .as_ref()
            .and_then(|s| s[0].state.clone());
        assert_eq!(state, Some(x.checkpoints[0].offset.to_string()));
    }
    let alerts: Vec<&str> = b
        .iter()
        .flat_map(|x| &x.analysis.alerts)
        .map(|a| a.title.as_str())
        .collect();
    let want: Vec<String> = (1..=47).map(|i| (2 * i).to_string()).collect();
    assert_eq!(alerts, want, "every alert once, in order");
}

#[test]
fn stateless_batches_commit_their_checkpoints_as_they_fill() {
    let b = batches(false);
    assert_eq!(b.len(), 10, "{b:?}");
    assert_eq!(b[0], (10, 10, None));
    assert_eq!(b.iter().map(|x| x.0).sum::<u64>(), 95);
    assert_eq!(b.last().map(|x| x.1), Some(95));
}

#[test]
fn a_checkpoint_never_runs_ahead_of_the_saved_state() {
    let b = batches(true);
    assert!(!b.is_empty());
    for (_, offset, state) in &b {
        assert_eq!(state.as_deref(), Some(offset.to_string().as_str()), "{b:?}");
    }
    assert_eq!(b.iter().map(|x| x.0).sum::<u64>(), 95);
}

/// Prepared beside the lane (`preparer`), the batches are the lane's own,
/// in the same order, each prepared.
#[test]
fn alerts_prepared_beside_the_lane_come_in_the_same_batches() {
    let summary = |b: &[Batch]| -> Vec<(u64, Vec<u64>, Vec<String>, bool)> {
        b.iter()
            .map(|x| {
                let offsets = x.checkpoints.iter().map(|c| c.offset).collect();
                let titles = x.analysis.alerts.iter().map(|a| a.title.clone()).collect();
                (x.analysis.records, offsets, titles, x.prepared)
            })
            .collect()
    };
    let here = summary(&handed_on(true, true));
    let beside = summary(&handed_on_via(true, true, true));
    assert_eq!(here, beside);
    assert!(
        beside.len() > 5 && beside.iter().all(|b| b.3),
        "every batch prepared"
    );
}
