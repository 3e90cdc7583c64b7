//! `soc.toml`: one file configuring the whole pipeline.
//!
//! [`PipelineConfig`] composes every stage's own config section
//! (`[[sources]]`, `[parse]`, `[detect]`, `[enrich]`, `[score]`,
//! `[response]` with `[response.playbook]`, `[firewall]`, `[isolate]`) with the pipeline's own
//! (`[store]`, `[run]`). Every section has defaults, so a minimal file is a
//! `[[sources]]` entry or two.
//!
//! Loading:
//! 1. the text is parsed keeping byte spans;
//! 2. `${ENV_VAR}` references in string values are interpolated
//!    ([`interpolate`](super::interpolate)); an unset variable is an error
//!    naming the key and the variable;
//! 3. the result is deserialized with `deny_unknown_fields` everywhere, so an
//!    unknown key or a wrong type is an error naming the key, the file and
//!    the line.
//!
//! ```
//! use soc_core::pipeline::PipelineConfig;
//! let cfg = PipelineConfig::from_toml_str("[store]\npath = \"/tmp/soc.db\"\n", "soc.toml").unwrap();
//! assert_eq!(cfg.store.path.to_str(), Some("/tmp/soc.db"));
//!
//! let err = PipelineConfig::from_toml_str("[store]\npaht = \"x\"\n", "soc.toml").unwrap_err();
//! assert!(err.to_string().starts_with("soc.toml:2:"), "{err}");
//! assert!(err.to_string().contains("paht"), "{err}");
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::de::{DeTable, DeValue};

use super::interpolate::{interpolate, referenced_vars, InterpolateError};
use super::parts::*;

mod paths;
pub use super::redact::{is_secret_key, redact_url, redact_urls_in, REDACTED};
use super::redact::{looks_secret_var, redact, strip_nulls};
use crate::error::ConfigError;
use crate::model::IndicatorKind;

/// A commented example `soc.toml` covering every option (`soc config example`).
pub const EXAMPLE: &str = include_str!("../example.toml");

/// The environment variable naming the config file when `--config` is absent.
pub const CONFIG_ENV: &str = "SOC_CONFIG";
/// The config file used when neither `--config` nor `$SOC_CONFIG` is given.
pub const DEFAULT_CONFIG: &str = "soc.toml";

/// The whole pipeline's configuration (`soc.toml`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PipelineConfig {
    /// `[store]`: where state lives.
    pub store: StoreConfig,
    /// `[run]`: batching, queues, concurrency, indicator policy.
    pub run: RunConfig,
    /// `[[sources]]`: where records come from.
    pub sources: Vec<SourceSection>,
    /// `[parse]`: parser options (syslog year and time zone, alert field mapping).
    pub parse: ParseSection,
    /// `[detect]`: detectors and thresholds.
    pub detect: DetectSection,
    /// `[enrich]`: threat-intelligence providers and their limits.
    pub enrich: EnrichSection,
    /// `[score]`: which scorer and its thresholds.
    pub score: ScoringSection,
    /// `[response]`: dry-run, suppression window, audit log, responders, and
    /// `[response.playbook]`: which actions for which risk level and alert kind.
    pub response: ResponseSection,
    /// `[firewall]`: block backend, allow-list, default duration.
    pub firewall: FirewallSection,
    /// `[isolate]`: SSH host isolation.
    pub isolate: IsolateSection,
    /// Values of secret-looking environment variables that were interpolated,
    /// so output can redact them wherever they appear.
    #[serde(skip)]
    pub secrets: Secrets,
}

/// Interpolated secret values; `Debug` never shows them.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secrets(pub Vec<String>);

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} redacted)", self.0.len())
    }
}

/// `[store]`: the embedded SQLite state store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// The SQLite file (checkpoints, alerts, enrichment cache, blocks,
    /// actions, run metrics). In a config file, a relative path is relative
    /// to the file's folder.
    pub path: PathBuf,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            path: PathBuf::from("soc-state.db"),
        }
    }
}

