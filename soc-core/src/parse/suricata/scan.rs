//! The alert fast path over a stream: [`AlertScanner`] reads large blocks
//! and runs [`alert_lines`] over each, carrying the partial last line
//! over, so memory stays flat in the size of the input (one block plus the
//! longest line).

use std::io::{self, Read};

use super::alert_lines;

/// Default block size (4 MiB).
pub const SCAN_BLOCK: usize = 4 << 20;

/// Finds the alert candidate lines of a stream (the lines for which
/// [`is_alert_line`](super::is_alert_line) holds) block by block, with
/// their 1-based line numbers.
///
/// ```
/// use soc_core::parse::suricata::{alert_from_line, AlertScanner};
/// let eve = "{\"event_type\":\"flow\"}\n{\"event_type\":\"alert\",\"alert\":{\"signature\":\"X\"}}\n";
/// let mut found = Vec::new();
/// let lines = AlertScanner::new(eve.as_bytes())
///     .for_each(|no, line| {
///         let a = alert_from_line(std::str::from_utf8(line).unwrap()).unwrap().unwrap();
///         found.push((no, a.title));
///     })
///     .unwrap();
/// assert_eq!((lines, found), (2, vec![(2, "X".to_string())]));
/// ```
#[derive(Debug)]
pub struct AlertScanner<R> {
    reader: R,
    block: usize,
}

impl<R: Read> AlertScanner<R> {
    /// A scanner with [`SCAN_BLOCK`]-sized reads.
    pub fn new(reader: R) -> AlertScanner<R> {
        AlertScanner {
            reader,
            block: SCAN_BLOCK,
        }
    }

    /// The same with another block size (at least 1 byte).
    pub fn with_block(reader: R, block: usize) -> AlertScanner<R> {
        AlertScanner {
            reader,
            block: block.max(1),
        }
    }

    /// Calls `f(line_no, line)` for each candidate line, in order (line
    /// ending removed), and returns the number of lines read (a last line
    /// without a newline counts; an empty input has none).
    pub fn for_each(mut self, mut f: impl FnMut(u64, &[u8])) -> io::Result<u64> {
        let mut buf = vec![0u8; self.block];
        let mut filled = 0usize;
        let mut lines = 0u64;
        loop {
            if filled == buf.len() {
                // One line longer than the buffer: grow for it.
                buf.resize(buf.len() * 2, 0);
            }
            let n = match self.reader.read(buf.get_mut(filled..).unwrap_or_default()) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if n == 0 {
                let rest = buf.get(..filled).unwrap_or_default();
                if !rest.is_empty() {
                    emit(rest, lines, &mut f);
                    lines += 1 + count_newlines(rest);
                }
                return Ok(lines);
            }
            let old = filled;
            filled += n;
            let new = buf.get(old..filled).unwrap_or_default();
            if let Some(i) = memchr::memrchr(b'\n', new) {
                let cut = old + i + 1;
                let done = buf.get(..cut).unwrap_or_default();
                emit(done, lines, &mut f);
                lines += count_newlines(done);
                buf.copy_within(cut..filled, 0);
                filled -= cut;
            }
        }
    }
}

fn count_newlines(b: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', b).count() as u64
}

/// Runs the fast path over complete lines `block`, numbering from `base`.
fn emit(block: &[u8], base: u64, f: &mut impl FnMut(u64, &[u8])) {
    let (mut no, mut counted) = (base, 0usize);
    let mut it = alert_lines(block);
    while let Some((at, line)) = it.next_at() {
        no += count_newlines(block.get(counted..at).unwrap_or_default());
        counted = at;
        f(no + 1, line);
    }
}
