//! [`Indicator::parse`]: one indicator typed by a user (a CLI argument, a
//! Python string), validated by the same rules as extraction from text.
//!
//! The value goes through the IOC extractor ([`crate::ioc::Extractor`]), so
//! a domain must end in a public suffix, an address must be a real address,
//! a hash a hex string of a hash length, and defanged input (`evil[.]example`,
//! `hxxp://`) is refanged, exactly as in `soc iocs` / `extract_iocs`. The
//! whole (trimmed) text must be one indicator: `"evil.example and more"` is
//! an error, not the first indicator in it.

use crate::error::IocError;
use crate::ioc::{ExtractOptions, Extractor};
use crate::model::{Indicator, IndicatorKind};

/// The longest text quoted back in an error.
const SHOWN: usize = 200;

impl Indicator {
    /// Parses one indicator; `kind` says what it must be (`None`: whatever
    /// kind the whole text is, preferring the widest match, so a URL is a
    /// URL and not the domain inside it).
    ///
    /// ```
    /// use soc_core::{Indicator, IndicatorKind};
    /// let ip = Indicator::parse(None, " 198.51.100.23 ").unwrap();
    /// assert_eq!(ip.kind, IndicatorKind::Ipv4);
    /// let d = Indicator::parse(Some(IndicatorKind::Domain), "Evil[.]Example.com").unwrap();
    /// assert_eq!(d.value, "evil.example.com");
    /// let h = Indicator::parse(None, "d41d8cd98f00b204e9800998ecf8427e").unwrap();
    /// assert_eq!(h.kind, IndicatorKind::Md5);
    /// assert!(Indicator::parse(Some(IndicatorKind::Domain), "not-a-domain.invalidtld").is_err());
    /// assert!(Indicator::parse(None, "198.51.100.23 and more").is_err());
    /// ```
    pub fn parse(kind: Option<IndicatorKind>, text: &str) -> Result<Indicator, IocError> {
        let v = text.trim();
        let v = if kind == Some(IndicatorKind::Domain) {
            v.strip_suffix('.').unwrap_or(v)
        } else {
            v
        };
        let extractor = Extractor::new(ExtractOptions {
            kinds: kind.map(|k| vec![k]),
            ..ExtractOptions::default()
        });
        let whole = extractor
            .extract(v)
            .into_iter()
            .filter(|i| i.start == 0 && i.end == v.len())
            .max_by_key(|i| width_rank(i.kind));
        match whole {
            Some(mut ind) => {
                ind.count = 1;
                Ok(ind)
            }
            None => Err(IocError::NotAnIndicator {
                text: v.chars().take(SHOWN).collect(),
                expected: match kind {
                    Some(k) => format!("a valid {k}"),
                    None => {
                        "a valid indicator (IP, domain, URL, email, hash, CVE, ATT&CK id, ...); \
                             name the kind to be sure"
                            .into()
                    }
                },
            }),
        }
    }
}

/// Among kinds that span the same text, the one to prefer (URL over domain
/// over its parts, CIDR over the address).
fn width_rank(kind: IndicatorKind) -> u8 {
    match kind {
        IndicatorKind::Url => 5,
        IndicatorKind::Email | IndicatorKind::Cidr => 4,
        IndicatorKind::Onion => 3,
        IndicatorKind::Domain => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_rejections_follow_the_extractor() {
        let p = |k: Option<IndicatorKind>, s: &str| Indicator::parse(k, s);
        assert_eq!(p(None, "2001:DB8::1").unwrap().kind, IndicatorKind::Ipv6);
        assert_eq!(
            p(None, "hxxps://evil[.]example.com/a").unwrap().kind,
            IndicatorKind::Url
        );
        let md5 = p(None, "D41D8CD98F00B204E9800998ECF8427E").unwrap();
        assert_eq!(md5.kind, IndicatorKind::Md5);
        assert_eq!(md5.value, "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(
            p(None, "T1110.001").unwrap().kind,
            IndicatorKind::AttackTechnique
        );
        assert!(p(None, "999.1.1.1").is_err());
        assert!(p(Some(IndicatorKind::Url), "evil.example.com").is_err());
        assert!(p(Some(IndicatorKind::Ipv4), "2001:db8::1").is_err());
        let e = p(Some(IndicatorKind::Domain), "x").unwrap_err().to_string();
        assert_eq!(e, "'x' is not a valid domain");
        assert!(p(None, "").is_err());
    }
}
