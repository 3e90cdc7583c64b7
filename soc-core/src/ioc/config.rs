//! What to extract: [`ExtractOptions`] for the library, [`IocConfig`] for
//! the pipeline's `[iocs]` section of `soc.toml`, and [`parse_kinds`].

use serde::{Deserialize, Serialize};

use super::AllowList;
use crate::error::IocError;
use crate::model::IndicatorKind;

/// What to extract and what to leave out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExtractOptions {
    /// Only these kinds (`None`: all kinds).
    pub kinds: Option<Vec<IndicatorKind>>,
    /// Indicators covered by this list are dropped.
    pub allow: AllowList,
    /// Drop private, loopback, link-local and reserved addresses and networks.
    pub no_private: bool,
}

/// IOC extraction settings as written in `soc.toml`.
///
/// ```
/// use soc_core::ioc::IocConfig;
/// let cfg: IocConfig = toml::from_str("kinds = ['ipv4', 'domain']\nallow = ['10.0.0.0/8']\nno_private = true").unwrap();
/// let opts = cfg.to_options().unwrap();
/// assert_eq!(opts.kinds.unwrap().len(), 2);
/// assert!(opts.no_private);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IocConfig {
    /// Kind names to report (empty: all).
    pub kinds: Vec<String>,
    /// Inline allow-list entries (CIDRs, IPs, domains).
    pub allow: Vec<String>,
    /// An allow-list file, one entry per line.
    pub allow_file: Option<std::path::PathBuf>,
    /// Drop private, loopback, link-local and reserved addresses.
    pub no_private: bool,
}

impl IocConfig {
    /// Builds extraction options, reading the allow file if one is set.
    pub fn to_options(&self) -> Result<ExtractOptions, IocError> {
        let kinds = if self.kinds.is_empty() {
            None
        } else {
            Some(parse_kinds(&self.kinds.join(","))?)
        };
        let mut text = self.allow.join("\n");
        if let Some(path) = &self.allow_file {
            let file = std::fs::read_to_string(path).map_err(|source| IocError::Io {
                path: path.display().to_string(),
                source,
            })?;
            text.push('\n');
            text.push_str(&file);
        }
        Ok(ExtractOptions {
            kinds,
            allow: AllowList::parse(&text, "iocs.allow")?,
            no_private: self.no_private,
        })
    }
}

/// Parses a comma-separated list of kind names (`ipv4,domain,sha256`).
///
/// ```
/// use soc_core::ioc::parse_kinds;
/// assert_eq!(parse_kinds("ipv4, url").unwrap().len(), 2);
/// assert!(parse_kinds("ipv5").is_err());
/// ```
pub fn parse_kinds(list: &str) -> Result<Vec<IndicatorKind>, IocError> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::parse)
        .collect()
}
