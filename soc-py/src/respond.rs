//! Bindings for the firewall and host-isolation responders:
//! `soc_core.Firewall` and `soc_core.SshIsolator`. Both default to dry-run;
//! the GIL is released while commands run.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::PyDict;

use soc_core::respond::firewall::{
    parse_duration, Backend, Firewall as CoreFirewall, FirewallConfig,
};
use soc_core::respond::isolate::{IsolateConfig, SshIsolator as CoreIsolator};
use soc_core::respond::AuditLog;
use soc_core::{ActionRecord, Mode, StateStore};

use crate::convert::{rebuilt_by_type, runtime, to_py_data, Reduced, Repr};
use crate::errors::to_py;

fn mode(dry_run: bool) -> Mode {
    if dry_run {
        Mode::DryRun
    } else {
        Mode::Live
    }
}

/// Blocks and unblocks addresses on the local firewall (nftables, ipset or
/// iptables). Dry-run by default: actions return the exact commands and
/// change nothing. Live actions are audited in the state store (when one is
/// given) exactly as `soc block` audits them. Rust:
/// `soc_core::respond::firewall::Firewall`.
#[pyclass(module = "soc_core", frozen)]
pub struct Firewall {
    inner: Arc<CoreFirewall>,
    store: Option<Arc<StateStore>>,
    dry_run: bool,
    state: Option<String>,
}

#[pymethods]
impl Firewall {
    #[new]
    #[pyo3(signature = (backend = "nft", dry_run = true, allow = Vec::new(), permit_private = false, default_duration = "1h", netns = None, state = None))]
    fn new(
        backend: &str,
        dry_run: bool,
        allow: Vec<String>,
        permit_private: bool,
        default_duration: &str,
        netns: Option<String>,
        state: Option<String>,
    ) -> PyResult<Self> {
        let backend: Backend = backend.parse().map_err(to_py)?;
        let store = match &state {
            Some(p) => Some(Arc::new(StateStore::open(PathBuf::from(p)).map_err(to_py)?)),
            None => None,
        };
        let cfg = FirewallConfig {
            backend,
            default_duration: default_duration.to_string(),
            allow,
            permit_private,
            netns,
            ..FirewallConfig::default()
        };
        let inner = CoreFirewall::new(cfg, store.clone()).map_err(to_py)?;
        Ok(Firewall {
            inner: Arc::new(inner),
            store,
            dry_run,
            state,
        })
    }

    /// The backend, as passed to the constructor and `soc block --backend`:
    /// `nft`, `ipset` or `iptables`.
    #[getter]
    fn backend(&self) -> &'static str {
        match self.inner.backend() {
            Backend::Nftables => "nft",
            other => other.as_str(),
        }
    }

    /// Whether actions only describe what they would do.
    #[getter]
    fn dry_run(&self) -> bool {
        self.dry_run
    }

    /// Addresses and CIDRs never blocked.
    #[getter]
    fn allow(&self) -> Vec<String> {
        self.inner.config().allow.clone()
    }

    /// Whether private ranges may be blocked.
    #[getter]
    fn permit_private(&self) -> bool {
        self.inner.config().permit_private
    }

    /// Default block duration.
    #[getter]
    fn default_duration(&self) -> String {
        self.inner.config().default_duration.clone()
    }

    /// Network namespace the commands run in, if any.
    #[getter]
    fn netns(&self) -> Option<String> {
        self.inner.config().netns.clone()
    }

    /// State store path, if any.
    #[getter]
    fn state(&self) -> Option<String> {
        self.state.clone()
    }

    /// Parses `ip` and applies the protection policy; returns the canonical
    /// address or raises `RefusedError`.
    fn check_target(&self, ip: &str) -> PyResult<String> {
        self.inner
            .check_target(ip)
            .map(|a| a.to_string())
            .map_err(to_py)
    }

    /// Blocks `ip` for `duration` (`"30s"`, `"1h"`, `"2d"`, `"0"`/`"permanent"`;
    /// `None`: the default). Returns the action record as a dict.
    #[pyo3(signature = (ip, duration = None, reason = "python"))]
    fn block(
        &self,
        py: Python<'_>,
        ip: &str,
        duration: Option<&str>,
        reason: &str,
    ) -> PyResult<PyObject> {
        let d = match duration {
            Some(t) => Some(parse_duration(t).map_err(to_py)?.unwrap_or(Duration::ZERO)),
            None => None,
        };
        let fw = self.inner.clone();
        let m = mode(self.dry_run);
        let rec = py
            .allow_threads(|| runtime().block_on(fw.block(ip, d, m, reason)))
            .map_err(to_py)?;
        self.audit(&rec)?;
        to_py_data(py, &rec)
    }

    /// Removes the block of `ip`. Returns the action record as a dict.
    fn unblock(&self, py: Python<'_>, ip: &str) -> PyResult<PyObject> {
        let fw = self.inner.clone();
        let m = mode(self.dry_run);
        let rec = py
            .allow_threads(|| runtime().block_on(fw.unblock(ip, m)))
            .map_err(to_py)?;
        self.audit(&rec)?;
        to_py_data(py, &rec)
    }

    /// Removes expired blocks recorded in the state store; one record each.
    fn expire(&self, py: Python<'_>) -> PyResult<PyObject> {
        let fw = self.inner.clone();
        let m = mode(self.dry_run);
        let recs = py
            .allow_threads(|| runtime().block_on(fw.expire(m)))
            .map_err(to_py)?;
        for rec in &recs {
            self.audit(rec)?;
        }
        to_py_data(py, &recs)
    }

    /// Active blocks recorded in the state store (empty without one).
    fn blocks(&self, py: Python<'_>) -> PyResult<PyObject> {
        let list = match &self.store {
            Some(s) => s.active_blocks(chrono::Utc::now()).map_err(to_py)?,
            None => Vec::new(),
        };
        to_py_data(py, &list)
    }

    /// The configuration as a dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("backend", self.backend())?;
        d.set_item("dry_run", self.dry_run)?;
        d.set_item("allow", self.allow())?;
        d.set_item("permit_private", self.permit_private())?;
        d.set_item("default_duration", self.default_duration())?;
        d.set_item("netns", self.netns())?;
        d.set_item("state", self.state())?;
        Ok(d)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        Repr::new(py, "Firewall")
            .field("backend", self.backend())
            .field("dry_run", self.dry_run)
            .field("allow", self.allow())
            .field("permit_private", self.permit_private())
            .field("state", self.state())
            .finish()
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Reduced<'py>> {
        let s = slf.get();
        let args = (
            s.backend(),
            s.dry_run,
            s.allow(),
            s.permit_private(),
            s.default_duration(),
            s.netns(),
            s.state(),
        );
        rebuilt_by_type(slf, args)
    }
}

