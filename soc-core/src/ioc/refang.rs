//! Defang and refang.
//!
//! Refanging turns the ways analysts neuter indicators back into the real
//! thing: `hxxp`/`hXXps`/`fxp` schemes, `[.]` `(.)` `{.}` `[dot]` `(dot)`
//! and mismatched or repeated brackets such as `10(((.]]]10`, `\.`, `[:]`,
//! `[://]`, `[@]`, `[at]`, and the spelled-out ` dot ` / ` at `, in any case.
//!
//! The [`Normalizer`] refangs one token at a time and remembers, for every
//! output byte, where it came from, so that the extractor reports offsets
//! into the original text.

use std::borrow::Cow;

use crate::model::{Indicator, IndicatorKind};

/// Refangs a whole text: every defanged indicator the extractor would find
/// is rewritten in place; everything else is left as it was.
///
/// ```
/// use soc_core::ioc::refang;
/// assert_eq!(refang("see hxxps://evil[.]example(.)com/a and 10(((.]]]0.0.1"),
///            "see https://evil.example.com/a and 10.0.0.1");
/// assert_eq!(refang("mail admin[at]example[dot]org"), "mail admin@example.org");
/// assert_eq!(refang("plain text"), "plain text");
/// ```
pub fn refang(text: &str) -> Cow<'_, str> {
    let mut out: Option<String> = None;
    let mut last = 0;
    super::scan::for_each_group(text, |start, end, norm| {
        if !norm.changed {
            return;
        }
        let buf = out.get_or_insert_with(|| String::with_capacity(text.len()));
        buf.push_str(&text[last..start]);
        buf.push_str(norm.text());
        last = end;
    });
    match out {
        None => Cow::Borrowed(text),
        Some(mut buf) => {
            buf.push_str(&text[last..]);
            Cow::Owned(buf)
        }
    }
}

/// Defangs an indicator so it can be shared safely (`hxxp`, `[.]`, `[@]`).
///
/// ```
/// use soc_core::ioc::defang;
/// use soc_core::model::{Indicator, IndicatorKind};
/// let ind = Indicator::new(IndicatorKind::Url, "https://evil.example.com/x.php");
/// assert_eq!(defang(&ind), "hxxps://evil[.]example[.]com/x.php");
/// ```
pub fn defang(indicator: &Indicator) -> String {
    defang_value(indicator.kind, &indicator.value)
}

/// Defangs a value of the given kind. Kinds that cannot be clicked or
/// resolved (hashes, CVEs, paths, ...) are returned unchanged.
///
/// ```
/// use soc_core::ioc::defang_value;
/// use soc_core::model::IndicatorKind;
/// assert_eq!(defang_value(IndicatorKind::Ipv4, "203.0.113.9"), "203.0.113[.]9");
/// assert_eq!(defang_value(IndicatorKind::Email, "a@b.example.org"), "a[@]b[.]example[.]org");
/// assert_eq!(defang_value(IndicatorKind::Md5, "d41d8cd98f00b204e9800998ecf8427e"),
///            "d41d8cd98f00b204e9800998ecf8427e");
/// ```
pub fn defang_value(kind: IndicatorKind, value: &str) -> String {
    match kind {
        IndicatorKind::Ipv4 | IndicatorKind::Cidr if value.contains('.') => {
            // Only the last dot: keeps the address readable.
            match value.rfind('.') {
                Some(p) => format!("{}[.]{}", &value[..p], &value[p + 1..]),
                None => value.to_string(),
            }
        }
        IndicatorKind::Ipv6 | IndicatorKind::Cidr => value.replace(':', "[:]"),
        IndicatorKind::Domain | IndicatorKind::Onion => value.replace('.', "[.]"),
        IndicatorKind::Email => value.replace('@', "[@]").replace('.', "[.]"),
        IndicatorKind::Url => {
            let (scheme, rest) = match value.find("://") {
                Some(p) => (&value[..p], &value[p + 3..]),
                None => ("", value),
            };
            let scheme = match scheme.to_ascii_lowercase().as_str() {
                "http" => "hxxp".to_string(),
                "https" => "hxxps".to_string(),
                "ftp" => "fxp".to_string(),
                "ftps" => "fxps".to_string(),
                other => other.to_string(),
            };
            let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            let (host, path) = rest.split_at(host_end);
            let host = host.replace('.', "[.]");
            if scheme.is_empty() {
                format!("{host}{path}")
            } else {
                format!("{scheme}://{host}{path}")
            }
        }
        _ => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defang_then_refang_round_trips() {
        for (kind, v) in [
            (IndicatorKind::Url, "https://evil.example.com/a?b=c"),
            (IndicatorKind::Domain, "evil.example.com"),
            (IndicatorKind::Ipv4, "203.0.113.9"),
            (IndicatorKind::Email, "a.b@evil.example.com"),
            (IndicatorKind::Ipv6, "2001:db8::1"),
        ] {
            let d = defang_value(kind, v);
            assert_ne!(d, v);
            assert_eq!(refang(&d), v, "{d}");
        }
    }
}
