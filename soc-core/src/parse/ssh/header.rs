//! The line prefix before an sshd message: timestamp, host, program, pid.
//! Hand-written byte parsing, no regex.

use chrono::NaiveTime;

use super::dialect;
use crate::parse::time::bsd;
pub(crate) use crate::parse::time::{iso, month, Stamp};
pub(crate) use crate::swar::find_byte;
use crate::swar::{word_at, HI, LO};

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

/// Splits `prog[pid]:` / `prog:` / `[prog]:` / `[prog]`; returns
/// (program, pid) when `tok` looks like a program tag.
fn program_tag(tok: &str) -> Option<(&str, Option<u32>)> {
    let b = tok.as_bytes();
    if b.first() == Some(&b'[') {
        let inner = &tok[1..];
        let inner = inner.strip_suffix(':').unwrap_or(inner);
        let name = inner.strip_suffix(']')?;
        return Some((name, None));
    }
    let Some(t) = tok.strip_suffix(':') else {
        // `sshd[123] error: ...`: a pid tag without the colon.
        let open = byte_pos(b, b'[')?;
        let pid = tok[open + 1..].strip_suffix(']')?.parse().ok()?;
        return (open > 0).then(|| (&tok[..open], Some(pid)));
    };
    if let Some(open) = byte_pos(t.as_bytes(), b'[') {
        let name = &t[..open];
        let pid = t[open + 1..].strip_suffix(']').and_then(|p| p.parse().ok());
        pid?;
        return Some((name, pid));
    }
    if t.is_empty() || t.bytes().any(|c| c == b'/' || c == b'=') {
        return None;
    }
    Some((t, None))
}

/// Parses `[host ]prog[pid]: msg` after a timestamp (or at line start).
fn host_prog(s: &str) -> Option<(Option<&str>, &str, Option<u32>, &str)> {
    let (t1, rest1) = split_space(s);
    if let Some((prog, pid)) = program_tag(t1) {
        return Some((None, prog, pid, rest1));
    }
    let (t2, rest2) = split_space(rest1);
    let (prog, pid) = program_tag(t2)?;
    Some((Some(t1), prog, pid, rest2))
}

/// The first `c` in `b`: a plain loop, faster than `memchr` on the short
/// tokens of a prefix.
fn byte_pos(b: &[u8], c: u8) -> Option<usize> {
    b.iter().position(|&x| x == c)
}

/// `s.split_once(' ')`, or all of `s` and "".
fn split_space(s: &str) -> (&str, &str) {
    match byte_pos(s.as_bytes(), b' ') {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    }
}

/// `HH:MM:SS` (exactly 8 bytes) as one 64-bit word: the colons and six
/// digits checked and the three numbers read without a byte loop (the
/// seconds capped at 59, like [`hms`](crate::parse::time::hms)).
#[inline(always)]
pub(crate) fn hms_swar(b: &[u8]) -> Option<NaiveTime> {
    const DIGITS: u64 = 0xffff_00ff_ff00_ffff; // bytes 0, 1, 3, 4, 6, 7
    const COLONS: u64 = 0x0000_ff00_00ff_0000; // bytes 2, 5
    let mut w = [0u8; 8];
    w.copy_from_slice(b.get(..8)?);
    let x = u64::from_le_bytes(w);
    if x & COLONS != 0x0000_3a00_003a_0000 {
        return None;
    }
    // '0'..='9' become 0..=9; any other byte is >= 10 (or has its top bit).
    let y = (x ^ 0x3030_0030_3000_3030) & DIGITS;
    if (y | y.wrapping_add(0x7676_0076_7600_7676)) & 0x8080_0080_8000_8080 != 0 {
        return None;
    }
    // Byte k of `y * 10 + (y >> 8)` is 10 * y[k] + y[k + 1] (at most 99:
    // no carry between bytes), so bytes 0, 3 and 6 are the three numbers.
    let pairs = y * 10 + (y >> 8);
    let byte = |k: u32| ((pairs >> (8 * k)) & 0xff) as u32;
    NaiveTime::from_hms_opt(byte(0), byte(3), byte(6).min(59))
}

/// The digits at the start of `b`: their value (exact up to 9 digits)
/// and their count. Up to 7 digits followed by a non-digit (a pid and its
/// `]`) are found and read as one 64-bit word, without a byte loop.
#[inline]
pub(crate) fn leading_digits(b: &[u8]) -> (u32, usize) {
    if let Some(w) = word_at(b, 0) {
        // '0'..='9' become 0..=9; any other byte is >= 10 (or has its top
        // bit): flagged (the lowest flag is exact, see `hms_swar`).
        let y = w ^ (0x30 * LO);
        let other = (y | y.wrapping_add(0x76 * LO)) & HI;
        if other != 0 {
            let n = (other.trailing_zeros() / 8) as usize;
            if n == 0 {
                return (0, 0);
            }
            // The n digits to the top bytes (byte 0, the first digit, is
            // the most significant), then pairs, quads and the eight
            // summed in three multiplications.
            let v = y << (8 * (8 - n));
            let v = (v & 0x0f0f_0f0f_0f0f_0f0f).wrapping_mul(10 << 8 | 1) >> 8;
            let v = (v & 0x00ff_00ff_00ff_00ff).wrapping_mul(100 << 16 | 1) >> 16;
            let v = (v & 0x0000_ffff_0000_ffff).wrapping_mul(10_000 << 32 | 1) >> 32;
            return (v as u32, n);
        }
    }
    let mut n = 0;
    let mut value = 0u32;
    for &c in b.iter().take_while(|c| c.is_ascii_digit()) {
        value = value.wrapping_mul(10).wrapping_add(u32::from(c - b'0'));
        n += 1;
    }
    (value, n)
}