/// `[run]`: how the runner moves data between stages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RunConfig {
    /// Records per batch; a batch's checkpoint commits with its alerts.
    /// (The SSH lines of a file, parsed in parallel in blocks, go in
    /// batches of up to twice this.)
    pub batch_records: usize,
    /// Batches that may wait between parsing and enrichment (backpressure bound).
    pub queue_batches: usize,
    /// In follow mode, how long to wait when no source has anything new (ms).
    pub poll_ms: u64,
    /// Enrich private, loopback and other non-public addresses too.
    pub enrich_private: bool,
    /// Indicator kinds sent to enrichment.
    pub enrich_kinds: Vec<IndicatorKind>,
    /// Maximum evidence events kept on a stored alert.
    pub max_alert_events: usize,
    /// An alert of the same kind and source whose evidence starts within this
    /// many seconds of a stored alert's last evidence continues that alert
    /// (same id), so an episode split across two `--once` runs stays one alert.
    pub episode_gap_secs: u64,
    /// Forbid network enrichment providers (local lists and ATT&CK only).
    pub offline: bool,
    /// Write the run's metrics as JSON to this file after each run.
    pub metrics_json: Option<PathBuf>,
    /// Reader threads. The SSH sources share one thread (their detectors
    /// share state), which parses SSH log files on this many threads (the
    /// detectors still see the lines in order); EVE and generic-alert
    /// sources need no shared state and are spread over the others. 1
    /// reads and parses everything on one thread. The stored alerts and
    /// actions are the same for any value. Default 2.
    pub threads: usize,
    /// How much lower (`nice` increment, 0–19; Linux) the threads of
    /// EVE and generic-alert sources run beside the SSH sources' thread,
    /// which bounds a run: they take the CPU time it leaves (see
    /// `pipeline::side_lane`). 0: the same priority. Default 10.
    pub side_lane_nice: i32,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            batch_records: 5000,
            queue_batches: 4,
            poll_ms: 250,
            enrich_private: false,
            enrich_kinds: vec![
                IndicatorKind::Ipv4,
                IndicatorKind::Ipv6,
                IndicatorKind::Domain,
                IndicatorKind::Url,
                IndicatorKind::Md5,
                IndicatorKind::Sha1,
                IndicatorKind::Sha256,
            ],
            max_alert_events: 20,
            episode_gap_secs: 600,
            offline: false,
            metrics_json: None,
            threads: 2,
            side_lane_nice: super::side_lane::SIDE_LANE_NICE,
        }
    }
}

impl PipelineConfig {
    /// The config file to use: `explicit` (`--config`), else `$SOC_CONFIG`,
    /// else `./soc.toml`.
    ///
    /// ```
    /// use soc_core::pipeline::PipelineConfig;
    /// use std::path::Path;
    /// assert_eq!(PipelineConfig::resolve_path(Some(Path::new("a.toml"))), Path::new("a.toml"));
    /// ```
    pub fn resolve_path(explicit: Option<&Path>) -> PathBuf {
        if let Some(p) = explicit {
            return p.to_path_buf();
        }
        match std::env::var_os(CONFIG_ENV) {
            Some(v) if !v.is_empty() => PathBuf::from(v),
            _ => PathBuf::from(DEFAULT_CONFIG),
        }
    }

    /// Reads and validates the config file at `path`, interpolating `${VAR}`s
    /// from the process environment. Relative paths in it are relative to
    /// its folder ([`resolve_relative_paths`](Self::resolve_relative_paths)).
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let mut cfg = Self::from_toml_str(&text, &path.display().to_string())?;
        if let Some(dir) = path.parent() {
            cfg.resolve_relative_paths(dir);
        }
        Ok(cfg)
    }

    /// Parses config `text`; `name` is the file name used in errors.
    pub fn from_toml_str(text: &str, name: &str) -> Result<Self, ConfigError> {
        Self::from_toml_str_with_env(text, name, &|v| std::env::var(v).ok())
    }

    /// Like [`from_toml_str`](Self::from_toml_str) with an explicit variable
    /// lookup (tests, Python dicts).
    pub fn from_toml_str_with_env(
        text: &str,
        name: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut root = DeTable::parse(text).map_err(|e| invalid(text, name, &e))?;
        let mut secrets = Vec::new();
        interpolate_table(root.get_mut(), "", name, env, &mut secrets)?;
        let de = toml::de::Deserializer::from(root);
        let mut cfg = PipelineConfig::deserialize(de).map_err(|e| invalid(text, name, &e))?;
        secrets.retain(|s| !s.is_empty());
        cfg.secrets = Secrets(secrets);
        cfg.validate(name)?;
        Ok(cfg)
    }

    /// Parses a config given as a JSON value (a Python dict), interpolating
    /// `${VAR}`s the same way. Errors name the key but no line.
    pub fn from_json_value(value: &serde_json::Value) -> Result<Self, ConfigError> {
        let text = toml::to_string(value).map_err(|e| ConfigError::Invalid {
            path: "<dict>".into(),
            line: 0,
            message: format!("not representable as TOML: {e}"),
        })?;
        Self::from_toml_str(&text, "<dict>")
    }

    fn validate(&self, name: &str) -> Result<(), ConfigError> {
        let bad = |key: &str, message: &str| ConfigError::BadValue {
            path: name.to_string(),
            key: key.to_string(),
            message: message.to_string(),
        };
        if self.run.batch_records == 0 {
            return Err(bad("run.batch_records", "must be at least 1"));
        }
        if self.run.queue_batches == 0 {
            return Err(bad("run.queue_batches", "must be at least 1"));
        }
        if self.run.threads == 0 {
            return Err(bad("run.threads", "must be at least 1"));
        }
        if !(0..=19).contains(&self.run.side_lane_nice) {
            return Err(bad("run.side_lane_nice", "must be 0 to 19"));
        }
        if self.run.poll_ms == 0 {
            return Err(bad("run.poll_ms", "must be at least 1 (milliseconds)"));
        }
        if self.store.path.as_os_str().is_empty() {
            return Err(bad(
                "store.path",
                "must name a file (or \":memory:\" for a throwaway store)",
            ));
        }
        Ok(())
    }

    /// The resolved configuration as TOML with every secret redacted:
    /// values of keys that look secret (`*key*`, `*token*`, `*password*`,
    /// `*secret*`) and any interpolated secret value wherever it appears.
    pub fn to_redacted_toml(&self) -> String {
        let mut value = self.to_redacted_json();
        strip_nulls(&mut value);
        toml::to_string_pretty(&value).unwrap_or_else(|e| format!("# cannot render: {e}\n"))
    }

    /// The resolved configuration as JSON with every secret redacted.
    pub fn to_redacted_json(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        redact(&mut value, false, &self.secrets.0);
        value
    }
}

