//! Integration tests of IOC extraction: every kind, the tricky negatives,
//! defang handling, options, streaming and robustness.

use proptest::prelude::*;
use soc_core::ioc::{defang, extract, refang, AllowList, ExtractOptions, Extractor};
use soc_core::model::{Indicator, IndicatorKind as K, IndicatorTag};

fn kv(text: &str) -> Vec<(String, String)> {
    extract(text)
        .into_iter()
        .map(|i| (i.kind.as_str().to_string(), i.value))
        .collect()
}

fn has(text: &str, kind: K, value: &str) -> bool {
    extract(text)
        .iter()
        .any(|i| i.kind == kind && i.value == value)
}

fn none_of(text: &str, kind: K) -> bool {
    !extract(text).iter().any(|i| i.kind == kind)
}

#[test]
fn ipv4_positive_and_negative() {
    assert!(has("from 198.51.100.23.", K::Ipv4, "198.51.100.23"));
    assert!(has("ip=8.8.8.8;port=53", K::Ipv4, "8.8.8.8"));
    assert!(has("8.8.4.4:443", K::Ipv4, "8.8.4.4"));
    assert!(none_of("version 1.2.3.4.5 released", K::Ipv4));
    assert!(none_of("bad 256.1.1.1 and 1.2.3", K::Ipv4));
    assert!(none_of("v1.2.3.4", K::Ipv4));
    assert!(none_of("serial 123.45.67.89012", K::Ipv4));
}

#[test]
fn ipv4_tags() {
    let f = extract("10.1.2.3 127.0.0.1 169.254.1.1 224.0.0.5 192.0.2.1 240.0.0.1 8.8.8.8");
    let tags: Vec<_> = f.iter().map(|i| i.tags.clone()).collect();
    assert_eq!(tags[0], [IndicatorTag::Private]);
    assert_eq!(tags[1], [IndicatorTag::Loopback]);
    assert_eq!(tags[2], [IndicatorTag::LinkLocal]);
    assert_eq!(tags[3], [IndicatorTag::Multicast]);
    assert_eq!(tags[4], [IndicatorTag::Documentation]);
    assert_eq!(tags[5], [IndicatorTag::Reserved]);
    assert!(tags[6].is_empty());
}

#[test]
fn ipv6_canonical_and_mapped() {
    let f = extract("2001:DB8:0:0::1 and 2001:db8::1 and ::ffff:1.2.3.4");
    assert_eq!(f[0].kind, K::Ipv6);
    assert_eq!(f[0].value, "2001:db8::1");
    assert_eq!(f[0].count, 2);
    assert!(has("::ffff:1.2.3.4", K::Ipv4, "1.2.3.4"));
    assert!(has("fe80::1%eth0", K::Ipv6, "fe80::1"));
    assert!(none_of("std::io::Result and 12:30:45", K::Ipv6));
}

#[test]
fn cidr() {
    assert!(has("block 203.0.113.0/24 now", K::Cidr, "203.0.113.0/24"));
    assert!(has("2001:db8::/32", K::Cidr, "2001:db8::/32"));
    assert!(has("1.2.3.4/99", K::Ipv4, "1.2.3.4"));
    assert!(has("1.2.3.4/1/2", K::Ipv4, "1.2.3.4"));
    assert!(has("net 010.0.0.0/08", K::Cidr, "10.0.0.0/8"));
}

#[test]
fn ipv4_leading_zeros_are_normalized_and_deduplicated() {
    let found = extract("010.001.1.1 then 10.1.1.1 and hxxp://010.1.1.1/x");
    let ips: Vec<_> = found.iter().filter(|i| i.kind == K::Ipv4).collect();
    assert_eq!(ips.len(), 1, "{found:?}");
    assert_eq!((ips[0].value.as_str(), ips[0].count), ("10.1.1.1", 3));
    assert_eq!(ips[0].raw, "010.001.1.1");
}

