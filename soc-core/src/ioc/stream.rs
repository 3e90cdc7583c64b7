//! Extraction from a reader in blocks: one reused buffer, read into and
//! validated in place (no second copy of the input), with the end of each
//! block carried over so that no indicator is cut at a block boundary.
//! Memory stays at one block plus the indicators found.

use std::io::Read;

use super::collect::Collector;
use super::pass::Pass;
use super::scan::{scan_groups, LOOKAHEAD};
use super::{tlp, Extractor, Found};
use crate::error::IocError;
use crate::model::Indicator;

/// Size of the blocks read.
const CHUNK: usize = 1 << 20;

/// Text kept before the scan's restart point: the context that labels
/// look back at (hash names like `imphash:`).
const CONTEXT: usize = 64;

impl Extractor {
    /// Extracts indicators from a reader in bounded memory (1 MiB blocks with
    /// overlap). Invalid UTF-8 is decoded lossily (U+FFFD); offsets refer to
    /// the decoded text.
    ///
    /// ```
    /// use soc_core::ioc::Extractor;
    /// let input: &[u8] = b"\xff\xfe bad bytes then evil[.]example.com";
    /// let found = Extractor::default().extract_reader(input).unwrap();
    /// assert_eq!(found[0].value, "evil.example.com");
    /// ```
    pub fn extract_reader(&self, mut r: impl Read) -> Result<Vec<Indicator>, IocError> {
        Ok(self.read_found(&mut r, CHUNK)?.into_indicators())
    }

    /// [`Extractor::extract_reader`] in compact form (see [`Found`]).
    ///
    /// ```
    /// use soc_core::ioc::Extractor;
    /// let found = Extractor::default().extract_reader_found(&b"8.8.8.8 8.8.8.8"[..]).unwrap();
    /// assert_eq!(found.iter().map(|i| i.count).collect::<Vec<_>>(), [2]);
    /// ```
    pub fn extract_reader_found(&self, mut r: impl Read) -> Result<Found, IocError> {
        self.read_found(&mut r, CHUNK)
    }

    /// [`Extractor::extract_reader`] into a compact [`Found`]; `size_hint`:
    /// about how many bytes the reader holds (sizes the tables).
    ///
    /// Not generic: the scan is compiled once, here, where the helpers it
    /// calls can be inlined, not again in every crate that passes a reader.
    pub(crate) fn read_found(&self, r: &mut dyn Read, size_hint: usize) -> Result<Found, IocError> {
        let mut col = Collector::new(&self.opts, self.mask);
        col.reserve_for(size_hint);
        let mut pass = Pass::default();
        // The carried end of the last block, then the bytes read after it.
        let mut bytes: Vec<u8> = Vec::with_capacity(CHUNK + 4 * LOOKAHEAD);
        // An incomplete UTF-8 sequence that ended the last block.
        let mut split: Vec<u8> = Vec::new();
        let mut from = 0;
        loop {
            bytes.append(&mut split);
            let n = r
                .take(CHUNK as u64)
                .read_to_end(&mut bytes)
                .map_err(|source| IocError::Io {
                    path: "<input>".to_string(),
                    source,
                })?;
            let eof = n == 0;
            if !eof && bytes.len() < CHUNK / 2 {
                continue;
            }
            let text = decode(std::mem::take(&mut bytes), &mut split, eof);
            let limit = if eof {
                text.len()
            } else {
                text.len().saturating_sub(LOOKAHEAD)
            };
            let next = scan_groups::<true>(&text, from, limit, pass.sink(&mut col, &text));
            tlp::bare_labels(&text, from, next, &mut col);
            if eof {
                break;
            }
            let mut keep = next.saturating_sub(CONTEXT);
            while !text.is_char_boundary(keep) {
                keep -= 1;
            }
            bytes = text.into_bytes();
            bytes.drain(..keep);
            col.base += keep;
            from = next - keep;
        }
        Ok(col.finish())
    }
}

/// `bytes` as text: taken as is when valid UTF-8 (the usual case, no
/// copy), else with each invalid sequence replaced by U+FFFD. Unless `eof`,
/// an incomplete sequence at the end is moved to `split` to wait for the
/// rest.
fn decode(bytes: Vec<u8>, split: &mut Vec<u8>, eof: bool) -> String {
    let mut bytes = match String::from_utf8(bytes) {
        Ok(text) => return text,
        Err(e) => e.into_bytes(),
    };
    if !eof {
        let cut = incomplete_end(&bytes);
        split.extend_from_slice(&bytes[cut..]);
        bytes.truncate(cut);
    }
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// Where an incomplete UTF-8 sequence ends `bytes` (`bytes.len()` when
/// none does); invalid sequences before it are skipped.
fn incomplete_end(bytes: &[u8]) -> usize {
    let mut i = 0;
    loop {
        match std::str::from_utf8(&bytes[i..]) {
            Ok(_) => return bytes.len(),
            Err(e) => match e.error_len() {
                Some(len) => i += e.valid_up_to() + len,
                None => return i + e.valid_up_to(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most `step` bytes per call.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(out.len()).min(self.data.len());
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn decoding_matches_from_utf8_lossy_across_any_split() {
        let input = "é 198.51.100.7 \u{1F600} evil[.]example[.]org ü".as_bytes();
        let mut bad = input.to_vec();
        bad.insert(3, 0xff);
        bad.push(0xe2);
        for data in [input.to_vec(), bad] {
            let want = String::from_utf8_lossy(&data).into_owned();
            for cut in 0..=data.len() {
                let mut split = Vec::new();
                let mut text = decode(data[..cut].to_vec(), &mut split, false);
                let mut rest = split;
                rest.extend_from_slice(&data[cut..]);
                text.push_str(&decode(rest, &mut Vec::new(), true));
                assert_eq!(text, want, "cut at {cut}");
            }
        }
    }

    #[test]
    fn blocks_carry_indicators_and_utf8_across_their_ends() {
        // Multi-byte characters and indicators straddle the 1 MiB ends.
        let unit = "ü host-1[.]example[.]com \u{1F600} 203.0.113.9 text ";
        let text = unit.repeat(3 * CHUNK / unit.len());
        let ex = Extractor::default();
        let whole = ex.extract(&text);
        let trickled = ex
            .read_found(
                &mut Trickle {
                    data: text.as_bytes(),
                    step: 77_777,
                },
                0,
            )
            .unwrap()
            .into_indicators();
        assert_eq!(whole, trickled);
        assert_eq!(whole[0].count as usize, text.len() / unit.len());
    }
}
