//! Identifier-shaped kinds: AWS ARNs, Google Analytics and
//! AdSense ids, ATT&CK mitigations and user agents. Each function takes
//! the refanged bytes of one candidate and returns the normalized value,
//! or `None`.

/// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` with an AWS partition,
/// a service name, a region (or `*` or empty), a 12-digit account (or `*`
/// or empty) and a non-empty resource. Returns the length of the ARN at
/// the start of `p` (it ends at a blank, quote or bracket that closes
/// nothing in it).
pub(crate) fn arn_len(p: &[u8]) -> Option<usize> {
    arn_len_in(p, false)
}

/// [`arn_len`] for an ARN inside quotes (`"Resource": "arn:...:My App"`):
/// blanks belong to it, the closing quote ends it.
pub(crate) fn quoted_arn_len(p: &[u8], quote: u8) -> Option<usize> {
    let close = p
        .iter()
        .take(1024)
        .position(|&c| c == quote || c == b'\n')?;
    (p[close] == quote).then_some(())?;
    arn_len_in(&p[..close], true).filter(|&n| n == close)
}

fn arn_len_in(p: &[u8], quoted: bool) -> Option<usize> {
    let low = |a: usize, b: usize| p.get(a..b).map(<[u8]>::to_ascii_lowercase);
    if low(0, 4)? != b"arn:" {
        return None;
    }
    let end = p
        .iter()
        .position(|&c| {
            matches!(c, b'"' | b'\'' | b'<' | b'>' | b',' | b';' | b'`' | b'|')
                || !quoted && matches!(c, b' ' | b'\t')
        })
        .unwrap_or(p.len());
    let mut end = end;
    while end > 4 && matches!(p[end - 1], b'.' | b',' | b';' | b')' | b']' | b'}') {
        end -= 1;
    }
    let mut parts = p[4..end].splitn(5, |&c| c == b':');
    let (Some(part), Some(svc), Some(region), Some(acct), Some(res)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let name = |s: &[u8]| s.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'-');
    let ok = matches!(part, b"aws" | b"aws-cn" | b"aws-us-gov")
        && !svc.is_empty()
        && name(svc)
        && (region == b"*" || name(region))
        && (acct.is_empty()
            || acct == b"*"
            || acct.len() == 12 && acct.iter().all(u8::is_ascii_digit))
        && !res.is_empty()
        && res
            .iter()
            .all(|&c| c.is_ascii_graphic() || quoted && c == b' ');
    ok.then_some(end)
}

/// `UA-12345678-1` (Universal Analytics) or `G-XXXXXXXXXX` (GA4: ten
/// upper-case letters and digits, both present).
pub(crate) fn google_analytics(p: &[u8]) -> bool {
    if let Some(rest) = p.strip_prefix(b"UA-") {
        let mut parts = rest.split(|&c| c == b'-');
        let (Some(a), Some(b), None) = (parts.next(), parts.next(), parts.next()) else {
            return false;
        };
        let digits = |s: &[u8], r: std::ops::RangeInclusive<usize>| {
            r.contains(&s.len()) && s.iter().all(u8::is_ascii_digit)
        };
        return digits(a, 4..=10) && digits(b, 1..=4);
    }
    if let Some(rest) = p.strip_prefix(b"G-") {
        return rest.len() == 10
            && rest
                .iter()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            && rest.iter().any(u8::is_ascii_digit)
            && rest.iter().any(u8::is_ascii_uppercase);
    }
    false
}

/// `pub-1234567891234567` (16 digits), also written `ca-pub-...`;
/// returns the `pub-...` part.
pub(crate) fn google_adsense(p: &[u8]) -> Option<&[u8]> {
    let id = p.strip_prefix(b"ca-").unwrap_or(p);
    let digits = id.strip_prefix(b"pub-")?;
    (digits.len() == 16 && digits.iter().all(u8::is_ascii_digit)).then_some(id)
}

