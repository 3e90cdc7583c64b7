//! The weighted scorer: a sum of explained, configurable contributions.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::features::{abuse_confidence, is_internal, list_hit, port_risk, vt_malicious};
use super::{RiskThresholds, Scorer};
use crate::model::{Alert, Score, ScoreFactor, Verdict};

/// Weights of the [`WeightedScorer`]. Every field has a sensible default, so
/// a config only lists what it changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WeightedConfig {
    /// Points per severity (`info`, `low`, `medium`, `high`, `critical`).
    pub severity: BTreeMap<String, f64>,
    /// Points per alert kind (e.g. `ssh.success_after_failures = 20`).
    pub kinds: BTreeMap<String, f64>,
    /// Extra points per targeted port, overriding the built-in port risk.
    pub ports: BTreeMap<u16, f64>,
    /// Asset criticality: points when the alert's host or destination address matches.
    pub assets: BTreeMap<String, f64>,
    /// Points per source country (ISO code, from enrichment facts), e.g. a
    /// watched-country list (`KP = 15`) or a home country (`DE = -5`).
    pub countries: BTreeMap<String, f64>,
    /// Points per AbuseIPDB confidence point (confidence 0..=100).
    pub abuseipdb_weight: f64,
    /// Points per VirusTotal engine flagging the indicator malicious.
    pub vt_per_detection: f64,
    /// Cap on the VirusTotal contribution.
    pub vt_max: f64,
    /// Points when another provider (GreyNoise, OTX, ...) says malicious.
    pub intel_malicious: f64,
    /// Points when another provider says suspicious (and none malicious).
    pub intel_suspicious: f64,
    /// Points (usually negative) when a provider says harmless and none worse.
    pub intel_harmless: f64,
    /// Points for a hit on a local threat-intel list (provider `lists`).
    pub list_hit: f64,
    /// Points per doubling of the event count.
    pub repetition_per_doubling: f64,
    /// Cap on the repetition contribution.
    pub repetition_max: f64,
    /// Points when the source address is external (public).
    pub external_source: f64,
    /// Points when the source address is internal (private, loopback, link-local).
    pub internal_source: f64,
    /// Points for the riskiest targeted port (scaled by its 0..=1 port risk).
    pub port_weight: f64,
}

impl Default for WeightedConfig {
    fn default() -> Self {
        let severity = [
            ("info", 0.0),
            ("low", 5.0),
            ("medium", 15.0),
            ("high", 25.0),
            ("critical", 35.0),
        ];
        let kinds = [
            ("ssh.success_after_failures", 25.0),
            ("ssh.brute_force", 10.0),
            ("ssh.password_spraying", 10.0),
            ("ssh.slow_brute_force", 10.0),
            ("ssh.distributed_attack", 10.0),
        ];
        WeightedConfig {
            severity: severity.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            kinds: kinds.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            abuseipdb_weight: 0.25,
            vt_per_detection: 3.0,
            vt_max: 30.0,
            intel_malicious: 10.0,
            intel_suspicious: 5.0,
            intel_harmless: -10.0,
            list_hit: 20.0,
            repetition_per_doubling: 2.0,
            repetition_max: 15.0,
            external_source: 5.0,
            internal_source: 0.0,
            port_weight: 10.0,
            ports: BTreeMap::new(),
            assets: BTreeMap::new(),
            countries: BTreeMap::new(),
        }
    }
}

impl WeightedConfig {
    /// Reads weights from a TOML file (or JSON, by `.json` extension) with
    /// the keys of `[score.weighted]`; keys left out keep their defaults.
    pub fn load(path: impl AsRef<std::path::Path>) -> Result<Self, crate::error::ScoreError> {
        let path = path.as_ref();
        let err = |reason: String| crate::error::ScoreError::Model {
            path: path.display().to_string(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(format!("cannot read: {e}")))?;
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            serde_json::from_str(&text).map_err(|e| err(e.to_string()))
        } else {
            toml::from_str(&text).map_err(|e| err(e.to_string()))
        }
    }
}

/// Scores alerts as a sum of configurable contributions, clamped to 0..=100.
/// Every non-zero contribution is listed in [`Score::factors`], and the
/// factors add up to the value before clamping.
///
/// ```
/// use soc_core::score::{Scorer, WeightedScorer};
/// use soc_core::{Alert, Severity};
///
/// let scorer = WeightedScorer::default();
/// let alert = Alert::new("ssh.brute_force", "203.0.113.9", "SSH brute force", Severity::High);
/// let s = scorer.score(&alert);
/// let sum: f64 = s.factors.iter().map(|f| f.contribution).sum();
/// assert_eq!(s.value, sum.clamp(0.0, 100.0));
/// ```
#[derive(Debug, Clone, Default)]
pub struct WeightedScorer {
    config: WeightedConfig,
    thresholds: RiskThresholds,
}

impl WeightedScorer {
    /// A scorer with these weights and the default thresholds.
    pub fn new(config: WeightedConfig) -> Self {
        Self::with_thresholds(config, RiskThresholds::default())
    }

