//! The other stages' configuration sections, composed into
//! [`PipelineConfig`](super::PipelineConfig). One place to look up which
//! type backs which `soc.toml` section.

/// `[[sources]]` entries (TEMP placeholder until the sources module lands).
pub type SourceSection = toml::Table;
/// `[detect]` (TEMP placeholder).
pub type DetectSection = toml::Table;
/// `[enrich]` (TEMP placeholder).
pub type EnrichSection = toml::Table;
/// `[scoring]` (TEMP placeholder).
pub type ScoringSection = toml::Table;
/// `[playbook]` (TEMP placeholder).
pub type PlaybookSection = toml::Table;
/// `[response]` (TEMP placeholder).
pub type ResponseSection = toml::Table;
/// `[firewall]` (TEMP placeholder).
pub type FirewallSection = toml::Table;
/// `[isolate]` (TEMP placeholder).
pub type IsolateSection = toml::Table;