fn interpolate_table(
    table: &mut DeTable<'_>,
    prefix: &str,
    file: &str,
    env: &dyn Fn(&str) -> Option<String>,
    secrets: &mut Vec<String>,
) -> Result<(), ConfigError> {
    for (key, value) in table.iter_mut() {
        let path = if prefix.is_empty() {
            key.get_ref().to_string()
        } else {
            format!("{prefix}.{}", key.get_ref())
        };
        let secret_key = is_secret_key(key.get_ref());
        interpolate_value(value.get_mut(), &path, file, env, secrets, secret_key)?;
    }
    Ok(())
}

fn interpolate_value(
    value: &mut DeValue<'_>,
    path: &str,
    file: &str,
    env: &dyn Fn(&str) -> Option<String>,
    secrets: &mut Vec<String>,
    secret_key: bool,
) -> Result<(), ConfigError> {
    match value {
        DeValue::String(s) => {
            if !s.contains('$') {
                return Ok(());
            }
            let vars = referenced_vars(s);
            let out = interpolate(s, env).map_err(|e| match e {
                InterpolateError::Missing(var) => ConfigError::MissingEnv {
                    path: file.to_string(),
                    key: path.to_string(),
                    var,
                },
                InterpolateError::Malformed(message) => ConfigError::BadValue {
                    path: file.to_string(),
                    key: path.to_string(),
                    message,
                },
            })?;
            for var in vars {
                if secret_key || looks_secret_var(&var) {
                    if let Some(v) = env(&var) {
                        secrets.push(v);
                    }
                }
            }
            *s = out.into();
        }
        DeValue::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                let p = format!("{path}[{i}]");
                interpolate_value(item.get_mut(), &p, file, env, secrets, secret_key)?;
            }
        }
        DeValue::Table(t) => interpolate_table(t, path, file, env, secrets)?,
        _ => {}
    }
    Ok(())
}

/// A TOML error as `ConfigError::Invalid` with the line and the key.
fn invalid(text: &str, name: &str, err: &toml::de::Error) -> ConfigError {
    let (line, key) = match err.span() {
        Some(span) => {
            let start = span.start.min(text.len());
            (line_of(text, start), key_at(text, start))
        }
        None => (0, None),
    };
    let mut message = err.message().trim().replace('\n', "; ");
    if let Some(key) = key {
        if !message.contains(&format!("`{}`", key.rsplit('.').next().unwrap_or(&key))) {
            message = format!("key `{key}`: {message}");
        } else {
            message = format!("in `{key}`: {message}");
        }
    }
    ConfigError::Invalid {
        path: name.to_string(),
        line,
        message,
    }
}

/// 1-based line of byte offset `at`.
fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The dotted key at byte offset `at`: the nearest `[table]` header above
/// plus the key written on that line (best effort; `None` when unclear).
fn key_at(text: &str, at: usize) -> Option<String> {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let line = text.get(line_start..line_end)?.trim();
    let header = text[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    if line.starts_with('[') {
        return Some(
            line.trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_string(),
        );
    }
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches('"'))?;
    if key.is_empty() {
        return header;
    }
    Some(match header {
        Some(h) => format!("{h}.{key}"),
        None => key.to_string(),
    })
}

#[cfg(test)]
mod tests;