#[test]
fn domains_and_file_names() {
    assert!(has(
        "resolve Evil-Site.Example.COM now",
        K::Domain,
        "evil-site.example.com"
    ));
    assert!(none_of(
        "open invoice.pdf and setup.py then README.md",
        K::Domain
    ));
    assert!(has("open evil[.]py", K::Domain, "evil.py"));
    assert!(has("cdn.evil.zip", K::Domain, "cdn.evil.zip"));
    assert!(none_of(
        "e.g. something i.e. other. Node.js rocks",
        K::Domain
    ));
    assert!(none_of("it happened.Then we left", K::Domain));
}

#[test]
fn urls_trailing_punctuation_and_host() {
    let f = kv("see (http://evil.example.com/a?b=1).");
    assert_eq!(f[0], ("url".into(), "http://evil.example.com/a?b=1".into()));
    assert_eq!(f[1], ("domain".into(), "evil.example.com".into()));
    let f = extract("x https://203.0.113.5:8443/p, y");
    assert_eq!(f[0].value, "https://203.0.113.5:8443/p");
    assert_eq!(f[1].kind, K::Ipv4);
    assert!(f[1].has_tag(IndicatorTag::FromUrl));
    assert!(has(
        "${jndi:ldap://evil.example.com/a}",
        K::Url,
        "ldap://evil.example.com/a"
    ));
    assert!(has(
        "http://en.wikipedia.org/wiki/Foo_(bar)",
        K::Url,
        "http://en.wikipedia.org/wiki/Foo_(bar)"
    ));
    assert!(has(
        "\"http://Evil.Example.com/X\"",
        K::Url,
        "http://evil.example.com/X"
    ));
}

#[test]
fn defanged_forms() {
    for raw in [
        "hxxp://evil[.]example[.]com/x",
        "hXXp://evil(.)example{.}com/x",
        "http[:]//evil[dot]example(dot)com/x",
        "hxxp[://]evil[.]example[.]com/x",
        "HXXP://EVIL[.]EXAMPLE[.]COM/x",
        "http://evil\\.example\\.com/x",
    ] {
        let f = extract(raw);
        assert_eq!(f[0].kind, K::Url, "{raw}");
        assert_eq!(f[0].value, "http://evil.example.com/x", "{raw}");
        assert!(f[0].defanged, "{raw}");
        assert_eq!(f[0].raw, raw);
    }
    assert!(has("10(((.]]]10.10.10", K::Ipv4, "10.10.10.10"));
    assert!(has(
        "fxp://files[.]example[.]net/a",
        K::Url,
        "ftp://files.example.net/a"
    ));
    assert!(has(
        "mail bob[@]evil[.]example[.]org",
        K::Email,
        "bob@evil.example.org"
    ));
    assert!(has(
        "mail bob[at]evil[.]example[.]org",
        K::Email,
        "bob@evil.example.org"
    ));
    assert!(has(
        "contact bob at evil dot example dot org today",
        K::Email,
        "bob@evil.example.org"
    ));
    assert!(has(
        "visit evil dot example dot com",
        K::Domain,
        "evil.example.com"
    ));
    assert!(none_of("look at the dot com era", K::Domain));
    assert!(has("2001[:]db8[:][:]1", K::Ipv6, "2001:db8::1"));
}

#[test]
fn offsets_point_at_raw_text() {
    let text = "pre evil[.]example[.]com post";
    let f = extract(text);
    assert_eq!(&text[f[0].start..f[0].end], "evil[.]example[.]com");
    assert_eq!(f[0].raw, "evil[.]example[.]com");
}

#[test]
fn hashes_stand_alone() {
    let md5 = "d41d8cd98f00b204e9800998ecf8427e";
    let sha1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
    let sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let sha512 = format!("{sha256}{sha256}");
    assert!(has(&format!("md5: {md5}"), K::Md5, md5));
    assert!(has(&format!("SHA1={}", sha1.to_uppercase()), K::Sha1, sha1));
    assert!(has(sha256, K::Sha256, sha256));
    let f = extract(&sha512);
    assert_eq!((f.len(), f[0].kind), (1, K::Sha512));
    assert!(none_of(&format!("{md5}ab"), K::Md5));
    assert!(none_of(&format!("imphash: {md5}"), K::Md5));
    assert!(none_of(&format!("JA3 {md5}"), K::Md5));
    assert!(has(
        "96:s4Ud1Lj96tHHlZDrwciQmA5kzu4EX1T:s4Ud1L9s1T,\"x.exe\"",
        K::Ssdeep,
        "96:s4Ud1Lj96tHHlZDrwciQmA5kzu4EX1T:s4Ud1L9s1T"
    ));
}

