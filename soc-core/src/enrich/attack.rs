//! MITRE ATT&CK mapping: a static table from event kinds (brute force,
//! spraying, port scan, C2, exploit, exfiltration, phishing, ...) to
//! techniques and tactics, Suricata rule metadata (preferred when present),
//! and an [`Enricher`] that names `attack_technique` / `attack_tactic`
//! indicators.

use async_trait::async_trait;
use serde_json::Value;

use super::{unsupported, Enricher, Reading};
use crate::error::EnrichError;
use crate::model::{AttackRef, Enrichment, Facts, Indicator, IndicatorKind, Verdict};

/// Tactics: (id, name as in ATT&CK's kill-chain phase).
const TACTICS: &[(&str, &str)] = &[
    ("TA0001", "initial-access"),
    ("TA0002", "execution"),
    ("TA0003", "persistence"),
    ("TA0004", "privilege-escalation"),
    ("TA0005", "defense-evasion"),
    ("TA0006", "credential-access"),
    ("TA0007", "discovery"),
    ("TA0008", "lateral-movement"),
    ("TA0009", "collection"),
    ("TA0010", "exfiltration"),
    ("TA0011", "command-and-control"),
    ("TA0040", "impact"),
    ("TA0042", "resource-development"),
    ("TA0043", "reconnaissance"),
];

/// Techniques: (id, name, tactic id).
const TECHNIQUES: &[(&str, &str, &str)] = &[
    ("T1110", "Brute Force", "TA0006"),
    ("T1110.001", "Password Guessing", "TA0006"),
    ("T1110.003", "Password Spraying", "TA0006"),
    ("T1110.004", "Credential Stuffing", "TA0006"),
    ("T1595", "Active Scanning", "TA0043"),
    ("T1595.001", "Scanning IP Blocks", "TA0043"),
    ("T1046", "Network Service Discovery", "TA0007"),
    ("T1190", "Exploit Public-Facing Application", "TA0001"),
    ("T1078", "Valid Accounts", "TA0001"),
    ("T1078.003", "Local Accounts", "TA0001"),
    ("T1021.004", "Remote Services: SSH", "TA0008"),
    ("T1071", "Application Layer Protocol", "TA0011"),
    ("T1071.001", "Web Protocols", "TA0011"),
    ("T1071.004", "DNS", "TA0011"),
    ("T1571", "Non-Standard Port", "TA0011"),
    ("T1573", "Encrypted Channel", "TA0011"),
    ("T1105", "Ingress Tool Transfer", "TA0011"),
    ("T1090.003", "Multi-hop Proxy", "TA0011"),
    ("T1041", "Exfiltration Over C2 Channel", "TA0010"),
    ("T1048", "Exfiltration Over Alternative Protocol", "TA0010"),
    (
        "T1048.003",
        "Exfiltration Over Unencrypted Non-C2 Protocol",
        "TA0010",
    ),
    ("T1566", "Phishing", "TA0001"),
    ("T1566.001", "Spearphishing Attachment", "TA0001"),
    ("T1566.002", "Spearphishing Link", "TA0001"),
    ("T1059", "Command and Scripting Interpreter", "TA0002"),
    ("T1059.001", "PowerShell", "TA0002"),
    ("T1059.004", "Unix Shell", "TA0002"),
    ("T1505.003", "Web Shell", "TA0003"),
    ("T1496", "Resource Hijacking", "TA0040"),
    ("T1498", "Network Denial of Service", "TA0040"),
    ("T1499", "Endpoint Denial of Service", "TA0040"),
    ("T1210", "Exploitation of Remote Services", "TA0008"),
];

