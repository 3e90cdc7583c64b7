//! The response engine: plans actions with the [`Playbook`], runs them on
//! named responders, suppresses repeats, and audits every outcome.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Utc;

use super::audit::AuditLog;
use super::cloud::CloudConfig;
use super::config::ResponseConfig;
use super::firewall::FirewallConfig;
use super::notify::{EmailNotifier, SlackNotifier, WebhookNotifier};
use super::playbook::{PlannedAction, Playbook};
use super::siem::{ElasticBulk, JsonSink, SplunkHec};
use super::ticket::{Jira, TheHive, TicketFile};
use super::watch::WatchList;
use super::Responder;
use crate::error::RespondError;
use crate::model::{ActionOutcome, ActionRecord, Alert, Mode, Score};
use crate::store::StateStore;

/// Runs the playbook for scored alerts.
///
/// * Idempotent: an action keyed `responder|target|alert kind` that was done
///   for real within `suppress_secs` is skipped (except `watch`, which counts
///   sightings) (the record says when), across
///   restarts, because the key lives in the state store.
/// * Safe: in dry-run (the default) every responder only describes what it
///   would do; nothing changes except the audit log.
/// * Accountable: every record (done, dry-run, skipped, failed) goes to the
///   audit log, and a failure never stops the other actions or loses the alert.
///
/// ```
/// use std::sync::Arc;
/// use soc_core::respond::{ResponseConfig, ResponseEngine};
/// use soc_core::{Alert, ActionOutcome, Mode, RiskLevel, Score, Severity, StateStore};
///
/// let store = Arc::new(StateStore::in_memory().unwrap());
/// let engine = ResponseEngine::from_config(&ResponseConfig::default(), store.clone()).unwrap();
/// assert_eq!(engine.mode(), Mode::DryRun);
/// let mut alert = Alert::new("ssh.brute_force", "k", "SSH brute force", Severity::High);
/// alert.src_ip = Some("203.0.113.9".parse().unwrap());
/// let score = Score { scorer: "x".into(), value: 20.0, level: RiskLevel::Low, factors: vec![] };
/// let rt = tokio::runtime::Runtime::new().unwrap();
/// let records = rt.block_on(engine.handle(&alert, &score));
/// assert!(records.iter().any(|r| r.action == "watch" && r.outcome == ActionOutcome::DryRun));
/// assert!(store.watchlist().unwrap().is_empty());
/// ```
pub struct ResponseEngine {
    playbook: Playbook,
    responders: BTreeMap<String, Box<dyn Responder>>,
    audit: AuditLog,
    store: Arc<StateStore>,
    mode: Mode,
    suppress: chrono::Duration,
    /// The caller stores each alert with its score before handing it over
    /// (the pipeline does, in its batch transaction), so `record` need not.
    alerts_stored_by_caller: bool,
}

impl std::fmt::Debug for ResponseEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseEngine")
            .field("mode", &self.mode)
            .field("responders", &self.responders.keys().collect::<Vec<_>>())
            .field("suppress", &self.suppress)
            .finish_non_exhaustive()
    }
}