#[test]
fn ids_and_numbers() {
    assert!(has("exploits cve-2021-44228.", K::Cve, "CVE-2021-44228"));
    assert!(has("(T1059.001)", K::AttackTechnique, "T1059.001"));
    assert!(has("T1566, TA0001", K::AttackTactic, "TA0001"));
    assert!(has("hosted in AS13335", K::Asn, "AS13335"));
    assert!(has("hosted in ASN 13335.", K::Asn, "AS13335"));
    assert!(none_of("T12 and TA1 and T99999", K::AttackTechnique));
}

#[test]
fn macs_coins_paths() {
    assert!(has("mac 00:1A:2B:3C:4D:5E", K::Mac, "00:1a:2b:3c:4d:5e"));
    assert!(has("mac 001a.2b3c.4d5e", K::Mac, "00:1a:2b:3c:4d:5e"));
    assert!(has(
        "pay 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
        K::Btc,
        "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"
    ));
    assert!(has(
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
        K::Btc,
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
    ));
    assert!(none_of("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3", K::Btc));
    assert!(has(
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        K::Eth,
        "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
    ));
    assert!(none_of(
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",
        K::Eth
    ));
    let xmr = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A";
    assert!(has(xmr, K::Xmr, xmr));
    assert!(has(
        r"set HKLM\Software\Microsoft\Windows\CurrentVersion\Run\evil.",
        K::RegistryKey,
        r"HKLM\Software\Microsoft\Windows\CurrentVersion\Run\evil"
    ));
    assert!(has(
        r"key HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon",
        K::RegistryKey,
        r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon"
    ));
    assert!(has(
        r#"dropped "C:\Program Files (x86)\Evil Corp\run.exe" then"#,
        K::FilePath,
        r"C:\Program Files (x86)\Evil Corp\run.exe"
    ));
    assert!(has(
        r"copy to \\fileserver\share\x.dll",
        K::FilePath,
        r"\\fileserver\share\x.dll"
    ));
    assert!(has(
        r"%APPDATA%\Roaming\evil.exe",
        K::FilePath,
        r"%APPDATA%\Roaming\evil.exe"
    ));
    assert!(has(
        "wrote /tmp/.x/payload.sh and ~/.ssh/authorized_keys",
        K::FilePath,
        "/tmp/.x/payload.sh"
    ));
    assert!(has(
        "~/.ssh/authorized_keys",
        K::FilePath,
        "~/.ssh/authorized_keys"
    ));
    assert!(none_of("and/or TCP/IP /index.html", K::FilePath));
    let onion = "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion";
    assert!(has(onion, K::Onion, onion));
    assert!(none_of(
        "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczaa.onion",
        K::Onion
    ));
}

#[test]
fn dedup_counts_and_order() {
    let f = extract("b.example.com a.example.com b.example.com B.EXAMPLE.COM");
    assert_eq!(f.len(), 2);
    assert_eq!(
        (f[0].value.as_str(), f[0].count, f[0].start),
        ("b.example.com", 3, 0)
    );
    assert_eq!(f[1].value, "a.example.com");
}

