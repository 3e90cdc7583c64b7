//! Bindings for IOC extraction: `extract_iocs`, `extract_iocs_from_file`,
//! `refang`, `defang` and the `Indicator` class.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use soc_core::ioc::{self, AllowList, ExtractOptions, Extractor};
use soc_core::model::{Indicator, IndicatorKind, IndicatorTag};

use crate::convert::{rebuilt_by_type, Reduced, Repr};
use crate::errors::{config_error, to_py, type_error};

/// An indicator of compromise found in text. Rust: `soc_core::model::Indicator`.
#[pyclass(module = "soc_core", name = "Indicator", frozen, eq)]
#[derive(Clone, PartialEq)]
pub(crate) struct PyIndicator {
    pub(crate) inner: Indicator,
}

fn tag_from_str(s: &str) -> PyResult<IndicatorTag> {
    serde_json::from_value(serde_json::Value::String(s.to_string()))
        .map_err(|_| config_error(format!("unknown indicator tag '{s}'")))
}

#[pymethods]
impl PyIndicator {
    #[new]
    #[pyo3(signature = (kind, value, raw=None, start=0, end=None, defanged=false, count=1, tags=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        kind: &str,
        value: String,
        raw: Option<String>,
        start: usize,
        end: Option<usize>,
        defanged: bool,
        count: u64,
        tags: Option<Vec<String>>,
    ) -> PyResult<Self> {
        let kind: IndicatorKind = kind.parse().map_err(to_py)?;
        let raw = raw.unwrap_or_else(|| value.clone());
        let end = end.unwrap_or(start + raw.len());
        let tags = tags
            .unwrap_or_default()
            .iter()
            .map(|t| tag_from_str(t))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyIndicator {
            inner: Indicator {
                kind,
                value,
                raw,
                start,
                end,
                defanged,
                tags,
                count,
            },
        })
    }

    /// The kind name (`ipv4`, `domain`, `sha256`, ...).
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.kind.as_str()
    }
    /// The normalized (refanged) value.
    #[getter]
    fn value(&self) -> &str {
        &self.inner.value
    }
    /// The text as written at the first occurrence.
    #[getter]
    fn raw(&self) -> &str {
        &self.inner.raw
    }
    /// Offset of the first occurrence (bytes of the UTF-8 text).
    #[getter]
    fn start(&self) -> usize {
        self.inner.start
    }
    /// End offset of the first occurrence (exclusive).
    #[getter]
    fn end(&self) -> usize {
        self.inner.end
    }
    /// Whether the first occurrence was defanged.
    #[getter]
    fn defanged(&self) -> bool {
        self.inner.defanged
    }
    /// Number of occurrences.
    #[getter]
    fn count(&self) -> u64 {
        self.inner.count
    }
    /// Tags such as `private`, `loopback`, `from_url`.
    #[getter]
    fn tags(&self) -> Vec<&'static str> {
        self.inner.tags.iter().map(|t| t.as_str()).collect()
    }

    /// The indicator as a plain dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("kind", self.kind())?;
        d.set_item("value", &self.inner.value)?;
        d.set_item("raw", &self.inner.raw)?;
        d.set_item("start", self.inner.start)?;
        d.set_item("end", self.inner.end)?;
        d.set_item("defanged", self.inner.defanged)?;
        d.set_item("count", self.inner.count)?;
        d.set_item("tags", self.tags())?;
        Ok(d)
    }

    /// The value defanged for safe sharing.
    fn defang(&self) -> String {
        ioc::defang(&self.inner)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        Repr::new(py, "Indicator")
            .field("kind", self.kind())
            .field("value", &self.inner.value)
            .field("count", self.inner.count)
            .field("start", self.inner.start)
            .finish()
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Reduced<'py>> {
        let i = &slf.get().inner;
        let args = (
            i.kind.as_str(),
            i.value.clone(),
            i.raw.clone(),
            i.start,
            i.end,
            i.defanged,
            i.count,
            i.tags.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
        );
        rebuilt_by_type(slf, args)
    }
}

