//! Playbooks: which actions each risk level (and alert kind) gets, and which
//! responders carry each action out.
//!
//! Default ladder: `low` → record + watch; `medium` → also notify; `high` →
//! also ticket; `critical` → also block the source, or isolate the host when
//! the source is internal. `forward` (SIEM) runs at every level when a SIEM
//! responder is configured.
//!
//! ```
//! use soc_core::respond::{Playbook, PlaybookConfig};
//! use soc_core::{Alert, RiskLevel, Score, Severity};
//!
//! let pb = Playbook::new(PlaybookConfig::default()).unwrap();
//! let mut alert = Alert::new("ssh.brute_force", "k", "SSH brute force", Severity::High);
//! alert.src_ip = Some("203.0.113.9".parse().unwrap());
//! let score = Score { scorer: "x".into(), value: 90.0, level: RiskLevel::Critical, factors: vec![] };
//! let actions: Vec<String> = pb.plan(&alert, &score).iter().map(|p| p.action.clone()).collect();
//! assert!(actions.contains(&"block".to_string()));
//! assert!(!actions.contains(&"isolate".to_string())); // the source is external
//! ```

use std::collections::BTreeMap;

use ipnetwork::IpNetwork;
use serde::{Deserialize, Serialize};

use super::watch::alert_subject;
use crate::error::RespondError;
use crate::model::{Alert, RiskLevel, Score};
use crate::score::features::is_internal;

/// The actions a playbook knows.
pub const ACTIONS: [&str; 7] = [
    "record", "watch", "notify", "ticket", "forward", "block", "isolate",
];

/// Per-level action lists; a `kinds` override replaces the lists it sets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct LevelActions {
    /// Actions for `low`.
    pub low: Option<Vec<String>>,
    /// Actions for `medium`.
    pub medium: Option<Vec<String>>,
    /// Actions for `high`.
    pub high: Option<Vec<String>>,
    /// Actions for `critical`.
    pub critical: Option<Vec<String>>,
}

impl LevelActions {
    fn get(&self, level: RiskLevel) -> Option<&Vec<String>> {
        match level {
            RiskLevel::Low => self.low.as_ref(),
            RiskLevel::Medium => self.medium.as_ref(),
            RiskLevel::High => self.high.as_ref(),
            RiskLevel::Critical => self.critical.as_ref(),
        }
    }
}

/// The `[respond.playbook]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PlaybookConfig {
    /// Actions per risk level.
    pub levels: LevelActions,
    /// Overrides per alert kind (e.g. `"ssh.success_after_failures"`).
    pub kinds: BTreeMap<String, LevelActions>,
    /// Responder names per action; only registered responders run.
    pub responders: BTreeMap<String, Vec<String>>,
    /// Extra internal networks (besides private, loopback and link-local
    /// ranges): sources here are isolated, never blocked.
    pub internal_networks: Vec<String>,
}

fn list(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

impl Default for PlaybookConfig {
    fn default() -> Self {
        let levels = LevelActions {
            low: Some(list(&["record", "watch", "forward"])),
            medium: Some(list(&["record", "watch", "forward", "notify"])),
            high: Some(list(&["record", "watch", "forward", "notify", "ticket"])),
            critical: Some(list(&[
                "record", "watch", "forward", "notify", "ticket", "block", "isolate",
            ])),
        };
        let responders = [
            ("watch", vec!["watchlist"]),
            ("notify", vec!["email", "slack", "webhook"]),
            ("ticket", vec!["thehive", "jira", "ticket_file"]),
            ("forward", vec!["splunk_hec", "elasticsearch", "sink"]),
            ("block", vec!["firewall"]),
            ("isolate", vec!["isolate"]),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), list(&v)))
        .collect();
        PlaybookConfig {
            levels,
            kinds: BTreeMap::new(),
            responders,
            internal_networks: Vec::new(),
        }
    }
}

/// One action the playbook selected for an alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedAction {
    /// The action (`record`, `watch`, `notify`, `ticket`, `forward`, `block`, `isolate`).
    pub action: String,
    /// The responder to run (`record` is done by the engine itself: `engine`).
    pub responder: String,
    /// What it acts on (source address, host, user, or the alert id).
    pub target: String,
}

impl PlannedAction {
    /// The idempotency key: `responder|target|alert kind`.
    pub fn key(&self, alert: &Alert) -> String {
        format!("{}|{}|{}", self.responder, self.target, alert.kind)
    }
}

/// A validated playbook.
#[derive(Debug, Clone)]
pub struct Playbook {
    cfg: PlaybookConfig,
    internal: Vec<IpNetwork>,
    // Actions whose responder list is the default (the config left it out).
    defaulted: Vec<String>,
}

