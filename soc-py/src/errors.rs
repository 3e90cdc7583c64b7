//! The Python exception hierarchy and the one mapping from Rust errors.
//!
//! ```text
//! SocError
//! ├── IocError
//! ├── ParseError
//! ├── SourceError
//! ├── ConfigError
//! ├── EnrichError
//! │   ├── AuthError
//! │   └── RateLimitError
//! ├── ScoreError
//! ├── RespondError
//! │   └── RefusedError
//! └── StoreError
//! ```
//! I/O "not found" errors become `FileNotFoundError`.

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyFileNotFoundError};
use pyo3::prelude::*;

use soc_core::error::{EnrichError as E, RespondError as R};

create_exception!(
    soc_core,
    SocError,
    PyException,
    "Base class of every soc error."
);
create_exception!(
    soc_core,
    IocError,
    SocError,
    "IOC extraction error (e.g. unknown kind)."
);
create_exception!(
    soc_core,
    ParseError,
    SocError,
    "Log or alert parsing error."
);
create_exception!(soc_core, SourceError, SocError, "Log source error.");
create_exception!(soc_core, ConfigError, SocError, "Invalid configuration.");
create_exception!(
    soc_core,
    EnrichError,
    SocError,
    "Enrichment provider error."
);
create_exception!(
    soc_core,
    AuthError,
    EnrichError,
    "Provider rejected the credentials."
);
create_exception!(
    soc_core,
    RateLimitError,
    EnrichError,
    "Provider rate limit hit."
);
create_exception!(soc_core, ScoreError, SocError, "Scorer error.");
create_exception!(soc_core, RespondError, SocError, "Responder error.");
create_exception!(
    soc_core,
    RefusedError,
    RespondError,
    "Target is protected or invalid."
);
create_exception!(soc_core, StoreError, SocError, "State store error.");

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("SocError", py.get_type::<SocError>())?;
    m.add("IocError", py.get_type::<IocError>())?;
    m.add("ParseError", py.get_type::<ParseError>())?;
    m.add("SourceError", py.get_type::<SourceError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("EnrichError", py.get_type::<EnrichError>())?;
    m.add("AuthError", py.get_type::<AuthError>())?;
    m.add("RateLimitError", py.get_type::<RateLimitError>())?;
    m.add("ScoreError", py.get_type::<ScoreError>())?;
    m.add("RespondError", py.get_type::<RespondError>())?;
    m.add("RefusedError", py.get_type::<RefusedError>())?;
    m.add("StoreError", py.get_type::<StoreError>())?;
    Ok(())
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
    match err {
        soc_core::Error::Ioc(_) => IocError::new_err(msg),
        soc_core::Error::Parse(_) => ParseError::new_err(msg),
        soc_core::Error::Source(_) => SourceError::new_err(msg),
        soc_core::Error::Config(_) => ConfigError::new_err(msg),
        soc_core::Error::Enrich(E::Auth { .. } | E::MissingKey { .. }) => AuthError::new_err(msg),
        soc_core::Error::Enrich(E::RateLimited { .. }) => RateLimitError::new_err(msg),
        soc_core::Error::Enrich(_) => EnrichError::new_err(msg),
        soc_core::Error::Score(_) => ScoreError::new_err(msg),
        soc_core::Error::Respond(R::Refused { .. } | R::InvalidTarget { .. }) => {
            RefusedError::new_err(msg)
        }
        soc_core::Error::Respond(_) => RespondError::new_err(msg),
        soc_core::Error::Store(_) => StoreError::new_err(msg),
        _ => SocError::new_err(msg),
    }
}
