//! Alerts encoded to JSON on helper threads while the detectors run:
//! `soc ssh --alerts` in the JSON formats hands each alert over as it
//! becomes final ([`AlertCollector::read_each`](soc_core::detect::AlertCollector::read_each)),
//! so encoding it (and freeing it) costs the detectors' thread nothing.
//! The encoded rows are sorted as
//! [`AlertCollector::finish`](soc_core::detect::AlertCollector::finish)
//! sorts alerts, so the output is byte for byte the same; the detectors
//! may run on several threads ([`ShardedCollector`](soc_core::detect::ShardedCollector)),
//! each handing its alerts over in the order they became final.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

use chrono::{DateTime, Utc};
use soc_core::Alert;

/// Encoder threads: the alerts are dealt to them in groups, in turn, so
/// the last alerts (those of the episodes still open at the end, built
/// while nothing else runs) are encoded two groups at a time.
const ENCODERS: usize = 2;

/// Alerts handed over at once: one wake-up of an encoder per group, not
/// per alert (a wake-up costs the detectors' thread a system call).
const GROUP: usize = 8;

/// Groups in flight to each encoder, at most (the detectors wait past it).
const IN_FLIGHT: usize = 64;

/// Alerts with their arrival numbers.
type Group = Vec<(u64, Alert)>;

/// One encoded alert with its sort key and arrival number.
struct Row {
    first_seen: Option<DateTime<Utc>>,
    kind: String,
    id: String,
    seq: u64,
    json: Vec<u8>,
}

/// Rows encoded by one encoder, or its first encoding error.
type Encoded = Result<Vec<Row>, serde_json::Error>;

/// The encoder threads and the ways to them (see the module docs).
pub struct EncodedAlerts {
    to_encoders: Vec<SyncSender<Group>>,
    encoders: Vec<JoinHandle<Encoded>>,
    /// Alerts handed over so far.
    seq: u64,
    /// The group being filled.
    group: Group,
    /// Groups handed over so far.
    groups: u64,
}

/// Encodes each alert that comes in, until the way in is closed.
fn encode(groups: Receiver<Group>) -> Encoded {
    let mut rows = Vec::new();
    for (seq, a) in groups.into_iter().flatten() {
        let json = serde_json::to_vec(&a)?;
        let Alert {
            first_seen,
            kind,
            id,
            ..
        } = a;
        rows.push(Row {
            first_seen,
            kind,
            id,
            seq,
            json,
        });
    }
    Ok(rows)
}

impl EncodedAlerts {
    /// Starts the encoder threads.
    pub fn spawn() -> std::io::Result<EncodedAlerts> {
        let mut enc = EncodedAlerts {
            to_encoders: Vec::new(),
            encoders: Vec::new(),
            seq: 0,
            group: Vec::with_capacity(GROUP),
            groups: 0,
        };
        for _ in 0..ENCODERS {
            let (to_encoder, alerts) = sync_channel(IN_FLIGHT);
            let encoder = std::thread::Builder::new()
                .name("soc-alert-json".into())
                .spawn(move || encode(alerts))?;
            enc.to_encoders.push(to_encoder);
            enc.encoders.push(encoder);
        }
        Ok(enc)
    }

    /// Adds `a` to the group being filled, handing the group to the next
    /// encoder once full.
    pub fn push(&mut self, a: Alert) {
        self.group.push((self.seq, a));
        self.seq += 1;
        if self.group.len() >= GROUP {
            self.hand_over();
        }
    }

    /// Hands the group being filled to the next encoder (dropped if that
    /// encoder stopped on an error, which [`finish`](Self::finish) reports).
    fn hand_over(&mut self) {
        if self.group.is_empty() {
            return;
        }
        let group = std::mem::replace(&mut self.group, Vec::with_capacity(GROUP));
        let n = self.to_encoders.len().max(1) as u64;
        if let Some(to) = self.to_encoders.get((self.groups % n) as usize) {
            let _stopped = to.send(group);
        }
        self.groups += 1;
    }

    /// Waits for the encoders; the encoded alerts in the order of
    /// `AlertCollector::finish` (by its key, then in the order they came in:
    /// from several threads, the order each thread handed its alerts over).
    pub fn finish(mut self) -> anyhow::Result<Vec<Vec<u8>>> {
        self.hand_over();
        drop(self.to_encoders);
        let mut rows = Vec::new();
        for encoder in self.encoders {
            match encoder.join() {
                Ok(encoded) => rows.extend(encoded?),
                Err(_) => anyhow::bail!("an alert encoder thread panicked"),
            }
        }
        rows.sort_unstable_by(|a, b| {
            a.first_seen
                .cmp(&b.first_seen)
                .then_with(|| a.kind.cmp(&b.kind))
                .then_with(|| a.id.cmp(&b.id))
                .then(a.seq.cmp(&b.seq))
        });
        Ok(rows.into_iter().map(|r| r.json).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use soc_core::detect::alert_order;
    use soc_core::Severity;

    /// Encoded rows come out in `alert_order`, ties in arrival order,
    /// whatever group and encoder each alert went to.
    #[test]
    fn rows_follow_the_collectors_order() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().ok();
        let mut alerts = Vec::new();
        for (i, (t, kind)) in [
            ("2026-01-01T00:00:05Z", "ssh.scan"),
            ("2026-01-01T00:00:01Z", "ssh.scan"),
            ("2026-01-01T00:00:05Z", "ssh.brute_force"),
            ("2026-01-01T00:00:05Z", "ssh.scan"),
        ]
        .into_iter()
        .enumerate()
        {
            let mut a = Alert::new(kind, &i.to_string(), format!("alert {i}"), Severity::Low);
            a.first_seen = at(t);
            alerts.push(a);
        }
        // Enough more for several groups, the last one part full.
        for i in 4..4 + 3 * GROUP as u32 + 3 {
            let mut a = Alert::new(
                "ssh.scan",
                &i.to_string(),
                format!("alert {i}"),
                Severity::Low,
            );
            a.first_seen = at(&format!("2026-01-01T00:00:{:02}Z", (i * 7) % 11));
            alerts.push(a);
        }
        // One id twice (the same key and kind): kept in arrival order.
        for title in ["first of dup", "second of dup"] {
            let mut a = Alert::new("ssh.scan", "dup", title, Severity::Low);
            a.first_seen = at("2026-01-01T00:00:03Z");
            alerts.push(a);
        }
        let mut enc = EncodedAlerts::spawn().unwrap();
        alerts.iter().cloned().for_each(|a| enc.push(a));
        let got = enc.finish().unwrap();
        alerts.sort_by(alert_order);
        let want: Vec<Vec<u8>> = alerts
            .iter()
            .map(|a| serde_json::to_vec(a).unwrap())
            .collect();
        assert_eq!(got.len(), alerts.len());
        assert_eq!(got, want);
        let text: Vec<String> = got
            .iter()
            .map(|j| String::from_utf8_lossy(j).into())
            .collect();
        let at = |t: &str| text.iter().position(|j| j.contains(t)).unwrap();
        assert!(at("first of dup") < at("second of dup"));
    }
}
