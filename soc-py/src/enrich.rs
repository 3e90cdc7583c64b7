//! Bindings for enrichment: `Enrichment` results and `Enrichers` (one or
//! more providers behind the shared cache, rate limits and de-duplication).
//! Network waits release the GIL.

use std::path::PathBuf;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use soc_core::enrich::{EnrichConfig, EnrichmentService, ProviderName};
use soc_core::model::{Enrichment, Indicator, IndicatorKind, Verdict};
use soc_core::secret::Secret;
use soc_core::EnrichError;

use crate::convert::{from_py_data, runtime, to_py_data, Repr};
use crate::errors::{config_error, kwargs_error, to_py, type_error};

/// What one provider said about one indicator. Rust: `soc_core::model::Enrichment`.
#[pyclass(module = "soc_core", name = "Enrichment")]
#[derive(Clone)]
pub(crate) struct PyEnrichment {
    inner: Enrichment,
}

fn parse_verdict(s: &str) -> PyResult<Verdict> {
    serde_json::from_value(serde_json::Value::String(s.to_ascii_lowercase())).map_err(|_| {
        config_error(format!(
            "verdict '{s}' is not one of malicious, suspicious, harmless, unknown"
        ))
    })
}

fn parse_kind(s: &str) -> PyResult<IndicatorKind> {
    s.parse::<IndicatorKind>().map_err(to_py)
}

#[pymethods]
impl PyEnrichment {
    /// A result, e.g. from a Python enricher.
    #[new]
    #[pyo3(signature = (provider = "custom", indicator = "", kind = "ipv4", verdict = "unknown", score = 0, summary = "", ttl_secs = 0))]
    fn new(
        provider: &str,
        indicator: &str,
        kind: &str,
        verdict: &str,
        score: u8,
        summary: &str,
        ttl_secs: u64,
    ) -> PyResult<Self> {
        let mut e = Enrichment::unknown(provider, &Indicator::new(parse_kind(kind)?, indicator))
            .with_ttl(ttl_secs);
        e.verdict = parse_verdict(verdict)?;
        e.score = score.min(100);
        e.summary = summary.to_string();
        Ok(PyEnrichment { inner: e })
    }

    /// Provider name.
    #[getter]
    fn provider(&self) -> &str {
        &self.inner.provider
    }
    /// Indicator kind (`ipv4`, `domain`, `sha256`, ...).
    #[getter]
    fn kind(&self) -> &str {
        self.inner.kind.as_str()
    }
    /// Indicator value.
    #[getter]
    fn indicator(&self) -> &str {
        &self.inner.indicator
    }
    /// `malicious`, `suspicious`, `harmless` or `unknown`.
    #[getter]
    fn verdict(&self) -> &str {
        self.inner.verdict.as_str()
    }
    /// 0..100, higher is worse.
    #[getter]
    fn score(&self) -> u8 {
        self.inner.score
    }
    /// One-line explanation of the verdict.
    #[getter]
    fn summary(&self) -> &str {
        &self.inner.summary
    }
    /// Key facts as a dict.
    #[getter]
    fn facts(&self, py: Python<'_>) -> PyResult<PyObject> {
        to_py_data(py, &self.inner.facts)
    }
    /// The raw provider response.
    #[getter]
    fn raw(&self, py: Python<'_>) -> PyResult<PyObject> {
        to_py_data(py, &self.inner.raw)
    }
    /// When it was fetched (RFC 3339).
    #[getter]
    fn fetched_at(&self) -> String {
        self.inner.fetched_at.to_rfc3339()
    }
    /// Cache lifetime in seconds.
    #[getter]
    fn ttl_secs(&self) -> u64 {
        self.inner.ttl_secs
    }
    /// Whether it came from the cache.
    #[getter]
    fn cached(&self) -> bool {
        self.inner.cached
    }
    /// Everything as plain Python data.
    fn to_dict(&self, py: Python<'_>) -> PyResult<PyObject> {
        to_py_data(py, &self.inner)
    }
    fn __repr__(&self, py: Python<'_>) -> String {
        Repr::new(py, "Enrichment")
            .field("provider", &self.inner.provider)
            .field("indicator", &self.inner.indicator)
            .field("verdict", self.inner.verdict.as_str())
            .field("score", self.inner.score)
            .field("summary", &self.inner.summary)
            .finish()
    }
    fn __eq__(&self, other: &Self) -> bool {
        self.inner == other.inner
    }
    fn __getstate__(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner).map_err(|e| config_error(e.to_string()))
    }
    fn __setstate__(&mut self, state: &str) -> PyResult<()> {
        self.inner = serde_json::from_str(state)
            .map_err(|e| config_error(format!("not a pickled Enrichment: {e}")))?;
        Ok(())
    }
}

