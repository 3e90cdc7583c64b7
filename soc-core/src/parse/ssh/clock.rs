//! Resolving timestamps to UTC: the configured time zone (with a per-day
//! offset cache) and the year inference of BSD syslog stamps.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::header::Stamp;

/// Month, day and time of a BSD stamp.
type BsdKey = (u32, u32, NaiveTime);

/// Resolves timestamps to UTC, inferring the year of BSD timestamps.
#[derive(Debug, Clone)]
pub(crate) struct Clock {
    pub tz: Tz,
    pub reference: DateTime<Utc>,
    pub year: Option<i32>,
    last: Option<(i32, u32)>,
    /// The last BSD stamp resolved and its result (lines come in bursts
    /// with the same second).
    last_bsd: Option<(BsdKey, Option<DateTime<Utc>>)>,
    /// A local date and the Unix time of its midnight, when the UTC offset
    /// is the same all day (no DST change); `None` for a day with a change.
    day: Option<(NaiveDate, Option<i64>)>,
    /// The last BSD day resolved through the midnight cache: its month,
    /// day and year, and its local midnight in UTC split into the UTC date
    /// and the seconds into it. Valid while `last` is `(year, month)`.
    bsd_day: Option<BsdDay>,
}

/// See [`Clock::bsd_day`].
#[derive(Debug, Clone, Copy)]
struct BsdDay {
    month: u32,
    day: u32,
    year: i32,
    /// UTC date of the local midnight.
    date: NaiveDate,
    /// Seconds of the local midnight into `date` (UTC).
    secs: u32,
}

impl Clock {
    pub fn new(tz: Tz, reference: DateTime<Utc>, year: Option<i32>) -> Clock {
        Clock {
            tz,
            reference,
            year,
            last: None,
            last_bsd: None,
            day: None,
            bsd_day: None,
        }
    }

    /// The Unix time of local midnight of `date`, when the UTC offset is
    /// the same all that day (computed once per date).
    fn day_base(&mut self, date: NaiveDate) -> Option<i64> {
        if let Some((d, base)) = self.day {
            if d == date {
                return base;
            }
        }
        let at = |d: NaiveDate, h: u32| {
            let t = NaiveTime::from_hms_opt(h, 0, 0)?;
            let off = self
                .tz
                .offset_from_local_datetime(&d.and_time(t))
                .single()?;
            Some(chrono::Offset::fix(&off).local_minus_utc())
        };
        let base = match (
            at(date, 0),
            at(date, 12),
            date.succ_opt().and_then(|d| at(d, 0)),
        ) {
            (Some(a), Some(b), Some(c)) if a == b && b == c => {
                Some(date.and_time(NaiveTime::MIN).and_utc().timestamp() - i64::from(a))
            }
            _ => None,
        };
        self.day = Some((date, base));
        base
    }

    pub(crate) fn local(&mut self, ndt: NaiveDateTime) -> Option<DateTime<Utc>> {
        if let Some(base) = self.day_base(ndt.date()) {
            let t = ndt.time();
            let secs = base + i64::from(chrono::Timelike::num_seconds_from_midnight(&t));
            return DateTime::from_timestamp(secs, chrono::Timelike::nanosecond(&t));
        }
        self.local_slow(ndt)
    }

    pub(crate) fn local_slow(&self, ndt: NaiveDateTime) -> Option<DateTime<Utc>> {
        let lr = self.tz.from_local_datetime(&ndt);
        lr.earliest()
            .or_else(|| {
                self.tz
                    .from_local_datetime(&(ndt + chrono::Duration::hours(1)))
                    .earliest()
            })
            .map(|d| d.with_timezone(&Utc))
    }

    /// The UTC time of a stamp. BSD stamps take the year from `year` (or the
    /// reference time, going back a year for dates in the future), then
    /// follow the file across New Year (December followed by January).
    pub fn resolve(&mut self, stamp: Stamp) -> Option<DateTime<Utc>> {
        match stamp {
            Stamp::Full(t) => Some(t),
            Stamp::Local(ndt) => self.local(ndt),
            Stamp::Bsd { month, day, time } => {
                if let Some((k, t)) = self.last_bsd {
                    if k == (month, day, time) {
                        return t;
                    }
                }
                let t = match self.same_bsd_day(month, day, time) {
                    Some(t) => Some(t),
                    None => self.resolve_bsd(month, day, time),
                };
                self.last_bsd = Some(((month, day, time), t));
                t
            }
        }
    }