    /// A scorer with these weights and thresholds.
    pub fn with_thresholds(config: WeightedConfig, thresholds: RiskThresholds) -> Self {
        WeightedScorer { config, thresholds }
    }

    /// The weights.
    pub fn config(&self) -> &WeightedConfig {
        &self.config
    }

    /// The factors for `alert`, zero contributions left out.
    pub fn factors(&self, alert: &Alert) -> Vec<ScoreFactor> {
        let c = &self.config;
        let mut out = Vec::new();
        let mut add = |name: &str, contribution: f64, detail: String| {
            if contribution != 0.0 && contribution.is_finite() {
                out.push(ScoreFactor {
                    name: name.to_string(),
                    contribution,
                    detail,
                });
            }
        };
        let sev = alert.severity.as_str();
        let pts = c.severity.get(sev).copied().unwrap_or(0.0);
        add("severity", pts, format!("severity {sev}: {pts:+}"));
        if let Some(p) = c.kinds.get(&alert.kind) {
            add("kind", *p, format!("kind {}: {p:+}", alert.kind));
        }
        if let Some(conf) = abuse_confidence(alert) {
            let p = conf * c.abuseipdb_weight;
            add(
                "abuseipdb_confidence",
                p,
                format!("AbuseIPDB confidence {conf} x {}", c.abuseipdb_weight),
            );
        }
        if let Some(n) = vt_malicious(alert) {
            let p = (n * c.vt_per_detection).min(c.vt_max);
            add(
                "virustotal_detections",
                p,
                format!(
                    "VirusTotal {n} malicious x {} (max {})",
                    c.vt_per_detection, c.vt_max
                ),
            );
        }
        if list_hit(alert) {
            let lists: Vec<&str> = alert
                .enrichments
                .iter()
                .filter(|e| e.provider == "lists" && e.verdict >= Verdict::Suspicious)
                .flat_map(|e| e.facts.tags.iter().map(String::as_str))
                .collect();
            let names = if lists.is_empty() {
                String::new()
            } else {
                format!(" ({})", lists.join(", "))
            };
            add("list_hit", c.list_hit, format!("local list hit{names}"));
        }
        let others = alert
            .enrichments
            .iter()
            .filter(|e| !matches!(e.provider.as_str(), "abuseipdb" | "virustotal" | "lists"));
        if let Some(worst) = others.clone().map(|e| e.verdict).max() {
            let who: Vec<&str> = others
                .filter(|e| e.verdict == worst)
                .map(|e| e.provider.as_str())
                .collect();
            let p = match worst {
                Verdict::Malicious => c.intel_malicious,
                Verdict::Suspicious => c.intel_suspicious,
                Verdict::Harmless => c.intel_harmless,
                Verdict::Unknown => 0.0,
            };
            add(
                "intel_verdict",
                p,
                format!("{} says {worst}", who.join(", ")),
            );
        }
        if alert.count > 1 {
            let doublings = (alert.count as f64).log2();
            let p = (doublings * c.repetition_per_doubling).min(c.repetition_max);
            add(
                "repetition",
                p,
                format!(
                    "{} events: {doublings:.1} doublings x {} (max {})",
                    alert.count, c.repetition_per_doubling, c.repetition_max
                ),
            );
        }
        if let Some(ip) = alert.src_ip {
            if is_internal(ip) {
                add(
                    "internal_source",
                    c.internal_source,
                    format!("source {ip} is internal"),
                );
            } else {
                add(
                    "external_source",
                    c.external_source,
                    format!("source {ip} is external"),
                );
            }
        }
        if let Some(port) = alert.dst_port {
            let p = match c.ports.get(&port) {
                Some(p) => *p,
                None => port_risk(port) * c.port_weight,
            };
            add("port_risk", p, format!("targeted port {port}: {p:+}"));
        }
        let asset = [alert.host.clone(), alert.dst_ip.map(|i| i.to_string())]
            .into_iter()
            .flatten()
            .filter_map(|name| c.assets.get(&name).map(|p| (name, *p)))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((name, p)) = asset {
            add("asset_criticality", p, format!("asset {name}: {p:+}"));
        }
        let country = alert
            .enrichments
            .iter()
            .filter_map(|e| e.facts.country.as_deref())
            .map(|cc| cc.to_ascii_uppercase())
            .find_map(|cc| c.countries.get(&cc).map(|p| (cc, *p)));
        if let Some((cc, p)) = country {
            add("country", p, format!("source country {cc}: {p:+}"));
        }
        out
    }
}

impl Scorer for WeightedScorer {
    fn name(&self) -> &str {
        "weighted"
    }

    fn score(&self, alert: &Alert) -> Score {
        let factors = self.factors(alert);
        let raw: f64 = factors.iter().map(|f| f.contribution).sum();
        let value = if raw.is_finite() {
            raw.clamp(0.0, 100.0)
        } else {
            0.0
        };
        Score {
            scorer: self.name().to_string(),
            value,
            level: self.thresholds.level(value),
            factors,
        }
    }
}
