//! Bare TLP labels in prose: `TLP AMBER`, `TLP: AMBER`, `TLP-RED`,
//! `tlp amber`, `TlpGreen`, reported as kind `tlp` in canonical form
//! (`TLP:AMBER`, `TLP:AMBER+STRICT`), and `TLP:AMBER` itself. A pass of
//! its own, beside the scan: the scanner skips `TLP AMBER` as two plain
//! words.
//!
//! FIRST's TLP 2.0 writes labels upper-case; writers and the peers
//! (ioc-finder accepts `tlp amber`, `tlp-Amber`, `TlpGreen`) do not, so
//! `TLP` is taken as `TLP`, `tlp` or `Tlp`, and the colour in any case.
//! Certainty comes from the boundaries instead: `TLP` starts a word (not
//! after a letter, digit, `_`, `-`, `.`, `/` or `\`), at
//! most one `:` or `-` and three blanks (no line break) stand between it
//! and the colour, and the colour ends its word (`the tlp amber-coloured
//! folder` is prose).
//!
//! Three SIMD substring searches over the text find every candidate, so
//! text without `tlp` costs no more than that.

use memchr::memmem;

use super::collect::Collector;
use crate::model::IndicatorKind as K;

/// The TLP colours (TLP 2.0 and 1.0), longest first.
const TLP: [&str; 6] = ["AMBER+STRICT", "AMBER", "CLEAR", "GREEN", "WHITE", "RED"];

/// How `TLP` may be written.
const SPELLINGS: [&[u8]; 3] = [b"TLP", b"tlp", b"Tlp"];

/// Most blanks between `TLP` and its colour.
const MAX_BLANKS: usize = 3;

/// The label starting at `t[p]` (which starts with a spelling of `TLP`):
/// its end and canonical value.
fn label_at(t: &[u8], p: usize) -> Option<(usize, String)> {
    if p > 0 && (t[p - 1].is_ascii_alphanumeric() || b"_-./\\".contains(&t[p - 1])) {
        return None;
    }
    let mut i = p + 3;
    let blanks = |i: usize| {
        t[i..]
            .iter()
            .take(MAX_BLANKS + 1)
            .take_while(|&&c| matches!(c, b' ' | b'\t'))
            .count()
    };
    let lead = blanks(i);
    i += lead;
    let sep = t.get(i).copied().filter(|c| matches!(c, b':' | b'-'));
    if sep.is_some() {
        i += 1;
    }
    let trail = blanks(i);
    i += trail;
    if lead + trail > MAX_BLANKS {
        return None;
    }
    let colour = TLP.iter().find(|c| {
        t.get(i..i + c.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(c.as_bytes()))
    })?;
    let end = i + colour.len();
    let ends_word = t
        .get(end)
        .is_none_or(|&c| !(c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'+' | b'@')));
    ends_word.then(|| (end, format!("TLP:{colour}")))
}

/// Reports the bare TLP labels of `text` that start in `from..limit`.
pub(crate) fn bare_labels(text: &str, from: usize, limit: usize, out: &mut Collector) {
    if !out.wants(K::Tlp) || from >= limit {
        return;
    }
    let t = text.as_bytes();
    let hay = &t[from..limit];
    let mut found: Vec<(usize, usize, String)> = SPELLINGS
        .iter()
        .flat_map(|needle| memmem::find_iter(hay, needle))
        .filter_map(|k| label_at(t, from + k).map(|(end, v)| (from + k, end, v)))
        .collect();
    // In text order, so a repeated label keeps its first offsets.
    found.sort_unstable_by_key(|f| f.0);
    for (p, end, value) in found {
        out.tried += 1;
        let raw = text.get(p..end).unwrap_or("");
        out.emit(K::Tlp, value, raw, p, end, false, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(t: &str) -> Vec<String> {
        let b = t.as_bytes();
        let mut v: Vec<(usize, String)> = SPELLINGS
            .iter()
            .flat_map(|n| memmem::find_iter(b, n).collect::<Vec<_>>())
            .filter_map(|p| label_at(b, p).map(|(e, val)| (p, format!("{}={val}", &t[p..e]))))
            .collect();
        v.sort();
        v.into_iter().map(|(_, s)| s).collect()
    }

    #[test]
    fn bare_forms() {
        assert_eq!(
            labels("TLP AMBER, TLP: amber; TLP-RED. tlp green TlpWhite TLP:AMBER+STRICT"),
            [
                "TLP AMBER=TLP:AMBER",
                "TLP: amber=TLP:AMBER",
                "TLP-RED=TLP:RED",
                "tlp green=TLP:GREEN",
                "TlpWhite=TLP:WHITE",
                "TLP:AMBER+STRICT=TLP:AMBER+STRICT",
            ]
        );
        assert_eq!(labels("[tlp:red]"), ["tlp:red=TLP:RED"]);
        assert_eq!(labels("TLP :CLEAR"), ["TLP :CLEAR=TLP:CLEAR"]);
        assert_eq!(
            labels("(TLP - AMBER+STRICT)"),
            ["TLP - AMBER+STRICT=TLP:AMBER+STRICT"]
        );
    }

    #[test]
    fn prose_stays_prose() {
        assert!(labels("the tlp amber-coloured folder").is_empty());
        assert!(labels("TLP\nAMBER, TLP     RED, TLPs red, xTLP RED, TLP redness").is_empty());
        assert!(labels("TLP: the protocol, x/TLP:RED, a.TLP:RED, TLP:BLUE").is_empty());
        assert!(labels("tlp").is_empty());
    }
}
