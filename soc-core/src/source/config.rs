//! `[[sources]]` configuration and the [`build_source`] factory.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::SourceError;
use crate::source::file::{FileFormat, FileSource, FileSourceOptions};
use crate::source::journal::{JournalConfig, JournalSource, JournalSourceOptions};
use crate::source::splunk::{SplunkConfig, SplunkSource};
use crate::source::stdin::StdinSource;
use crate::source::{LogSource, SourceKind};
use crate::store::StateStore;

/// One path or several (`path = "a"` or `path = ["a", "b/*.log"]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PathSpec {
    /// A single file, directory or glob.
    One(String),
    /// Several of them.
    Many(Vec<String>),
}

impl PathSpec {
    /// The patterns as a list.
    pub fn patterns(&self) -> Vec<String> {
        match self {
            PathSpec::One(p) => vec![p.clone()],
            PathSpec::Many(v) => v.clone(),
        }
    }
}

/// One `[[sources]]` entry: what it yields (`kind`) and exactly one input
/// (`path`, `stdin = true` or `splunk = { ... }`), except `kind = "journal"`,
/// which reads sshd's entries from the systemd journal (the local one, or
/// `journal = { directory = ... }` / `journal = { files = [...] }`) and takes
/// none of them.
///
/// `kind` is required (there is no sensible default); every other key is
/// optional.
///
/// ```toml
/// [[sources]]
/// kind = "ssh"
/// path = "/var/log/auth.log*"
///
/// [[sources]]
/// kind = "eve"
/// path = "/var/log/suricata/eve.json"
/// follow = true
/// format = "lines"
///
/// [[sources]]
/// kind = "alerts"
/// path = "alerts.csv"
///
/// [[sources]]
/// kind = "ssh"
/// splunk = { url = "https://splunk:8089", query = "index=linux sourcetype=linux_secure", token = "${SPLUNK_TOKEN}" }
///
/// [[sources]]
/// kind = "journal"
/// journal = { directory = "/var/log/journal/remote" }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// What the source yields: `ssh`, `eve`, `alerts` or `journal`.
    pub kind: SourceKind,
    /// Name for logs and checkpoint keys (default: the path(s) or the query).
    /// Renaming a source restarts its checkpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// File(s), directory(ies) or glob(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathSpec>,
    /// Read standard input.
    #[serde(default)]
    pub stdin: bool,
    /// Run a Splunk search.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub splunk: Option<SplunkConfig>,
    /// Which journal a `kind = "journal"` source reads (default: the local one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal: Option<JournalConfig>,
    /// Follow files (`tail -F`), the journal (`journalctl -f`) or re-run the
    /// Splunk search periodically.
    #[serde(default)]
    pub follow: bool,
    /// Files without a checkpoint are read from the start (default) or only new lines.
    #[serde(default = "yes")]
    pub from_start: bool,
    /// `auto` (by extension, default), `lines`, `csv` or `json`.
    #[serde(default)]
    pub format: FileFormat,
    /// Follow-mode poll interval in milliseconds (default 250).
    #[serde(default = "default_poll_ms")]
    pub poll_ms: u64,
    /// Read a final line without newline in one-shot mode (static exports).
    #[serde(default)]
    pub read_partial_last_line: bool,
}

fn yes() -> bool {
    true
}

fn default_poll_ms() -> u64 {
    250
}

impl Default for SourceConfig {
    fn default() -> Self {
        SourceConfig {
            kind: SourceKind::Ssh,
            name: None,
            path: None,
            stdin: true,
            splunk: None,
            journal: None,
            follow: false,
            from_start: true,
            format: FileFormat::Auto,
            poll_ms: default_poll_ms(),
            read_partial_last_line: false,
        }
    }
}

impl SourceConfig {
    /// A display name: `name`, else the path(s), `<stdin>` or the Splunk query.
    pub fn display_name(&self) -> String {
        if let Some(n) = &self.name {
            return n.clone();
        }
        if self.kind == SourceKind::Journal {
            return self.journal.clone().unwrap_or_default().default_name();
        }
        match (&self.path, &self.splunk) {
            (Some(p), _) => p.patterns().join(","),
            (None, Some(s)) => format!("splunk:{}", s.query),
            _ => "<stdin>".into(),
        }
    }
}

/// Builds the source a `[[sources]]` entry describes. File and Splunk
/// sources resume from their checkpoints in `store` when one is given.
///
/// ```
/// use soc_core::source::{build_source, SourceConfig};
/// let cfg: SourceConfig = toml::from_str("kind = \"ssh\"\npath = \"a\"\nstdin = true").unwrap();
/// let err = build_source(&cfg, None).err().unwrap();
/// assert!(err.to_string().contains("exactly one of"));
/// ```
pub fn build_source(
    cfg: &SourceConfig,
    store: Option<Arc<StateStore>>,
) -> Result<Box<dyn LogSource>, SourceError> {
    let inputs = [cfg.path.is_some(), cfg.stdin, cfg.splunk.is_some()];
    if cfg.kind == SourceKind::Journal || cfg.journal.is_some() {
        return build_journal(cfg, inputs.contains(&true), store);
    }
    if inputs.iter().filter(|b| **b).count() != 1 {
        return Err(SourceError::Config {
            source_name: cfg.display_name(),
            message: "give exactly one of path = \"...\", stdin = true or splunk = { ... }".into(),
        });
    }
    if let Some(path) = &cfg.path {
        let patterns = path.patterns();
        if patterns.is_empty() || patterns.iter().any(|p| p.trim().is_empty()) {
            return Err(SourceError::Config {
                source_name: cfg.display_name(),
                message: "path is empty; give a file, directory or glob".into(),
            });
        }
        let opts = FileSourceOptions {
            follow: cfg.follow,
            from_start: cfg.from_start,
            format: cfg.format,
            poll_interval: Duration::from_millis(cfg.poll_ms.max(10)),
            read_partial_last_line: cfg.read_partial_last_line,
            name: cfg.name.clone(),
            ..FileSourceOptions::default()
        };
        return Ok(Box::new(FileSource::open(
            &patterns, cfg.kind, opts, store,
        )?));
    }
    if let Some(splunk) = &cfg.splunk {
        let mut sc = splunk.clone();
        if sc.name.is_none() {
            sc.name = cfg.name.clone();
        }
        let src = SplunkSource::new(sc, cfg.kind)?;
        return Ok(Box::new(src.into_log_source(store, cfg.follow)));
    }
    Ok(Box::new(StdinSource::new(cfg.kind, cfg.format)))
}

