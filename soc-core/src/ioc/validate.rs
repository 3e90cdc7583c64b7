//! Shape checks and normalization for single candidates, one function per
//! kind. Each takes the refanged bytes of one candidate and returns the
//! normalized value, or `None` when it is not a valid indicator.

use std::net::{Ipv4Addr, Ipv6Addr};

pub(crate) use super::domain::domain;

/// Parses a dotted-quad IPv4 address (octets 0-255, at most 3 digits each).
pub(crate) fn ipv4(p: &[u8]) -> Option<Ipv4Addr> {
    let mut oct = [0u8; 4];
    let (mut n, mut v, mut digits) = (0, 0u32, 0);
    for &c in p {
        if c == b'.' {
            if digits == 0 || n == 3 {
                return None;
            }
            oct[n] = u8::try_from(v).ok()?;
            (n, v, digits) = (n + 1, 0, 0);
        } else if c.is_ascii_digit() && digits < 3 {
            v = v * 10 + u32::from(c - b'0');
            digits += 1;
        } else {
            return None;
        }
    }
    if digits == 0 || n != 3 {
        return None;
    }
    oct[3] = u8::try_from(v).ok()?;
    Some(Ipv4Addr::from(oct))
}

/// Parses an IPv6 address (zone ids dropped). Needs at least two colons and
/// something more than a bare `::`-joined pair of short words (`a::b`).
pub(crate) fn ipv6(p: &[u8]) -> Option<Ipv6Addr> {
    let p = match p.iter().position(|&c| c == b'%') {
        Some(z) => &p[..z],
        None => p,
    };
    let colons = p.iter().filter(|&&c| c == b':').count();
    if colons < 2 || p.len() < 3 || (p.len() < 6 && p != b"::1") {
        return None;
    }
    std::str::from_utf8(p).ok()?.parse().ok()
}

/// Normalizes a MAC address (`00:11:22:aa:bb:cc`, `00-11-...`, `0011.22aa.bbcc`).
pub(crate) fn mac(p: &[u8]) -> Option<String> {
    let hex: Vec<u8> = match p.len() {
        17 => {
            let sep = p[2];
            if !(sep == b':' || sep == b'-') {
                return None;
            }
            for (i, &c) in p.iter().enumerate() {
                if (i % 3 == 2) != (c == sep) || (i % 3 != 2 && !c.is_ascii_hexdigit()) {
                    return None;
                }
            }
            p.iter()
                .filter(|c| c.is_ascii_hexdigit())
                .copied()
                .collect()
        }
        14 => {
            for (i, &c) in p.iter().enumerate() {
                if (i % 5 == 4) != (c == b'.') || (i % 5 != 4 && !c.is_ascii_hexdigit()) {
                    return None;
                }
            }
            p.iter().filter(|&&c| c != b'.').copied().collect()
        }
        _ => return None,
    };
    let mut s = String::with_capacity(17);
    for (i, pair) in hex.chunks(2).enumerate() {
        if i > 0 {
            s.push(':');
        }
        for &c in pair {
            s.push(c.to_ascii_lowercase() as char);
        }
    }
    Some(s)
}

/// Which file hash a hex string of this length is (the caller checks that
/// it is all hex digits with at least one letter and one digit).
pub(crate) fn hash_kind_of_len(len: usize) -> Option<crate::model::IndicatorKind> {
    use crate::model::IndicatorKind as K;
    match len {
        32 => Some(K::Md5),
        40 => Some(K::Sha1),
        64 => Some(K::Sha256),
        128 => Some(K::Sha512),
        _ => None,
    }
}

/// Words that name a hash which is not a file hash (`imphash: <md5 shape>`).
const NOT_FILE_HASH: [&str; 7] = [
    "imphash",
    "ja3",
    "ja3s",
    "pehash",
    "authentihash",
    "richhash",
    "vhash",
];

/// What the label in front of a hash says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HashLabel {
    /// No label, or one that does not name a non-file hash: a file hash.
    File,
    /// `imphash`, `import hash`, `IMPORT-HASH:` (the PE import table hash).
    Imphash,
    /// `authentihash` (the PE Authenticode hash).
    Authentihash,
    /// Another hash that is not a file's (`ja3`, `pehash`, `vhash`, ...).
    Other,
}

/// The alphanumeric word before `end` (after skipping separators back to
/// `from`), counting the line breaks skipped in `newlines`.
fn word_before(text: &[u8], from: usize, mut end: usize, newlines: &mut u8) -> (usize, usize) {
    while end > from && !text[end - 1].is_ascii_alphanumeric() {
        if text[end - 1] == b'\n' {
            *newlines += 1;
        }
        end -= 1;
    }
    let mut start = end;
    while start > from && text[start - 1].is_ascii_alphanumeric() {
        start -= 1;
    }
    (start, end)
}

