//! Syslog dialects beside BSD, ISO 8601 and RFC 5424 prefixes: a
//! `facility.level` token (syslog-ng, busybox, some relays) before the
//! program or instead of the host, a `<PRI>` after a relay's timestamp,
//! daemontools/s6/runit `multilog` TAI64N labels, and RFC 5424's
//! `<PRI>1 TS HOST APP PROCID MSGID SD MSG`.

use chrono::DateTime;

use super::header::{iso, Header, Stamp};

/// Syslog facility names (RFC 5424 and the BSD aliases).
const FACILITIES: &[&str] = &[
    "auth", "authpriv", "security", "daemon", "user", "kern", "mail", "news", "uucp", "cron",
    "syslog", "lpr", "ftp", "ntp", "audit", "alert", "clock", "local0", "local1", "local2",
    "local3", "local4", "local5", "local6", "local7",
];

/// Syslog level names.
const LEVELS: &[&str] = &[
    "emerg", "panic", "alert", "crit", "err", "error", "warning", "warn", "notice", "info",
    "debug", "none", "*",
];

/// Whether `tok` is a `facility.level` token such as `auth.info`.
///
/// ```ignore
/// assert!(is_facility_level("authpriv.notice"));
/// ```
pub(crate) fn is_facility_level(tok: &str) -> bool {
    match tok.split_once('.') {
        Some((f, l)) => FACILITIES.contains(&f) && LEVELS.contains(&l),
        None => false,
    }
}

/// The text after a leading `<N>` priority (1 to 3 digits), if any.
pub(crate) fn strip_pri(s: &str) -> Option<&str> {
    let r = s.strip_prefix('<')?;
    let close = r.find('>')?;
    let digits = &r[..close];
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(&r[close + 1..])
}

/// A multilog TAI64N label `@` + 24 hex digits (seconds since 1970 plus
/// 2^62 + 10, then nanoseconds, as daemontools writes it); returns the
/// stamp and bytes used.
pub(crate) fn tai64n(b: &[u8]) -> Option<(Stamp, usize)> {
    if b.first() != Some(&b'@') || b.len() < 25 {
        return None;
    }
    let hex = std::str::from_utf8(&b[1..25]).ok()?;
    if !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let label = u64::from_str_radix(&hex[..16], 16).ok()?;
    let nanos = u32::from_str_radix(&hex[16..], 16).ok()?;
    let secs = label.checked_sub((1u64 << 62) + 10)?;
    let t = DateTime::from_timestamp(i64::try_from(secs).ok()?, nanos)?;
    Some((Stamp::Full(t), 25))
}

/// `TS HOST APP PROCID MSGID SD MSG` after `<PRI>1 `.
pub(crate) fn rfc5424(r: &str) -> Option<Header<'_>> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facility_levels() {
        for t in ["auth.info", "authpriv.notice", "local7.err", "daemon.*"] {
            assert!(is_facility_level(t), "{t}");
        }
        for t in ["auth", "example.com", "sshd", "auth.infox", "1.2"] {
            assert!(!is_facility_level(t), "{t}");
        }
    }

    #[test]
    fn tai64n_labels() {
        // 2018-06-26T13:22:02.108781500Z
        let unix: u64 = 1_530_019_322;
        let label = format!("@{:016x}{:08x}", (1u64 << 62) + 10 + unix, 108_781_500u32);
        let (st, n) = tai64n(label.as_bytes()).unwrap();
        assert_eq!(n, 25);
        assert_eq!(
            st,
            Stamp::Full("2018-06-26T13:22:02.108781500Z".parse().unwrap())
        );
        assert!(tai64n(b"@zz").is_none());
        assert!(tai64n(b"@000000000000000000000000").is_none());
    }

    #[test]
    fn priorities() {
        assert_eq!(strip_pri("<38>host sshd[1]: x"), Some("host sshd[1]: x"));
        assert_eq!(strip_pri("<x>y"), None);
        assert_eq!(strip_pri("<1234>y"), None);
    }
}
