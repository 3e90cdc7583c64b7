//! `${ENV_VAR}` interpolation in configuration string values: the one
//! resolver behind the config file, [`crate::secret::Secret`] (enrichment
//! API keys, responder tokens) and the Splunk source.
//!
//! Rules:
//! * `${NAME}` is replaced by the value of the environment variable `NAME`;
//!   an unset variable is an error that names the key and the variable.
//! * `${NAME:-fallback}` uses `fallback` when `NAME` is unset or empty.
//! * `$${` is a literal `${` (the escape); any other `$` is left as it is.
//! * Only string values are interpolated, never keys, numbers or booleans.
//!
//! ```
//! use soc_core::pipeline::interpolate::interpolate;
//! let lookup = |name: &str| (name == "TOKEN").then(|| "s3cret".to_string());
//! assert_eq!(interpolate("Bearer ${TOKEN}", &lookup).unwrap(), "Bearer s3cret");
//! assert_eq!(interpolate("$${TOKEN}", &lookup).unwrap(), "${TOKEN}");
//! assert_eq!(interpolate("${NOPE:-x}", &lookup).unwrap(), "x");
//! assert!(interpolate("${NOPE}", &lookup).is_err());
//! ```

/// Why a string could not be interpolated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InterpolateError {
    /// `${NAME}` names an unset variable.
    #[error("references ${{{0}}}, which is not set; export it")]
    Missing(String),
    /// `${` without a closing `}` or with an invalid name.
    #[error("{0}")]
    Malformed(String),
}

/// Interpolates `${VAR}` references in `text`, looking variables up with `lookup`.
pub fn interpolate(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, InterpolateError> {
    if !text.contains('$') {
        return Ok(text.to_string());
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos..];
        if let Some(tail) = after.strip_prefix("$${") {
            out.push_str("${");
            rest = tail;
        } else if let Some(tail) = after.strip_prefix("${") {
            let end = tail.find('}').ok_or_else(|| {
                InterpolateError::Malformed(format!("unclosed '${{' in \"{text}\""))
            })?;
            let inner = &tail[..end];
            let (name, fallback) = match inner.split_once(":-") {
                Some((n, f)) => (n, Some(f)),
                None => (inner, None),
            };
            if !valid_name(name) {
                return Err(InterpolateError::Malformed(format!(
                    "'${{{inner}}}' is not a valid variable reference (use ${{NAME}} with letters, digits and _)"
                )));
            }
            match (lookup(name), fallback) {
                (Some(v), Some(f)) if v.is_empty() => out.push_str(f),
                (Some(v), _) => out.push_str(&v),
                (None, Some(f)) => out.push_str(f),
                (None, None) => return Err(InterpolateError::Missing(name.to_string())),
            }
            rest = &tail[end + 1..];
        } else {
            out.push('$');
            rest = &after[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The names of the variables `text` references (for redaction decisions).
pub fn referenced_vars(text: &str) -> Vec<String> {
    let mut vars = Vec::new();
    let mut rest = text;
    while let Some(pos) = rest.find('$') {
        let after = &rest[pos..];
        if let Some(tail) = after.strip_prefix("$${") {
            rest = tail;
        } else if let Some(tail) = after.strip_prefix("${") {
            match tail.find('}') {
                Some(end) => {
                    let inner = &tail[..end];
                    let name = inner.split_once(":-").map_or(inner, |(n, _)| n);
                    if valid_name(name) {
                        vars.push(name.to_string());
                    }
                    rest = &tail[end + 1..];
                }
                None => break,
            }
        } else {
            rest = &after[1..];
        }
    }
    vars
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "A" => Some("alpha".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn replaces_escapes_and_fails() {
        assert_eq!(interpolate("x${A}y${A}", &env).unwrap(), "xalphayalpha");
        assert_eq!(interpolate("cost $5 ${A}", &env).unwrap(), "cost $5 alpha");
        assert_eq!(interpolate("$${A} ${A}", &env).unwrap(), "${A} alpha");
        assert_eq!(interpolate("${EMPTY:-d}", &env).unwrap(), "d");
        assert_eq!(interpolate("${EMPTY}", &env).unwrap(), "");
        assert_eq!(
            interpolate("${B}", &env),
            Err(InterpolateError::Missing("B".into()))
        );
        assert!(matches!(
            interpolate("${A", &env),
            Err(InterpolateError::Malformed(_))
        ));
        assert!(matches!(
            interpolate("${1A}", &env),
            Err(InterpolateError::Malformed(_))
        ));
        assert_eq!(interpolate("trailing $", &env).unwrap(), "trailing $");
    }

    #[test]
    fn lists_referenced_vars() {
        assert_eq!(
            referenced_vars("${A} $${B} ${C:-x} $"),
            vec!["A".to_string(), "C".to_string()]
        );
    }
}