impl Firewall {
    /// Audits an operator action the way `soc block` does (live actions, in
    /// the state store when there is one).
    fn audit(&self, rec: &ActionRecord) -> PyResult<()> {
        match &self.store {
            Some(store) => AuditLog::new(store.clone(), None)
                .record_operator_action(rec)
                .map_err(to_py),
            None => Ok(()),
        }
    }
}

/// Runs a configured isolation command on a host over SSH (host keys
/// checked strictly). Dry-run by default. Rust: `soc_core::respond::isolate::SshIsolator`.
#[pyclass(module = "soc_core", frozen)]
pub struct SshIsolator {
    inner: Arc<CoreIsolator>,
    dry_run: bool,
}

#[pymethods]
impl SshIsolator {
    #[new]
    #[pyo3(signature = (mgmt_ip, user = "root", port = 22, identity_file = None, known_hosts = None, command = None, connect_timeout = 10, timeout = 60, dry_run = true))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        mgmt_ip: String,
        user: &str,
        port: u16,
        identity_file: Option<PathBuf>,
        known_hosts: Option<PathBuf>,
        command: Option<Vec<String>>,
        connect_timeout: u64,
        timeout: u64,
        dry_run: bool,
    ) -> PyResult<Self> {
        let cfg = IsolateConfig {
            user: user.to_string(),
            port,
            identity_file,
            known_hosts,
            mgmt_ip: Some(mgmt_ip),
            command: command.unwrap_or_default(),
            connect_timeout_secs: connect_timeout,
            timeout_secs: timeout,
            ..IsolateConfig::default()
        };
        let inner = CoreIsolator::new(cfg).map_err(to_py)?;
        Ok(SshIsolator {
            inner: Arc::new(inner),
            dry_run,
        })
    }

    /// Whether `isolate` only describes what it would do.
    #[getter]
    fn dry_run(&self) -> bool {
        self.dry_run
    }

    /// The management address kept reachable.
    #[getter]
    fn mgmt_ip(&self) -> String {
        self.inner.config().mgmt_ip.clone().unwrap_or_default()
    }

    /// The exact ssh argv that isolates `host`.
    fn ssh_argv(&self, host: &str) -> PyResult<Vec<String>> {
        self.inner.ssh_argv(host).map_err(to_py)
    }

    /// Isolates `host`; returns the action record as a dict.
    fn isolate(&self, py: Python<'_>, host: &str) -> PyResult<PyObject> {
        let iso = self.inner.clone();
        let m = mode(self.dry_run);
        let rec = py
            .allow_threads(|| runtime().block_on(iso.isolate(host, m)))
            .map_err(to_py)?;
        to_py_data(py, &rec)
    }

    /// The configuration as a dict.
    fn to_dict(&self, py: Python<'_>) -> PyResult<PyObject> {
        let mut v = serde_json::to_value(self.inner.config())
            .map_err(|e| crate::errors::config_error(e.to_string()))?;
        if let Some(o) = v.as_object_mut() {
            o.insert("dry_run".into(), self.dry_run.into());
        }
        to_py_data(py, &v)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let c = self.inner.config();
        Repr::new(py, "SshIsolator")
            .field("mgmt_ip", self.mgmt_ip())
            .field("user", &c.user)
            .field("port", c.port)
            .field("dry_run", self.dry_run)
            .finish()
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Reduced<'py>> {
        let s = slf.get();
        let c = s.inner.config();
        let command = (!c.command.is_empty()).then(|| c.command.clone());
        let args = (
            s.mgmt_ip(),
            c.user.clone(),
            c.port,
            c.identity_file.clone(),
            c.known_hosts.clone(),
            command,
            c.connect_timeout_secs,
            c.timeout_secs,
            s.dry_run,
        );
        rebuilt_by_type(slf, args)
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Firewall>()?;
    m.add_class::<SshIsolator>()?;
    Ok(())
}
