//! `GET /blocks`: active firewall blocks and the allow-list; `POST /blocks`:
//! a manual block; `POST /blocks/unblock`. Both actions go through the same
//! [`Firewall`] as `soc block`, with its safety rules: the address is
//! parsed and checked against the allow-list and the protected addresses
//! before anything runs, commands run as argv, and a refusal is shown as a
//! message. In dry-run (`[response] dry_run`, the default) the exact
//! commands are shown and nothing changes. A block on a remote firewall
//! (stored as `backend@host`) is unblocked on that host over SSH through
//! the same [`RemoteFirewalls`] as `soc unblock --host`.

use std::sync::Arc;

use axum::extract::State;
use axum::Form;
use chrono::Utc;
use maud::{html, Markup};
use serde::Deserialize;

use soc_core::model::{ActionOutcome, ActionRecord, Mode};
use soc_core::respond::firewall::exec::display_argv;
use soc_core::respond::firewall::{parse_duration, Backend, Firewall};
use soc_core::respond::remote::RemoteFirewalls;

use super::layout::{alert_href, csrf, page, span, time, Nav};
use crate::app::{App, AppState};
use crate::auth::Principal;
use crate::error::HttpError;
use crate::range::{RangeParams, TimeRange};

/// What a block or unblock did, for the message box.
enum Outcome {
    Record(Box<ActionRecord>),
    Refused(String),
}

