//! Conformance with the peers' own test suites: ioc-finder, iocextract,
//! iocsearcher and msticpy. Each peer has a case table in
//! `tests/ioc_conformance/<peer>.jsonl`, written by us from the peer's
//! public tests and documentation, one JSON object per line:
//!
//! * `input`: the text; `kinds`: the kinds the case judges;
//! * `expect`: the right answer over those kinds, as `[kind, value]`
//!   pairs in soc's canonical form;
//! * `peer` and `differ`: what the peer's suite expects, when it is not
//!   `expect`, and the one-line reason we deliberately differ;
//! * `soc` and `soc_note`: what soc reports, when it is not `expect`
//!   (known misses), and why.
//!
//! The test checks that soc reports exactly `soc` (or `expect`) on every
//! case, so each table states soc's real result, then scores: on each
//! peer's cases, over the kinds that peer extracts, soc's precision and
//! recall must both be at least the peer's own (the peer scored by its
//! suite's expectations); over all cases and kinds, precision >= 0.97
//! and recall >= 0.90. `benches/compare/ioc_accuracy.sh` runs the peers
//! themselves on the same tables.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde::Deserialize;
use soc_core::ioc::extract;

type Pair = (String, String);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    id: String,
    source: String,
    input: String,
    kinds: Vec<String>,
    expect: Vec<Pair>,
    #[serde(default)]
    peer: Option<Vec<Pair>>,
    #[serde(default)]
    differ: Option<String>,
    #[serde(default)]
    soc: Option<Vec<Pair>>,
    #[serde(default)]
    soc_note: Option<String>,
}

/// The kinds each peer extracts (their own names mapped to soc's),
/// separated by spaces.
const PEERS: [(&str, &str); 4] = [
    (
        "ioc_finder",
        "ipv4 ipv6 cidr domain url email md5 sha1 sha256 sha512 ssdeep cve \
         attack_technique attack_tactic attack_mitigation asn mac btc xmr \
         registry_key file_path imphash authentihash tlp google_analytics_id \
         google_adsense_id user_agent xmpp",
    ),
    ("iocextract", "ipv4 ipv6 url email md5 sha1 sha256 sha512"),
    (
        "iocsearcher",
        "ipv4 ipv6 cidr domain url email md5 sha1 sha256 cve attack_technique \
         btc bch ada dash doge eth ltc xmr xrp sol xtz trx zec onion \
         google_adsense_id google_analytics_id arn registry_key",
    ),
    (
        "msticpy",
        "ipv4 ipv6 domain url email md5 sha1 sha256 file_path",
    ),
];

/// True positives, false positives, false negatives.
#[derive(Debug, Default, Clone, Copy)]
struct Score {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Score {
    fn add(&mut self, got: &BTreeSet<Pair>, want: &BTreeSet<Pair>) {
        self.tp += got.intersection(want).count();
        self.fp += got.difference(want).count();
        self.fn_ += want.difference(got).count();
    }
    fn precision(&self) -> f64 {
        if self.tp + self.fp == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fp) as f64
        }
    }
    fn recall(&self) -> f64 {
        if self.tp + self.fn_ == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fn_) as f64
        }
    }
}

fn only(pairs: &[Pair], kinds: &[&str], judged: &[String]) -> BTreeSet<Pair> {
    pairs
        .iter()
        .filter(|(k, _)| kinds.contains(&k.as_str()) && judged.contains(k))
        .cloned()
        .collect()
}

fn load(peer: &str) -> Vec<Case> {
    let path = format!(
        "{}/tests/ioc_conformance/{peer}.jsonl",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| {
            let case: Case =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("{path}:{}: {e}", n + 1));
            assert_eq!(
                case.peer.is_some(),
                case.differ.is_some(),
                "{path}:{}: `peer` needs a `differ` reason and back",
                n + 1
            );
            assert_eq!(
                case.soc.is_some(),
                case.soc_note.is_some(),
                "{path}:{}: `soc` needs a `soc_note` and back",
                n + 1
            );
            assert!(!case.source.is_empty(), "{path}:{}: no source", n + 1);
            case
        })
        .collect()
}

#[test]
fn soc_meets_each_peer_on_its_own_cases() {
    let all_kinds: Vec<&str> = soc_core::IndicatorKind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect();
    let mut overall = Score::default();
    let mut report = String::new();
    let mut wrong = Vec::new();
    let mut below = Vec::new();
    for (peer, peer_kinds) in PEERS {
        let peer_kinds: &[&str] = &peer_kinds.split_whitespace().collect::<Vec<_>>();
        let (mut soc_score, mut peer_score) = (Score::default(), Score::default());
        let cases = load(peer);
        for c in &cases {
            let got: Vec<Pair> = extract(&c.input)
                .into_iter()
                .map(|i| (i.kind.as_str().to_string(), i.value))
                .collect();
            let got_all = only(&got, &all_kinds, &c.kinds);
            let recorded = only(c.soc.as_ref().unwrap_or(&c.expect), &all_kinds, &c.kinds);
            if got_all != recorded {
                wrong.push(format!(
                    "{peer}/{}: soc reports {got_all:?}, the table says {recorded:?} (input {:?})",
                    c.id, c.input
                ));
            }
            let truth = only(&c.expect, &all_kinds, &c.kinds);
            overall.add(&got_all, &truth);
            let truth_p = only(&c.expect, peer_kinds, &c.kinds);
            soc_score.add(&only(&got, peer_kinds, &c.kinds), &truth_p);
            let peer_got = only(c.peer.as_ref().unwrap_or(&c.expect), peer_kinds, &c.kinds);
            peer_score.add(&peer_got, &truth_p);
        }
        let _ = writeln!(
            report,
            "{peer:12} {:4} cases  soc P {:.3} R {:.3}   {peer} (its suite) P {:.3} R {:.3}",
            cases.len(),
            soc_score.precision(),
            soc_score.recall(),
            peer_score.precision(),
            peer_score.recall()
        );
        if soc_score.precision() < peer_score.precision()
            || soc_score.recall() < peer_score.recall()
        {
            below.push(peer);
        }
    }
    let _ = writeln!(
        report,
        "overall: precision {:.3} recall {:.3} ({} tp, {} fp, {} fn)",
        overall.precision(),
        overall.recall(),
        overall.tp,
        overall.fp,
        overall.fn_
    );
    println!("{report}");
    assert!(
        wrong.is_empty(),
        "{} cases differ from their table:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(
        below.is_empty(),
        "soc is below {below:?} on their own cases:\n{report}"
    );
    assert!(
        overall.precision() >= 0.97 && overall.recall() >= 0.90,
        "{report}"
    );
}