/// Event-kind keywords → techniques. The first rule whose keywords all occur
/// in the (lower-cased) kind wins.
const RULES: &[(&[&str], &[&str])] = &[
    (&["spray"], &["T1110.003"]),
    (&["stuffing"], &["T1110.004"]),
    (&["success_after"], &["T1078", "T1078.003"]),
    (&["after_fail"], &["T1078", "T1078.003"]),
    (&["brute"], &["T1110", "T1110.001"]),
    (&["distributed_attack"], &["T1110", "T1110.001"]),
    (&["failed_auth"], &["T1110", "T1110.001"]),
    (&["invalid_user"], &["T1110", "T1110.001"]),
    (&["failed_password"], &["T1110", "T1110.001"]),
    (&["internal", "scan"], &["T1046"]),
    (&["scan"], &["T1595", "T1595.001"]),
    (&["lateral"], &["T1021.004"]),
    (&["dns", "c2"], &["T1071", "T1071.004"]),
    (&["beacon"], &["T1071", "T1071.001"]),
    (&["c2"], &["T1071", "T1071.001"]),
    (&["command_and_control"], &["T1071"]),
    (&["download"], &["T1105"]),
    (&["tor"], &["T1090.003"]),
    (&["proxy"], &["T1090.003"]),
    (&["exfil", "dns"], &["T1048", "T1048.003"]),
    (&["exfil"], &["T1041"]),
    (&["phish"], &["T1566", "T1566.002"]),
    (&["webshell"], &["T1505.003"]),
    (&["web_shell"], &["T1505.003"]),
    (&["exploit"], &["T1190"]),
    (&["rce"], &["T1190"]),
    (&["powershell"], &["T1059", "T1059.001"]),
    (&["shell"], &["T1059", "T1059.004"]),
    (&["miner"], &["T1496"]),
    (&["mining"], &["T1496"]),
    (&["ddos"], &["T1498"]),
    (&["dos"], &["T1499"]),
];

fn tactic_name(id: &str) -> Option<&'static str> {
    TACTICS.iter().find(|(t, _)| *t == id).map(|(_, n)| *n)
}

/// The reference for technique `id` (e.g. `T1110.001`), when in the table.
///
/// ```
/// let r = soc_core::enrich::attack::technique("t1110.001").unwrap();
/// assert_eq!(r.technique_name.as_deref(), Some("Password Guessing"));
/// assert_eq!(r.tactic_id.as_deref(), Some("TA0006"));
/// ```
pub fn technique(id: &str) -> Option<AttackRef> {
    let id = id.trim().to_ascii_uppercase();
    TECHNIQUES
        .iter()
        .find(|(t, _, _)| *t == id)
        .map(|(t, name, tactic)| AttackRef {
            technique_id: t.to_string(),
            technique_name: Some(name.to_string()),
            tactic_id: Some(tactic.to_string()),
            tactic_name: tactic_name(tactic).map(str::to_string),
        })
}

/// The ATT&CK techniques an event or alert kind maps to (empty if none).
///
/// ```
/// use soc_core::enrich::attack::for_kind;
/// let refs = for_kind("ssh.brute_force");
/// assert_eq!(refs[0].technique_id, "T1110");
/// assert_eq!(refs[1].technique_id, "T1110.001");
/// assert_eq!(for_kind("ssh.password_spraying")[0].technique_id, "T1110.003");
/// assert_eq!(for_kind("ssh.distributed_attack")[0].technique_id, "T1110");
/// assert_eq!(for_kind("ssh.success_after_failures")[0].technique_id, "T1078");
/// assert!(for_kind("ssh.session_opened").is_empty());
/// ```
pub fn for_kind(kind: &str) -> Vec<AttackRef> {
    let k = kind.to_ascii_lowercase().replace(['-', ' '], "_");
    RULES
        .iter()
        .find(|(words, _)| words.iter().all(|w| k.contains(w)))
        .map(|(_, ids)| ids.iter().filter_map(|id| technique(id)).collect())
        .unwrap_or_default()
}

