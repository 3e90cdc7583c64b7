//! IOC extraction: the forms added for issue #13 (encoded and schemeless
//! URLs, spaced defangs, labelled hashes, new kinds), their offsets, and
//! the prose that must stay prose. The peers' own cases are in
//! `ioc_conformance.rs`.

use proptest::prelude::*;
use soc_core::ioc::{extract, Extractor};
use soc_core::model::{Indicator, IndicatorKind as K, IndicatorTag};

fn kv(text: &str) -> Vec<(String, String)> {
    extract(text)
        .into_iter()
        .map(|i| (i.kind.as_str().to_string(), i.value))
        .collect()
}

fn check_offsets(text: &str, found: &[Indicator]) {
    for i in found {
        assert_eq!(&text[i.start..i.end], i.raw, "{i:?} in {text:?}");
    }
}

#[test]
fn prose_stays_prose() {
    let text = "The server . com is down and/or slow, e.g./ N/A; TCP/IP works (see [1]). \
                Reach us (at) the desk, user @ home, just as 2014 ended. M1 Mac, G-Force, \
                pub-quiz, UA-style, ThisIsJustAnIdentifierNameOfSomeLength12345 and \
                Mozilla/Firefox are words. The dot com era. 3.5/5 stars, 10/20/2024.";
    assert_eq!(kv(text), Vec::<(String, String)>::new());
}

#[test]
fn encoded_urls_are_tagged_and_point_at_the_encoded_text() {
    let text = "b64 aHR0cHM6Ly9ldmlsLmV4YW1wbGUuY29tL2dhdGUucGhw hex 687474703a2f2f6576696c2e6578616d706c652e6f72672f78 \
                pct u=http%3A%2F%2Fevil.example.net%2Fy&z=1";
    let found = extract(text);
    check_offsets(text, &found);
    let urls: Vec<(&str, &[IndicatorTag])> = found
        .iter()
        .filter(|i| i.kind == K::Url)
        .map(|i| (i.value.as_str(), i.tags.as_slice()))
        .collect();
    assert_eq!(
        urls,
        [
            (
                "https://evil.example.com/gate.php",
                &[IndicatorTag::Base64][..]
            ),
            ("http://evil.example.org/x", &[IndicatorTag::Hex][..]),
            (
                "http://evil.example.net/y",
                &[IndicatorTag::PercentEncoded][..]
            ),
        ]
    );
    // Base64 that holds no URL stays quiet, and decoding never recurses.
    let inner = "aHR0cDovL2EuY29t"; // http://a.com
    let twice = base64_of(&format!("see {inner}"));
    assert!(kv(&twice).is_empty(), "{twice}");
    assert!(kv("U29tZSBwbGFpbiB0ZXh0IHdpdGhvdXQgVVJMcw==").is_empty());
}

fn base64_of(s: &str) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in s.as_bytes().chunks(3) {
        let n = c.iter().fold(0u32, |a, &b| a << 8 | u32::from(b)) << (8 * (3 - c.len()));
        for k in 0..=c.len() {
            out.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
        }
    }
    out
}

#[test]
fn schemeless_and_inner_urls() {
    assert_eq!(
        kv("fetch evil-site.com/payload.exe?id=3&x=4 now"),
        [
            ("domain".to_string(), "evil-site.com".to_string()),
            (
                "url".into(),
                "http://evil-site.com/payload.exe?id=3&x=4".into()
            ),
        ]
    );
    let got = kv("https://t.example.com/r?u=http://evil.example.org/x.sh");
    assert!(
        got.contains(&("url".into(), "http://evil.example.org/x.sh".into())),
        "{got:?}"
    );
    assert!(
        got.contains(&("domain".into(), "evil.example.org".into())),
        "{got:?}"
    );
    // Not URLs: file paths, CIDRs, file names as hosts.
    assert!(kv("/var/www/example.com/index.html")
        .iter()
        .all(|(k, _)| k != "url"));
    assert!(kv("10.0.0.0/8").iter().all(|(k, _)| k != "url"));
    assert!(kv("setup.py/build").iter().all(|(k, _)| k != "url"));
}

#[test]
fn labelled_hashes_and_hashes_in_urls() {
    let md5 = "18ddf28a71089acdbab5038f58044c0a";
    assert_eq!(
        kv(&format!("Import Hash:\n{md5}")),
        [("imphash".to_string(), md5.to_string())]
    );
    assert_eq!(kv(&format!("ja3 {md5}")), Vec::<(String, String)>::new());
    assert_eq!(
        kv(&format!("md5 {md5}")),
        [("md5".to_string(), md5.to_string())]
    );
    let sha = "01ba4719c80b6fe911b091a7c05124b64eeece964e09c058ef8f9805daca546b";
    let got = kv(&format!("https://bazaar.abuse.ch/sample/{sha}/"));
    assert!(got.contains(&("sha256".into(), sha.into())), "{got:?}");
    // Degenerate runs are placeholders, not digests.
    assert!(kv(&"0".repeat(32)).is_empty());
}

#[test]
fn spelling_variants_are_canonical() {
    let got =
        kv("cve 2021-44228, asn 13335, as13335, ACF2.C9A6.B34F, ac-f2-c9-a6-b3-4f, t1059.001");
    assert_eq!(
        got,
        [
            ("cve".to_string(), "CVE-2021-44228".to_string()),
            ("asn".into(), "AS13335".into()),
            ("mac".into(), "ac:f2:c9:a6:b3:4f".into()),
            ("attack_technique".into(), "T1059.001".into()),
        ]
    );
    let found = extract("cve 2021-44228");
    assert_eq!(found[0].raw, "cve 2021-44228");
}

