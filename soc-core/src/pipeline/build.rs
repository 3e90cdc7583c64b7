//! Building a [`Pipeline`] from a [`PipelineConfig`]: the configured
//! sources, parsers and detectors, enrichment service, scorer, playbook and
//! responders (the response engine with the firewall and, when configured,
//! host isolation registered under the names the playbook uses).
//!
//! ```
//! use soc_core::pipeline::{build::describe, PipelineConfig};
//! let cfg = PipelineConfig::from_toml_str("", "soc.toml").unwrap();
//! let lines = describe(&cfg);
//! assert!(lines.iter().any(|l| l.starts_with("store:")));
//! assert!(lines.iter().any(|l| l == "mode: dry_run"));
//! ```

use std::sync::Arc;

use async_trait::async_trait;

use super::analyze::StandardAnalyzer;
use super::config::PipelineConfig;
use super::runner::Pipeline;
use super::stages::{ActionStage, EnrichCounters, EnrichResults, EnrichStage};
use crate::enrich::EnrichmentService;
use crate::error::{ConfigError, Error};
use crate::model::{ActionRecord, Alert, Indicator, Mode, Score};
use crate::respond::firewall::Firewall;
use crate::respond::isolate::SshIsolator;
use crate::respond::remote::RemoteFirewalls;
use crate::respond::ResponseEngine;
use crate::source::build_source;
use crate::store::StateStore;

/// Overrides from the command line (or Python) on top of the config.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Follow sources (`soc run --follow`).
    pub follow: bool,
    /// Force dry-run whatever the config says (`soc run --dry-run`).
    pub force_dry_run: bool,
    /// Forbid network enrichment (`--offline`), on top of `run.offline`.
    pub offline: bool,
    /// Use this store instead of opening `store.path`.
    pub store: Option<Arc<StateStore>>,
}

/// Opens the configured store (`:memory:` gives a throwaway one).
pub fn open_store(cfg: &PipelineConfig) -> Result<Arc<StateStore>, Error> {
    let p = &cfg.store.path;
    let store = if p.as_os_str() == ":memory:" {
        StateStore::in_memory()?
    } else {
        StateStore::open(p)?
    };
    Ok(Arc::new(store))
}

/// Dry-run or live as configured (`response.dry_run`, true by default).
pub fn configured_mode(cfg: &PipelineConfig) -> Mode {
    if cfg.response.dry_run {
        Mode::DryRun
    } else {
        Mode::Live
    }
}

/// One line per stage describing what the config builds (for `soc config check`).
pub fn describe(cfg: &PipelineConfig) -> Vec<String> {
    let mut lines = vec![format!("store: {}", cfg.store.path.display())];
    if cfg.sources.is_empty() {
        lines.push("sources: none (add [[sources]] entries)".into());
    }
    for s in &cfg.sources {
        lines.push(format!(
            "source: {} {}{}",
            s.kind,
            s.display_name(),
            if s.follow { " (follow)" } else { "" }
        ));
    }
    let providers = if cfg.enrich.providers.is_empty() {
        "default (keyless providers and those whose key is set)".to_string()
    } else {
        cfg.enrich.providers.join(", ")
    };
    lines.push(format!(
        "enrich: {providers}{}{}",
        if cfg.run.offline { ", offline" } else { "" },
        if cfg.enrich.lists.paths.is_empty() {
            String::new()
        } else {
            format!(", {} local list(s)", cfg.enrich.lists.paths.len())
        }
    ));
    lines.push(format!("score: {:?}", cfg.score.scorer).to_lowercase());
    lines.push(format!(
        "respond: firewall ({}{}){}",
        cfg.firewall.backend.as_str(),
        match cfg.response.firewall.remote.len() {
            0 => String::new(),
            n => format!(" + {n} remote host(s) over SSH"),
        },
        if cfg.isolate.mgmt_ip.is_some() {
            ", isolate"
        } else {
            ""
        }
    ));
    lines.push(format!("mode: {}", configured_mode(cfg)));
    lines
}

/// The enrichment service as a runner stage.
struct ServiceStage(EnrichmentService);

#[async_trait]
impl EnrichStage for ServiceStage {
    fn name(&self) -> &str {
        "enrich"
    }

    async fn enrich_all(&self, indicators: &[Indicator]) -> EnrichResults {
        self.0.enrich_many(indicators).await
    }

    fn counters(&self) -> EnrichCounters {
        let s = self.0.stats();
        EnrichCounters {
            requests: s.requests,
            cache_hits: s.cache_hits,
            errors: s.errors,
        }
    }
}

/// The response engine as a runner stage.
struct EngineStage(ResponseEngine);

#[async_trait]
impl ActionStage for EngineStage {
    fn mode(&self) -> Mode {
        self.0.mode()
    }

    async fn handle(&self, alert: &Alert, score: &Score) -> Vec<ActionRecord> {
        self.0.handle(alert, score).await
    }
}

fn bad(key: &str, message: impl std::fmt::Display) -> Error {
    ConfigError::BadValue {
        path: "soc.toml".into(),
        key: key.into(),
        message: message.to_string(),
    }
    .into()
}

impl Pipeline {
    /// Builds the configured pipeline.
    pub fn from_config(cfg: &PipelineConfig, opts: &BuildOptions) -> Result<Pipeline, Error> {
        let store = match &opts.store {
            Some(s) => s.clone(),
            None => open_store(cfg)?,
        };
        let analyzer = StandardAnalyzer::new(&cfg.parse, cfg.detect.clone())?;
        let scorer = cfg.score.build().map_err(|e| bad("score", e))?;
        let mut p = Pipeline::new(cfg.clone(), store.clone())?
            .with_analyzer(Box::new(analyzer))
            .with_scorer(Arc::from(scorer));

        for (i, sc) in cfg.sources.iter().enumerate() {
            let mut sc = sc.clone();
            if opts.follow {
                sc.follow = true;
            }
            let src = build_source(&sc, Some(store.clone())).map_err(|e| match e {
                crate::error::SourceError::Io { .. } => Error::from(e),
                other => bad(&format!("sources[{i}]"), other),
            })?;
            if sc.kind == crate::source::SourceKind::Ssh {
                p.add_source(src);
            } else {
                p.add_independent_source(src);
            }
        }

        let offline = opts.offline || cfg.run.offline;
        let service = EnrichmentService::from_config(&cfg.enrich, Some(store.clone()), offline)?;
        if !service.provider_names().is_empty() {
            p = p.with_enrich_stage(Arc::new(ServiceStage(service)));
        }

        let mut engine = ResponseEngine::from_config(&cfg.response, store.clone())?;
        // Alerts are saved with their scores in the batch transaction.
        engine.set_alerts_stored_by_caller(true);
        let local = Firewall::new(cfg.firewall.clone(), Some(store.clone()))?;
        let remote = &cfg.response.firewall;
        if remote.remote.is_empty() {
            engine.register("firewall", Box::new(local));
        } else {
            let fleet = RemoteFirewalls::new(
                remote.clone(),
                cfg.firewall.clone(),
                Some(store.clone()),
                remote.local.then_some(local),
            )?;
            engine.register("firewall", Box::new(fleet));
        }
        engine.register_cloud(&cfg.response.cloud, &cfg.firewall)?;
        if cfg.isolate.mgmt_ip.is_some() {
            engine.register("isolate", Box::new(SshIsolator::new(cfg.isolate.clone())?));
        }
        if opts.force_dry_run {
            engine.set_mode(Mode::DryRun);
        }
        Ok(p.with_actions(Arc::new(EngineStage(engine))))
    }
}
