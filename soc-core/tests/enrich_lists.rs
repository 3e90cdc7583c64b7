//! Local threat-intel lists: every supported format, comments, bad lines
//! (with line numbers) and private-range warnings.

use std::io::Write;

use soc_core::enrich::lists::{ListSet, ThreatList};
use soc_core::enrich::Enricher;
use soc_core::model::{Indicator, IndicatorKind, Verdict};

fn ip(v: &str) -> Indicator {
    Indicator::new(IndicatorKind::Ipv4, v)
}

#[test]
fn firehol_netset_with_header_and_bogons() {
    let text = "\
#\n# firehol_level1\n#\n# Maintainer      : FireHOL\n# Entries         : 4 subnets\n#\n\
0.0.0.0/8\n10.0.0.0/8\n198.51.100.0/24\n203.0.113.7\n";
    let (l, w) = ThreatList::parse("firehol_level1", text);
    assert_eq!(l.len(), 4);
    assert!(l.contains_ip("198.51.100.9".parse().unwrap()));
    assert!(l.contains_ip("203.0.113.7".parse().unwrap()));
    assert!(!l.contains_ip("203.0.113.8".parse().unwrap()));
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].starts_with("firehol_level1:8: '10.0.0.0/8' covers 10.0.0.0/8 (private)"),
        "{w:?}"
    );
}

#[test]
fn spamhaus_drop_text_and_json() {
    let text = "; Spamhaus DROP List 2026/11/22\n; Expires: ...\n198.51.100.0/24 ; SBL256894\n";
    let (l, w) = ThreatList::parse("drop", text);
    assert!(w.is_empty(), "{w:?}");
    let m = l.lookup(&ip("198.51.100.1")).unwrap();
    assert_eq!(m.label.as_deref(), Some("SBL256894"));
    let json = r#"{"cidr":"203.0.113.0/24","sblid":"SBL1","rir":"arin"}
{"cidr":"2001:db8::/32","sblid":"SBL2","rir":"ripencc"}
{"type":"metadata","timestamp":1763798345,"size":2,"records":2}
{"cidr":"nonsense","sblid":"SBL3"}
{broken
"#;
    let (l, w) = ThreatList::parse("drop_v4", json);
    assert!(l.contains_ip("203.0.113.9".parse().unwrap()));
    assert!(l.contains_ip("2001:db8::5".parse().unwrap()));
    assert_eq!(
        l.lookup(&ip("203.0.113.9")).unwrap().label.as_deref(),
        Some("SBL1")
    );
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(
        w[0].starts_with("drop_v4:4:") && w[1].starts_with("drop_v4:5:"),
        "{w:?}"
    );
}

#[test]
fn feodo_csv_and_plain() {
    let csv = r#"################################################################
# abuse.ch Feodo Tracker Botnet C2 IP Blocklist (CSV)          #
################################################################
#
# first_seen_utc,dst_ip,dst_port,c2_status,last_online,malware
"2026-01-03 11:00:00","198.51.100.172","8080","online","2026-07-21","Emotet"
"2026-01-04 11:00:00","203.0.113.9","443","offline","2026-07-20","QakBot"
# "Number of entries: 2"
"#;
    let (l, w) = ThreatList::parse("feodo", csv);
    assert!(w.is_empty(), "{w:?}");
    assert_eq!(
        l.lookup(&ip("198.51.100.172")).unwrap().label.as_deref(),
        Some("Emotet")
    );
    assert_eq!(
        l.lookup(&ip("203.0.113.9")).unwrap().label.as_deref(),
        Some("QakBot")
    );
    assert!(l.lookup(&ip("198.51.100.173")).is_none());
    let (plain, _) = ThreatList::parse("feodo-txt", "# Feodo\n198.51.100.172\n");
    assert!(plain.contains_ip("198.51.100.172".parse().unwrap()));
}

#[test]
fn threatfox_csv_maps_by_header() {
    let csv = r#"################################################################
# ThreatFox IOCs: recent                                       #
################################################################
#
# "first_seen_utc","ioc_id","ioc_value","ioc_type","threat_type","fk_malware","malware_alias","malware_printable","last_seen_utc","confidence_level","is_compromised","reference","tags","anonymous","reporter"
"2026-11-22 08:00:00", "1", "198.51.100.44:4444", "ip:port", "botnet_cc", "win.cobalt_strike", "None", "Cobalt Strike", "", "100", "0", "", "c2", "0", "abuse_ch"
"2026-11-22 08:00:01", "2", "c2.evil.example", "domain", "botnet_cc", "win.asyncrat", "None", "AsyncRAT", "", "75", "0", "", "rat", "0", "abuse_ch"
"2026-11-22 08:00:02", "3", "44d88612fea8a8f36de82e1278abb02f", "md5_hash", "payload", "win.agent_tesla", "None", "Agent Tesla", "", "50", "0", "", "", "0", "abuse_ch"
"2026-11-22 08:00:03", "4", "not an ioc", "domain", "x", "y", "None", "Z", "", "50", "0", "", "", "0", "abuse_ch"
# Number of entries: 4
"#;
    let (l, w) = ThreatList::parse("threatfox", csv);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].starts_with("threatfox:9:"), "{w:?}");
    assert_eq!(
        l.lookup(&ip("198.51.100.44")).unwrap().label.as_deref(),
        Some("Cobalt Strike")
    );
    let d = l
        .lookup(&Indicator::new(
            IndicatorKind::Domain,
            "www.c2.evil.example",
        ))
        .unwrap();
    assert_eq!(
        (d.entry.as_str(), d.label.as_deref()),
        ("c2.evil.example", Some("AsyncRAT"))
    );
    let h = Indicator::new(IndicatorKind::Md5, "44D88612FEA8A8F36DE82E1278ABB02F");
    assert_eq!(l.lookup(&h).unwrap().label.as_deref(), Some("Agent Tesla"));
}

