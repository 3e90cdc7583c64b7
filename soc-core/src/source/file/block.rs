//! Reading a file's lines in blocks ([`Tracked::read_block`]) for a parser
//! that takes them in bulk (the run's SSH lane), by the rules of
//! [`Tracked::next`]: the same lines, numbers, errors and checkpoints,
//! without a `String` per line.

use std::io::BufRead;

use super::tracked::{ReadCtx, Step, Tracked};
use crate::error::{ParseError, SourceError};
use crate::parse::line_block::LineBlock;

/// How [`Tracked::read_block`] ended.
pub(super) enum BlockEnd {
    /// The block is full.
    Full,
    /// The data available now is read.
    Eof,
    /// A read failed: to report after the block's lines.
    Error(SourceError),
}

impl Tracked {
    /// Reads the next lines into `block` (emptied first) as [`Tracked::next`]
    /// would yield them, up to about `max_bytes` bytes and `max_lines`
    /// lines (more only by blank lines that [`Tracked::next`] passed over),
    /// for a parser that takes them in bulk: lines whole
    /// in the read buffer are copied at once (UTF-8 checked, the
    /// fingerprint fed, `offset` and `line` moved past them); a line that
    /// is not goes through [`Tracked::next`], so partial last lines,
    /// over-long and malformed lines follow the same rules. Lines the
    /// framing passes over (blank) stay in the block as empty lines, and
    /// malformed ones with their errors. Plain line files only.
    pub fn read_block(
        &mut self,
        ctx: &ReadCtx,
        block: &mut LineBlock,
        max_bytes: usize,
        max_lines: usize,
    ) -> BlockEnd {
        block.start(&self.display, self.line + 1);
        while block.len_bytes() < max_bytes && (block.lines() as usize) < max_lines {
            if self.partial.is_empty()
                && !self.skipping
                && self.whole_lines(ctx, block, max_bytes, max_lines)
            {
                continue;
            }
            match self.next(ctx) {
                Step::Record(r) => {
                    block.pad_to(r.origin.line);
                    block.push_line(r.text.as_bytes());
                }
                Step::Error(SourceError::Parse(e)) => {
                    if let ParseError::Malformed { line, .. } = &e {
                        block.pad_to(*line);
                    }
                    block.push_malformed(e);
                }
                Step::Error(e) => return BlockEnd::Error(e),
                Step::Eof => return BlockEnd::Eof,
            }
        }
        BlockEnd::Full
    }

    /// Copies the whole lines in the read buffer (at most what fits in
    /// `block`'s limits, up to the first that is not UTF-8) into `block`;
    /// whether there were any.
    fn whole_lines(
        &mut self,
        ctx: &ReadCtx,
        block: &mut LineBlock,
        max_bytes: usize,
        max_lines: usize,
    ) -> bool {
        let Tracked {
            input,
            fp,
            offset,
            line,
            ..
        } = self;
        let Ok(avail) = input.fill_buf() else {
            return false; // `next` reports it
        };
        // Every line of the window is short enough to keep.
        let room = max_bytes.saturating_sub(block.len_bytes());
        let window = &avail[..avail
            .len()
            .min(room)
            .min(ctx.max_line_bytes.saturating_add(1))];
        let want = max_lines.saturating_sub(block.lines() as usize);
        let mut end = memchr::memchr_iter(b'\n', window)
            .take(want)
            .last()
            .map_or(0, |nl| nl + 1);
        if let Err(e) = std::str::from_utf8(&window[..end]) {
            // Up to the line that is not UTF-8 (`next` reports it).
            end = memchr::memrchr(b'\n', &window[..e.valid_up_to()]).map_or(0, |nl| nl + 1);
        }
        if end == 0 {
            return false;
        }
        let bytes = &window[..end];
        let n = memchr::memchr_iter(b'\n', bytes).count();
        fp.feed(*offset, bytes);
        block.push_lines(bytes, n as u32);
        *offset += end as u64;
        *line += n as u64;
        input.consume(end);
        true
    }
}

#[cfg(test)]
mod tests {
    use crate::error::{ParseError, SourceError};
    use crate::parse::line_block::LineBlock;
    use crate::source::{FileSource, FileSourceOptions, LogSource, SourceKind, SourceRecord};

    /// What a source yields: per record its line and text, per malformed
    /// line its line and error.
    type Yielded = Vec<(u64, Result<String, String>)>;

    fn yielded(r: Result<SourceRecord, SourceError>) -> (u64, Result<String, String>) {
        match r {
            Ok(r) => (r.origin.line, Ok(r.text)),
            Err(SourceError::Parse(e @ ParseError::Malformed { line, .. })) => {
                (line, Err(e.to_string()))
            }
            Err(e) => panic!("{e}"),
        }
    }

    fn by_records(src: &mut FileSource) -> Yielded {
        std::iter::from_fn(|| src.next_record())
            .map(yielded)
            .collect()
    }

    /// Blocks of at most `bytes` bytes and `lines` lines where the source
    /// has them, records one by one where it has not.
    fn by_blocks(src: &mut FileSource, bytes: usize, lines: usize) -> Yielded {
        let mut out = Vec::new();
        let mut block = LineBlock::default();
        loop {
            if src.read_block(&mut block, bytes, lines) {
                let before = out.len();
                block.each_line(|no, line| match line {
                    Ok(t) if t.trim().is_empty() => {}
                    Ok(t) => out.push((no, Ok(t.to_string()))),
                    Err(e) => out.push((no, Err(e.to_string()))),
                });
                assert!(out.len() - before <= lines, "at most {lines} records");
                continue;
            }
            match src.next_record() {
                Some(r) => out.push(yielded(r)),
                None => return out,
            }
        }
    }

    /// Blocks of any size yield the records, line numbers, errors and
    /// checkpoint of the line-by-line read: CRLF, blank lines, a line
    /// that is not UTF-8, lines too long to keep (one longer than the
    /// read buffer), and a last line without newline left unread.
    #[test]
    fn blocks_yield_what_records_yield() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("auth.log");
        let mut text = Vec::new();
        for i in 0..3000 {
            match i % 97 {
                5 => text.extend_from_slice(b"\r\n"),
                6 => text.extend_from_slice(b"   \n"),
                7 => text.extend_from_slice(b"bad \xff\xfe line\n"),
                8 => text.extend_from_slice(&[b'x'; 700]),
                _ => text.extend_from_slice(format!("line {i} of the log\r\n").as_bytes()),
            }
            if i == 1500 {
                text.extend(std::iter::repeat_n(b'y', 300 << 10));
                text.push(b'\n');
            }
        }
        text.extend_from_slice(b"half a line");
        std::fs::write(&path, &text).unwrap();
        let opts = FileSourceOptions {
            max_line_bytes: 500,
            ..FileSourceOptions::default()
        };
        let open = || {
            let p = [path.display().to_string()];
            FileSource::open(&p, SourceKind::Ssh, opts.clone(), None).unwrap()
        };
        let mut one = open();
        let want = by_records(&mut one);
        assert!(want.iter().any(|y| y.1.is_err()));
        assert!(want.len() > 2900, "{}", want.len());
        for (bytes, lines) in [(1 << 20, 5000), (4096, 7), (1, 1), (100_000, 300)] {
            let mut src = open();
            assert_eq!(src.block_kind(), Some(SourceKind::Ssh));
            let got = by_blocks(&mut src, bytes, lines);
            assert_eq!(got, want, "blocks of {bytes} bytes, {lines} lines");
            assert_eq!(src.checkpoints(), one.checkpoints());
        }
    }
}