/// Techniques from a Suricata rule's `metadata` object (EVE JSON
/// `alert.metadata`, each key an array of strings). Names are normalized
/// (`Command_And_Control` → `command-and-control`).
///
/// ```
/// use soc_core::enrich::attack::from_suricata_metadata;
/// let m = serde_json::json!({"mitre_tactic_id": ["TA0011"], "mitre_tactic_name": ["Command_And_Control"],
///     "mitre_technique_id": ["T1071"], "mitre_technique_name": ["Application_Layer_Protocol"]});
/// let refs = from_suricata_metadata(&m);
/// assert_eq!(refs[0].tactic_name.as_deref(), Some("command-and-control"));
/// assert_eq!(refs[0].technique_name.as_deref(), Some("Application Layer Protocol"));
/// ```
pub fn from_suricata_metadata(metadata: &Value) -> Vec<AttackRef> {
    let list = |k: &str| -> Vec<String> {
        match metadata.get(k) {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            Some(Value::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        }
    };
    let ids = list("mitre_technique_id");
    let names = list("mitre_technique_name");
    let tids = list("mitre_tactic_id");
    let tnames = list("mitre_tactic_name");
    ids.iter()
        .enumerate()
        .filter(|(_, id)| id.starts_with('T') && id.len() >= 5)
        .map(|(i, id)| {
            let tactic_id = tids.get(i).or(tids.first()).cloned();
            AttackRef {
                technique_id: id.clone(),
                technique_name: names
                    .get(i)
                    .map(|n| n.replace('_', " "))
                    .or_else(|| technique(id).and_then(|t| t.technique_name)),
                tactic_name: tnames
                    .get(i)
                    .or(tnames.first())
                    .map(|n| n.to_ascii_lowercase().replace('_', "-"))
                    .or_else(|| {
                        tactic_id
                            .as_deref()
                            .and_then(tactic_name)
                            .map(str::to_string)
                    }),
                tactic_id,
            }
        })
        .collect()
}

/// Techniques for an event: the rule's own metadata when it has any, else
/// the static table for `kind`.
pub fn for_event(kind: &str, rule_metadata: Option<&Value>) -> Vec<AttackRef> {
    let from_rule = rule_metadata
        .map(from_suricata_metadata)
        .unwrap_or_default();
    if from_rule.is_empty() {
        for_kind(kind)
    } else {
        from_rule
    }
}

/// An [`Enricher`] that names ATT&CK technique and tactic indicators (offline).
#[derive(Debug, Clone, Copy, Default)]
pub struct AttackEnricher;

#[async_trait]
impl Enricher for AttackEnricher {
    fn name(&self) -> &str {
        "attack"
    }

    fn supports(&self, ind: &Indicator) -> bool {
        matches!(
            ind.kind,
            IndicatorKind::AttackTechnique | IndicatorKind::AttackTactic
        )
    }

    fn is_local(&self) -> bool {
        true
    }

    async fn enrich(&self, ind: &Indicator) -> Result<Enrichment, EnrichError> {
        let mut facts = Facts::default();
        let summary = match ind.kind {
            IndicatorKind::AttackTechnique => match technique(&ind.value) {
                Some(r) => {
                    let name = r.technique_name.clone().unwrap_or_default();
                    let tactic = r.tactic_name.clone().unwrap_or_default();
                    facts.tags = vec![name.clone(), tactic.clone()];
                    facts
                        .extra
                        .insert("tactic_id".into(), r.tactic_id.clone().into());
                    format!("{} {name} ({tactic})", r.technique_id)
                }
                None => format!(
                    "{} is not in soc's ATT&CK table",
                    ind.value.to_ascii_uppercase()
                ),
            },
            IndicatorKind::AttackTactic => {
                let id = ind.value.to_ascii_uppercase();
                match tactic_name(&id) {
                    Some(n) => {
                        facts.tags = vec![n.to_string()];
                        format!("{id} {n}")
                    }
                    None => format!("{id} is not an ATT&CK enterprise tactic"),
                }
            }
            _ => return Err(unsupported("attack", ind)),
        };
        Ok(Reading::new(Verdict::Unknown, 0, facts, summary).answer("attack", ind, 0))
    }
}