/// `M1036`: an ATT&CK Enterprise mitigation (`M1` and three digits).
pub(crate) fn mitigation(p: &[u8]) -> bool {
    p.len() == 5 && p[0] == b'M' && p[1] == b'1' && p[2..].iter().all(u8::is_ascii_digit)
}

/// Products whose `Name/version` starts a browser-style user agent.
const UA_PRODUCTS: [&[u8]; 2] = [b"mozilla/", b"opera/"];

/// The length of the user agent starting `text`: `Mozilla/5.0 (...) ...`
/// up to the end of the line, a quote, or the next `Mozilla/`; `None`
/// unless it starts with a browser product and a version and holds a
/// parenthesized comment.
pub(crate) fn user_agent_len(text: &[u8]) -> Option<usize> {
    let product = UA_PRODUCTS
        .iter()
        .find(|p| text.len() > p.len() && text[..p.len()].eq_ignore_ascii_case(p))?;
    if !text[product.len()].is_ascii_digit() {
        return None;
    }
    let max = text.len().min(512);
    let mut end = max;
    for (k, &c) in text[..max].iter().enumerate() {
        if matches!(c, b'\n' | b'\r' | b'"' | b'\'' | b'<' | b'>' | b'`' | b'|') {
            end = k;
            break;
        }
        if k > 0
            && c == b' '
            && text[k + 1..].len() > 8
            && text[k + 1..k + 9].eq_ignore_ascii_case(b"mozilla/")
        {
            end = k;
            break;
        }
    }
    let ua = &text[..end];
    let ua_end = ua
        .iter()
        .rposition(|&c| !matches!(c, b' ' | b'\t' | b',' | b';' | b'.'))
        .map_or(0, |q| q + 1);
    (ua[..ua_end].contains(&b'(') && ua[..ua_end].contains(&b')')).then_some(ua_end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns() {
        let a = b"arn:aws:iam::123456789012:user/Bob";
        assert_eq!(arn_len(a), Some(a.len()));
        let a = b"arn:aws:s3:::my_corporate_bucket/*\"";
        assert_eq!(arn_len(a), Some(a.len() - 1));
        assert_eq!(
            arn_len(b"arn:aws:ec2:us-east-1::image/ami-1a2b3c4d,"),
            Some(41)
        );
        assert_eq!(arn_len(b"arn:gcp:iam::123456789012:user/Bob"), None);
        assert_eq!(arn_len(b"arn:aws:iam::1234:user/Bob"), None);
        assert_eq!(arn_len(b"arn:aws:iam::123456789012:"), None);
        let q = b"arn:aws:elasticbeanstalk:us-east-1:123456789012:application/My App\", x";
        assert_eq!(quoted_arn_len(q, b'"'), Some(q.len() - 4));
        assert_eq!(
            quoted_arn_len(b"arn:aws:iam::123456789012:user/Bob is\n\"", b'"'),
            None
        );
    }

    #[test]
    fn small_ids() {
        assert!(google_analytics(b"UA-000000-2"));
        assert!(google_analytics(b"G-ABCDE12345"));
        assert!(!google_analytics(b"G-ABCDEFGHIJ"));
        assert!(!google_analytics(b"UA-12-1"));
        assert_eq!(
            google_adsense(b"ca-pub-1234567891234567"),
            Some(&b"pub-1234567891234567"[..])
        );
        assert_eq!(google_adsense(b"pub-123"), None);
        assert!(mitigation(b"M1036"));
        assert!(!mitigation(b"M2036"));
    }

    #[test]
    fn user_agents() {
        let t = b"Mozilla/5.0 (Windows NT 6.1; WOW64) Gecko Firefox/11.0\" 200";
        assert_eq!(user_agent_len(t), Some(54));
        let t = b"mozilla/5.0 (x) a/1 mozilla/5.0 (y) b/2";
        assert_eq!(user_agent_len(t), Some(19));
        assert_eq!(user_agent_len(b"Mozilla/5.0 without a comment"), None);
        assert_eq!(user_agent_len(b"Mozilla/x (y)"), None);
    }
}