impl ResponseEngine {
    /// Builds the engine and every configured responder (plus the
    /// watch-list, which needs only the store). Firewall and isolation
    /// responders are registered by the caller with [`register`](Self::register)
    /// under the names the playbook uses (`firewall`, `isolate` by default).
    pub fn from_config(cfg: &ResponseConfig, store: Arc<StateStore>) -> Result<Self, RespondError> {
        let mut e = ResponseEngine {
            playbook: Playbook::new(cfg.playbook.clone())?,
            responders: BTreeMap::new(),
            audit: AuditLog::new(store.clone(), cfg.audit_log.clone()),
            store: store.clone(),
            mode: if cfg.dry_run {
                Mode::DryRun
            } else {
                Mode::Live
            },
            suppress: chrono::Duration::seconds(
                i64::try_from(cfg.suppress_secs)
                    .unwrap_or(i64::MAX / 1000)
                    .min(i64::MAX / 1000),
            ),
            alerts_stored_by_caller: false,
        };
        let remote_hosts: Vec<String> =
            cfg.firewall.remote.iter().map(|t| t.name.clone()).collect();
        cfg.cloud.check_names_against(&remote_hosts)?;
        e.register("watchlist", Box::new(WatchList::new(store)));
        e.register_configured("email", &cfg.email, EmailNotifier::new)?;
        e.register_configured("webhook", &cfg.webhook, WebhookNotifier::new)?;
        e.register_configured("slack", &cfg.slack, SlackNotifier::new)?;
        e.register_configured("splunk_hec", &cfg.splunk_hec, SplunkHec::new)?;
        e.register_configured("elasticsearch", &cfg.elasticsearch, ElasticBulk::new)?;
        e.register_configured("sink", &cfg.sink, JsonSink::new)?;
        e.register_configured("thehive", &cfg.thehive, TheHive::new)?;
        e.register_configured("jira", &cfg.jira, Jira::new)?;
        e.register_configured("ticket_file", &cfg.ticket_file, |c| {
            Ok(TicketFile::new(c.path.clone()))
        })?;
        Ok(e)
    }