impl Playbook {
    /// Validates action names and networks. Levels and action → responder
    /// mappings the config leaves out keep their defaults, so a config can
    /// change one level without erasing the others.
    pub fn new(mut cfg: PlaybookConfig) -> Result<Self, RespondError> {
        let defaults = PlaybookConfig::default();
        let l = &mut cfg.levels;
        l.low = l.low.take().or(defaults.levels.low);
        l.medium = l.medium.take().or(defaults.levels.medium);
        l.high = l.high.take().or(defaults.levels.high);
        l.critical = l.critical.take().or(defaults.levels.critical);
        let mut defaulted = Vec::new();
        for (action, responders) in defaults.responders {
            if cfg.responders.get(&action).is_none_or(|r| *r == responders) {
                defaulted.push(action.clone());
            }
            cfg.responders.entry(action).or_insert(responders);
        }
        let bad = |message: String| RespondError::Config {
            responder: "playbook".into(),
            message,
        };
        let all_lists = std::iter::once(&cfg.levels).chain(cfg.kinds.values());
        for l in all_lists {
            for level in [
                RiskLevel::Low,
                RiskLevel::Medium,
                RiskLevel::High,
                RiskLevel::Critical,
            ] {
                for a in l.get(level).into_iter().flatten() {
                    if !ACTIONS.contains(&a.as_str()) {
                        return Err(bad(format!(
                            "unknown action '{a}' for {level}; known: {}",
                            ACTIONS.join(", ")
                        )));
                    }
                }
            }
        }
        for a in cfg.responders.keys() {
            if !ACTIONS.contains(&a.as_str()) {
                return Err(bad(format!("responders: unknown action '{a}'")));
            }
        }
        let internal = cfg
            .internal_networks
            .iter()
            .map(|n| {
                n.parse::<IpNetwork>()
                    .map_err(|e| bad(format!("internal_networks: '{n}': {e}")))
            })
            .collect::<Result<_, _>>()?;
        Ok(Playbook {
            cfg,
            internal,
            defaulted,
        })
    }

    /// Appends `responders` to the responders of `action` when the config
    /// left that list at its default (a changed list is the operator's
    /// choice and stays as written). Returns whether they were added.
    pub fn extend_default_responders(&mut self, action: &str, responders: &[String]) -> bool {
        if !self.defaulted.iter().any(|a| a == action) {
            return false;
        }
        let list = self.cfg.responders.entry(action.to_string()).or_default();
        for r in responders {
            if !list.contains(r) {
                list.push(r.clone());
            }
        }
        true
    }

    /// The configuration.
    pub fn config(&self) -> &PlaybookConfig {
        &self.cfg
    }

    /// Whether the alert's source address is internal.
    pub fn source_is_internal(&self, alert: &Alert) -> bool {
        alert
            .src_ip
            .is_some_and(|ip| is_internal(ip) || self.internal.iter().any(|n| n.contains(ip)))
    }

    /// The actions for `alert` at `score.level`, one per responder, in
    /// playbook order. Targets are the alert's subject (source address, else
    /// user, else host), except `forward`, whose target is the alert id. `block` is planned only for an external source
    /// address; `isolate` only when the source address is internal (the
    /// target is that address) or, for alerts without a source address,
    /// for the alert's host.
    pub fn plan(&self, alert: &Alert, score: &Score) -> Vec<PlannedAction> {
        let actions = self
            .cfg
            .kinds
            .get(&alert.kind)
            .and_then(|k| k.get(score.level))
            .or_else(|| self.cfg.levels.get(score.level))
            .cloned()
            .unwrap_or_default();
        let internal = self.source_is_internal(alert);
        let (_, subject) = alert_subject(alert);
        let mut out: Vec<PlannedAction> = Vec::new();
        for action in actions {
            let target = match action.as_str() {
                "block" => match alert.src_ip {
                    Some(ip) if !internal => ip.to_string(),
                    _ => continue,
                },
                "isolate" => match (alert.src_ip, &alert.host) {
                    (Some(ip), _) if internal => ip.to_string(),
                    (None, Some(h)) => h.clone(),
                    _ => continue,
                },
                // Each alert is forwarded once (re-runs over the same file are deduplicated).
                "forward" => alert.id.clone(),
                _ => subject.clone(),
            };
            let responders = if action == "record" {
                vec!["engine".to_string()]
            } else {
                self.cfg
                    .responders
                    .get(&action)
                    .cloned()
                    .unwrap_or_default()
            };
            for responder in responders {
                let p = PlannedAction {
                    action: action.clone(),
                    responder,
                    target: target.clone(),
                };
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
        out
    }
}
