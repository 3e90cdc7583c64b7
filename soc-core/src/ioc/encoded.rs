//! Encoded URLs: base64 (standard or URL-safe alphabet, with, without or
//! with broken padding, at any offset inside a longer run), hex (either
//! case) and percent-encoding (`http%3A%2F%2F...`). The decoded text is
//! extracted again (one level deep) and its URLs and their hosts are
//! reported with the raw encoded text and a tag saying how it was encoded.
//!
//! Decoding runs only where the encoded form of `://` is present, so text
//! that cannot hold an encoded URL costs one byte search.

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;

use super::classify::Group;
use super::collect::Collector;
use super::pass::extract_nested;
use super::shape::find;
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
        self.emit_decoded(out, &decoded, s, e, IndicatorTag::PercentEncoded);
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
        self.emit_decoded(
            out,
            &String::from_utf8_lossy(&bytes),
            a,
            b,
            IndicatorTag::Hex,
        )
    }

    /// A base64 run `a..b` holding the encoding of `://`: the URLs of its
    /// decoded text. True when it held one.
    pub(super) fn base64_encoded(&self, out: &mut Collector, a: usize, b: usize) -> bool {
        let p = &self.t()[a..b];
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
            if self.emit_decoded(out, &text, a, b, IndicatorTag::Base64) {
                return true;
            }
        }
        false
    }

    /// Extracts `decoded` (text decoded from refanged range `a..b`) and
    /// emits its URLs and their hosts, tagged `tag`. True when any.
    fn emit_decoded(
        &self,
        out: &mut Collector,
        decoded: &str,
        a: usize,
        b: usize,
        tag: IndicatorTag,
    ) -> bool {
        let found = extract_nested(decoded);
        let rs = self.start + self.norm.raw_at(a);
        let re = self.start + self.norm.raw_at(b);
        let raw = self.text.get(rs..re).unwrap_or("");
        let before = out.origin.replace(tag);
        let mut any = false;
        for ind in found {
            let from_url = ind.has_tag(IndicatorTag::FromUrl);
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
