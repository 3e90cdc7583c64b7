//! Suricata rule metadata (`alert.metadata`: key to list of strings) and
//! the ATT&CK references it carries, shared by both alert readers (the
//! JSON map of a record, the borrowed lists of the fast line reader).

use serde_json::{Map, Value};

use super::objects::EveAlert;
use crate::model::AttackRef;

/// Rule metadata as (key, strings) pairs, borrowed; for a key given twice
/// the last one counts (like a JSON map).
#[derive(Debug, Default)]
pub(super) struct Meta<'m>(pub(super) Vec<(&'m str, Vec<&'m str>)>);

impl<'m> Meta<'m> {
    /// The strings of each key of a metadata map (an array's strings, or a
    /// single string; anything else gives none).
    pub(super) fn of_map(m: &'m Map<String, Value>) -> Meta<'m> {
        Meta(
            m.iter()
                .map(|(k, v)| {
                    let strs = match v {
                        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                        Value::String(s) => vec![s.as_str()],
                        _ => Vec::new(),
                    };
                    (k.as_str(), strs)
                })
                .collect(),
        )
    }

    /// The strings of `key`.
    pub(super) fn get(&self, key: &str) -> &[&'m str] {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| *k == key)
            .map_or(&[], |(_, v)| v.as_slice())
    }

    /// ATT&CK references ([`EveAlert::attack`]).
    pub(super) fn attack(&self) -> Vec<AttackRef> {
        let tnames = self.get("mitre_technique_name");
        let aids = self.get("mitre_tactic_id");
        let anames = self.get("mitre_tactic_name");
        self.get("mitre_technique_id")
            .iter()
            .enumerate()
            .map(|(i, t)| AttackRef {
                technique_id: t.trim().to_string(),
                technique_name: tnames
                    .get(i)
                    .or(tnames.first())
                    .map(|n| n.replace('_', " ")),
                tactic_id: aids.get(i).or(aids.first()).map(|s| s.to_string()),
                tactic_name: anames.get(i).or(anames.first()).map(|n| norm_tactic(n)),
            })
            .collect()
    }
}

/// `Command_And_Control` -> `command-and-control`.
pub(crate) fn norm_tactic(s: &str) -> String {
    s.trim().to_ascii_lowercase().replace(['_', ' '], "-")
}

impl EveAlert {
    /// ATT&CK references from the rule metadata (`mitre_technique_id`,
    /// `mitre_technique_name`, `mitre_tactic_id`, `mitre_tactic_name`),
    /// paired by position; tactic names normalized to `command-and-control`
    /// style, technique names with spaces.
    pub fn attack(&self) -> Vec<AttackRef> {
        Meta::of_map(&self.metadata).attack()
    }
}