    /// Registers the responder `build` makes from its config section, when
    /// the section is present.
    fn register_configured<C, R: Responder + 'static>(
        &mut self,
        name: &str,
        section: &Option<C>,
        build: impl FnOnce(&C) -> Result<R, RespondError>,
    ) -> Result<(), RespondError> {
        if let Some(c) = section {
            self.register(name, Box::new(build(c)?));
        }
        Ok(())
    }

    /// Registers a [`CloudResponder`](super::cloud::CloudResponder) for
    /// every backend of `cloud` under its id (`cloudflare@cloudflare`,
    /// `opnsense@fw1`), protecting what the local firewall under `fw`
    /// protects, and sends the `block` action to them too unless the
    /// playbook's `block` responders were changed from the default
    /// (`["firewall"]`). Returns the ids.
    pub fn register_cloud(
        &mut self,
        cloud: &CloudConfig,
        fw: &FirewallConfig,
    ) -> Result<Vec<String>, RespondError> {
        let mut ids = Vec::new();
        for r in cloud.responders(fw, Some(self.store.clone()))? {
            let id = r.backend().to_string();
            self.register(&id, Box::new(r));
            ids.push(id);
        }
        self.playbook.extend_default_responders("block", &ids);
        Ok(ids)
    }

    /// Registers (or replaces) a responder under `name`, the name playbooks use.
    pub fn register(&mut self, name: &str, responder: Box<dyn Responder>) -> &mut Self {
        self.responders.insert(name.to_string(), responder);
        self
    }

    /// Names of the registered responders.
    pub fn responders(&self) -> Vec<&str> {
        self.responders.keys().map(String::as_str).collect()
    }

    /// Dry-run or live.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Switches mode (e.g. `--live` on the command line).
    pub fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
    }

    /// Declares that the caller already stores every alert with its score
    /// before [`handle`](Self::handle) (as the pipeline does, in the same
    /// transaction as its checkpoints), so the `record` action only logs
    /// instead of writing the alert a second time.
    pub fn set_alerts_stored_by_caller(&mut self, stored: bool) {
        self.alerts_stored_by_caller = stored;
    }

    /// The playbook.
    pub fn playbook(&self) -> &Playbook {
        &self.playbook
    }

    /// The audit log.
    pub fn audit(&self) -> &AuditLog {
        &self.audit
    }

    /// The planned actions that will run (registered responders, plus
    /// `block`/`isolate` without one, which are reported as skipped).
    pub fn plan(&self, alert: &Alert, score: &Score) -> Vec<PlannedAction> {
        self.playbook
            .plan(alert, score)
            .into_iter()
            .filter(|p| {
                p.action == "record"
                    || matches!(p.action.as_str(), "block" | "isolate")
                    || self.responders.contains_key(&p.responder)
            })
            .map(|mut p| {
                if let Some(t) = self
                    .responders
                    .get(&p.responder)
                    .and_then(|r| r.target_of(alert))
                {
                    p.target = t;
                }
                p
            })
            .collect()
    }

    /// Plans and runs the actions for a scored alert; returns every record
    /// (also written to the audit log).
    pub async fn handle(&self, alert: &Alert, score: &Score) -> Vec<ActionRecord> {
        let mut out = Vec::new();
        for p in self.plan(alert, score) {
            let key = p.key(alert);
            let rec = self.run_one(&p, alert, score).await;
            if let Err(e) = self.audit.record(&key, &rec) {
                tracing::error!(alert = %alert.id, responder = %rec.responder, "audit log write failed: {e}");
            }
            out.push(rec);
        }
        out
    }

    async fn run_one(&self, p: &PlannedAction, alert: &Alert, score: &Score) -> ActionRecord {
        let blank = |outcome: ActionOutcome| {
            let mut r = ActionRecord::new(&p.responder, &p.action, &p.target, &alert.id, self.mode);
            r.outcome = outcome;
            r
        };
        if p.action == "record" {
            let mut r = blank(match self.mode {
                Mode::DryRun => ActionOutcome::DryRun,
                Mode::Live => ActionOutcome::Done,
            });
            r.detail = format!("score {:.1} ({})", score.value, score.level);
            // The alert itself is bookkeeping, stored in both modes so it is never lost.
            if !self.alerts_stored_by_caller {
                if let Err(e) = self.store.save_alert(alert, Some(score)) {
                    r.outcome = ActionOutcome::Failed(e.to_string());
                }
            }
            return r;
        }
        let Some(responder) = self.responders.get(&p.responder) else {
            return blank(ActionOutcome::Skipped(format!(
                "no responder '{}' is configured for {}",
                p.responder, p.action
            )));
        };
        // The watch-list is an upsert that counts sightings, so it always runs.
        // A live action claims its key atomically in the store (see
        // `StateStore::claim_action`): of two racing runs only one acts.
        let key = p.key(alert);
        let mut claimed = false;
        if self.suppress > chrono::Duration::zero() && p.action != "watch" {
            let now = Utc::now();
            let prior = match self.mode {
                Mode::Live => self.store.claim_action(&key, now, self.suppress),
                Mode::DryRun => self
                    .store
                    .last_done(&key)
                    .map(|d| d.filter(|at| now - *at < self.suppress)),
            };
            match prior {
                Ok(Some(at)) => {
                    return blank(ActionOutcome::Skipped(format!(
                        "already done at {} (suppressed for {}s)",
                        at.to_rfc3339(),
                        self.suppress.num_seconds()
                    )));
                }
                Ok(None) => claimed = self.mode == Mode::Live,
                Err(e) => {
                    // Without the idempotency state we cannot know it is safe to repeat.
                    return blank(ActionOutcome::Failed(format!("idempotency check: {e}")));
                }
            }
        }
        let rec = match responder.respond(alert, self.mode).await {
            Ok(mut r) => {
                if r.alert_id.is_empty() {
                    r.alert_id = alert.id.clone();
                }
                r.mode = self.mode;
                r
            }
            // A protected target (allow-list, loopback, own address...) is a
            // deliberate refusal, not a failure of the responder.
            Err(e @ (RespondError::Refused { .. } | RespondError::InvalidTarget { .. })) => {
                tracing::info!(alert = %alert.id, responder = %p.responder, "{e}");
                blank(ActionOutcome::Skipped(e.to_string()))
            }
            Err(e) => {
                tracing::warn!(alert = %alert.id, responder = %p.responder, "{e}");
                blank(ActionOutcome::Failed(e.to_string()))
            }
        };
        if claimed && rec.outcome != ActionOutcome::Done {
            // Not done: a later run may try again.
            if let Err(e) = self.store.release_action_claim(&key) {
                tracing::warn!(alert = %alert.id, responder = %p.responder, "releasing the action claim: {e}");
            }
        }
        rec
    }
}
