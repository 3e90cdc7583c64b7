//! Event times as the windows hold them: seconds and nanoseconds since the
//! epoch, compared and shifted by a window in a few integer operations
//! (a calendar date subtraction per window per event cost more than the
//! rest of a window's step). Exactly the order and the arithmetic of
//! `DateTime<Utc>`, leap seconds included.

use chrono::{DateTime, Duration, Utc};

/// A point in time (see the module docs). Ordered as the `DateTime` it
/// came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Stamp {
    secs: i64,
    /// At or past one second only inside a leap second, as in chrono.
    nanos: u32,
}

/// `DateTime::<Utc>::MIN_UTC` (checked by the tests).
const MIN: Stamp = Stamp {
    secs: -8_334_601_228_800,
    nanos: 0,
};
/// `DateTime::<Utc>::MAX_UTC` (checked by the tests).
const MAX: Stamp = Stamp {
    secs: 8_210_266_876_799,
    nanos: 999_999_999,
};

/// A window length in whole seconds (the configuration's unit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span(pub i64);

impl Span {
    /// The length of `d`, in whole seconds.
    pub fn of(d: Duration) -> Span {
        Span(d.num_seconds())
    }
}

impl Stamp {
    /// The stamp of `t`.
    pub fn of(t: DateTime<Utc>) -> Stamp {
        Stamp {
            secs: t.timestamp(),
            nanos: t.timestamp_subsec_nanos(),
        }
    }

    /// Whole seconds since the epoch (rounded down).
    pub fn secs(self) -> i64 {
        self.secs
    }

    /// The time of the stamp (lossless for stamps made by [`Stamp::of`]).
    pub fn time(self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.secs, self.nanos).unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// The oldest stamp still inside a window of `w` ending at `self`,
    /// as `time - w` in chrono: `None` when that is out of its range
    /// (nothing is that old).
    pub fn cutoff(self, w: Span) -> Option<Stamp> {
        if self.nanos >= 1_000_000_000 {
            // Inside a leap second chrono's subtraction has its own rules.
            let t = self.time().checked_sub_signed(Duration::seconds(w.0))?;
            return Some(Stamp::of(t));
        }
        let secs = self.secs.checked_sub(w.0)?;
        // `nanos` is below a second here and MIN's is 0, MAX's the most:
        // the cutoff is in range exactly when its seconds are.
        (MIN.secs..=MAX.secs).contains(&secs).then_some(Stamp {
            secs,
            nanos: self.nanos,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Order and window arithmetic are chrono's, at the ends of its range
    /// and in a leap second too.
    #[test]
    fn stamps_are_chrono_times() {
        assert_eq!(Stamp::of(DateTime::<Utc>::MIN_UTC), MIN);
        assert_eq!(Stamp::of(DateTime::<Utc>::MAX_UTC), MAX);
        let leap = chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
            .and_then(|d| d.and_hms_nano_opt(23, 59, 59, 1_500_000_000))
            .map(|t| t.and_utc());
        let mut times: Vec<DateTime<Utc>> = [
            "2026-11-21T02:00:00Z",
            "2026-11-21T02:00:00.5Z",
            "1970-01-01T00:00:00Z",
            "1969-12-31T23:59:59.999Z",
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        times.extend(leap);
        times.push(DateTime::<Utc>::MIN_UTC);
        times.push(DateTime::<Utc>::MAX_UTC);
        for &a in &times {
            assert_eq!(Stamp::of(a).time(), a);
            for &b in &times {
                assert_eq!(Stamp::of(a).cmp(&Stamp::of(b)), a.cmp(&b), "{a} {b}");
            }
            for w in [0, 1, 600, 43_200, i64::MAX / 2_000] {
                let want = a.checked_sub_signed(Duration::seconds(w)).map(Stamp::of);
                assert_eq!(Stamp::of(a).cutoff(Span(w)), want, "{a} - {w}");
            }
        }
    }
}
