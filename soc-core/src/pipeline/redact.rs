//! Redaction of secrets in printed configuration (`soc config check`):
//! values of keys that look secret, and interpolated secret values wherever
//! they appear.
//!
//! ```
//! use soc_core::pipeline::config::is_secret_key;
//! assert!(is_secret_key("api_key"));
//! assert!(!is_secret_key("path"));
//! ```

/// Removes `null`s (unset options), which TOML cannot represent.
pub(super) fn strip_nulls(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(m) => {
            m.retain(|_, v| !v.is_null());
            m.values_mut().for_each(strip_nulls);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// The text shown in place of a secret.
pub use crate::secret::REDACTED;

/// Whether a config key holds a secret.
pub fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    ["key", "token", "password", "passwd", "secret", "credential"]
        .iter()
        .any(|w| k.contains(w))
        && !k.ends_with("_env")
        && !k.ends_with("_file")
        && k != "keys"
}

pub(super) fn redact(value: &mut serde_json::Value, secret_key: bool, secrets: &[String]) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                redact(v, is_secret_key(k), secrets);
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| redact(v, secret_key, secrets)),
        Value::String(s) => {
            if secret_key && !s.is_empty() {
                *s = REDACTED.to_string();
            } else {
                for secret in secrets {
                    if s.contains(secret.as_str()) {
                        *s = s.replace(secret.as_str(), REDACTED);
                    }
                }
            }
        }
        _ => {}
    }
}

pub(super) fn looks_secret_var(var: &str) -> bool {
    is_secret_key(var) || var.to_ascii_lowercase().contains("auth")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_hides_secret_keys_and_interpolated_secrets() {
        let mut value =
            serde_json::json!({"a": {"api_key": "k", "url": "https://x/?t=tok-123", "n": 1}});
        redact(&mut value, false, &["tok-123".to_string()]);
        assert_eq!(value["a"]["api_key"], REDACTED);
        assert_eq!(value["a"]["url"], format!("https://x/?t={REDACTED}"));
        assert_eq!(value["a"]["n"], 1);
        assert!(is_secret_key("SOC_TEST_TOKEN"));
        assert!(!is_secret_key("path"));
    }
}
