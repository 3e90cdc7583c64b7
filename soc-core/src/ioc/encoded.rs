//! Encoded URLs: base64 (standard or URL-safe alphabet, with, without or
//! with broken padding, at any offset inside a longer run), hex (either
//! case) and percent-encoding (`http%3A%2F%2F...`). The decoded text is
//! extracted again (one level deep) and its URLs and their hosts are
//! reported with the raw encoded text and a tag saying how it was encoded.
//!
//! Base64 wrapped across lines or split by single spaces is joined first
//! (see [`wrapped`]): a block is looked for only around a run that already
//! has base64's shape and is followed or preceded by a blank, and is
//! decoded once.
//!
//! Decoding runs only where the encoded form of `://` is present, so text
//! that cannot hold an encoded URL costs one byte search.

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;

use super::classify::Group;
use super::collect::Collector;
use super::pass::extract_nested;
use super::shape::find;
use super::wrapped;
use crate::model::{IndicatorKind as K, IndicatorTag};

/// Standard alphabet, padding optional, stray trailing bits allowed.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// `://` in base64 at the three byte alignments, and where the needle
/// sits in its 4-character group.
const B64_SCHEME_SEP: [(&[u8], usize); 3] = [(b"Oi8v", 0), (b"ovL", 2), (b"6Ly", 3)];

/// Case-insensitive search (short haystacks).
fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

impl Group<'_> {
    /// Percent-encoded URLs in the group (`http%3A%2F%2Fevil.example%2Fx`,
    /// also inside another URL's query).
    pub(super) fn percent_encoded(&self, out: &mut Collector) {
        let t = self.t();
        let Some(q) = find_ci(t, b"%3a%2f%2f") else {
            return;
        };
        let mut s = q;
        while s > 0 && t[s - 1].is_ascii_alphanumeric() {
            s -= 1;
        }
        let mut e = q;
        while e < t.len() && !matches!(t[e], b'&' | b' ' | b'\t' | b'"' | b'\'' | b'<' | b'>') {
            e += 1;
        }
        if s == q {
            return;
        }
        let decoded = percent_encoding::percent_decode(&t[s..e]).decode_utf8_lossy();
        let (rs, re) = self.raw_range(s, e);
        self.emit_decoded(out, &decoded, rs, re, IndicatorTag::PercentEncoded);
    }

    /// A hex run `a..b` holding `3a2f2f` (`://`) at a byte boundary: the
    /// URLs of its decoded text. True when it held one.
    pub(super) fn hex_encoded(&self, out: &mut Collector, a: usize, b: usize) -> bool {
        let p = &self.t()[a..b];
        let mut from = 0;
        let aligned = loop {
            match find_ci(&p[from..], b"3a2f2f") {
                Some(k) if (from + k) % 2 == 0 => break true,
                Some(k) => from += k + 1,
                None => break false,
            }
        };
        if !aligned {
            return false;
        }
        let bytes: Vec<u8> = p
            .chunks_exact(2)
            .filter_map(|pair| {
                let hi = (pair[0] as char).to_digit(16)?;
                let lo = (pair[1] as char).to_digit(16)?;
                u8::try_from(hi << 4 | lo).ok()
            })
            .collect();
        let (rs, re) = self.raw_range(a, b);
        self.emit_decoded(
            out,
            &String::from_utf8_lossy(&bytes),
            rs,
            re,
            IndicatorTag::Hex,
        )
    }

    /// A base64 run `a..b` holding the encoding of `://`, alone or in a
    /// block wrapped across lines (see [`wrapped`]): the URLs of its
    /// decoded text. True when it held one.
    pub(super) fn base64_encoded(&self, out: &mut Collector, a: usize, b: usize) -> bool {
        let (rs, re) = self.raw_range(a, b);
        if !self.norm.changed && self.wrapped_base64(out, rs, re) {
            return true;
        }
        self.base64_run(out, &self.t()[a..b], rs, re)
    }

    /// The wrapped block around the raw run `rs..re`, decoded once per
    /// block: true when the block held a URL (then the run alone is not
    /// looked at).
    fn wrapped_base64(&self, out: &mut Collector, rs: usize, re: usize) -> bool {
        let text = self.text.as_bytes();
        let blank = |c: &u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n');
        if !(text.get(re).is_some_and(blank) || rs > 0 && blank(&text[rs - 1])) {
            return false;
        }
        let (bs, be, held) = out.b64_block;
        if (bs..be).contains(&(out.base + rs)) {
            out.looked_around = true;
            return held;
        }
        let floor = be.saturating_sub(out.base).min(rs);
        let Some(block) = wrapped::block_around(text, rs, re, floor) else {
            return false;
        };
        out.looked_around = true;
        let held = self.base64_run(out, &block.joined, block.start, block.end);
        // A block cut short resumes at its last run.
        let covered = if block.capped {
            block.last_run
        } else {
            block.end
        };
        out.b64_block = (out.base + block.start, out.base + covered, held);
        held
    }

    /// Base64 text `p` (raw range `rs..re`) holding the encoding of `://`:
    /// the URLs of its decoded text. True when it held one.
    fn base64_run(&self, out: &mut Collector, p: &[u8], rs: usize, re: usize) -> bool {
        let Some(off) = B64_SCHEME_SEP
            .iter()
            .find_map(|(needle, at)| find(p, needle).filter(|&k| k >= *at).map(|k| (k - at) % 4))
        else {
            return false;
        };
        let body: Vec<u8> = p[off..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'-' | b'_'))
            .map(|&c| match c {
                b'-' => b'+',
                b'_' => b'/',
                c => c,
            })
            .collect();
        // Broken or missing padding, garbage at the end: the longest
        // decodable prefix whose text holds a URL.
        for cut in 0..4 {
            let Some(len) = body.len().checked_sub(cut).filter(|l| l % 4 != 1) else {
                continue;
            };
            let Ok(bytes) = LENIENT.decode(&body[..len]) else {
                continue;
            };
            let text = String::from_utf8_lossy(&bytes);
            if !text.contains("://") {
                return false;
            }
            if self.emit_decoded(out, &text, rs, re, IndicatorTag::Base64) {
                return true;
            }
        }
        false
    }

    /// The raw text range (offsets into `text`) of refanged range `a..b`.
    fn raw_range(&self, a: usize, b: usize) -> (usize, usize) {
        (
            self.start + self.norm.raw_at(a),
            self.start + self.norm.raw_at(b),
        )
    }

    /// Extracts `decoded` (text decoded from raw range `rs..re`) and
    /// emits its URLs and their hosts, tagged `tag`. True when any.
    fn emit_decoded(
        &self,
        out: &mut Collector,
        decoded: &str,
        rs: usize,
        re: usize,
        tag: IndicatorTag,
    ) -> bool {
        let found = extract_nested(decoded);
        let raw = self.text.get(rs..re).unwrap_or("");
        let before = out.origin.replace(tag);
        let mut any = false;
        for ind in found.iter() {
            let from_url = ind.tags().any(|t| t == IndicatorTag::FromUrl);
            if ind.kind != K::Url && !from_url {
                continue;
            }
            any = true;
            out.tried += 1;
            if out.wants(ind.kind) {
                out.emit(ind.kind, ind.value, raw, rs, re, false, from_url);
            }
        }
        out.origin = before;
        any
    }
}
