//! What a notification says: an alert as a subject and plain-text body,
//! and Slack's escaping. A leaf: the notifiers use it, it uses neither.

use crate::model::Alert;
use crate::pipeline::report::visible;

/// A one-line subject and a plain-text body describing an alert. Every
/// value from log text is one line with its control characters shown
/// visibly (`\r\n` in a title cannot add a mail header or forge a line;
/// ESC cannot reach a terminal mail reader).
pub fn alert_message(alert: &Alert) -> (String, String) {
    let subject = visible(&format!("[soc] {} {}", alert.severity, alert.title)).into_owned();
    let mut body = format!(
        "{}\n\nkind: {}\nseverity: {}\nalert id: {}\n",
        visible(&alert.title),
        visible(&alert.kind),
        alert.severity,
        visible(&alert.id)
    );
    let mut line = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            body.push_str(&format!("{k}: {}\n", visible(&v)));
        }
    };
    line("source", alert.src_ip.map(|i| i.to_string()));
    line("destination", alert.dst_ip.map(|i| i.to_string()));
    line("port", alert.dst_port.map(|p| p.to_string()));
    line("user", alert.user.clone());
    line("host", alert.host.clone());
    line("events", Some(alert.count.to_string()));
    line("first seen", alert.first_seen.map(|t| t.to_rfc3339()));
    line("last seen", alert.last_seen.map(|t| t.to_rfc3339()));
    for e in &alert.enrichments {
        let text = format!(
            "{}: {} {} ({})",
            e.provider, e.indicator, e.verdict, e.summary
        );
        body.push_str(&format!("intel {}\n", visible(&text)));
    }
    for a in &alert.attack {
        body.push_str(&format!("ATT&CK: {}\n", visible(&a.technique_id)));
    }
    (subject, body)
}

/// `text` escaped for Slack mrkdwn: `&`, `<` and `>` become `&amp;`,
/// `&lt;` and `&gt;` (Slack's own rule), so log text cannot write
/// `<!channel>`, `<@U123>` or `<https://evil|a harmless label>`.
///
/// ```
/// use soc_core::respond::notify::slack_escape;
/// assert_eq!(
///     slack_escape("<!channel> & <https://evil|click>"),
///     "&lt;!channel&gt; &amp; &lt;https://evil|click&gt;"
/// );
/// ```
pub fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
