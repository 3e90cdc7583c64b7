//! `GET /inbox`: alerts grouped the way EveBox groups them (signature +
//! source + target), filtered, sorted and paginated on the server; and
//! `POST /inbox/triage`: escalate (`e`) or archive (`x`) a whole group.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::Utc;
use maud::{html, Markup};
use serde::Deserialize;

use soc_core::store::queries::{InboxCursor, InboxQuery, InboxSort};
use soc_core::store::triage::{CloseReason, TriageChange, TriageStatus};

use super::layout::{alert_href, csrf, page_with, pivot_href, risk, time, url, Nav};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::HttpError;
use crate::range::{RangeParams, TimeRange};

/// Groups per page.
pub(crate) const PER_PAGE: u32 = 50;
/// Most alerts one group action changes.
const GROUP_ACTION_LIMIT: u32 = 10_000;

/// The inbox's query string.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct InboxParams {
    range: Option<String>,
    from: Option<String>,
    to: Option<String>,
    risk: Option<String>,
    kind: Option<String>,
    src: Option<String>,
    user: Option<String>,
    sig: Option<String>,
    target: Option<String>,
    status: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    /// The page number shown (from 0); the page itself starts after `after`.
    page: Option<u32>,
    /// Keyset position: the sort key and group of the previous page's last row.
    after: Option<String>,
}

fn opt(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

impl InboxParams {
    fn range(&self) -> RangeParams {
        RangeParams {
            range: self.range.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
        }
    }

    /// The status filter: open unless asked otherwise (`any` shows all).
    fn status(&self) -> Option<String> {
        match self.status.as_deref() {
            None => Some("open".into()),
            Some("any") | Some("") => None,
            Some(s) => Some(s.to_string()),
        }
    }

    fn query(&self, range: &TimeRange) -> Result<InboxQuery, HttpError> {
        let sort = match self.sort.as_deref() {
            None | Some("") => InboxSort::default(),
            Some(s) => InboxSort::parse(s).ok_or_else(|| {
                HttpError::BadRequest(format!(
                    "unknown sort '{s}'; use last_seen, score, count or first_seen"
                ))
            })?,
        };
        if let Some(s) = self.status() {
            if !["open", "acknowledged", "closed"].contains(&s.as_str()) {
                return Err(HttpError::BadRequest(format!(
                    "unknown status '{s}'; use open, acknowledged, closed or any"
                )));
            }
        }
        let after = match self.after.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(a) => Some(
                a.parse::<InboxCursor>()
                    .map_err(|e| HttpError::BadRequest(format!("{e}; follow the page links")))?,
            ),
        };
        Ok(InboxQuery {
            since: Some(range.since),
            until: Some(range.until),
            risk: opt(&self.risk),
            kind: opt(&self.kind),
            src: opt(&self.src),
            user: opt(&self.user),
            sig: opt(&self.sig),
            target: opt(&self.target),
            status: self.status(),
            text: opt(&self.q),
            sort,
            page: self.page.unwrap_or(0).min(1_000_000),
            after,
            per_page: PER_PAGE,
        })
    }

    /// Query pairs for links (filters and range; the page is added by callers).
    fn pairs(&self, range: &TimeRange) -> Vec<(&'static str, String)> {
        let mut p = range.pairs();
        let f = |v: &Option<String>| v.clone().unwrap_or_default();
        p.extend([
            ("risk", f(&self.risk)),
            ("kind", f(&self.kind)),
            ("src", f(&self.src)),
            ("user", f(&self.user)),
            ("sig", f(&self.sig)),
            ("target", f(&self.target)),
            ("status", self.status.clone().unwrap_or_default()),
            ("q", f(&self.q)),
            ("sort", f(&self.sort)),
        ]);
        p
    }
}

fn select(name: &str, current: &str, options: &[(&str, &str)]) -> Markup {
    html! {
        select name=(name) {
            @for (v, label) in options { option value=(v) selected[current == *v] { (label) } }
        }
    }
}

fn filters(p: &InboxParams, range: &TimeRange) -> Markup {
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    html! {
        form.filters method="get" action="/inbox" {
            @for (k, v) in range.pairs() { input type="hidden" name=(k) value=(v); }
            label { "Risk " (select("risk", &s(&p.risk), &[("", "any"), ("critical", "critical"), ("high", "high"), ("medium", "medium"), ("low", "low")])) }
            label { "Status " (select("status", p.status.as_deref().unwrap_or("open"), &[("open", "open"), ("acknowledged", "acknowledged"), ("closed", "closed"), ("any", "any")])) }
            label { "Kind " input name="kind" value=(s(&p.kind)) size="14"; }
            label { "Source " input name="src" value=(s(&p.src)) size="14"; }
            label { "User " input name="user" value=(s(&p.user)) size="10"; }
            label { "Text " input name="q" value=(s(&p.q)) size="16"; }
            @if p.sig.is_some() { input type="hidden" name="sig" value=(s(&p.sig)); }
            @if p.target.is_some() { input type="hidden" name="target" value=(s(&p.target)); }
            label { "Sort " (select("sort", &s(&p.sort), &[("last_seen", "last seen"), ("score", "score"), ("count", "count"), ("first_seen", "first seen")])) }
            button type="submit" { "Filter" }
            " " a href=(url("/inbox", &range.pairs())) { "clear" }
        }
    }
}

