//! Relative paths in a config file are relative to the file's folder, so
//! `soc -c /etc/soc/soc.toml` and a notebook's `Pipeline.from_config(path)`
//! read and write the same files wherever they run from.

use std::path::{Path, PathBuf};

use super::PipelineConfig;
use crate::source::PathSpec;

fn rebase(dir: &Path, p: &mut PathBuf) {
    if p.is_relative() && !p.as_os_str().is_empty() && p.as_os_str() != ":memory:" {
        *p = dir.join(&*p);
    }
}

fn rebase_pattern(dir: &Path, p: &mut String) {
    if !p.is_empty() && p != "-" && Path::new(p.as_str()).is_relative() {
        *p = dir.join(p.as_str()).to_string_lossy().into_owned();
    }
}

impl PipelineConfig {
    /// Makes every relative file path of the config absolute against `dir`
    /// (the config file's folder): the store, sources and their Splunk CA,
    /// threat lists, the model, the audit log, the ticket file, the SSH key
    /// and known-hosts files, and the metrics file.
    ///
    /// ```
    /// use soc_core::pipeline::PipelineConfig;
    /// use std::path::Path;
    /// let mut cfg = PipelineConfig::from_toml_str("[store]\npath = \"state.db\"\n", "x").unwrap();
    /// cfg.resolve_relative_paths(Path::new("/etc/soc"));
    /// assert_eq!(cfg.store.path, Path::new("/etc/soc/state.db"));
    /// ```
    pub fn resolve_relative_paths(&mut self, dir: &Path) {
        if dir.as_os_str().is_empty() {
            return;
        }
        rebase(dir, &mut self.store.path);
        if let Some(p) = self.run.metrics_json.as_mut() {
            rebase(dir, p);
        }
        for src in &mut self.sources {
            match src.path.as_mut() {
                Some(PathSpec::One(p)) => rebase_pattern(dir, p),
                Some(PathSpec::Many(ps)) => ps.iter_mut().for_each(|p| rebase_pattern(dir, p)),
                None => {}
            }
            if let Some(ca) = src.splunk.as_mut().and_then(|s| s.ca_cert.as_mut()) {
                rebase(dir, ca);
            }
        }
        self.enrich
            .lists
            .paths
            .iter_mut()
            .for_each(|p| rebase(dir, p));
        if let Some(p) = self.score.model_path.as_mut() {
            rebase(dir, p);
        }
        if let Some(p) = self.response.audit_log.as_mut() {
            rebase(dir, p);
        }
        if let Some(t) = self.response.ticket_file.as_mut() {
            rebase(dir, &mut t.path);
        }
        for p in [
            self.isolate.identity_file.as_mut(),
            self.isolate.known_hosts.as_mut(),
        ]
        .into_iter()
        .flatten()
        {
            rebase(dir, p);
        }
    }
}
