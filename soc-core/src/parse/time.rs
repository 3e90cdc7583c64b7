//! Timestamps as logs write them, parsed by hand from bytes (no regex, no
//! allocation): BSD syslog `Mmm dd HH:MM:SS` (no year) and ISO 8601 with
//! any number of fraction digits and an optional offset. A leaf module:
//! the SSH header parser and the EVE reader both use it.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// A timestamp as found in a line prefix.
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

/// The month number of a three-letter English month name at the start of `b`.
pub(crate) fn month(b: &[u8]) -> Option<u32> {
    let &[a, b, c, ..] = b else { return None };
    // One integer match instead of twelve 3-byte comparisons.
    Some(match u32::from_le_bytes([a, b, c, 0]) {
        0x6e_614a => 1,  // Jan
        0x62_6546 => 2,  // Feb
        0x72_614d => 3,  // Mar
        0x72_7041 => 4,  // Apr
        0x79_614d => 5,  // May
        0x6e_754a => 6,  // Jun
        0x6c_754a => 7,  // Jul
        0x67_7541 => 8,  // Aug
        0x70_6553 => 9,  // Sep
        0x74_634f => 10, // Oct
        0x76_6f4e => 11, // Nov
        0x63_6544 => 12, // Dec
        _ => return None,
    })
}

pub(crate) fn num(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |a, c| a * 10 + u32::from(c - b'0')))
}

/// `HH:MM:SS[.ffffff]` at the start; returns time and length used.
pub(crate) fn hms(b: &[u8]) -> Option<(NaiveTime, usize)> {
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
pub(crate) fn bsd(b: &[u8]) -> Option<(Stamp, usize)> {
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