/// `GET /inbox`.
pub(crate) async fn inbox(
    State(app): State<AppState>,
    who: Principal,
    Query(p): Query<InboxParams>,
) -> Result<Markup, HttpError> {
    let range = TimeRange::resolve(&p.range(), Utc::now())?;
    let q = p.query(&range)?;
    let (page_no, per_page) = (q.page, q.per_page);
    let res = app.db(move |s| s.inbox(&q)).await?;
    let pages = res.total_groups.div_ceil(u64::from(per_page)).max(1);
    let here = url("/inbox", &p.pairs(&range));
    // Keyset links: the next page starts after this page's last group.
    let next_link = res.next.map(|c| {
        let mut pairs = p.pairs(&range);
        pairs.push(("page", (page_no + 1).to_string()));
        pairs.push(("after", c.to_string()));
        url("/inbox", &pairs)
    });
    let body = html! {
        h1 { "Inbox" }
        (filters(&p, &range))
        p #inbox-summary {
            @if res.alerts_exact { (res.total_alerts) " alerts" } @else { "at least " (res.total_alerts) " alerts" }
            @if res.groups_exact { " in " (res.total_groups) " groups · page " (page_no + 1) " of " (pages) }
            @else { " · page " (page_no + 1) span.muted title="a long range is read only as far as this page: alerts counted from hourly rollups, groups not counted" { " (groups not counted)" } }
            span.muted { " · keys: j/k move, Enter open, e escalate, x archive" }
        }
        table #inbox {
            thead { tr { th { "risk" } th { "alerts" } th { "alert" } th { "source" } th { "target" } th { "first seen" } th { "last seen" } th { "score" } th { "" } } }
            tbody {
                @for g in &res.groups {
                    @let href = alert_href(&g.newest_id, &range);
                    tr.group data-href=(href) {
                        td { (risk(g.risk_level.as_deref())) }
                        td.num { (g.count) @if g.open < g.count { span.muted { " (" (g.open) " open)" } } }
                        td { a.title href=(href) { (g.newest_title) } br; span.muted { (g.signature) } }
                        td { @if let Some(src) = &g.src_ip { a href=(pivot_href("src", src, &range)) { (src) } } }
                        td { @if !g.target.is_empty() { a href=(pivot_href("target", &g.target, &range)) { (g.target) } } }
                        td { (time(g.first_seen)) }
                        td { (time(g.last_seen)) }
                        td.num { @if let Some(s) = g.max_score { (format!("{s:.0}")) } }
                        td.actions {
                            @for (op, label) in [("escalate", "Escalate"), ("archive", "Archive")] {
                                form class=(op) method="post" action="/inbox/triage" {
                                    (csrf(&who))
                                    input type="hidden" name="op" value=(op);
                                    input type="hidden" name="kind" value=(g.kind);
                                    input type="hidden" name="sig" value=(g.signature);
                                    input type="hidden" name="src" value=(g.src_ip.clone().unwrap_or_default());
                                    input type="hidden" name="target" value=(g.target);
                                    @for (k, v) in range.pairs() { input type="hidden" name=(k) value=(v); }
                                    input type="hidden" name="back" value=(here);
                                    button type="submit" { (label) }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if res.groups.is_empty() { p.muted { "Nothing matches. Widen the time range or clear the filters." } }
        nav.pager {
            @if page_no > 0 || p.after.is_some() { a rel="first" href=(here) { "⇤ first page" } }
            @if let Some(next) = &next_link { " " a rel="next" href=(next) { "next page →" } }
        }
    };
    Ok(page_with(
        "Inbox",
        Nav::Inbox,
        &who,
        &range,
        &p.pairs(&range),
        body,
    ))
}

/// The group-action form.
#[derive(Debug, Deserialize)]
pub(crate) struct GroupAction {
    #[serde(default)]
    csrf: String,
    op: String,
    kind: String,
    sig: String,
    #[serde(default)]
    src: String,
    #[serde(default)]
    target: String,
    range: Option<String>,
    from: Option<String>,
    to: Option<String>,
    #[serde(default)]
    back: String,
}

/// Only our own inbox URLs are followed back (no open redirect).
pub(crate) fn safe_back(back: &str, default: &str) -> String {
    let ok =
        (back.starts_with("/inbox") || back.starts_with("/alerts/") || back.starts_with("/blocks"))
            && !back.contains("//")
            && !back.contains('\\');
    if ok {
        back.to_string()
    } else {
        default.to_string()
    }
}

/// `POST /inbox/triage`: escalate (acknowledge, assign to me) or archive
/// (close as benign: never a training label) every alert of a group.
pub(crate) async fn group_triage(
    State(app): State<AppState>,
    who: Principal,
    Form(f): Form<GroupAction>,
) -> Result<Response, HttpError> {
    who.may_write(&f.csrf)?;
    let change = match f.op.as_str() {
        "escalate" => TriageChange {
            status: Some(TriageStatus::Acknowledged),
            assignee: Some(Some(who.actor.clone())),
            comment: None,
        },
        "archive" => TriageChange {
            status: Some(TriageStatus::Closed(CloseReason::Benign)),
            ..Default::default()
        },
        other => {
            return Err(HttpError::BadRequest(format!(
                "unknown group action '{other}'; use escalate or archive"
            )))
        }
    };
    let range = TimeRange::resolve(
        &RangeParams {
            range: f.range.clone(),
            from: f.from.clone(),
            to: f.to.clone(),
        },
        Utc::now(),
    )?;
    let q = InboxQuery {
        since: Some(range.since),
        until: Some(range.until),
        kind: Some(f.kind.clone()),
        sig: Some(f.sig.clone()),
        src: Some(f.src.clone()),
        target: Some(f.target.clone()),
        ..Default::default()
    };
    let actor = who.actor.clone();
    let n = app
        .db(move |s| {
            let ids = s.group_alert_ids(&q, GROUP_ACTION_LIMIT)?;
            s.update_triage(&ids, &actor, &change)
        })
        .await?;
    tracing::info!(actor = %who.actor, op = %f.op, changed = n, "group triage");
    Ok(Redirect::to(&safe_back(&f.back, "/inbox")).into_response())
}