/// What the label just before `at` in `text` names: on the same line, or
/// ending the line before (`IMPORT HASH:` then the hash alone on the next
/// line). `import hash` may be two words; any case, any separator.
pub(crate) fn hash_label(text: &[u8], at: usize) -> HashLabel {
    let from = at.saturating_sub(64);
    let at = at.min(text.len());
    let mut newlines = 0u8;
    let (start, end) = word_before(text, from, at, &mut newlines);
    let word = &text[start..end];
    if newlines > 1 || word.is_empty() {
        return HashLabel::File;
    }
    let is = |w: &[u8], name: &str| w.eq_ignore_ascii_case(name.as_bytes());
    let label = if is(word, "imphash") {
        HashLabel::Imphash
    } else if is(word, "authentihash") {
        HashLabel::Authentihash
    } else if NOT_FILE_HASH.iter().any(|n| is(word, n)) {
        HashLabel::Other
    } else if is(word, "hash") {
        let mut nl2 = newlines;
        let (s2, e2) = word_before(text, from, start, &mut nl2);
        if nl2 == newlines && is(&text[s2..e2], "import") {
            HashLabel::Imphash
        } else {
            return HashLabel::File;
        }
    } else {
        return HashLabel::File;
    };
    label
}

/// `CVE-2021-44228` (any case) -> upper case.
pub(crate) fn cve(p: &[u8]) -> Option<String> {
    if p.len() < 13 || !p[..4].eq_ignore_ascii_case(b"cve-") || p[8] != b'-' {
        return None;
    }
    let (year, id) = (&p[4..8], &p[9..]);
    let ok = year.iter().all(u8::is_ascii_digit)
        && (year.starts_with(b"19") || year.starts_with(b"20"))
        && (4..=7).contains(&id.len())
        && id.iter().all(u8::is_ascii_digit);
    ok.then(|| String::from_utf8_lossy(p).to_ascii_uppercase())
}

/// `T1059`, `T1059.001` (technique) or `TA0001` (tactic).
/// Lower-case ids (`t1059`, `ta0001`) are accepted; values are upper-cased.
pub(crate) fn attack(p: &[u8]) -> Option<crate::model::IndicatorKind> {
    use crate::model::IndicatorKind as K;
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    if p.len() == 6 && p[..4].eq_ignore_ascii_case(b"TA00") && digits(&p[2..]) {
        return Some(K::AttackTactic);
    }
    let tech = p.len() >= 5 && p[0] | 0x20 == b't' && p[1] == b'1' && digits(&p[1..5]);
    match p.len() {
        5 if tech => Some(K::AttackTechnique),
        9 if tech && p[5] == b'.' && digits(&p[6..]) => Some(K::AttackTechnique),
        _ => None,
    }
}

/// `AS13335`, `ASN13335`, `AS 13335`, `as13335`, `asn 13335` -> `AS13335`.
/// (The scanner decides which spaced forms are groups: `as 2014` is not.)
pub(crate) fn asn(p: &[u8]) -> Option<String> {
    if p.len() < 3 || !p[..2].eq_ignore_ascii_case(b"as") {
        return None;
    }
    let rest = &p[2..];
    let rest = match rest.first() {
        Some(b'N' | b'n') => &rest[1..],
        _ => rest,
    };
    let rest = rest.strip_prefix(b" ").unwrap_or(rest);
    if rest.is_empty() || rest.len() > 10 || !rest.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = rest.iter().fold(0u64, |a, &d| a * 10 + u64::from(d - b'0'));
    (1..=u64::from(u32::MAX))
        .contains(&n)
        .then(|| format!("AS{n}"))
}

