//! `GET /alerts/{id}`: one alert with its evidence, score factors,
//! enrichments, actions, triage state and audit trail, similar alerts and
//! pivots; `POST /alerts/{id}/triage`: acknowledge, close, reopen, assign,
//! comment.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::Utc;
use maud::{html, Markup};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde::Deserialize;

use soc_core::respond::firewall::exec::display_argv;
use soc_core::store::triage::{CloseReason, TriageChange, TriageStatus};

use super::layout::{alert_href, csrf, page, pivot_href, risk, span, time, Nav};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::HttpError;
use crate::range::TimeRange;

/// `GET /alerts/{id}`.
pub(crate) async fn alert(
    State(app): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    range: TimeRange,
) -> Result<Markup, HttpError> {
    let key = id.clone();
    let (stored, triage, audit, actions) = app
        .db(move |s| {
            Ok((
                s.alert(&key)?,
                s.triage_state(&key)?,
                s.triage_audit(&key)?,
                s.actions_for_alert(&key)?,
            ))
        })
        .await?;
    let stored = stored.ok_or_else(|| HttpError::NotFound(format!("alert {id}")))?;
    let a = &stored.alert;
    let similar = match a.src_ip {
        Some(ip) => {
            let (ip, key) = (ip.to_string(), id.clone());
            app.db(move |s| s.similar_alerts(&ip, &key, 20)).await?
        }
        None => Vec::new(),
    };
    let now = Utc::now();
    let sig = a
        .fields
        .get("signature_id")
        .map(|_| a.title.clone())
        .unwrap_or_else(|| a.kind.clone());
    let level = stored.score.as_ref().map(|s| s.level.as_str());
    let body = html! {
        h1 #alert-title { (a.title) }
        p { (risk(level)) " " span.kind { (a.kind) } " · severity " (a.severity.as_str())
            " · " (a.count) " events · from " (a.source) " · stored " (time(stored.created_at)) }
        dl.facts {
            dt { "Source" } dd { @if let Some(ip) = a.src_ip { a href=(pivot_href("src", &ip.to_string(), &range)) { (ip) } } @else { "–" } }
            dt { "User" } dd { @if let Some(u) = &a.user { a.user href=(pivot_href("user", u, &range)) { (u) } } @else { "–" } }
            dt { "Host" } dd { (a.host.as_deref().unwrap_or("–")) }
            dt { "Destination" } dd { (a.dst_ip.map(|i| i.to_string()).unwrap_or_else(|| "–".into())) (a.dst_port.map(|p| format!(":{p}")).unwrap_or_default()) }
            dt { "Evidence" } dd { (a.first_seen.map(time).unwrap_or_default()) " – " (a.last_seen.map(time).unwrap_or_default()) }
            dt { "Pivot" } dd { a href=(pivot_href("sig", &sig, &range)) { "all alerts with this signature" } }
            @if !a.attack.is_empty() {
                dt { "ATT&CK" } dd { @for t in &a.attack { span.tag { (t.technique_id) " " (t.technique_name.as_deref().unwrap_or("")) } " " } }
            }
        }
        (triage_panel(&id, &triage, &audit, &who))
        section #evidence {
            h2 { "Evidence" }
            table { thead { tr { th { "time" } th { "file:line" } th { "raw line" } } }
                tbody { @for e in &a.events { tr {
                    td { (e.time.map(time).unwrap_or_default()) }
                    td.origin { @if let Some(o) = &e.origin { (o.file) ":" (o.line) } }
                    td { code.raw { (e.raw) } }
                } } } }
            @if (a.events.len() as u64) < a.count { p.muted { "showing " (a.events.len()) " of " (a.count) " events (the store keeps a bounded sample)" } }
        }
        section #score {
            h2 { "Score" }
            @match &stored.score {
                Some(s) => {
                    p { (format!("{:.1}", s.value)) " (" (s.level.as_str()) ") by " (s.scorer) }
                    table { thead { tr { th { "factor" } th { "contribution" } th { "detail" } } }
                        tbody { @for f in &s.factors { tr { td { (f.name) } td.num { (format!("{:+.1}", f.contribution)) } td { (f.detail) } } } } }
                }
                None => { p.muted { "not scored" } }
            }
        }
        section #enrichments {
            h2 { "Enrichments" }
            @if a.enrichments.is_empty() { p.muted { "none" } }
            table { tbody { @for e in &a.enrichments { tr {
                td { (e.provider) } td { (e.indicator) } td { (e.verdict.as_str()) " (" (e.score) ")" }
                td { (e.summary) } td.muted { (span((now - e.fetched_at).num_seconds())) " old" @if e.cached { ", cached" } }
            } } } }
        }
        section #actions {
            h2 { "Actions" }
            @if actions.is_empty() { p.muted { "none recorded" } }
            @for r in &actions {
                div.action {
                    p { strong { (r.responder) " " (r.action) } " " (r.target) " · " (r.mode.to_string()) " · " (r.outcome.status()) " · " (time(r.at)) }
                    @if !r.detail.is_empty() { p.muted { (r.detail) } }
                    @for c in &r.commands { pre.command { (display_argv(c)) } }
                    @for q in &r.requests { pre.command { (q) } }
                }
            }
        }
        section #similar {
            h2 { "Similar alerts from the same source" }
            @if similar.is_empty() { p.muted { "none" } }
            ul { @for s in &similar {
                li { a href=(alert_href(&s.id, &range)) { (s.title) } " " span.muted { (s.kind) " · " (time(s.created_at)) } }
            } }
        }
    };
    Ok(page(&a.title, Nav::None, &who, &range, body))
}

