//! The page frame (navigation, time-range picker, live indicator, sign-out)
//! and small formatting helpers shared by every page.
//!
//! Every value is interpolated through maud, which escapes it: text from
//! logs (user names, signatures, URLs) is data, never markup. URLs are built
//! with percent-encoding, never by pasting text.

use chrono::{DateTime, Utc};
use maud::{html, Markup, DOCTYPE};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

use crate::auth::Principal;
use crate::range::{TimeRange, PRESETS};

/// `path?k=v&...`, each value form-encoded; empty values are left out.
pub(crate) fn url(path: &str, pairs: &[(&str, String)]) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        ser.append_pair(k, v);
    }
    let q = ser.finish();
    if q.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{q}")
    }
}

/// The link to an alert's page.
pub(crate) fn alert_href(id: &str, range: &TimeRange) -> String {
    url(
        &format!("/alerts/{}", utf8_percent_encode(id, NON_ALPHANUMERIC)),
        &range.pairs(),
    )
}

/// The inbox filtered by one field (a pivot).
pub(crate) fn pivot_href(field: &str, value: &str, range: &TimeRange) -> String {
    let mut p = range.pairs();
    p.push((leak(field), value.to_string()));
    url("/inbox", &p)
}

fn leak(field: &str) -> &'static str {
    match field {
        "src" => "src",
        "user" => "user",
        "sig" => "sig",
        "kind" => "kind",
        "target" => "target",
        _ => "q",
    }
}

/// `2026-12-06 17:05:36`.
pub(crate) fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// `3m`, `2h 5m`, `4d 1h`.
pub(crate) fn span(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86400 => format!("{}h {}m", s / 3600, s % 3600 / 60),
        s => format!("{}d {}h", s / 86400, s % 86400 / 3600),
    }
}

/// A risk-level badge.
pub(crate) fn risk(level: Option<&str>) -> Markup {
    let l = level.unwrap_or("unscored");
    let class = match l {
        "critical" | "high" | "medium" | "low" => l,
        _ => "unscored",
    };
    html! { span class={ "risk " (class) } { (l) } }
}

/// A hidden CSRF field for forms.
pub(crate) fn csrf(who: &Principal) -> Markup {
    html! { input type="hidden" name="csrf" value=(who.csrf_token()); }
}

/// Which navigation entry is current.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nav {
    Overview,
    Inbox,
    Blocks,
    Health,
    None,
}

/// The whole page around `body`.
pub(crate) fn page(
    title: &str,
    nav: Nav,
    who: &Principal,
    range: &TimeRange,
    body: Markup,
) -> Markup {
    page_with(title, nav, who, range, &[], body)
}

/// [`page`], with query pairs the time-range picker keeps (the inbox filters).
pub(crate) fn page_with(
    title: &str,
    nav: Nav,
    who: &Principal,
    range: &TimeRange,
    keep: &[(&str, String)],
    body: Markup,
) -> Markup {
    let link = |n: Nav, path: &str, label: &str| {
        html! {
            a href=(url(path, &range.pairs())) class=[(n == nav).then_some("current")] { (label) }
        }
    };
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · soc" }
                link rel="stylesheet" href="/static/app.css";
                script src="/static/app.js" defer {}
            }
            body data-page=(title) {
                header {
                    span.brand { "soc" }
                    nav {
                        (link(Nav::Overview, "/", "Overview"))
                        (link(Nav::Inbox, "/inbox", "Inbox"))
                        (link(Nav::Blocks, "/blocks", "Blocks"))
                        (link(Nav::Health, "/health", "Pipeline health"))
                    }
                    span id="live" class="off" title="live updates" { "live: off" }
                    span.who { (who.actor) " (" (who.role.as_str()) ")" }
                    @if who.csrf.is_some() {
                        form.inline method="post" action="/logout" {
                            (csrf(who))
                            button type="submit" { "Sign out" }
                        }
                    }
                }
                (range_picker(range, keep))
                div id="newalerts" hidden {}
                main { (body) }
            }
        }
    }
}

/// The time-range form (a plain GET form: works without JavaScript). It
/// keeps the page's own filters except the page number.
fn range_picker(range: &TimeRange, keep: &[(&str, String)]) -> Markup {
    html! {
        form.range method="get" {
            @for (k, v) in keep.iter().filter(|(k, v)| !v.is_empty() && !["range", "from", "to", "page"].contains(k)) {
                input type="hidden" name=(k) value=(v);
            }
            label { "Time range "
                select name="range" {
                    @for (value, label) in PRESETS {
                        option value=(value) selected[range.name == value] { (label) }
                    }
                    option value="custom" selected[range.name == "custom"] { "custom" }
                }
            }
            label { " from " input type="datetime-local" name="from" value=(range.from); }
            label { " to " input type="datetime-local" name="to" value=(range.to); }
            " (UTC) "
            button type="submit" { "Apply" }
            span.muted { " " (time(range.since)) " – " (time(range.until)) }
        }
    }
}
