//! The input of the parallel reader ([`super::stream`]): chunks of whole
//! lines, each in a buffer of its own, read ahead by one thread for the
//! parsing threads; and the cut of a block handed in by the caller
//! ([`super::parallel::BlockParser`]) into chunks.
//!
//! Lines are copied in blocks: every whole line in the line reader's
//! buffer at once ([`LineReader::read_block`]), so reading costs a copy
//! and a count of the newlines, not a look at each line. A line that is
//! not whole in the buffer (long, the last one without a newline, a read
//! error) goes through [`LineReader::next_bytes`] as in the
//! single-threaded loop, so too-long lines and read errors are reported
//! alike.

use crate::parse::line_block::LineBlock;
use crate::parse::lines::LineReader;

/// Whole lines read from a [`LineReader`] (block-copied lines keep a `\r`
/// before their `\n`; the parsing threads drop it); `end` says the input
/// has ended.
impl LineBlock {
    /// Reads the next `bytes` bytes of whole lines (at least one line
    /// unless the input has ended; the last line may pass `bytes`).
    pub(super) fn read(&mut self, lines: &mut LineReader, bytes: usize) {
        self.start(lines.name(), lines.lines_read() + 1);
        // Room for the lines and a line past them, once: the buffer is
        // used again for the next lines.
        self.text.reserve(bytes.saturating_add(4096));
        while self.text.len() < bytes {
            let room = bytes - self.text.len();
            let n = lines.read_block(&mut self.text, room);
            if n > 0 {
                self.lines += n as u32;
                continue;
            }
            let Some((no, bytes)) = lines.next_bytes() else {
                self.end = true;
                break;
            };
            match bytes {
                Ok(b) => self.text.extend_from_slice(b),
                Err(e) => self.bad.push((no, e)),
            }
            self.text.push(b'\n');
            self.lines += 1;
        }
    }

    /// Cuts `text` into chunks of whole lines of at least `chunk` bytes
    /// (the last one shorter).
    pub(super) fn cut(&mut self, chunk: usize) {
        self.chunks.clear();
        let text = &self.text[..];
        let (mut from, mut upto) = (0usize, 0u32);
        while from < text.len() {
            let want = from.saturating_add(chunk.max(1)).min(text.len());
            // The chunk ends after the line that holds byte `want - 1`.
            let end = memchr::memchr(b'\n', &text[want - 1..]).map_or(text.len(), |i| want + i);
            upto += memchr::memchr_iter(b'\n', &text[from..end]).count() as u32;
            self.chunks.push((end, upto));
            from = end;
        }
    }

    /// Chunk `i`: the number of its first line, its line count and its text.
    pub(super) fn chunk(&self, i: usize) -> (u64, u32, &[u8]) {
        let (start, before) = i.checked_sub(1).map_or((0, 0), |p| self.chunks[p]);
        let (end, upto) = self.chunks[i];
        (
            self.first + u64::from(before),
            upto - before,
            &self.text[start..end],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(input: &'static [u8], segment: usize, chunk: usize) -> LineBlock {
        let mut r = LineReader::from_reader(input, "t").unwrap();
        let mut s = LineBlock::default();
        s.read(&mut r, segment);
        s.cut(chunk);
        s
    }

    #[test]
    fn chunks_end_at_line_ends_and_count_lines() {
        let s = segment(b"aa\nbbbb\r\nc\n\nddd", 1 << 20, 4);
        assert_eq!(s.text, b"aa\nbbbb\r\nc\n\nddd\n");
        assert_eq!((s.first, s.lines, s.end), (1, 5, true));
        assert_eq!(s.chunks, [(9, 2), (16, 5)]);
        assert_eq!(s.chunk(1), (3, 3, &b"c\n\nddd\n"[..]));
    }

    #[test]
    fn a_segment_holds_whole_lines_and_the_next_goes_on() {
        let mut r = LineReader::from_reader(&b"one\ntwo\nthree\n"[..], "t").unwrap();
        let mut s = LineBlock::default();
        s.read(&mut r, 5);
        assert_eq!(
            (s.text.as_slice(), s.lines, s.end),
            (&b"one\ntwo\n"[..], 2, false)
        );
        s.read(&mut r, 5);
        assert_eq!(
            (s.first, s.text.as_slice(), s.end),
            (3, &b"three\n"[..], false)
        );
        s.read(&mut r, 5);
        assert_eq!((s.lines, s.end), (0, true));
    }
}