/// A list of strings or one comma/newline-separated string.
fn strings(obj: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Option<Vec<String>>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(None);
    };
    if let Ok(s) = obj.extract::<String>() {
        return Ok(Some(vec![s]));
    }
    obj.extract::<Vec<String>>()
        .map(Some)
        .map_err(|_| type_error(format!("{what} must be a string or a list of strings")))
}

pub(crate) fn extractor(
    kinds: Option<&Bound<'_, PyAny>>,
    allow: Option<&Bound<'_, PyAny>>,
    no_private: bool,
) -> PyResult<Extractor> {
    let kinds = match strings(kinds, "kinds")? {
        Some(list) => Some(ioc::parse_kinds(&list.join(",")).map_err(to_py)?),
        None => None,
    };
    let allow = match strings(allow, "allow")? {
        Some(list) => AllowList::parse(&list.join("\n"), "<allow>").map_err(to_py)?,
        None => AllowList::default(),
    };
    Ok(Extractor::new(ExtractOptions {
        kinds,
        allow,
        no_private,
    }))
}

fn wrap(found: Vec<Indicator>) -> Vec<PyIndicator> {
    found
        .into_iter()
        .map(|inner| PyIndicator { inner })
        .collect()
}

/// Extracts indicators from text (the GIL is released while it runs).
/// Rust: `soc_core::ioc::extract` / `soc_core::ioc::Extractor`.
#[pyfunction]
#[pyo3(signature = (text, kinds=None, allow=None, no_private=false))]
fn extract_iocs(
    py: Python<'_>,
    text: String,
    kinds: Option<&Bound<'_, PyAny>>,
    allow: Option<&Bound<'_, PyAny>>,
    no_private: bool,
) -> PyResult<Vec<PyIndicator>> {
    let ex = extractor(kinds, allow, no_private)?;
    Ok(wrap(py.allow_threads(|| ex.extract(&text))))
}

/// Extracts indicators from a file (read whole up to 64 MiB, streamed in
/// bounded memory beyond: `Extractor::extract_file`).
#[pyfunction]
#[pyo3(signature = (path, kinds=None, allow=None, no_private=false))]
fn extract_iocs_from_file(
    py: Python<'_>,
    path: std::path::PathBuf,
    kinds: Option<&Bound<'_, PyAny>>,
    allow: Option<&Bound<'_, PyAny>>,
    no_private: bool,
) -> PyResult<Vec<PyIndicator>> {
    let ex = extractor(kinds, allow, no_private)?;
    let found = py.allow_threads(|| ex.extract_file(&path));
    Ok(wrap(found.map_err(to_py)?))
}

/// Refangs text (`hxxp`, `[.]`, `[at]`, ...).
#[pyfunction]
fn refang(py: Python<'_>, text: String) -> String {
    py.allow_threads(|| ioc::refang(&text).into_owned())
}

/// Defangs an `Indicator`, or a value of the given kind (guessed when omitted).
#[pyfunction]
#[pyo3(signature = (value, kind=None))]
fn defang(value: &Bound<'_, PyAny>, kind: Option<&str>) -> PyResult<String> {
    if let Ok(ind) = value.downcast::<PyIndicator>() {
        return Ok(ioc::defang(&ind.get().inner));
    }
    let text: String = value
        .extract()
        .map_err(|_| type_error("defang() takes a str or an Indicator"))?;
    let kind = match kind {
        Some(k) => k.parse().map_err(to_py)?,
        None => ioc::extract(&text)
            .into_iter()
            .find(|i| i.start == 0 && i.end == text.len())
            .map_or(IndicatorKind::Domain, |i| i.kind),
    };
    Ok(ioc::defang_value(kind, &text))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyIndicator>()?;
    // Every kind name in output order: the one list, from Rust.
    let kinds = IndicatorKind::ALL.map(IndicatorKind::as_str);
    m.add("KINDS", PyTuple::new(m.py(), kinds)?)?;
    m.add_function(wrap_pyfunction!(extract_iocs, m)?)?;
    m.add_function(wrap_pyfunction!(extract_iocs_from_file, m)?)?;
    m.add_function(wrap_pyfunction!(refang, m)?)?;
    m.add_function(wrap_pyfunction!(defang, m)?)?;
    Ok(())
}