#[test]
fn options_kinds_allow_no_private() {
    let allow = AllowList::parse("10.0.0.0/8\nexample.com\n", "t").unwrap();
    let ex = Extractor::new(ExtractOptions {
        kinds: Some(vec![K::Ipv4, K::Domain]),
        allow,
        no_private: false,
    });
    let f = ex.extract(
        "10.1.1.1 9.9.9.9 mail.example.com evil.example.net http://x.example.org/ CVE-2020-1234",
    );
    let vals: Vec<_> = f.iter().map(|i| i.value.as_str()).collect();
    assert_eq!(vals, ["9.9.9.9", "evil.example.net", "x.example.org"]);
    let ex = Extractor::new(ExtractOptions {
        no_private: true,
        ..Default::default()
    });
    let vals: Vec<_> = ex
        .extract("10.1.1.1 127.0.0.1 192.0.2.1 8.8.8.8")
        .into_iter()
        .map(|i| i.value)
        .collect();
    assert_eq!(vals, ["192.0.2.1", "8.8.8.8"]);
    assert!(AllowList::parse("10.0.0.0/8\n???", "f.txt")
        .unwrap_err()
        .to_string()
        .contains("f.txt:2"));
}

#[test]
fn refang_and_defang_round_trip() {
    for ind in
        extract("http://evil.example.com/a 203.0.113.9 bob@evil.example.com evil.example.net")
    {
        let d = defang(&ind);
        assert_ne!(d, ind.value);
        let again = extract(&d);
        assert_eq!(again[0].value, ind.value, "{d}");
        assert!(again[0].defanged);
        assert_eq!(refang(&d), ind.value);
    }
}

#[test]
fn reader_matches_in_memory_across_chunks() {
    let mut text = String::new();
    let mut i = 0u32;
    while text.len() < 3 << 20 {
        text.push_str(&format!(
            "host{i}[.]example[.]com 10.{}.{}.{} word ",
            (i >> 16) & 255,
            (i >> 8) & 255,
            i & 255
        ));
        i += 1;
    }
    let ex = Extractor::default();
    let a = ex.extract(&text);
    let b = ex.extract_reader(text.as_bytes()).unwrap();
    assert_eq!(a.len(), b.len());
    assert_eq!(a, b);
}

#[test]
fn invalid_utf8_is_searched() {
    let bytes = b"\xff\xfeevil.example.com \xc3 8.8.8.8\xe2\x82";
    let f = Extractor::default().extract_reader(&bytes[..]).unwrap();
    let text = String::from_utf8_lossy(bytes);
    assert_eq!(f.len(), 2);
    for i in &f {
        assert_eq!(&text[i.start..i.end], i.raw);
    }
}

#[test]
fn corpus_conformance_never_panics() {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus/ssh/fail2ban-sshd.log");
    if !p.exists() {
        eprintln!("skipping: {} not found", p.display());
        return;
    }
    let bytes = std::fs::read(&p).unwrap();
    let f = Extractor::default().extract_reader(&bytes[..]).unwrap();
    assert!(f.iter().any(|i| i.kind == K::Ipv4));
}

fn check_offsets(text: &str, found: &[Indicator]) {
    for i in found {
        assert!(text.is_char_boundary(i.start) && text.is_char_boundary(i.end));
        assert_eq!(&text[i.start..i.end], i.raw);
    }
}

proptest! {
    #[test]
    fn never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let text = String::from_utf8_lossy(&bytes);
        let f = extract(&text);
        check_offsets(&text, &f);
        let g = Extractor::default().extract_reader(&bytes[..]).unwrap();
        check_offsets(&text, &g);
        let _ = refang(&text);
    }

    #[test]
    fn never_panics_on_ioc_like_text(s in "[a-fA-F0-9.:/\\[\\](){}@\\\\ hxtpHXTP%-]{0,300}") {
        let f = extract(&s);
        check_offsets(&s, &f);
    }
}

#[test]
fn url_hosts_of_every_kind() {
    let found = kv(
        "get http://[2001:DB8::1]:8080/a then hxxp://[::ffff:1.2.3.4]/b \
                    and https://203.0.113.9:443/c or ftp://files.example.org:21/d",
    );
    let want = [
        ("url", "http://[2001:db8::1]:8080/a"),
        ("ipv6", "2001:db8::1"),
        ("url", "http://[::ffff:1.2.3.4]/b"),
        ("ipv4", "1.2.3.4"),
        ("url", "https://203.0.113.9:443/c"),
        ("ipv4", "203.0.113.9"),
        ("url", "ftp://files.example.org:21/d"),
        ("domain", "files.example.org"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(found, want);
}
