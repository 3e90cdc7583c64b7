//! Block durations as operators write them: `30s`, `10m`, `1h`, `2d`, `1w`,
//! and `0` / `permanent` for blocks that never expire.
//!
//! ```
//! use std::time::Duration;
//! use soc_core::respond::firewall::{format_duration, parse_duration};
//! assert_eq!(parse_duration("1h").unwrap(), Some(Duration::from_secs(3600)));
//! assert_eq!(parse_duration("permanent").unwrap(), None);
//! assert_eq!(format_duration(Some(Duration::from_secs(5400))), "1h30m");
//! ```

use std::time::Duration;

use crate::error::RespondError;

/// Parses a block duration. `Ok(None)` means permanent (`0`, `permanent`,
/// `forever`, `never`). Units: `s`, `m`, `h`, `d`, `w`; a bare number is seconds;
/// parts can be combined (`1h30m`).
pub fn parse_duration(text: &str) -> Result<Option<Duration>, RespondError> {
    let t = text.trim().to_ascii_lowercase();
    let bad = || RespondError::Config {
        responder: "firewall".into(),
        message: format!("'{text}' is not a duration; write e.g. 30s, 10m, 1h, 2d, or 0/permanent"),
    };
    if matches!(t.as_str(), "permanent" | "forever" | "never") {
        return Ok(None);
    }
    if t.is_empty() {
        return Err(bad());
    }
    let mut total: u64 = 0;
    let mut num = String::new();
    let mut saw_digits_since_unit = false;
    for c in t.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            saw_digits_since_unit = true;
            continue;
        }
        let unit: u64 = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(bad()),
        };
        if !saw_digits_since_unit {
            return Err(bad());
        }
        let n: u64 = num.parse().map_err(|_| bad())?;
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(bad)?;
        num.clear();
        saw_digits_since_unit = false;
    }
    if !num.is_empty() {
        let n: u64 = num.parse().map_err(|_| bad())?;
        total = total.checked_add(n).ok_or_else(bad)?;
    }
    // Keep within what chrono can add to "now" (about 292 million years is
    // far beyond any sane block; cap at 100 years).
    if total > 100 * 365 * 86_400 {
        return Err(bad());
    }
    Ok((total > 0).then(|| Duration::from_secs(total)))
}

/// Formats a duration compactly (`1h30m`, `45s`, `2d`); `None` is `permanent`.
pub fn format_duration(d: Option<Duration>) -> String {
    let Some(d) = d else {
        return "permanent".into();
    };
    let mut s = d.as_secs();
    if s == 0 {
        return "permanent".into();
    }
    let mut out = String::new();
    for (unit, name) in [(86_400, "d"), (3600, "h"), (60, "m"), (1, "s")] {
        if s >= unit {
            out.push_str(&format!("{}{name}", s / unit));
            s %= unit;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_combinations() {
        let secs = |t: &str| parse_duration(t).unwrap().map(|d| d.as_secs());
        assert_eq!(secs("30s"), Some(30));
        assert_eq!(secs("10m"), Some(600));
        assert_eq!(secs("2d"), Some(172_800));
        assert_eq!(secs("1h30m"), Some(5400));
        assert_eq!(secs("90"), Some(90));
        assert_eq!(secs(" 1W "), Some(604_800));
        assert_eq!(secs("0"), None);
        assert_eq!(secs("Permanent"), None);
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        for t in [
            "",
            "h",
            "1x",
            "-1h",
            "1.5h",
            "99999999999999999999s",
            "1000000d",
            "m5",
        ] {
            assert!(parse_duration(t).is_err(), "{t}");
        }
    }

    #[test]
    fn formats_round_trip() {
        for t in ["45s", "10m", "1h30m", "2d", "1d1h1m1s"] {
            let d = parse_duration(t).unwrap();
            assert_eq!(format_duration(d), t);
        }
        assert_eq!(format_duration(None), "permanent");
    }
}
