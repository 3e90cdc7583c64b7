//! Alerts encoded to JSON on a helper thread while the detectors run:
//! `soc ssh --alerts` in the JSON formats hands each alert over as it
//! becomes final ([`AlertCollector::read_each`](soc_core::detect::AlertCollector::read_each)),
//! so encoding it (and freeing it) costs the detectors' thread nothing.
//! The encoded rows are sorted as
//! [`AlertCollector::finish`](soc_core::detect::AlertCollector::finish)
//! sorts alerts, so the output is byte for byte the same.

use std::sync::mpsc::{sync_channel, SyncSender};
use std::thread::JoinHandle;

use chrono::{DateTime, Utc};
use soc_core::Alert;

/// Alerts in flight to the encoder, at most (the detectors wait past it).
const IN_FLIGHT: usize = 1024;

/// One encoded alert with its sort key.
struct Row {
    first_seen: Option<DateTime<Utc>>,
    kind: String,
    json: Vec<u8>,
}

/// Rows encoded so far, or the first encoding error.
type Encoded = Result<Vec<Row>, serde_json::Error>;

/// The encoder thread and the way to it (see the module docs).
pub struct EncodedAlerts {
    to_encoder: SyncSender<Alert>,
    encoder: JoinHandle<Encoded>,
}

impl EncodedAlerts {
    /// Starts the encoder thread.
    pub fn spawn() -> std::io::Result<EncodedAlerts> {
        let (to_encoder, alerts) = sync_channel::<Alert>(IN_FLIGHT);
        let encoder = std::thread::Builder::new()
            .name("soc-alert-json".into())
            .spawn(move || {
                let mut rows = Vec::new();
                for a in alerts {
                    let json = serde_json::to_vec(&a)?;
                    let Alert {
                        first_seen, kind, ..
                    } = a;
                    rows.push(Row {
                        first_seen,
                        kind,
                        json,
                    });
                }
                Ok(rows)
            })?;
        Ok(EncodedAlerts {
            to_encoder,
            encoder,
        })
    }

    /// Hands `a` to the encoder (dropped if the encoder stopped on an
    /// error, which [`finish`](Self::finish) reports).
    pub fn push(&self, a: Alert) {
        let _stopped = self.to_encoder.send(a);
    }

    /// Waits for the encoder; the encoded alerts in the order of
    /// `AlertCollector::finish` (a stable sort of the order they came in).
    pub fn finish(self) -> anyhow::Result<Vec<Vec<u8>>> {
        drop(self.to_encoder);
        let mut rows = match self.encoder.join() {
            Ok(rows) => rows?,
            Err(_) => anyhow::bail!("the alert encoder thread panicked"),
        };
        rows.sort_by(|a, b| {
            a.first_seen
                .cmp(&b.first_seen)
                .then_with(|| a.kind.cmp(&b.kind))
        });
        Ok(rows.into_iter().map(|r| r.json).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use soc_core::detect::alert_order;
    use soc_core::Severity;

    /// Encoded rows come out in `alert_order`, ties in arrival order.
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
        let enc = EncodedAlerts::spawn().unwrap();
        alerts.iter().cloned().for_each(|a| enc.push(a));
        let got = enc.finish().unwrap();
        alerts.sort_by(alert_order);
        let want: Vec<Vec<u8>> = alerts
            .iter()
            .map(|a| serde_json::to_vec(a).unwrap())
            .collect();
        assert_eq!(got, want);
        assert!(String::from_utf8_lossy(&got[3]).contains("alert 3"));
    }
}
