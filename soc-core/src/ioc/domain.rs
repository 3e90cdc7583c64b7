//! Domain names: label rules, the Public Suffix List, `.onion` names and
//! the file-name look-alikes (`setup.py`).

use std::borrow::Cow;

/// Top-level domains that are also common file extensions: a bare
/// `name.ext` with one of these is taken for a file name unless it was
/// defanged or came from a URL (`setup.py`, `run.sh`, `README.md`).
const FILE_EXT_TLDS: [&str; 21] = [
    "py", "sh", "pl", "pm", "rs", "so", "ps", "ws", "zip", "mov", "md", "cc", "cab", "cat", "one",
    "run", "mk", "ac", "ax", "ml", "mo",
];

const DNS_BAD: u8 = 1;
const DNS_UPPER: u8 = 2;
const DNS_DOT: u8 = 4;

/// Domain byte classes: label bytes (letters, digits, `-`, `_`) are 0 or
/// `DNS_UPPER`, `.` is `DNS_DOT`, anything else `DNS_BAD`.
static DNS: [u8; 256] = {
    let mut t = [DNS_BAD; 256];
    let mut c = 0;
    while c < 128 {
        let b = c as u8;
        if b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_' {
            t[c] = 0;
        } else if b.is_ascii_uppercase() {
            t[c] = DNS_UPPER;
        }
        c += 1;
    }
    t[b'.' as usize] = DNS_DOT;
    t
};

/// A validated domain name, lower-cased.
pub(crate) struct Domain<'a> {
    /// Borrowed from the input when it was already lower case.
    pub(crate) value: Cow<'a, str>,
    /// Ends in `.onion`.
    pub(crate) onion: bool,
    /// Two labels and a TLD that is also a common file extension.
    pub(crate) file_like: bool,
}

/// Validates a domain: LDH labels (underscores allowed below the TLD), a
/// known public suffix (via the embedded Public Suffix List) and at least
/// one label in front of it. Rejected candidates allocate nothing.
pub(crate) fn domain(text: &str) -> Option<Domain<'_>> {
    let text = text.strip_suffix('.').unwrap_or(text);
    let p = text.as_bytes();
    if p.len() > 253 || p.len() < 4 {
        return None;
    }
    // One pass: byte classes, label shapes, and whether to lower-case.
    let label_ok =
        |l: &[u8]| !l.is_empty() && l.len() <= 63 && l[0] != b'-' && l[l.len() - 1] != b'-';
    let (mut labels, mut start, mut seen) = (0, 0, 0u8);
    for (k, &c) in p.iter().enumerate() {
        let cl = DNS[c as usize];
        seen |= cl;
        if cl == DNS_DOT {
            if !label_ok(&p[start..k]) {
                return None;
            }
            labels += 1;
            start = k + 1;
        }
    }
    let last = &p[start..];
    if seen & DNS_BAD != 0 || !label_ok(last) {
        return None;
    }
    labels += 1;
    if labels < 2 || !(last.iter().all(u8::is_ascii_alphabetic) || last.starts_with(b"xn--")) {
        return None;
    }
    // `happened.Then`: a Title-case TLD is a missing space, not a domain.
    if last.len() > 1
        && last[0].is_ascii_uppercase()
        && last[1..].iter().any(u8::is_ascii_lowercase)
    {
        return None;
    }
    // Lower-case into a stack buffer: the PSL lookup needs no allocation.
    let upper = seen & DNS_UPPER != 0;
    let mut buf = [0u8; 253];
    let low = if upper {
        let low = &mut buf[..p.len()];
        low.copy_from_slice(p);
        low.make_ascii_lowercase();
        &*low
    } else {
        p
    };
    let tld_start = low.iter().rposition(|&c| c == b'.').map_or(0, |q| q + 1);
    let tld = &low[tld_start..];
    let onion = tld == b"onion";
    if onion {
        let label_start = low[..tld_start - 1]
            .iter()
            .rposition(|&c| c == b'.')
            .map_or(0, |q| q + 1);
        let label = std::str::from_utf8(&low[label_start..tld_start - 1]).unwrap_or("");
        if !super::coins::is_onion_label(label) {
            return None;
        }
    } else {
        let suffix = psl::suffix(low)?;
        if !suffix.is_known()
            || (suffix.as_bytes().len() >= low.len() && suffix.typ() != Some(psl::Type::Private))
        {
            return None;
        }
    }
    let file_like = !onion && labels == 2 && FILE_EXT_TLDS.iter().any(|e| e.as_bytes() == tld);
    let value = if upper {
        Cow::Owned(text.to_ascii_lowercase())
    } else {
        Cow::Borrowed(text)
    };
    Some(Domain {
        value,
        onion,
        file_like,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_rules() {
        assert_eq!(
            domain("Evil.Example.COM").map(|d| d.value),
            Some("evil.example.com".into())
        );
        assert!(domain("invoice.pdf").is_none());
        assert!(domain("setup.py").is_some_and(|d| d.file_like));
        assert!(domain("cdn.setup.py").is_some_and(|d| !d.file_like));
        assert!(domain("happened.Then").is_none());
        assert!(domain("com").is_none());
        assert!(domain("-bad.com").is_none());
        assert!(domain("user.github.io").is_some());
        assert!(domain("localhost.localdomain").is_none());
    }

    /// The label rules as first written (split, then check each label).
    fn labels_ok_reference(p: &[u8]) -> bool {
        p.split(|&c| c == b'.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l[0] != b'-'
                && l[l.len() - 1] != b'-'
                && l.iter()
                    .all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        })
    }

    proptest::proptest! {
        /// The one-pass label check agrees with the split-based rules.
        #[test]
        fn domain_labels_match_reference(name in "[aZ0_.-]{0,12}[a-zA-Z0-9.-]{0,3}") {
            let full = format!("{name}.com");
            let got = domain(&full);
            let ok = full.len() <= 253 && full.len() >= 4 && labels_ok_reference(full.as_bytes());
            proptest::prop_assert_eq!(got.is_some(), ok, "{}", full);
            if let Some(d) = got {
                proptest::prop_assert_eq!(d.value, full.to_ascii_lowercase());
            }
        }
    }
}