async fn render(
    app: &App,
    who: &Principal,
    range: &TimeRange,
    outcome: Option<Outcome>,
) -> Result<Markup, HttpError> {
    let now = Utc::now();
    let blocks = app
        .db(move |s| {
            let blocks = s.active_blocks(now)?;
            // Link the reason when it is a stored alert's id.
            blocks
                .into_iter()
                .map(|b| {
                    let is_alert = s.alert(&b.reason)?.is_some();
                    Ok((b, is_alert))
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    let fw = &app.firewall;
    let body = html! {
        h1 { "Blocks" }
        @if let Some(o) = &outcome { (message(o)) }
        @if app.dry_run { p.note { "Dry-run ([response] dry_run = true): block and unblock show the exact commands and change nothing." } }
        table #blocks {
            thead { tr { th { "address" } th { "backend" } th { "reason / alert" } th { "since" } th { "time left" } th { "" } } }
            tbody {
                @for (b, is_alert) in &blocks {
                    tr {
                        td.ip { (b.ip) }
                        td { (b.backend) }
                        td { @if *is_alert { a href=(alert_href(&b.reason, range)) { (b.reason) } } @else { (b.reason) } }
                        td { (time(b.created_at)) }
                        td { @match b.expires_at { Some(e) => { (span((e - now).num_seconds())) } None => { "permanent" } } }
                        td { form method="post" action="/blocks/unblock" {
                            (csrf(who))
                            input type="hidden" name="ip" value=(b.ip);
                            input type="hidden" name="backend" value=(b.backend);
                            button.unblock type="submit" { "Unblock" }
                        } }
                    }
                }
            }
        }
        @if blocks.is_empty() { p.muted { "No active blocks." } }
        h2 { "Block an address" }
        form #block method="post" action="/blocks" {
            (csrf(who))
            label { "Address " input name="ip" required size="24" placeholder="198.51.100.23"; }
            label { " for " input name="duration" size="8" value=(fw.default_duration); }
            label { " reason " input name="reason" size="24" value="operator"; }
            " " button type="submit" { "Block" }
            span.muted { " backend " (fw.backend.as_str()) " · 30s, 10m, 1h, 2d, or 0/permanent" }
        }
        h2 { "Allow-list" }
        p { "Never blocked: " @if fw.allow.is_empty() { span.muted { "nothing configured" } }
            @for a in &fw.allow { code { (a) } " " } }
        p.muted { "Always protected as well: loopback, this host's own addresses, its gateways and resolvers, the SSH client of this session"
            @if !fw.permit_private { ", and private (RFC 1918 / RFC 4193) ranges" } "." }
    };
    Ok(page("Blocks", Nav::Blocks, who, range, body))
}

fn message(o: &Outcome) -> Markup {
    match o {
        Outcome::Refused(why) => {
            html! { div.message.refused #message { strong { "Refused: " } (why) } }
        }
        Outcome::Record(r) => html! {
            div.message #message {
                @match &r.outcome {
                    ActionOutcome::DryRun => { strong { "Dry-run " (r.action) " " (r.target) ":" } " these commands would run:" }
                    ActionOutcome::Done => { strong { (r.action) " " (r.target) ": done" } " (" (r.detail) ")" }
                    ActionOutcome::Skipped(why) => { strong { (r.action) " " (r.target) ": skipped" } " (" (why) ")" }
                    ActionOutcome::Failed(why) => { strong { (r.action) " " (r.target) ": failed" } " (" (why) ")" }
                }
                @for c in &r.commands { pre.command { (display_argv(c)) } }
            }
        },
    }
}

/// `GET /blocks`.
pub(crate) async fn blocks(
    State(app): State<AppState>,
    who: Principal,
    range: TimeRange,
) -> Result<Markup, HttpError> {
    render(&app, &who, &range, None).await
}

/// The manual-block form.
#[derive(Debug, Deserialize)]
pub(crate) struct BlockForm {
    #[serde(default)]
    csrf: String,
    ip: String,
    #[serde(default)]
    duration: String,
    #[serde(default)]
    reason: String,
}

/// The unblock form.
#[derive(Debug, Deserialize)]
pub(crate) struct UnblockForm {
    #[serde(default)]
    csrf: String,
    ip: String,
    #[serde(default)]
    backend: String,
}

fn firewall(app: &App, backend: Option<Backend>) -> Result<Firewall, HttpError> {
    let mut cfg = app.firewall.clone();
    if let Some(b) = backend {
        cfg.backend = b;
    }
    Firewall::new(cfg, Some(Arc::clone(&app.store)))
        .map_err(|e| HttpError::Internal(format!("firewall: {e}")))
}

fn mode(app: &App) -> Mode {
    if app.dry_run {
        Mode::DryRun
    } else {
        Mode::Live
    }
}

/// Records a live action in the audit log, as `soc block` does.
async fn audit(app: &App, who: &Principal, rec: &mut ActionRecord) {
    rec.detail = format!("{} (by {} via soc serve)", rec.detail, who.actor)
        .trim()
        .to_string();
    if rec.mode == Mode::Live {
        let (key, r) = (
            format!("operator:{}:{}", rec.action, rec.target),
            rec.clone(),
        );
        if let Err(e) = app.db(move |s| s.record_action(&key, &r)).await {
            tracing::warn!("could not record the action in the audit log: {e}");
        }
    }
}

/// `POST /blocks`.
pub(crate) async fn block(
    State(app): State<AppState>,
    who: Principal,
    Form(f): Form<BlockForm>,
) -> Result<Markup, HttpError> {
    who.may_write(&f.csrf)?;
    let range = TimeRange::resolve(&RangeParams::default(), Utc::now())?;
    let duration_text = if f.duration.trim().is_empty() {
        app.firewall.default_duration.clone()
    } else {
        f.duration.trim().to_string()
    };
    let outcome = match parse_duration(&duration_text) {
        Err(e) => Outcome::Refused(format!("duration: {e}")),
        Ok(d) => {
            let reason = if f.reason.trim().is_empty() {
                "operator".to_string()
            } else {
                f.reason.trim().chars().take(200).collect()
            };
            let fw = firewall(&app, None)?;
            match fw
                .block(
                    f.ip.trim(),
                    Some(d.unwrap_or_default()),
                    mode(&app),
                    &reason,
                )
                .await
            {
                Ok(mut rec) => {
                    audit(&app, &who, &mut rec).await;
                    Outcome::Record(Box::new(rec))
                }
                Err(e) => Outcome::Refused(e.to_string()),
            }
        }
    };
    tracing::info!(actor = %who.actor, ip = %f.ip, "manual block from the dashboard");
    render(&app, &who, &range, Some(outcome)).await
}

/// `POST /blocks/unblock`.
pub(crate) async fn unblock(
    State(app): State<AppState>,
    who: Principal,
    Form(f): Form<UnblockForm>,
) -> Result<Markup, HttpError> {
    who.may_write(&f.csrf)?;
    let range = TimeRange::resolve(&RangeParams::default(), Utc::now())?;
    if let Some((_, host)) = f.backend.trim().split_once('@') {
        let outcome = unblock_remote(&app, &who, f.ip.trim(), host).await;
        return render(&app, &who, &range, Some(outcome)).await;
    }
    let backend = match f.backend.trim() {
        "" => None,
        b => Some(
            b.parse::<Backend>()
                .map_err(|e| HttpError::BadRequest(e.to_string()))?,
        ),
    };
    let fw = firewall(&app, backend)?;
    let outcome = match fw.unblock(f.ip.trim(), mode(&app)).await {
        Ok(mut rec) => {
            audit(&app, &who, &mut rec).await;
            Outcome::Record(Box::new(rec))
        }
        Err(e) => Outcome::Refused(e.to_string()),
    };
    render(&app, &who, &range, Some(outcome)).await
}

/// Unblocks `ip` on the configured remote firewall `host`, as `soc unblock
/// --host` does (only hosts named in `[[response.firewall.remote]]`: the
/// form never chooses where soc connects).
async fn unblock_remote(app: &App, who: &Principal, ip: &str, host: &str) -> Outcome {
    if !app.remote_firewalls.remote.iter().any(|t| t.name == host) {
        return Outcome::Refused(format!(
            "'{host}' is not a configured remote firewall ([[response.firewall.remote]] in soc.toml)"
        ));
    }
    let fleet = match RemoteFirewalls::new(
        app.remote_firewalls.clone(),
        app.firewall.clone(),
        Some(Arc::clone(&app.store)),
        None,
    ) {
        Ok(f) => f,
        Err(e) => return Outcome::Refused(e.to_string()),
    };
    match fleet.unblock(ip, &[host.to_string()], mode(app)).await {
        Ok(recs) => match recs.into_iter().next() {
            Some(mut rec) => {
                audit(app, who, &mut rec).await;
                Outcome::Record(Box::new(rec))
            }
            None => Outcome::Refused(format!("no firewall answered for '{host}'")),
        },
        Err(e) => Outcome::Refused(e.to_string()),
    }
}
