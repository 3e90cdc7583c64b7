//! The HTML report: one self-contained page, inline CSS and SVG charts,
//! everything that came from input escaped.

use std::fmt::Write;

use super::data::{describe_action, risk_name, since_text, ReportData};
use super::svg::{esc, horizontal_bars, vertical_bars};

const CSS: &str = "body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}\
td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f3f3f3}\
.critical{color:#fff;background:#8e0000}.high{background:#e74c3c;color:#fff}.medium{background:#f39c12}\
.low{background:#d5f5e3}.unscored{background:#eee}code{font-size:90%}";

pub(super) fn render(d: &ReportData) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>soc report</title><style>{CSS}</style></head><body>\n"
    );
    let _ = writeln!(o, "<h1>soc report</h1>");
    let _ = writeln!(
        o,
        "<p>Period: {} to {} (UTC). <strong>{} alerts</strong>, <strong>{} actions</strong>.</p>",
        since_text(d),
        d.generated_at.format("%Y-%m-%d %H:%M"),
        d.alerts.len(),
        d.actions.len()
    );

    let _ = writeln!(o, "<h2>Alerts over time</h2>");
    if d.hourly.is_empty() {
        let _ = writeln!(o, "<p>No alerts.</p>");
    } else {
        let _ = writeln!(o, "{}", vertical_bars("Alerts by hour", &d.hourly));
    }

    let _ = writeln!(o, "<h2>Top sources</h2>");
    if d.attackers.is_empty() {
        let _ = writeln!(o, "<p>No attacking sources.</p>");
    } else {
        let bars: Vec<(String, u64)> = d
            .attackers
            .iter()
            .map(|a| (a.ip.to_string(), a.events))
            .collect();
        let _ = writeln!(o, "{}", horizontal_bars("Events by source", &bars));
        let _ = writeln!(o, "<table><tr><th>source</th><th>alerts</th><th>events</th><th>worst risk</th><th>verdicts</th></tr>");
        for a in &d.attackers {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"{r}\">{r}</td><td>{}</td></tr>",
                esc(&a.ip.to_string()),
                a.alerts,
                a.events,
                esc(&a.verdicts.join("; ")),
                r = esc(&a.worst_risk)
            );
        }
        let _ = writeln!(o, "</table>");
    }

    let _ = writeln!(o, "<h2>Alerts by risk</h2>");
    if d.alerts.is_empty() {
        let _ = writeln!(o, "<p>No alerts in this period.</p>");
    } else {
        let _ = writeln!(o, "<table><tr><th>risk</th><th>score</th><th>kind</th><th>source</th><th>count</th><th>title</th><th>explanation</th></tr>");
        for s in &d.alerts {
            let a = &s.alert;
            let factors = s
                .score
                .as_ref()
                .map(|sc| {
                    sc.factors
                        .iter()
                        .map(|f| {
                            format!(
                                "<li>{} {:+.1}: {}</li>",
                                esc(&f.name),
                                f.contribution,
                                esc(&f.detail)
                            )
                        })
                        .collect::<String>()
                })
                .unwrap_or_default();
            let _ = writeln!(
                o,
                "<tr><td class=\"{r}\">{r}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><ul>{}</ul></td></tr>",
                s.score.as_ref().map(|x| format!("{:.1}", x.value)).unwrap_or_default(),
                esc(&a.kind),
                esc(&a.src_ip.map(|i| i.to_string()).unwrap_or_default()),
                a.count,
                esc(&a.title),
                factors,
                r = esc(&risk_name(s))
            );
        }
        let _ = writeln!(o, "</table>");
    }

    let _ = writeln!(o, "<h2>Actions</h2>");
    if d.actions.is_empty() {
        let _ = writeln!(o, "<p>No actions.</p>");
    } else {
        let _ = writeln!(
            o,
            "<table><tr><th>time</th><th>mode</th><th>action</th></tr>"
        );
        for r in &d.actions {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                r.at.format("%Y-%m-%d %H:%M:%S"),
                r.mode,
                esc(&describe_action(r))
            );
        }
        let _ = writeln!(o, "</table>");
    }
    o.push_str("</body></html>\n");
    o
}