#[test]
fn new_kinds_with_offsets() {
    let text = "TLP:AMBER+STRICT M1036 UA-12345678-1 G-AB12CD34EF ca-pub-1234567891234567 \
                \"arn:aws:iam::123456789012:role/My Role\" bob@[IPv6:2001:db8::1] \
                \"John Doe\"@example.com chat@jabber.example.org\n\
                ua=\"Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/120.0\"\n\
                DEgDVFa2DoW1533dxeDVdTxQFhMzs1pMke t3Sk98eMdExVc47gqvq6dgfK6ZXdjsS4QYD";
    let found = extract(text);
    check_offsets(text, &found);
    let kinds: Vec<&str> = found.iter().map(|i| i.kind.as_str()).collect();
    for k in [
        "tlp",
        "attack_mitigation",
        "google_analytics_id",
        "google_adsense_id",
        "arn",
        "email",
        "ipv6",
        "xmpp",
        "user_agent",
        "doge",
        "zec",
    ] {
        assert!(kinds.contains(&k), "{k} missing from {found:#?}");
    }
    let arn = found.iter().find(|i| i.kind == K::Arn).unwrap();
    assert_eq!(arn.value, "arn:aws:iam::123456789012:role/My Role");
    let emails: Vec<&str> = found
        .iter()
        .filter(|i| i.kind == K::Email)
        .map(|i| i.value.as_str())
        .collect();
    assert_eq!(
        emails,
        ["bob@[IPv6:2001:db8::1]", "\"John Doe\"@example.com"]
    );
    let ua = found.iter().find(|i| i.kind == K::UserAgent).unwrap();
    assert_eq!(
        ua.value,
        "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/120.0"
    );
}

#[test]
fn reader_finds_the_new_forms_across_blocks() {
    let unit = "x user @ evil[.]example.com aHR0cDovL2V4YW1wbGUuY29tL3NvbWUvdXJs imphash: 18ddf28a71089acdbab5038f58044c0a \
                \"Mozilla/5.0 (Windows NT 10.0) Gecko\" arn:aws:s3:::bucket/key example [.] org/p\n";
    let text = unit.repeat(40_000); // > 1 MiB: several reader blocks
    let ex = Extractor::default();
    let a = ex.extract(&text);
    let b = ex.extract_reader(text.as_bytes()).unwrap();
    assert_eq!(a, b);
    assert!(a.iter().all(|i| i.count == 40_000), "{a:#?}");
}

#[test]
fn wrapped_base64_escaped_emails_and_bare_tlp() {
    let text = "Body:\n  aHR0cDovL2V2aWwuZXhhbXBsZS5jb20v\n  bWFsd2FyZS5leGU=\nmail john\\ doe@example.com, \
                \"first@last\"@example.com and first\\@last@example.com (TLP: amber; TLP-RED)\n";
    let found = extract(text);
    check_offsets(text, &found);
    let got: Vec<(&str, &str, &str, u64)> = found
        .iter()
        .map(|i| (i.kind.as_str(), i.value.as_str(), i.raw.as_str(), i.count))
        .collect();
    let block = "aHR0cDovL2V2aWwuZXhhbXBsZS5jb20v\n  bWFsd2FyZS5leGU=";
    assert_eq!(
        got,
        [
            ("domain", "evil.example.com", block, 1),
            ("url", "http://evil.example.com/malware.exe", block, 1),
            (
                "email",
                "\"john doe\"@example.com",
                "john\\ doe@example.com",
                1
            ),
            (
                "email",
                "\"first@last\"@example.com",
                "\"first@last\"@example.com",
                2
            ),
            ("tlp", "TLP:AMBER", "TLP: amber", 1),
            ("tlp", "TLP:RED", "TLP-RED", 1),
        ]
    );
    assert!(found[..2].iter().all(|i| i.has_tag(IndicatorTag::Base64)));
    // The same through the reader, in blocks, many times over.
    let many = text.repeat(8_000); // > 1 MiB
    let ex = Extractor::default();
    let a = ex.extract(&many);
    assert_eq!(a, ex.extract_reader(many.as_bytes()).unwrap());
    assert!(a.iter().all(|i| i.count % 8_000 == 0), "{a:#?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]
    /// The new shapes never panic and always point at their raw text.
    #[test]
    fn new_shapes_never_panic(parts in proptest::collection::vec(0..30usize, 0..40), seps in proptest::collection::vec(0..4usize, 40)) {
        const P: [&str; 30] = [
            "arn:aws:", "Mozilla/5.0", "(x)", "TLP:", "\"", "@[", "IPv6:", "Oi8v", "aHR0c", "3a2f2f",
            "%3A%2F%2F", "[.]", "[", ".]", "\\.", "@", "http://", "example", "com", "1.2.3.4", "/p",
            "imphash:", "cve", "2021-1234", "\\", "TLP", "amber", "aHR0cDovL2V2aWwuZXhhbXBsZS5jb20v",
            "bWFsd2FyZS5leGU=", "\\ ",
        ];
        let mut t = String::new();
        for (k, p) in parts.iter().enumerate() {
            t.push_str(P[*p]);
            t.push_str([" ", "", "\n", "  "][seps[k]]);
        }
        let found = extract(&t);
        check_offsets(&t, &found);
    }
}
