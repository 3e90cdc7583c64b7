//! The plain-text triage summary printed after a run (`soc run --summary`,
//! the demo): each alert with its score, the factors explaining it, what
//! threat intelligence said, and the actions taken or, in dry-run, the exact
//! commands and requests that would run.

use super::data::{describe_action, risk_name, risks_worst_first, ReportData};
use super::escape::visible;
use crate::model::ActionRecord;
use crate::store::StoredAlert;

/// Appends one formatted line with every control character from log text
/// shown visibly, so it can neither drive the terminal nor forge lines.
macro_rules! push_line {
    ($o:expr, $($arg:tt)*) => {{
        $o.push_str(&visible(&format!($($arg)*)));
        $o.push('\n');
    }};
}

/// Renders the triage summary of `alerts` (worst first) with their `actions`.
///
/// ```
/// use soc_core::pipeline::report::triage_summary;
/// assert_eq!(triage_summary(&[], &[]), "no alerts\n");
/// ```
pub fn triage_summary(alerts: &[StoredAlert], actions: &[ActionRecord]) -> String {
    if alerts.is_empty() {
        return "no alerts\n".to_string();
    }
    let data = ReportData::new(
        chrono::Utc::now(),
        chrono::DateTime::<chrono::Utc>::MIN_UTC,
        alerts.to_vec(),
        actions.to_vec(),
    );
    let mut o = String::new();
    let risks: Vec<String> = risks_worst_first(&data)
        .iter()
        .map(|(k, v)| format!("{v} {k}"))
        .collect();
    push_line!(o, "{} alerts ({})", data.alerts.len(), risks.join(", "));
    for s in &data.alerts {
        let a = &s.alert;
        o.push('\n');
        push_line!(
            o,
            "[{} {}] {}  {}",
            risk_name(s).to_uppercase(),
            s.score
                .as_ref()
                .map(|x| format!("{:.0}", x.value))
                .unwrap_or_else(|| "-".into()),
            a.kind,
            a.title
        );
        let mut who = Vec::new();
        if let Some(ip) = a.src_ip {
            who.push(format!("source {ip}"));
        }
        if let Some(u) = &a.user {
            who.push(format!("user {u}"));
        }
        if let Some(ip) = a.dst_ip {
            who.push(format!("target {ip}"));
        }
        who.push(format!("{} events", a.count));
        if let (Some(f), Some(l)) = (a.first_seen, a.last_seen) {
            who.push(format!(
                "{} .. {}",
                f.format("%Y-%m-%d %H:%M:%S"),
                l.format("%H:%M:%S")
            ));
        }
        push_line!(o, "    {}", who.join(", "));
        if !a.attack.is_empty() {
            let t: Vec<String> = a
                .attack
                .iter()
                .map(|r| match &r.technique_name {
                    Some(n) => format!("{} {n}", r.technique_id),
                    None => r.technique_id.clone(),
                })
                .collect();
            push_line!(o, "    ATT&CK: {}", t.join(", "));
        }
        if let Some(score) = &s.score {
            for f in &score.factors {
                push_line!(o, "    {:+6.1}  {}: {}", f.contribution, f.name, f.detail);
            }
        }
        for e in &a.enrichments {
            push_line!(
                o,
                "    intel  {} {}: {} ({})",
                e.provider,
                e.indicator,
                e.verdict,
                e.summary
            );
        }
        for r in data.actions_of(&a.id) {
            push_line!(o, "    action {}", describe_action(r));
        }
    }
    o
}
