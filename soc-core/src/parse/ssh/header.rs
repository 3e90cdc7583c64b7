//! The line prefix before an sshd message: timestamp, host, program, pid.
//! Hand-written byte parsing, no regex.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// A timestamp as found in the prefix.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Stamp {
    /// BSD syslog: no year, local time.
    Bsd {
        month: u32,
        day: u32,
        time: NaiveTime,
    },
    /// Complete time.
    Full(DateTime<Utc>),
    /// ISO without offset: local time.
    Local(NaiveDateTime),
}

/// The parsed prefix.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Header<'a> {
    pub stamp: Option<Stamp>,
    pub host: Option<&'a str>,
    /// Program name (`sshd`, `sshd-session`, `CRON`, ...); None for bare messages.
    pub program: Option<&'a str>,
    pub pid: Option<u32>,
    pub msg: &'a str,
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

fn month(b: &[u8]) -> Option<u32> {
    MONTHS
        .iter()
        .position(|m| b.get(..3) == Some(&m[..]))
        .map(|i| i as u32 + 1)
}

fn num(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |a, c| a * 10 + u32::from(c - b'0')))
}

/// `HH:MM:SS[.ffffff]` at the start; returns time and length used.
fn hms(b: &[u8]) -> Option<(NaiveTime, usize)> {
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (h, m, s) = (num(&b[0..2])?, num(&b[3..5])?, num(&b[6..8])?);
    let mut n = 8;
    let mut nanos = 0u32;
    if b.get(8) == Some(&b'.') {
        let digits = b[9..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        let d = &b[9..9 + digits.min(9)];
        nanos = num(d)? * 10u32.pow(9 - d.len() as u32);
        n = 9 + digits;
    }
    Some((NaiveTime::from_hms_nano_opt(h, m, s.min(59), nanos)?, n))
}

/// BSD `Mmm dd HH:MM:SS[.frac]`; returns the stamp and bytes used.
fn bsd(b: &[u8]) -> Option<(Stamp, usize)> {
    let mon = month(b)?;
    if b.get(3) != Some(&b' ') {
        return None;
    }
    let mut i = 4;
    if b.get(i) == Some(&b' ') {
        i += 1;
    }
    let dlen = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    if dlen == 0 || dlen > 2 || b.get(i + dlen) != Some(&b' ') {
        return None;
    }
    let day = num(&b[i..i + dlen])?;
    i += dlen + 1;
    let (time, n) = hms(&b[i..])?;
    Some((
        Stamp::Bsd {
            month: mon,
            day,
            time,
        },
        i + n,
    ))
}

/// ISO 8601 `YYYY-MM-DDTHH:MM:SS[.frac][Z|±HH:MM|±HHMM]` (also with a space
/// instead of `T`); returns the stamp and bytes used.
pub(crate) fn iso(b: &[u8]) -> Option<(Stamp, usize)> {
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b' ') {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(num(&b[0..4])? as i32, num(&b[5..7])?, num(&b[8..10])?)?;
    let (time, n) = hms(&b[11..])?;
    let mut i = 11 + n;
    let ndt = date.and_time(time);
    match b.get(i) {
        Some(b'Z') => Some((Stamp::Full(ndt.and_utc()), i + 1)),
        Some(&c) if c == b'+' || c == b'-' => {
            let sign = if c == b'-' { -1 } else { 1 };
            let h = num(b.get(i + 1..i + 3)?)?;
            i += 3;
            if b.get(i) == Some(&b':') {
                i += 1;
            }
            let m = num(b.get(i..i + 2)?)?;
            i += 2;
            let off = FixedOffset::east_opt(sign * (h as i32 * 3600 + m as i32 * 60))?;
            let dt = off.from_local_datetime(&ndt).single()?;
            Some((Stamp::Full(dt.with_timezone(&Utc)), i))
        }
        _ => Some((Stamp::Local(ndt), i)),
    }
}

/// Splits `prog[pid]:` / `prog:` / `[prog]:` / `[prog]`; returns
/// (program, pid) when `tok` looks like a program tag.
fn program_tag(tok: &str) -> Option<(&str, Option<u32>)> {
    let t = tok.strip_suffix(':');
    if let Some(inner) = tok.strip_prefix('[') {
        let inner = inner.strip_suffix(':').unwrap_or(inner);
        let name = inner.strip_suffix(']')?;
        return Some((name, None));
    }
    let t = t?;
    if let Some(open) = t.find('[') {
        let name = &t[..open];
        let pid = t[open + 1..].strip_suffix(']').and_then(|p| p.parse().ok());
        pid?;
        return Some((name, pid));
    }
    if t.is_empty() || t.contains(['/', '=']) {
        return None;
    }
    Some((t, None))
}

/// Parses `[host ]prog[pid]: msg` after a timestamp (or at line start).
fn host_prog(s: &str) -> Option<(Option<&str>, &str, Option<u32>, &str)> {
    let (t1, rest1) = s.split_once(' ').unwrap_or((s, ""));
    if let Some((prog, pid)) = program_tag(t1) {
        if !t1.ends_with(':') && t1.starts_with('[') {
            // "[sshd] msg" form
            return Some((None, prog, pid, rest1));
        }
        return Some((None, prog, pid, rest1));
    }
    let (t2, rest2) = rest1.split_once(' ').unwrap_or((rest1, ""));
    let (prog, pid) = program_tag(t2)?;
    Some((Some(t1), prog, pid, rest2))
}

/// Parses the prefix of a syslog-ish line. Returns a header with
/// `program: None` when the line has no recognizable prefix (a bare message).
pub(crate) fn parse_header(line: &str) -> Header<'_> {
    let b = line.as_bytes();
    let bare = Header {
        stamp: None,
        host: None,
        program: None,
        pid: None,
        msg: line,
    };
    if b.is_empty() {
        return bare;
    }
    // RFC 5424 / RFC 3164 with PRI.
    if b[0] == b'<' {
        if let Some(close) = b[..b.len().min(6)].iter().position(|&c| c == b'>') {
            let after = &line[close + 1..];
            if let Some(r) = after.strip_prefix("1 ") {
                return rfc5424(r).unwrap_or(bare);
            }
            let h = parse_header(after);
            return if h.program.is_some() { h } else { bare };
        }
    }
    let (stamp, used) = if b[0].is_ascii_digit() {
        match iso(b) {
            Some(x) => (Some(x.0), x.1),
            None => (None, 0),
        }
    } else if let Some(x) = bsd(b) {
        (Some(x.0), x.1)
    } else {
        (None, 0)
    };
    let rest = line[used..].trim_start_matches(' ');
    match host_prog(rest) {
        Some((host, prog, pid, msg)) => Header {
            stamp,
            host,
            program: Some(prog),
            pid,
            msg,
        },
        None if stamp.is_some() => Header {
            stamp,
            msg: rest,
            ..bare
        },
        None => bare,
    }
}

