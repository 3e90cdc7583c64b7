//! One extraction pass: the scan's groups refanged and classified into a
//! [`Collector`], with the per-pass state (refang buffer, no-result memo).

use super::classify::Group;
use super::collect::Collector;
use super::config::ExtractOptions;
use super::found::Found;
use super::memo::Memo;
use super::normalize::Normalizer;
use super::scan::{scan_groups, GroupSink, WordFlags};

/// Per-extraction state: the refang buffer and the memo of groups that
/// yield nothing.
#[derive(Default)]
pub(crate) struct Pass {
    norm: Normalizer,
    memo: Memo,
}

/// The scan's view of a [`Pass`] over one text.
pub(crate) struct PassSink<'p, 'c, 'o, 't> {
    pass: &'p mut Pass,
    col: &'c mut Collector<'o>,
    text: &'t str,
}

impl GroupSink for PassSink<'_, '_, '_, '_> {
    fn group(&mut self, start: usize, end: usize, spaced: bool, word: Option<WordFlags>) {
        self.pass
            .group(self.col, self.text, start, end, spaced, word);
    }

    fn known_empty(&self, word: &[u8]) -> bool {
        self.pass.memo.contains(word)
    }
}

impl Pass {
    /// The sink that classifies the groups of `text` into `col`.
    pub(crate) fn sink<'p, 'c, 'o, 't>(
        &'p mut self,
        col: &'c mut Collector<'o>,
        text: &'t str,
    ) -> PassSink<'p, 'c, 'o, 't> {
        PassSink {
            pass: self,
            col,
            text,
        }
    }

    /// Refangs and classifies the group `start..end` of `text`, unless it
    /// is a single word already known to yield nothing.
    /// `word`: the scanner's flags of the group when it is one word.
    fn group(
        &mut self,
        col: &mut Collector,
        text: &str,
        start: usize,
        end: usize,
        spaced: bool,
        word: Option<WordFlags>,
    ) {
        let raw_text = text.get(start..end).unwrap_or("");
        let raw = raw_text.as_bytes();
        if !spaced && self.memo.contains(raw) {
            return;
        }
        self.norm
            .run_marked(raw_text, spaced, word.map(WordFlags::marks));
        let tried = col.tried;
        col.looked_around = false;
        Group {
            text,
            start,
            norm: &self.norm,
            // Unchanged by refanging: the word's shape is the group's.
            shape: word.filter(|_| !self.norm.changed).map(WordFlags::shape),
        }
        .classify(col);
        if !spaced && col.tried == tried && !col.looked_around {
            self.memo.insert(raw);
        }
    }
}

/// Extracts everything from text decoded out of a group (base64, hex,
/// percent-encoding), without decoding again.
pub(crate) fn extract_nested(text: &str) -> Found {
    let opts = ExtractOptions::default();
    let mut col = Collector::new(&opts, u64::MAX);
    col.nested = true;
    let mut pass = Pass::default();
    scan_groups::<true>(text, 0, text.len(), pass.sink(&mut col, text));
    col.finish()
}