/// A str, a `{"kind", "value"}` dict, or any object with `kind` and `value` attributes.
fn to_indicator(obj: &Bound<'_, PyAny>) -> PyResult<Indicator> {
    if let Ok(s) = obj.downcast::<PyString>() {
        // The core rule for a typed indicator (the same as `soc enrich`).
        return Indicator::parse(None, s.to_str()?).map_err(to_py);
    }
    let (kind, value): (String, String) = if let Ok(d) = obj.downcast::<PyDict>() {
        let get = |k: &str| -> PyResult<String> {
            d.get_item(k)?
                .ok_or_else(|| config_error(format!("an indicator dict needs '{k}'")))?
                .extract()
                .map_err(|_| type_error(format!("the indicator's '{k}' must be a str")))
        };
        (get("kind")?, get("value")?)
    } else if obj.hasattr("kind")? && obj.hasattr("value")? {
        (
            obj.getattr("kind")?.str()?.to_string(),
            obj.getattr("value")?.extract()?,
        )
    } else {
        return Err(type_error(
            "an indicator is a str, a {'kind': ..., 'value': ...} dict or an object with kind and value",
        ));
    };
    Indicator::parse(Some(parse_kind(&kind)?), &value).map_err(to_py)
}

fn wrap(results: Vec<Result<Enrichment, EnrichError>>, raise: bool) -> PyResult<Vec<PyEnrichment>> {
    let mut out = Vec::new();
    for r in results {
        match r {
            Ok(e) => out.push(PyEnrichment { inner: e }),
            Err(e) if raise => return Err(to_py(e)),
            Err(_) => {} // errors="ignore": the caller asked to drop failures
        }
    }
    Ok(out)
}

fn errors_mode(errors: &str) -> PyResult<bool> {
    match errors {
        "raise" => Ok(true),
        "ignore" => Ok(false),
        other => Err(config_error(format!(
            "errors='{other}': use 'raise' or 'ignore'"
        ))),
    }
}

/// One or more threat-intel providers behind a shared cache, rate limits
/// and in-flight de-duplication. Rust: `soc_core::enrich::EnrichmentService`.
#[pyclass(module = "soc_core", name = "Enrichers")]
pub(crate) struct PyEnrichers {
    svc: EnrichmentService,
}

impl PyEnrichers {
    fn build(config: &EnrichConfig, cache: Option<PathBuf>, offline: bool) -> PyResult<Self> {
        let store = match cache {
            Some(p) => Some(std::sync::Arc::new(
                soc_core::store::StateStore::open(p).map_err(to_py)?,
            )),
            None => None,
        };
        let _guard = runtime().enter();
        let svc = EnrichmentService::from_config(config, store, offline).map_err(to_py)?;
        Ok(PyEnrichers { svc })
    }
}

#[pymethods]
impl PyEnrichers {
    /// Providers from an `[enrich]` config dict (same keys as `soc.toml`).
    #[staticmethod]
    #[pyo3(signature = (config = None, offline = false, cache = None))]
    fn from_config(
        config: Option<&Bound<'_, PyAny>>,
        offline: bool,
        cache: Option<PathBuf>,
    ) -> PyResult<Self> {
        let cfg: EnrichConfig = match config {
            Some(c) if !c.is_none() => serde_json::from_value(from_py_data(c)?)
                .map_err(|e| kwargs_error("Enrichers.from_config()", &e))?,
            _ => EnrichConfig::default(),
        };
        Self::build(&cfg, cache, offline)
    }