/// `TS HOST APP PROCID MSGID SD MSG` after `<PRI>1 `.
fn rfc5424(r: &str) -> Option<Header<'_>> {
    let mut parts = r.splitn(6, ' ');
    let ts = parts.next()?;
    let host = parts.next()?;
    let app = parts.next()?;
    let procid = parts.next()?;
    let _msgid = parts.next()?;
    let rest = parts.next().unwrap_or("");
    let stamp = if ts == "-" {
        None
    } else {
        iso(ts.as_bytes()).map(|x| x.0)
    };
    // Structured data: "-" or one or more [..] with quoted values.
    let msg = if let Some(m) = rest.strip_prefix("- ") {
        m
    } else if rest == "-" {
        ""
    } else if rest.starts_with('[') {
        let b = rest.as_bytes();
        let (mut i, mut depth, mut quoted) = (0usize, 0i32, false);
        while i < b.len() {
            match b[i] {
                b'\\' if quoted => i += 1,
                b'"' => quoted = !quoted,
                b'[' if !quoted => depth += 1,
                b']' if !quoted => {
                    depth -= 1;
                    if depth == 0 && b.get(i + 1) != Some(&b'[') {
                        i += 1;
                        break;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        rest.get(i..).unwrap_or("").trim_start_matches(' ')
    } else {
        rest
    };
    let msg = msg.trim_start_matches('\u{feff}');
    Some(Header {
        stamp,
        host: (host != "-").then_some(host),
        program: Some(if app == "-" { "" } else { app }),
        pid: procid.parse().ok(),
        msg,
    })
}

/// Resolves timestamps to UTC, inferring the year of BSD timestamps.
#[derive(Debug, Clone)]
pub(crate) struct Clock {
    pub tz: Tz,
    pub reference: DateTime<Utc>,
    pub year: Option<i32>,
    last: Option<(i32, u32)>,
    /// The last BSD stamp resolved and its result (lines come in bursts
    /// with the same second).
    last_bsd: Option<((u32, u32, NaiveTime), Option<DateTime<Utc>>)>,
    /// A local date and its UTC offset in seconds, when the offset is the
    /// same all day (no DST change); `None` for a day with a change.
    day: Option<(NaiveDate, Option<i32>)>,
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
        }
    }

    /// The UTC offset of `date` when it is the same from its start to its
    /// end (computed once per date).
    fn day_offset(&mut self, date: NaiveDate) -> Option<i32> {
        if let Some((d, off)) = self.day {
            if d == date {
                return off;
            }
        }
        let at = |d: NaiveDate, h: u32| {
            let t = NaiveTime::from_hms_opt(h, 0, 0)?;
            let off = self.tz.offset_from_local_datetime(&d.and_time(t)).single()?;
            Some(chrono::Offset::fix(&off).local_minus_utc())
        };
        let off = match (at(date, 0), at(date, 12), date.succ_opt().and_then(|d| at(d, 0))) {
            (Some(a), Some(b), Some(c)) if a == b && b == c => Some(a),
            _ => None,
        };
        self.day = Some((date, off));
        off
    }

    fn local(&mut self, ndt: NaiveDateTime) -> Option<DateTime<Utc>> {
        if let Some(off) = self.day_offset(ndt.date()) {
            let utc = ndt.checked_sub_signed(chrono::Duration::seconds(i64::from(off)))?;
            return Some(utc.and_utc());
        }
        self.local_slow(ndt)
    }

    fn local_slow(&self, ndt: NaiveDateTime) -> Option<DateTime<Utc>> {
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
                let t = self.resolve_bsd(month, day, time);
                self.last_bsd = Some(((month, day, time), t));
                t
            }
        }
    }

    fn resolve_bsd(&mut self, month: u32, day: u32, time: NaiveTime) -> Option<DateTime<Utc>> {
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
        self.local(date.and_time(time))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        let h = parse_header("Jan  5 01:31:41 www sshd[1643]: hello");
        assert_eq!(
            (h.host, h.program, h.pid, h.msg),
            (Some("www"), Some("sshd"), Some(1643), "hello")
        );
        let h = parse_header("Mar  3 00:17:22 [sshd]: User root");
        assert_eq!(
            (h.host, h.program, h.msg),
            (None, Some("sshd"), "User root")
        );
        let h = parse_header("srv sshd-session[9]: x y");
        assert_eq!(
            (h.host, h.program, h.msg),
            (Some("srv"), Some("sshd-session"), "x y")
        );
        let h = parse_header("2024-03-01T10:00:00.123456+01:00 host sshd[7]: m");
        assert_eq!(
            h.stamp,
            Some(Stamp::Full("2024-03-01T09:00:00.123456Z".parse().unwrap()))
        );
        let h = parse_header("<38>1 2019-07-08T17:40:17.954167-04:00 h.example.com sshd 57915 - [a b=\"[x]\"][c@1 d=\"e\"] Failed x");
        assert_eq!(
            (h.program, h.pid, h.msg),
            (Some("sshd"), Some(57915), "Failed x")
        );
        let h = parse_header("Failed password for root from 1.2.3.4 port 1 ssh2");
        assert_eq!(h.program, None);
    }

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