/// `kind = "journal"`: the journal and nothing else.
fn build_journal(
    cfg: &SourceConfig,
    other_input: bool,
    store: Option<Arc<StateStore>>,
) -> Result<Box<dyn LogSource>, SourceError> {
    let problem = if cfg.kind != SourceKind::Journal {
        Some("journal = { ... } belongs to kind = \"journal\" sources")
    } else if other_input {
        Some("kind = \"journal\" reads the systemd journal; remove path, stdin and splunk (journal = { directory = \"...\" } reads exported journals)")
    } else {
        None
    };
    if let Some(message) = problem {
        return Err(SourceError::Config {
            source_name: cfg.display_name(),
            message: message.into(),
        });
    }
    let opts = JournalSourceOptions {
        follow: cfg.follow,
        from_start: cfg.from_start,
        poll_interval: Duration::from_millis(cfg.poll_ms.max(10)),
        name: cfg.name.clone(),
    };
    let jc = cfg.journal.clone().unwrap_or_default();
    Ok(Box::new(JournalSource::open(jc, opts, store)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_shapes() {
        let t: toml::Table = toml::from_str(
            r#"
            [[sources]]
            kind = "ssh"
            path = "/var/log/auth.log*"
            [[sources]]
            kind = "eve"
            path = ["/a", "/b"]
            follow = true
            [[sources]]
            kind = "alerts"
            path = "alerts.csv"
            format = "csv"
            [[sources]]
            kind = "ssh"
            stdin = true
            [[sources]]
            kind = "ssh"
            splunk = { url = "https://splunk:8089", query = "search index=linux", token = "x", verify_tls = false }
            "#,
        )
        .unwrap();
        let list: Vec<SourceConfig> = t["sources"].clone().try_into().unwrap();
        assert_eq!(list.len(), 5);
        assert_eq!(
            list[1].path,
            Some(PathSpec::Many(vec!["/a".into(), "/b".into()]))
        );
        assert!(list[1].follow && list[0].from_start);
        assert_eq!(list[2].format, FileFormat::Csv);
        assert!(list[3].stdin);
        let sp = list[4].splunk.as_ref().unwrap();
        assert!(!sp.verify_tls);
        assert_eq!(sp.earliest, "-15m");
    }

    #[test]
    fn unknown_keys_and_missing_kind_are_rejected() {
        let e = toml::from_str::<SourceConfig>("kind = \"ssh\"\npaht = \"x\"").unwrap_err();
        assert!(e.to_string().contains("paht"), "{e}");
        assert!(toml::from_str::<SourceConfig>("path = \"x\"").is_err());
        let e = toml::from_str::<SourceConfig>(
            "kind = \"ssh\"\nsplunk = { url = \"u\", query = \"q\", tokn = \"x\" }",
        )
        .unwrap_err();
        assert!(e.to_string().contains("tokn"), "{e}");
    }

    #[test]
    fn journal_sources_take_no_other_input() {
        let cfg: SourceConfig =
            toml::from_str("kind = \"journal\"\njournal = { directory = \"/j\", units = [] }")
                .unwrap();
        assert_eq!(cfg.display_name(), "journal:/j");
        assert!(cfg.journal.as_ref().unwrap().units.is_empty());
        for extra in ["path = \"x\"", "stdin = true"] {
            let cfg: SourceConfig =
                toml::from_str(&format!("kind = \"journal\"\n{extra}")).unwrap();
            let err = build_source(&cfg, None).err().unwrap().to_string();
            assert!(err.contains("remove path"), "{err}");
        }
        let cfg: SourceConfig =
            toml::from_str("kind = \"ssh\"\njournal = { files = [\"a\"] }").unwrap();
        let err = build_source(&cfg, None).err().unwrap().to_string();
        assert!(err.contains("kind = \"journal\""), "{err}");
        let e = toml::from_str::<SourceConfig>("kind = \"journal\"\njournal = { dir = \"/j\" }")
            .unwrap_err();
        assert!(e.to_string().contains("dir"), "{e}");
    }

    #[test]
    fn build_rejects_no_input() {
        let cfg = SourceConfig {
            stdin: false,
            ..SourceConfig::default()
        };
        assert!(matches!(
            build_source(&cfg, None),
            Err(SourceError::Config { .. })
        ));
    }
}