/// `blocksize:hash:hash` with a blocksize of 3 * 2^k and base64 parts.
pub(crate) fn ssdeep(p: &[u8]) -> bool {
    let mut parts = p.split(|&c| c == b':');
    let (Some(bs), Some(h1), Some(h2), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let b64 = |s: &[u8]| {
        (1..=64).contains(&s.len())
            && s.iter()
                .all(|&c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/')
    };
    if bs.is_empty() || bs.len() > 10 || !bs.iter().all(u8::is_ascii_digit) || !b64(h1) || !b64(h2)
    {
        return false;
    }
    let n = bs.iter().fold(0u64, |a, &d| a * 10 + u64::from(d - b'0'));
    n >= 3 && n % 3 == 0 && (n / 3).is_power_of_two() && h1.len() + h2.len() >= 8
}

/// Top-level directories that make a `/x/y` string a POSIX path.
const POSIX_ROOTS: [&str; 27] = [
    "etc",
    "tmp",
    "var",
    "usr",
    "bin",
    "sbin",
    "home",
    "root",
    "opt",
    "dev",
    "proc",
    "lib",
    "lib64",
    "mnt",
    "media",
    "srv",
    "sys",
    "run",
    "boot",
    "Users",
    "Library",
    "Applications",
    "System",
    "private",
    "Volumes",
    "Windows",
    "Program Files",
];

/// `/etc/passwd`, `~/.ssh/authorized_keys`: a POSIX path under a well-known root.
pub(crate) fn posix_path(p: &[u8]) -> bool {
    let rest = if let Some(r) = p.strip_prefix(b"~/") {
        return r.len() > 1 && r.iter().all(|&c| path_byte(c));
    } else if let Some(r) = p.strip_prefix(b"/") {
        r
    } else {
        return false;
    };
    let Some(slash) = rest.iter().position(|&c| c == b'/') else {
        return false;
    };
    let root = &rest[..slash];
    slash + 1 < rest.len()
        && POSIX_ROOTS.iter().any(|r| r.as_bytes() == root)
        && rest.iter().all(|&c| path_byte(c))
}

fn path_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"/._-+@~%$#".contains(&c)
}

/// The local part of an e-mail address.
pub(crate) fn email_local(p: &[u8]) -> bool {
    (1..=64).contains(&p.len())
        && p[0] != b'.'
        && p[p.len() - 1] != b'.'
        && p.iter()
            .all(|&c| c.is_ascii_alphanumeric() || b"._%+-_".contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_rules() {
        assert_eq!(ipv4(b"1.2.3.4"), Some(Ipv4Addr::new(1, 2, 3, 4)));
        assert_eq!(ipv4(b"010.001.1.1"), Some(Ipv4Addr::new(10, 1, 1, 1)));
        assert_eq!(ipv4(b"1.2.3.256"), None);
        assert_eq!(ipv4(b"1.2.3.4.5"), None);
        assert_eq!(ipv4(b"1.2.3"), None);
        assert_eq!(ipv4(b"1.2..3"), None);
    }

    #[test]
    fn small_kinds() {
        assert_eq!(
            mac(b"00-1A-2b-3c-4d-5e").as_deref(),
            Some("00:1a:2b:3c:4d:5e")
        );
        assert_eq!(mac(b"001a.2b3c.4d5e").as_deref(), Some("00:1a:2b:3c:4d:5e"));
        assert_eq!(mac(b"00:1a:2b-3c:4d:5e"), None);
        assert_eq!(cve(b"cve-2021-44228").as_deref(), Some("CVE-2021-44228"));
        assert_eq!(cve(b"CVE-21-44228"), None);
        assert_eq!(
            attack(b"T1059.001"),
            Some(crate::model::IndicatorKind::AttackTechnique)
        );
        assert_eq!(
            attack(b"TA0001"),
            Some(crate::model::IndicatorKind::AttackTactic)
        );
        assert_eq!(attack(b"T9999"), None);
        assert_eq!(asn(b"ASN00013335").as_deref(), Some("AS13335"));
        assert_eq!(asn(b"AS 64512").as_deref(), Some("AS64512"));
        assert_eq!(asn(b"AS0"), None);
        assert!(ssdeep(b"96:s4Ud1Lj96tHHlZDrwciQmA5kzu4EX1T:s4Ud1L9s1T"));
        assert!(!ssdeep(b"97:s4Ud1Lj96tHHlZDrwciQmA:s4Ud1L9s1T"));
        assert!(posix_path(b"/etc/passwd"));
        assert!(posix_path(b"~/.ssh/authorized_keys"));
        assert!(!posix_path(b"/index.html"));
        assert!(!posix_path(b"/foo/bar"));
        assert!(ipv6(b"a::b").is_none());
        assert!(ipv6(b"2001:db8::1").is_some());
    }

    /// The dotted-quad parser as first written (split on dots).
    fn ipv4_reference(p: &[u8]) -> Option<Ipv4Addr> {
        let mut oct = [0u8; 4];
        let mut n = 0;
        for part in p.split(|&c| c == b'.') {
            if n == 4 || part.is_empty() || part.len() > 3 || !part.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let v = part.iter().fold(0u32, |a, &d| a * 10 + u32::from(d - b'0'));
            oct[n] = u8::try_from(v).ok()?;
            n += 1;
        }
        (n == 4).then(|| Ipv4Addr::from(oct))
    }

    proptest::proptest! {
        /// The one-pass dotted-quad parser agrees with the split-based one.
        #[test]
        fn ipv4_matches_reference(s in "[0-9.]{0,17}|[0-9]{1,4}(\\.[0-9]{1,4}){2,4}x?") {
            proptest::prop_assert_eq!(ipv4(s.as_bytes()), ipv4_reference(s.as_bytes()));
        }

    }

    #[test]
    fn hash_labels() {
        let label = |t: &str| hash_label(t.as_bytes(), t.len());
        assert_eq!(label("imphash: "), HashLabel::Imphash);
        assert_eq!(label("Import Hash = "), HashLabel::Imphash);
        assert_eq!(label("IMPORT-HASH:\n"), HashLabel::Imphash);
        assert_eq!(label("import_hash\r\n  "), HashLabel::Imphash);
        assert_eq!(label("Authentihash "), HashLabel::Authentihash);
        assert_eq!(label("ja3="), HashLabel::Other);
        assert_eq!(label("Imphash\nmd5 = "), HashLabel::File);
        assert_eq!(label("imphash:\n\n"), HashLabel::File);
        assert_eq!(label("the hash "), HashLabel::File);
        assert_eq!(label("import the hash "), HashLabel::File);
        assert_eq!(label(""), HashLabel::File);
    }
}
