//! Redaction of secrets in printed configuration (`soc config check`):
//! values of keys that look secret, interpolated secret values wherever
//! they appear, and the secret parts of URLs (user-info and sensitive query
//! parameters) everywhere a URL is printed or logged ([`redact_url`]).
//!
//! ```
//! use soc_core::pipeline::config::{is_secret_key, redact_url};
//! assert!(is_secret_key("api_key"));
//! assert!(!is_secret_key("path"));
//! assert_eq!(
//!     redact_url("http://elastic:SECRET@es.internal:9200/_bulk?apikey=k&pretty=1"),
//!     "http://<redacted>:<redacted>@es.internal:9200/_bulk?apikey=<redacted>&pretty=1"
//! );
//! ```

use std::borrow::Cow;

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

/// Query parameter names whose values are secret (compared without case,
/// `-` and `_`): API keys, tokens, passwords, signatures.
const SECRET_PARAMS: [&str; 16] = [
    "key",
    "apikey",
    "token",
    "accesstoken",
    "authtoken",
    "auth",
    "password",
    "passwd",
    "pass",
    "pwd",
    "secret",
    "clientsecret",
    "sig",
    "signature",
    "session",
    "credential",
];

/// Whether a query parameter name holds a secret.
fn is_secret_param(name: &str) -> bool {
    let n: String = name
        .chars()
        .filter(|c| *c != '_' && *c != '-')
        .collect::<String>()
        .to_ascii_lowercase();
    SECRET_PARAMS.contains(&n.as_str())
        || n.ends_with("key")
        || n.ends_with("token")
        || n.ends_with("secret")
        || n.ends_with("password")
        || n.starts_with("xamz")
}

/// `text` with the secret parts of a URL replaced by [`REDACTED`]: the user-info
/// (`user:password@`) and the values of sensitive query parameters (`key`,
/// `apikey`, `api_key`, `token`, `password`, `secret`, `sig`, ...).
/// Text that is not an absolute URL with a host comes back unchanged.
pub fn redact_url(text: &str) -> Cow<'_, str> {
    let Ok(mut url) = url::Url::parse(text.trim()) else {
        return Cow::Borrowed(text);
    };
    if url.cannot_be_a_base() {
        return Cow::Borrowed(text);
    }
    let mut changed = false;
    if !url.username().is_empty() {
        changed |= url.set_username(REDACTED).is_ok();
    }
    if url.password().is_some() {
        changed |= url.set_password(Some(REDACTED)).is_ok();
    }
    if let Some(query) = url.query() {
        let mut parts = Vec::new();
        let mut query_changed = false;
        for pair in query.split('&') {
            let name = pair.split('=').next().unwrap_or("");
            let decoded = url::form_urlencoded::parse(name.as_bytes())
                .next()
                .map(|(k, _)| k.into_owned())
                .unwrap_or_default();
            if pair.contains('=') && is_secret_param(&decoded) {
                parts.push(format!("{name}={REDACTED}"));
                query_changed = true;
            } else {
                parts.push(pair.to_string());
            }
        }
        if query_changed {
            url.set_query(Some(&parts.join("&")));
            changed = true;
        }
    }
    if !changed {
        return Cow::Borrowed(text);
    }
    // `Url` percent-encodes the marker's punctuation; show it plainly.
    let encoded: String = REDACTED
        .bytes()
        .map(|b| match b {
            b if b.is_ascii_alphanumeric() => char::from(b).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect();
    Cow::Owned(url.as_str().replace(&encoded, REDACTED))
}

/// Every URL inside free text (error messages, log lines) redacted with
/// [`redact_url`]; URLs are taken as the runs of non-space characters that
/// contain `://`.
pub fn redact_urls_in(text: &str) -> Cow<'_, str> {
    if !text.contains("://") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut rest = text;
    while let Some(i) = rest.find(|c: char| !c.is_whitespace()) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..end];
        let trimmed = word.trim_matches(|c: char| "'\"()<>[],;".contains(c));
        let start = word.find(trimmed).unwrap_or(0);
        match redact_url(trimmed) {
            Cow::Owned(r) if trimmed.contains("://") => {
                out.push_str(&word[..start]);
                out.push_str(&r);
                out.push_str(&word[start + trimmed.len()..]);
                changed = true;
            }
            _ => out.push_str(word),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(text)
    }
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
                if let Cow::Owned(r) = redact_url(s) {
                    *s = r;
                }
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

    /// Reproduction (#14 item 10): `soc config check` printed
    /// `http://elastic:SECRET@...` and an API key in a base URL's query.
    #[test]
    fn urls_lose_user_info_and_secret_query_values() {
        let mut value = serde_json::json!({
            "elasticsearch": {"url": "http://elastic:SECRET@es.internal:9200"},
            "lists": {"feed": "https://feeds.example/ioc.txt?API_KEY=abc123&format=txt&X-Amz-Signature=f00"},
            "plain": "https://rdap.org/ip/{ip}"
        });
        redact(&mut value, false, &[]);
        let text = value.to_string();
        for secret in ["SECRET", "elastic:", "abc123", "f00"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert_eq!(
            value["elasticsearch"]["url"],
            "http://<redacted>:<redacted>@es.internal:9200/"
        );
        assert_eq!(
            value["lists"]["feed"],
            "https://feeds.example/ioc.txt?API_KEY=<redacted>&format=txt&X-Amz-Signature=<redacted>"
        );
        assert_eq!(value["plain"], "https://rdap.org/ip/{ip}");
        for p in [
            "key",
            "apikey",
            "api_key",
            "token",
            "password",
            "secret",
            "sig",
            "access_token",
        ] {
            let u = format!("https://h/p?{p}=v1&a=b");
            assert_eq!(
                redact_url(&u),
                format!("https://h/p?{p}=<redacted>&a=b"),
                "{p}"
            );
        }
        assert_eq!(redact_url("not a url"), "not a url");
        assert_eq!(
            redact_urls_in("GET https://u:p@h/x?token=t failed (\"https://h/?key=k\")"),
            "GET https://<redacted>:<redacted>@h/x?token=<redacted> failed (\"https://h/?key=<redacted>\")"
        );
    }
}
