//! Secrets in responder configs: API keys, tokens, passwords, webhook URLs.
//!
//! A [`Secret`] is either a literal or a `${VAR}` reference resolved from the
//! environment when the responder is built. It never shows in `Debug`, and
//! serializes only as its `${VAR}` reference (a literal serializes as
//! `"<redacted>"`), so printing a config cannot leak it.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::RespondError;

/// A secret value or `${VAR}` reference.
///
/// ```
/// use soc_core::respond::Secret;
/// let s = Secret::new("hunter2");
/// assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
/// assert_eq!(s.resolve("email", "password").unwrap(), "hunter2");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// A secret from a literal or a `${VAR}` reference.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The variable name when this is a `${VAR}` reference.
    pub fn env_var(&self) -> Option<&str> {
        let v = self.0.trim();
        v.strip_prefix("${")
            .and_then(|r| r.strip_suffix('}'))
            .filter(|n| !n.is_empty())
    }

    /// The value: the literal, or the referenced environment variable.
    /// `responder` and `key` name the setting in the error message.
    pub fn resolve(&self, responder: &str, key: &str) -> Result<String, RespondError> {
        match self.env_var() {
            Some(var) => match std::env::var(var) {
                Ok(v) if !v.is_empty() => Ok(v),
                _ => Err(RespondError::Config {
                    responder: responder.to_string(),
                    message: format!("{key} references ${{{var}}}, which is not set; export it"),
                }),
            },
            None if self.0.is_empty() => Err(RespondError::Config {
                responder: responder.to_string(),
                message: format!("{key} is empty"),
            }),
            None => Ok(self.0.clone()),
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.env_var() {
            Some(v) => write!(f, "Secret(${{{v}}})"),
            None => f.write_str("Secret(<redacted>)"),
        }
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.env_var() {
            Some(_) => s.serialize_str(self.0.trim()),
            None => s.serialize_str("<redacted>"),
        }
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

/// Reads an optional secret from config, else from the environment variable
/// `env`; `None` when neither is set.
pub(crate) fn secret_or_env(
    configured: Option<&Secret>,
    env: &str,
    responder: &str,
    key: &str,
) -> Result<Option<String>, RespondError> {
    match configured {
        Some(s) => s.resolve(responder, key).map(Some),
        None => Ok(std::env::var(env).ok().filter(|v| !v.is_empty())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_reference_and_redaction() {
        let s = Secret::new("${SOC_TEST_SECRET_THAT_IS_UNSET_1}");
        assert_eq!(s.env_var(), Some("SOC_TEST_SECRET_THAT_IS_UNSET_1"));
        let e = s.resolve("jira", "token").unwrap_err().to_string();
        assert!(e.contains("SOC_TEST_SECRET_THAT_IS_UNSET_1"), "{e}");
        assert_eq!(
            serde_json::to_string(&Secret::new("tok")).unwrap(),
            "\"<redacted>\""
        );
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            "\"${SOC_TEST_SECRET_THAT_IS_UNSET_1}\""
        );
        assert!(!format!("{:?}", Secret::new("tok")).contains("tok"));
    }
}