#[test]
fn urlhaus_csv_text_and_hostfile() {
    let csv = r#"# URLhaus
# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter
"3001","2026-11-22 08:00:00","http://198.51.100.50/bins/x86","online","2026-11-22","malware_download","elf,mirai","https://urlhaus.abuse.ch/url/3001/","r"
"#;
    let (l, w) = ThreatList::parse("urlhaus", csv);
    assert!(w.is_empty(), "{w:?}");
    let u = Indicator::new(IndicatorKind::Url, "http://198.51.100.50/bins/x86");
    assert_eq!(
        l.lookup(&u).unwrap().label.as_deref(),
        Some("malware_download")
    );
    let (text, _) = ThreatList::parse("urlhaus-text", "http://evil.example/a.exe\n");
    assert!(text
        .lookup(&Indicator::new(
            IndicatorKind::Url,
            "http://evil.example/a.exe"
        ))
        .is_some());
    let (hosts, w) = ThreatList::parse(
        "hostfile",
        "# hosts\n127.0.0.1\tevil.example\n0.0.0.0 bad.example\n",
    );
    assert!(w.is_empty(), "{w:?}");
    // The host part of a URL is matched against domain entries.
    assert!(hosts
        .lookup(&Indicator::new(
            IndicatorKind::Url,
            "https://bad.example/login"
        ))
        .is_some());
    assert!(hosts
        .lookup(&Indicator::new(IndicatorKind::Domain, "evil.example"))
        .is_some());
}

#[test]
fn plain_domain_and_hash_lists_with_bad_lines() {
    let text = "# my list\nevil.example   # phishing kit\n\n@@@ nonsense @@@\n\
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n198.51.100.1 - 198.51.100.20\n";
    let (l, w) = ThreatList::parse("mine", text);
    assert_eq!(
        w,
        vec!["mine:4: '@@@ nonsense @@@' is not an IP, CIDR, domain, URL or hash"]
    );
    assert_eq!(
        l.lookup(&Indicator::new(IndicatorKind::Domain, "evil.example"))
            .unwrap()
            .label
            .as_deref(),
        Some("phishing kit")
    );
    assert!(l
        .lookup(&Indicator::new(
            IndicatorKind::Sha256,
            "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"
        ))
        .is_some());
    assert!(l.contains_ip("198.51.100.20".parse().unwrap()));
    assert!(!l.contains_ip("198.51.100.21".parse().unwrap()));
}

#[test]
fn load_reports_missing_files_and_names_lists_by_stem() {
    let err = ListSet::load(&["/nonexistent/list.txt"]).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("/nonexistent/list.txt: cannot read: "),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("feodo.txt");
    let mut f = std::fs::File::create(&p).unwrap();
    writeln!(f, "198.51.100.172\n192.168.1.0/24").unwrap();
    let (set, w) = ListSet::load(&[&p]).unwrap();
    assert_eq!(
        set.contains_ip("198.51.100.172".parse().unwrap()),
        Some("feodo")
    );
    assert_eq!(w.len(), 1);
    assert!(
        w[0].contains("feodo.txt:2:") && w[0].contains("private"),
        "{w:?}"
    );
}

#[tokio::test]
async fn local_lists_enricher_explains_matches() {
    let (a, _) = ThreatList::parse("feodo", "198.51.100.172 Emotet\n");
    let (b, _) = ThreatList::parse("drop", "198.51.100.0/24 ; SBL9\n");
    let e =
        soc_core::enrich::lists::LocalLists::new(std::sync::Arc::new(ListSet::from_lists(vec![
            a, b,
        ])));
    let hit = e.enrich(&ip("198.51.100.172")).await.unwrap();
    assert_eq!(hit.verdict, Verdict::Malicious);
    assert_eq!(
        hit.summary,
        "listed in feodo (Emotet), drop as 198.51.100.0/24 (SBL9)"
    );
    let miss = e.enrich(&ip("203.0.113.1")).await.unwrap();
    assert_eq!(
        (miss.verdict, miss.summary.as_str()),
        (Verdict::Unknown, "not on 2 local lists")
    );
}
