//! The other stages' configuration sections, composed into
//! [`PipelineConfig`](super::PipelineConfig). One place to look up which
//! type backs which `soc.toml` section.

/// `[[sources]]` entries.
pub type SourceSection = crate::source::SourceConfig;
/// `[detect]`: detector thresholds.
pub type DetectSection = crate::detect::DetectConfig;
/// `[enrich]`: providers, keys, limits, local lists.
pub type EnrichSection = crate::enrich::EnrichConfig;
/// `[score]`: which scorer and the risk thresholds.
pub type ScoringSection = crate::score::ScoringConfig;
/// `[response]` (with `[response.playbook]`): dry-run, suppression, audit log, responders.
pub type ResponseSection = crate::respond::ResponseConfig;
/// `[firewall]`: block backend, allow-list, default duration.
pub type FirewallSection = crate::respond::firewall::FirewallConfig;
/// `[isolate]`: SSH host isolation.
pub type IsolateSection = crate::respond::isolate::IsolateConfig;
/// `[parse]`: parser options.
pub type ParseSection = super::analyze::ParseConfig;