fn triage_panel(
    id: &str,
    t: &soc_core::store::triage::TriageState,
    audit: &[soc_core::store::triage::TriageAuditEntry],
    who: &Principal,
) -> Markup {
    let action = format!(
        "/alerts/{}/triage",
        utf8_percent_encode(id, NON_ALPHANUMERIC)
    );
    let form = |op: &str, inner: Markup| {
        html! { form.triage method="post" action=(action) { (csrf(who)) input type="hidden" name="op" value=(op); (inner) } }
    };
    html! {
        section #triage {
            h2 { "Triage" }
            p { "Status: " strong #status { (t.status.to_string()) }
                " · assignee: " span #assignee { (t.assignee.as_deref().unwrap_or("nobody")) } }
            div.forms {
                @if t.status == TriageStatus::Open {
                    (form("ack", html! { button #ack type="submit" { "Acknowledge" } }))
                }
                @if matches!(t.status, TriageStatus::Closed(_)) {
                    (form("reopen", html! { button type="submit" { "Reopen" } }))
                } @else {
                    (form("close", html! {
                        select #reason name="reason" { @for r in CloseReason::ALL { option value=(r.as_str()) { (r.as_str().replace('_', " ")) } } }
                        " " button #close type="submit" { "Close" }
                    }))
                }
                (form("assign", html! { input name="assignee" placeholder="assignee" size="12"; " " button type="submit" { "Assign" } }))
                (form("comment", html! { input #comment name="comment" placeholder="comment" size="40"; " " button type="submit" { "Comment" } }))
            }
            h3 { "Audit log" }
            ol #audit {
                @for e in audit {
                    li { span.muted { (time(e.at)) } " " strong { (e.actor) } " " (e.action) ": " (e.detail) }
                }
            }
        }
    }
}

/// The triage form.
#[derive(Debug, Deserialize)]
pub(crate) struct TriageForm {
    #[serde(default)]
    csrf: String,
    op: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    comment: String,
}

/// Longest comment or assignee kept.
const MAX_TEXT: usize = 4000;

/// `POST /alerts/{id}/triage`.
pub(crate) async fn triage(
    State(app): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    Form(f): Form<TriageForm>,
) -> Result<Response, HttpError> {
    who.may_write(&f.csrf)?;
    let text = |s: &str, what: &str| -> Result<String, HttpError> {
        let s = s.trim();
        if s.chars().count() > MAX_TEXT {
            return Err(HttpError::BadRequest(format!(
                "{what} is longer than {MAX_TEXT} characters"
            )));
        }
        Ok(s.to_string())
    };
    let change = match f.op.as_str() {
        "ack" => TriageChange {
            status: Some(TriageStatus::Acknowledged),
            ..Default::default()
        },
        "reopen" => TriageChange {
            status: Some(TriageStatus::Open),
            ..Default::default()
        },
        "close" => {
            let reason: CloseReason = f.reason.parse().map_err(HttpError::BadRequest)?;
            TriageChange {
                status: Some(TriageStatus::Closed(reason)),
                comment: Some(text(&f.comment, "comment")?),
                ..Default::default()
            }
        }
        "assign" => {
            let who = text(&f.assignee, "assignee")?;
            TriageChange {
                assignee: Some((!who.is_empty()).then_some(who)),
                ..Default::default()
            }
        }
        "comment" => {
            let c = text(&f.comment, "comment")?;
            if c.is_empty() {
                return Err(HttpError::BadRequest("the comment is empty".into()));
            }
            TriageChange {
                comment: Some(c),
                ..Default::default()
            }
        }
        other => {
            return Err(HttpError::BadRequest(format!(
                "unknown triage action '{other}'"
            )))
        }
    };
    let (key, actor) = (id.clone(), who.actor.clone());
    let exists = app
        .db(move |s| {
            if s.alert(&key)?.is_none() {
                return Ok(false);
            }
            s.update_triage(std::slice::from_ref(&key), &actor, &change)?;
            Ok(true)
        })
        .await?;
    if !exists {
        return Err(HttpError::NotFound(format!("alert {id}")));
    }
    let back = format!(
        "/alerts/{}#triage",
        utf8_percent_encode(&id, NON_ALPHANUMERIC)
    );
    Ok(Redirect::to(&back).into_response())
}
