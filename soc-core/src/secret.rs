//! Secrets in configuration: API keys, tokens, passwords, webhook URLs.
//!
//! One type for every config that holds a secret (enrichment API keys,
//! responder tokens, the Splunk source) and one resolver for `${VAR}`
//! references, [`crate::pipeline::interpolate`]. A [`Secret`] is a literal
//! or a text with `${VAR}` / `${VAR:-fallback}` references, resolved from the
//! environment when the component is built ([`Secret::expose`]). It never
//! shows in `Debug`, and serializes only as its reference text (a literal
//! serializes as [`REDACTED`]), so printing a config cannot leak it.
//!
//! ```
//! use soc_core::secret::{Secret, REDACTED};
//! let s = Secret::new("hunter2");
//! assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
//! assert_eq!(s.expose().unwrap(), "hunter2");
//! assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{REDACTED}\""));
//!
//! let r = Secret::new("${SOC_DOC_SURELY_UNSET}");
//! assert_eq!(r.env_var(), Some("SOC_DOC_SURELY_UNSET"));
//! assert!(r.expose().is_err());
//! assert_eq!(Secret::new("${SOC_DOC_SURELY_UNSET:-dflt}").expose().unwrap(), "dflt");
//! ```

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::pipeline::interpolate::{interpolate, referenced_vars, InterpolateError};

/// The one marker shown in place of a secret, in every output.
pub const REDACTED: &str = "<redacted>";

/// A secret value, or a text with `${VAR}` references to resolve.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// A secret from a literal or a `${VAR}` reference.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The first referenced variable, when the text references any.
    pub fn env_var(&self) -> Option<&str> {
        let text = self.0.as_str();
        let first = referenced_vars(text).into_iter().next()?;
        let at = text.find(&first)?;
        text.get(at..at + first.len())
    }

    /// Whether the text references environment variables.
    pub fn is_reference(&self) -> bool {
        self.env_var().is_some()
    }

    /// Whether the configured text is empty (or blank).
    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }

    /// The value: the literal, or the text with its `${VAR}` references
    /// resolved from the environment (the resolver every config uses).
    pub fn expose(&self) -> Result<String, InterpolateError> {
        resolve_env(&self.0)
    }
}

/// Resolves `${VAR}` references in `text` from the process environment.
pub fn resolve_env(text: &str) -> Result<String, InterpolateError> {
    interpolate(text, &|name| std::env::var(name).ok())
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.env_var() {
            Some(v) => write!(f, "Secret(${{{v}}})"),
            None => write!(f, "Secret({REDACTED})"),
        }
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.is_reference() {
            s.serialize_str(self.0.trim())
        } else {
            s.serialize_str(REDACTED)
        }
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_resolve_through_the_one_interpolator() {
        let s = Secret::new("Bearer ${SOC_SECRET_TEST_UNSET_2:-x}");
        assert_eq!(s.env_var(), Some("SOC_SECRET_TEST_UNSET_2"));
        assert_eq!(s.expose().unwrap(), "Bearer x");
        assert_eq!(
            Secret::new("${SOC_SECRET_TEST_UNSET_2}").expose(),
            Err(InterpolateError::Missing("SOC_SECRET_TEST_UNSET_2".into()))
        );
        assert!(!Secret::new("plain").is_reference());
        assert!(!format!("{:?}", Secret::new("tok")).contains("tok"));
        assert_eq!(
            serde_json::to_string(&Secret::new("${A}")).unwrap(),
            "\"${A}\""
        );
    }
}