    /// One provider by name (`virustotal`, `abuseipdb`, `greynoise`,
    /// `internetdb`, `rdap`, `rdns`, `attack`).
    #[staticmethod]
    #[pyo3(signature = (name, api_key = None, base_url = None, rate_per_min = None, per_day = None, cache = None))]
    fn provider(
        name: &str,
        api_key: Option<String>,
        base_url: Option<String>,
        rate_per_min: Option<u32>,
        per_day: Option<u32>,
        cache: Option<PathBuf>,
    ) -> PyResult<Self> {
        let p: ProviderName = name.parse().map_err(to_py)?;
        let mut cfg = EnrichConfig {
            providers: vec![p.as_str().to_string()],
            ..EnrichConfig::default()
        };
        if let Some(pc) = cfg.provider_mut(p) {
            pc.api_key = api_key.map(Secret::new);
            pc.base_url = base_url;
            pc.rate_per_min = rate_per_min.or(pc.rate_per_min);
            pc.per_day = per_day.or(pc.per_day);
        }
        Self::build(&cfg, cache, false)
    }

    /// Local threat-intel list files (offline).
    #[staticmethod]
    fn local_lists(paths: Vec<PathBuf>) -> PyResult<Self> {
        let mut cfg = EnrichConfig {
            providers: vec!["lists".into()],
            ..EnrichConfig::default()
        };
        cfg.lists.paths = paths;
        Self::build(&cfg, None, true)
    }

    /// Names of the providers in use.
    #[getter]
    fn providers(&self) -> Vec<String> {
        self.svc.provider_names()
    }

    /// Every provider's answer for one indicator (a str, a dict with `kind`
    /// and `value`, or an indicator object). `errors="ignore"` drops failed
    /// providers instead of raising.
    #[pyo3(signature = (indicator, errors = "raise"))]
    fn enrich(
        &self,
        py: Python<'_>,
        indicator: &Bound<'_, PyAny>,
        errors: &str,
    ) -> PyResult<Vec<PyEnrichment>> {
        let raise = errors_mode(errors)?;
        let ind = to_indicator(indicator)?;
        let svc = self.svc.clone();
        let results =
            py.allow_threads(move || runtime().block_on(async move { svc.enrich(&ind).await }));
        wrap(results, raise)
    }

    /// Enriches many indicators concurrently; one list per input, in order.
    #[pyo3(signature = (indicators, errors = "raise"))]
    fn enrich_many(
        &self,
        py: Python<'_>,
        indicators: Vec<Bound<'_, PyAny>>,
        errors: &str,
    ) -> PyResult<Vec<Vec<PyEnrichment>>> {
        let raise = errors_mode(errors)?;
        let inds = indicators
            .iter()
            .map(to_indicator)
            .collect::<PyResult<Vec<_>>>()?;
        let svc = self.svc.clone();
        let results = py
            .allow_threads(move || runtime().block_on(async move { svc.enrich_many(&inds).await }));
        results.into_iter().map(|(_, r)| wrap(r, raise)).collect()
    }

    /// Counters: requests, cache_hits, errors, quota (per provider).
    fn stats(&self, py: Python<'_>) -> PyResult<PyObject> {
        to_py_data(py, &self.svc.stats())
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        Repr::new(py, "Enrichers")
            .field("providers", self.svc.provider_names())
            .finish()
    }

    /// Always raises `TypeError`: the providers hold connections, rate-limit
    /// state and a cache handle. Pickle the config dict and call
    /// `Enrichers.from_config(config)` in the other process instead.
    fn __reduce__(&self) -> PyResult<PyObject> {
        Err(PyTypeError::new_err(
            "cannot pickle 'Enrichers': it holds open HTTP connections, rate-limit and \
             quota state and a cache handle; pickle the config dict and call \
             Enrichers.from_config(config) in the other process",
        ))
    }
}

/// The ATT&CK techniques an event kind maps to, as dicts.
#[pyfunction]
fn attack_for_kind(py: Python<'_>, kind: &str) -> PyResult<PyObject> {
    to_py_data(py, &soc_core::enrich::attack::for_kind(kind))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyEnrichment>()?;
    m.add_class::<PyEnrichers>()?;
    m.add_function(wrap_pyfunction!(attack_for_kind, m)?)?;
    Ok(())
}
