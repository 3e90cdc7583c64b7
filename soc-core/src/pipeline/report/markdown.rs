//! The Markdown report.

use std::fmt::Write;

use super::data::{describe_action, explain, risk_counts, risk_name, since_text, ReportData};

/// Makes log text inert inside a Markdown table cell (no links, images,
/// HTML, emphasis or extra cells).
fn cell(s: &str) -> String {
    super::escape::markdown_text(s)
}

pub(super) fn render(d: &ReportData) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# soc report\n");
    let _ = writeln!(
        o,
        "Period: {} to {} (UTC)\n",
        since_text(d),
        d.generated_at.format("%Y-%m-%d %H:%M")
    );
    let risks = risk_counts(d);
    let _ = writeln!(
        o,
        "**{} alerts** ({}), **{} actions**.\n",
        d.alerts.len(),
        if risks.is_empty() {
            "none".into()
        } else {
            risks
        },
        d.actions.len()
    );

    let _ = writeln!(o, "## Alerts by risk\n");
    if d.alerts.is_empty() {
        let _ = writeln!(o, "No alerts in this period.\n");
    } else {
        let _ = writeln!(
            o,
            "| risk | score | kind | source | count | title | explanation |"
        );
        let _ = writeln!(o, "|---|---:|---|---|---:|---|---|");
        for s in &d.alerts {
            let a = &s.alert;
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} |",
                risk_name(s),
                s.score
                    .as_ref()
                    .map(|x| format!("{:.1}", x.value))
                    .unwrap_or_default(),
                cell(&a.kind),
                a.src_ip.map(|i| i.to_string()).unwrap_or_default(),
                a.count,
                cell(&a.title),
                cell(&explain(s))
            );
        }
        let _ = writeln!(o);
    }

    let _ = writeln!(o, "## Top attackers\n");
    if d.attackers.is_empty() {
        let _ = writeln!(o, "No attacking sources.\n");
    } else {
        let _ = writeln!(o, "| source | alerts | events | worst risk | verdicts |");
        let _ = writeln!(o, "|---|---:|---:|---|---|");
        for at in &d.attackers {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} |",
                at.ip,
                at.alerts,
                at.events,
                at.worst_risk,
                cell(&at.verdicts.join("; "))
            );
        }
        let _ = writeln!(o);
    }

    let _ = writeln!(o, "## Alerts by hour\n");
    if d.hourly.is_empty() {
        let _ = writeln!(o, "No alerts.\n");
    } else {
        let max = d.hourly.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1);
        let _ = writeln!(o, "```");
        for (h, n) in &d.hourly {
            let bar = "#".repeat(((n * 40).div_ceil(max)) as usize);
            let _ = writeln!(o, "{h}  {bar} {n}");
        }
        let _ = writeln!(o, "```\n");
    }

    let _ = writeln!(o, "## Actions\n");
    if d.actions.is_empty() {
        let _ = writeln!(o, "No actions.");
    } else {
        let _ = writeln!(o, "| time | mode | action |");
        let _ = writeln!(o, "|---|---|---|");
        for r in &d.actions {
            let _ = writeln!(
                o,
                "| {} | {} | {} |",
                r.at.format("%Y-%m-%d %H:%M:%S"),
                r.mode,
                cell(&describe_action(r))
            );
        }
    }
    o
}