/// The common `Mmm dd HH:MM:SS host prog[pid]: msg` in one pass. `None`
/// for anything else (which the general path then parses, to the same
/// result on the lines accepted here).
pub(crate) fn bsd_fast(line: &str) -> Option<Header<'_>> {
    let b = line.as_bytes();
    if b.len() < 17 || b[3] != b' ' || b[6] != b' ' || b[15] != b' ' || b[16] == b' ' {
        return None;
    }
    let month = month(b)?;
    let digit = |c: u8| c.is_ascii_digit().then(|| u32::from(c - b'0'));
    let two = |i: usize| Some(digit(b[i])? * 10 + digit(b[i + 1])?);
    let day = if b[4] == b' ' { digit(b[5])? } else { two(4)? };
    let time = hms_swar(b.get(7..15)?)?;
    // Host: up to the next space (byte loops beat memchr on these short
    // tokens).
    let h_end = 16 + find_byte(b.get(16..)?, b' ')?;
    if b[16] == b'[' || b[h_end - 1] == b':' {
        return None;
    }
    // `auth.info` where the host would be: the general path. (A level
    // name ends in a lowercase letter or `*`; most host names do not get
    // past this first test.)
    if matches!(b[h_end - 1], b'a'..=b'z' | b'*')
        && h_end - 16 <= 16
        && dialect::is_facility_level(line.get(16..h_end)?)
    {
        return None;
    }
    // Tag `prog[pid]: `: the program runs to the first '[' (no space in it).
    let t = h_end + 1;
    // `sshd[` itself needs no search for its `[`.
    let open = if b.get(t..t + 5) == Some(b"sshd[") {
        t + 4
    } else {
        t + find_byte(b.get(t..)?, b'[')?
    };
    let prog = b.get(t..open)?;
    // (sshd's own names have no space: skip the search for them)
    if prog != b"sshd" && prog != b"sshd-session" && find_byte(prog, b' ').is_some() {
        return None;
    }
    let (pid, digits) = leading_digits(b.get(open + 1..)?);
    let j = open + 1 + digits;
    if digits == 0 || digits > 9 || b.get(j..j + 3) != Some(b"]: ") {
        return None;
    }
    Some(Header {
        stamp: Some(Stamp::Bsd { month, day, time }),
        host: Some(line.get(16..h_end)?),
        program: Some(line.get(t..open)?),
        pid: Some(pid),
        msg: line.get(j + 3..)?,
    })
}

/// Parses the prefix of a syslog-ish line. Returns a header with
/// `program: None` when the line has no recognizable prefix (a bare message).
#[inline]
pub(crate) fn parse_header(line: &str) -> Header<'_> {
    if line.as_bytes().first().is_some_and(u8::is_ascii_uppercase) {
        if let Some(h) = bsd_fast(line) {
            return h;
        }
    }
    parse_header_general(line)
}

/// The header of a line without a prefix: all of it is the message.
fn bare(line: &str) -> Header<'_> {
    Header {
        stamp: None,
        host: None,
        program: None,
        pid: None,
        msg: line,
    }
}

/// [`parse_header`] without the BSD fast path.
pub(crate) fn parse_header_general(line: &str) -> Header<'_> {
    let b = line.as_bytes();
    let bare = bare(line);
    if b.is_empty() {
        return bare;
    }
    // RFC 5424 / RFC 3164 with PRI.
    if b[0] == b'<' {
        if let Some(close) = b[..b.len().min(6)].iter().position(|&c| c == b'>') {
            let after = &line[close + 1..];
            if let Some(r) = after.strip_prefix("1 ") {
                return dialect::rfc5424(r).unwrap_or(bare);
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
    } else if let Some(x) = bsd(b).or_else(|| dialect::tai64n(b)) {
        (Some(x.0), x.1)
    } else {
        (None, 0)
    };
    let mut rest = line[used..].trim_start_matches(' ');
    if stamp.is_some() {
        // A relay's stamp, then `<PRI>` and the original line.
        if let Some(after) = dialect::strip_pri(rest) {
            let inner = parse_header_general(after);
            if inner.program.is_some() || inner.stamp.is_some() {
                return Header {
                    stamp: inner.stamp.or(stamp),
                    ..inner
                };
            }
            rest = after;
        }
    }
    // `facility.level` instead of the host or before the program; with a
    // colon, instead of the program (no program name at all).
    let mut fac_host = None;
    let (t1, r1) = split_space(rest);
    let (t2, r2) = split_space(r1);
    for (host, tok, after) in [(None, t1, r1), (Some(t1), t2, r2)] {
        if host.is_some() && program_tag(t1).is_some() {
            break;
        }
        if let Some(f) = tok.strip_suffix(':') {
            if dialect::is_facility_level(f) {
                return Header {
                    stamp,
                    host,
                    msg: after,
                    ..bare
                };
            }
        }
        if dialect::is_facility_level(tok) {
            fac_host = host;
            rest = after;
            break;
        }
    }
    match host_prog(rest).map(|(h, p, pid, m)| (h.or(fac_host), p, pid, m)) {
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

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The word-at-a-time read agrees with a byte loop, whatever
        /// follows the digits and however many there are.
        #[test]
        fn leading_digits_is_the_byte_loop(
            digits in "[0-9]{0,12}",
            tail in proptest::collection::vec(0u8..=255, 0..10),
        ) {
            let mut b = digits.clone().into_bytes();
            b.extend(tail.iter().copied().filter(|c| !c.is_ascii_digit()));
            let n = digits.len();
            let (value, count) = leading_digits(&b);
            proptest::prop_assert_eq!(count, n);
            if n <= 9 {
                proptest::prop_assert_eq!(Some(value), digits.parse::<u32>().ok().or((n == 0).then_some(0)));
            }
        }
    }

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
}