    /// The time of a BSD stamp on the same day as the last one resolved,
    /// without the date arithmetic: what [`Clock::resolve_bsd`] gives when
    /// the day is cached and its offset is the same all day (then the year
    /// logic keeps the year, and the time is midnight plus the seconds).
    fn same_bsd_day(&self, month: u32, day: u32, time: NaiveTime) -> Option<DateTime<Utc>> {
        let c = self.bsd_day?;
        if c.month != month || c.day != day || self.last != Some((c.year, month)) {
            return None;
        }
        let s = c.secs + chrono::Timelike::num_seconds_from_midnight(&time);
        let (date, s) = if s >= 86_400 {
            (c.date.succ_opt()?, s - 86_400)
        } else {
            (c.date, s)
        };
        let t =
            NaiveTime::from_num_seconds_from_midnight_opt(s, chrono::Timelike::nanosecond(&time))?;
        Some(date.and_time(t).and_utc())
    }

    /// [`Clock::resolve`] for a BSD stamp, without the caches of the last
    /// stamp and of its day (but filling the day cache).
    pub(crate) fn resolve_bsd(
        &mut self,
        month: u32,
        day: u32,
        time: NaiveTime,
    ) -> Option<DateTime<Utc>> {
        let year = match self.last {
            Some((y, last_month)) => {
                if month + 6 <= last_month {
                    y + 1 // Dec -> Jan: new year
                } else if month >= last_month + 6 {
                    y - 1 // out of order across New Year, keep
                } else {
                    y
                }
            }
            None => match self.year {
                Some(y) => y,
                None => {
                    let ref_local = self.reference.with_timezone(&self.tz);
                    let y = chrono::Datelike::year(&ref_local);
                    let cand = NaiveDate::from_ymd_opt(y, month, day.max(1))
                        .map(|d| d.and_time(time))
                        .and_then(|n| self.local(n));
                    match cand {
                        Some(t) if t > self.reference + chrono::Duration::days(1) => y - 1,
                        _ => y,
                    }
                }
            },
        };
        if self.last.is_none() || year >= self.last.map_or(year, |l| l.0) {
            self.last = Some((year, month));
        }
        let date = NaiveDate::from_ymd_opt(year, month, day).or_else(|| {
            // Feb 29 in a non-leap year: keep the event, on Feb 28.
            NaiveDate::from_ymd_opt(year, month, day.saturating_sub(1).max(1))
        })?;
        let t = self.local(date.and_time(time));
        self.bsd_day = None;
        if let (Some((d, Some(base))), true) = (self.day, date.day0() + 1 == day) {
            if d == date && self.last == Some((year, month)) {
                let midnight = DateTime::from_timestamp(base, 0);
                self.bsd_day = midnight.map(|m| BsdDay {
                    month,
                    day,
                    year,
                    date: m.date_naive(),
                    secs: chrono::Timelike::num_seconds_from_midnight(&m.time()),
                });
            }
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_rolls_over_new_year() {
        let mut c = Clock::new(chrono_tz::UTC, Utc::now(), Some(2023));
        let t = |m, d| Stamp::Bsd {
            month: m,
            day: d,
            time: NaiveTime::from_hms_opt(1, 0, 0).unwrap(),
        };
        assert_eq!(chrono::Datelike::year(&c.resolve(t(12, 31)).unwrap()), 2023);
        assert_eq!(chrono::Datelike::year(&c.resolve(t(1, 1)).unwrap()), 2024);
        assert_eq!(chrono::Datelike::year(&c.resolve(t(1, 2)).unwrap()), 2024);
    }

    #[test]
    fn year_inferred_from_reference_goes_back_for_future_dates() {
        let reference: DateTime<Utc> = "2024-01-03T00:00:00Z".parse().unwrap();
        let mut c = Clock::new(chrono_tz::UTC, reference, None);
        let st = Stamp::Bsd {
            month: 12,
            day: 30,
            time: NaiveTime::from_hms_opt(1, 0, 0).unwrap(),
        };
        assert_eq!(chrono::Datelike::year(&c.resolve(st).unwrap()), 2023);
    }
}
