//! The time range every page honours: `range=1h|24h|7d|30d|all`, or
//! `range=custom` with `from`/`to` (`YYYY-MM-DDTHH:MM`, as a browser's
//! `datetime-local` input sends, or RFC 3339), in UTC.

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use serde::Deserialize;

use crate::error::HttpError;

/// The `range`, `from` and `to` query parameters.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct RangeParams {
    #[serde(default)]
    pub range: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
}

/// A resolved time range.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TimeRange {
    /// The preset name (`24h`, ..., `custom`).
    pub name: String,
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// The custom bounds as given (to refill the form).
    pub from: String,
    pub to: String,
}

/// The presets offered by the picker.
pub(crate) const PRESETS: [(&str, &str); 5] = [
    ("1h", "last hour"),
    ("24h", "last 24 hours"),
    ("7d", "last 7 days"),
    ("30d", "last 30 days"),
    ("all", "all time"),
];

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
                .map(|n| n.and_utc())
        })
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|n| n.and_utc())
        })
}

impl TimeRange {
    /// Resolves the parameters at `now` (default: the last 24 hours).
    pub fn resolve(p: &RangeParams, now: DateTime<Utc>) -> Result<TimeRange, HttpError> {
        let name = p.range.as_deref().unwrap_or("24h");
        let ago = |d: Duration| (now - d, now + Duration::minutes(1));
        let (since, until) = match name {
            "1h" => ago(Duration::hours(1)),
            "24h" => ago(Duration::hours(24)),
            "7d" => ago(Duration::days(7)),
            "30d" => ago(Duration::days(30)),
            "all" => (DateTime::<Utc>::UNIX_EPOCH, now + Duration::days(3650)),
            "custom" => {
                let bound = |v: &Option<String>, what: &str| match v.as_deref().map(str::trim) {
                    None | Some("") => Ok(None),
                    Some(s) => parse_time(s).map(Some).ok_or_else(|| {
                        HttpError::BadRequest(format!(
                            "{what} '{s}' is not a time; use YYYY-MM-DDTHH:MM (UTC) or RFC 3339"
                        ))
                    }),
                };
                let since = bound(&p.from, "from")?.unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
                let until = bound(&p.to, "to")?.unwrap_or(now + Duration::minutes(1));
                if since >= until {
                    return Err(HttpError::BadRequest(
                        "the range must start before it ends".into(),
                    ));
                }
                (since, until)
            }
            other => {
                return Err(HttpError::BadRequest(format!(
                    "unknown range '{other}'; use 1h, 24h, 7d, 30d, all or custom"
                )))
            }
        };
        Ok(TimeRange {
            name: name.to_string(),
            since,
            until,
            from: p.from.clone().unwrap_or_default(),
            to: p.to.clone().unwrap_or_default(),
        })
    }

    /// The query-string pairs that reproduce this range.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut v = vec![("range", self.name.clone())];
        if self.name == "custom" {
            v.push(("from", self.from.clone()));
            v.push(("to", self.to.clone()));
        }
        v
    }

    /// A sensible timeline bucket for the range, in seconds.
    pub fn bucket_secs(&self) -> i64 {
        let span = (self.until - self.since).num_seconds();
        match span {
            s if s <= 2 * 3600 => 300,
            s if s <= 2 * 86400 => 3600,
            s if s <= 40 * 86400 => 86400,
            _ => 7 * 86400,
        }
    }
}

/// A page handler takes `range: TimeRange`: the range of the request's
/// query, resolved now (a bad range is a 400 page).
impl<S: Send + Sync> FromRequestParts<S> for TimeRange {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, HttpError> {
        let Query(p) = Query::<RangeParams>::from_request_parts(parts, state)
            .await
            .map_err(|e| HttpError::BadRequest(e.body_text()))?;
        TimeRange::resolve(&p, Utc::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(range: &str, from: &str, to: &str) -> RangeParams {
        RangeParams {
            range: Some(range.into()),
            from: Some(from.into()),
            to: Some(to.into()),
        }
    }

    #[test]
    fn presets_custom_and_errors() {
        let now = Utc::now();
        let r = TimeRange::resolve(&RangeParams::default(), now).unwrap();
        assert_eq!(
            (r.name.as_str(), r.since),
            ("24h", now - Duration::hours(24))
        );
        let c = TimeRange::resolve(&p("custom", "2026-01-02T03:04", "2026-01-03"), now).unwrap();
        assert_eq!(c.since.to_rfc3339(), "2026-01-02T03:04:00+00:00");
        assert_eq!(c.pairs().len(), 3);
        assert!(TimeRange::resolve(&p("custom", "2026-01-03", "2026-01-02"), now).is_err());
        assert!(TimeRange::resolve(&p("custom", "<script>", ""), now).is_err());
        assert!(TimeRange::resolve(&p("5y", "", ""), now).is_err());
    }
}
