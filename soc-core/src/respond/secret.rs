//! Secrets in responder configs: API keys, tokens, passwords, webhook URLs.
//!
//! The [`Secret`] type is the crate's one ([`crate::secret`]); this module
//! adds [`Secret::resolve`], which names the responder setting in its error.

use crate::error::RespondError;
pub use crate::secret::Secret;

impl Secret {
    /// The value of a responder's secret ([`Secret::expose`]); `responder`
    /// and `key` name the setting in the error message.
    ///
    /// ```
    /// use soc_core::respond::Secret;
    /// let s = Secret::new("hunter2");
    /// assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
    /// assert_eq!(s.resolve("email", "password").unwrap(), "hunter2");
    /// ```
    pub fn resolve(&self, responder: &str, key: &str) -> Result<String, RespondError> {
        resolve(self, responder, key)
    }
}

fn resolve(secret: &Secret, responder: &str, key: &str) -> Result<String, RespondError> {
    let config = |message: String| RespondError::Config {
        responder: responder.to_string(),
        message,
    };
    if secret.is_empty() {
        return Err(config(format!("{key} is empty")));
    }
    let value = secret.expose().map_err(|e| config(format!("{key} {e}")))?;
    if value.is_empty() {
        return Err(config(format!(
            "{key} is empty (its ${{{}}} is set to an empty value)",
            secret.env_var().unwrap_or_default()
        )));
    }
    Ok(value)
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
        Some(s) => resolve(s, responder, key).map(Some),
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
        let e = resolve(&s, "jira", "token").unwrap_err().to_string();
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
