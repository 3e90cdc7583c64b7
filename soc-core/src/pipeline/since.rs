//! `since` arguments (`soc report --since 24h`, Python `Pipeline.alerts(since=...)`):
//! one parser for every face.
//!
//! Forms: a count with a unit (`30s`, `15m`, `24h`, `7d`, `2w`; a bare
//! number is hours), an RFC 3339 time, or `all`.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use soc_core::pipeline::since::parse_since;
//! let now = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
//! assert_eq!(parse_since("24h", now).unwrap(), now - chrono::Duration::hours(24));
//! assert!(parse_since("soon", now).is_err());
//! ```

use chrono::{DateTime, Utc};

/// A `since` text that is none of the accepted forms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("since '{text}': {reason}")]
pub struct SinceError {
    /// The text as given.
    pub text: String,
    /// What is wrong and what to write instead.
    pub reason: String,
}

/// Parses `text` relative to `now` (see the [module docs](self)). Spans
/// reaching before the earliest representable time give that time.
pub fn parse_since(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, SinceError> {
    let t = text.trim();
    let err = |reason: String| SinceError {
        text: text.to_string(),
        reason,
    };
    if t.eq_ignore_ascii_case("all") {
        return Ok(DateTime::<Utc>::MIN_UTC);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.with_timezone(&Utc));
    }
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: i64 = num
        .parse()
        .map_err(|_| err("use e.g. 24h, 7d, 30m, an RFC 3339 time, or all".into()))?;
    let secs = match unit {
        "s" => n,
        "m" => n.saturating_mul(60),
        "h" | "" => n.saturating_mul(3600),
        "d" => n.saturating_mul(86_400),
        "w" => n.saturating_mul(604_800),
        _ => return Err(err(format!("unknown unit '{unit}' (use s, m, h, d or w)"))),
    };
    Ok(chrono::Duration::try_seconds(secs)
        .and_then(|d| now.checked_sub_signed(d))
        .unwrap_or(DateTime::<Utc>::MIN_UTC))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn every_form() {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
        let p = |t: &str| parse_since(t, now);
        assert_eq!(p("2d").unwrap(), now - chrono::Duration::days(2));
        assert_eq!(p("90").unwrap(), now - chrono::Duration::hours(90));
        assert_eq!(p("ALL").unwrap(), DateTime::<Utc>::MIN_UTC);
        assert_eq!(
            p("2026-11-22T00:00:00Z").unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 22, 0, 0, 0).unwrap()
        );
        assert_eq!(p("99999999999999d").unwrap(), DateTime::<Utc>::MIN_UTC);
        assert!(p("5y")
            .unwrap_err()
            .to_string()
            .contains("unknown unit 'y'"));
        assert!(p("").is_err());
    }
}
