//! The one-record summary of a fan-out over several hosts' firewalls. A
//! leaf: the fleet and its retries use it.

use crate::model::{ActionOutcome, ActionRecord, Mode};

/// The name of this host's own firewall in `--host` lists and records.
pub const LOCAL: &str = "local";

/// One record for a fan-out: every host's outcome in `detail`, all
/// commands, `Failed` when any host failed, `Skipped` when all skipped.
pub fn summarize(
    action: &str,
    target: &str,
    alert_id: &str,
    mode: Mode,
    recs: &[ActionRecord],
) -> ActionRecord {
    let mut rec = ActionRecord::new("firewall", action, target, alert_id, mode);
    let mut parts = Vec::new();
    let mut failed = Vec::new();
    for r in recs {
        let host = r.responder.strip_prefix("firewall@").unwrap_or(LOCAL);
        let what = match &r.outcome {
            ActionOutcome::Done => "done".to_string(),
            ActionOutcome::DryRun => "dry-run".to_string(),
            ActionOutcome::Skipped(why) => format!("skipped: {why}"),
            ActionOutcome::Failed(why) => {
                failed.push(host.to_string());
                format!("failed: {why}")
            }
        };
        parts.push(format!("{host}: {what}"));
        rec.commands.extend(r.commands.iter().cloned());
        rec.expires_at = rec.expires_at.max(r.expires_at);
    }
    rec.detail = parts.join("; ");
    if !failed.is_empty() {
        rec.outcome = ActionOutcome::Failed(format!(
            "{} of {} hosts failed: {}",
            failed.len(),
            recs.len(),
            failed.join(", ")
        ));
    } else if !recs.is_empty()
        && recs
            .iter()
            .all(|r| matches!(r.outcome, ActionOutcome::Skipped(_)))
    {
        rec.outcome = ActionOutcome::Skipped(rec.detail.clone());
    }
    rec
}
