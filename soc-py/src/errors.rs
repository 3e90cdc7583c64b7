//! The one mapping from Rust errors onto the Python exception hierarchy.
//!
//! The classes live in `soc_core/_errors.py` (Python, so that `ConfigError`
//! can also be a `ValueError` and `ArgumentTypeError` a `TypeError`):
//!
//! ```text
//! SocError
//! ├── IocError (+ ValueError), ParseError, SourceError
//! ├── ConfigError (+ ValueError)
//! │   └── ArgumentTypeError (+ TypeError)
//! ├── EnrichError
//! │   ├── AuthError
//! │   └── RateLimitError
//! ├── ScoreError
//! ├── RespondError
//! │   └── RefusedError
//! └── StoreError
//! ```
//! I/O "not found" errors become the built-in `FileNotFoundError`.

use pyo3::exceptions::{PyFileNotFoundError, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::PyType;

use soc_core::error::{EnrichError as E, RespondError as R};

/// An exception of class `soc_core._errors.<name>` with `msg`.
fn raise(name: &str, msg: String) -> PyErr {
    Python::with_gil(|py| {
        let class = py
            .import("soc_core._errors")
            .and_then(|m| m.getattr(name))
            .and_then(|c| c.downcast_into::<PyType>().map_err(PyErr::from));
        match class {
            Ok(c) => PyErr::from_type(c, msg),
            Err(e) => PyRuntimeError::new_err(format!(
                "soc_core._errors.{name} is unavailable ({e}); original error: {msg}"
            )),
        }
    })
}

/// `ConfigError`: a bad configuration or argument value.
pub(crate) fn config_error(msg: impl Into<String>) -> PyErr {
    raise("ConfigError", msg.into())
}

/// `ArgumentTypeError`: an argument of the wrong type (also a `TypeError`).
pub(crate) fn type_error(msg: impl Into<String>) -> PyErr {
    raise("ArgumentTypeError", msg.into())
}

/// `ConfigError` for a config struct built from keyword arguments or a dict:
/// serde's "unknown field `x`, expected one of ..." becomes a message that
/// names the bad keyword and the valid ones.
pub(crate) fn kwargs_error(what: &str, err: &serde_json::Error) -> PyErr {
    let text = err.to_string();
    if let Some(rest) = text.strip_prefix("unknown field `") {
        if let Some((name, tail)) = rest.split_once('`') {
            let valid = tail
                .trim_start_matches(", ")
                .trim_start_matches("expected one of ")
                .trim_start_matches("expected ")
                .replace('`', "");
            return config_error(format!(
                "{what}: unknown keyword '{name}'; valid keywords: {valid}"
            ));
        }
    }
    config_error(format!("{what}: {text}"))
}

fn is_not_found(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return io.kind() == std::io::ErrorKind::NotFound;
        }
        cur = e.source();
    }
    false
}

/// Converts any soc-core error into the matching Python exception.
pub(crate) fn to_py(err: impl Into<soc_core::Error>) -> PyErr {
    let err: soc_core::Error = err.into();
    let msg = err.to_string();
    if is_not_found(&err) {
        return PyFileNotFoundError::new_err(msg);
    }
    let class = match err {
        soc_core::Error::Ioc(_) => "IocError",
        soc_core::Error::Parse(_) => "ParseError",
        soc_core::Error::Source(_) => "SourceError",
        soc_core::Error::Config(_) => "ConfigError",
        soc_core::Error::Enrich(E::Auth { .. } | E::MissingKey { .. }) => "AuthError",
        soc_core::Error::Enrich(E::RateLimited { .. }) => "RateLimitError",
        soc_core::Error::Enrich(E::UnknownProvider { .. }) => "ConfigError",
        soc_core::Error::Enrich(_) => "EnrichError",
        soc_core::Error::Score(_) => "ScoreError",
        soc_core::Error::Respond(R::Refused { .. } | R::InvalidTarget { .. }) => "RefusedError",
        soc_core::Error::Respond(_) => "RespondError",
        soc_core::Error::Store(_) => "StoreError",
        _ => "SocError",
    };
    raise(class, msg)
}
