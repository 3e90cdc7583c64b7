//! [`LineBlock`]: whole lines of one input read at once, for the parsers
//! that take them in bulk.

use crate::error::ParseError;
use crate::parse::lines::{line_text, trim_cr};

/// Whole lines of one input read at once, for parsers that take them in
/// bulk: the parallel sshd reader ([`crate::parse::ssh::Reader`]) and the
/// run's SSH lane, which the file source fills
/// ([`crate::source::LogSource::read_block`]).
///
/// Every line ends in `\n` (a `\r` before it may be kept); lines that
/// could not be read as text (too long, a read error, invalid UTF-8 in
/// the file source) are kept as empty lines, their errors beside them, so
/// the lines stay numbered from [`LineBlock::first_line`] on.
///
/// ```
/// use soc_core::parse::line_block::LineBlock;
/// let mut b = LineBlock::default();
/// b.start("auth.log", 7);
/// b.push_line(b"one");
/// b.push_line(b"two\r\n");
/// assert_eq!((b.name(), b.first_line(), b.lines()), ("auth.log", 7, 2));
/// assert_eq!(b.next_line(), 9);
/// ```
#[derive(Debug, Default)]
pub struct LineBlock {
    /// The lines, each ended by `\n`.
    pub(crate) text: Vec<u8>,
    /// The input's name (file:line reports).
    pub(crate) name: String,
    /// Number of the first line.
    pub(crate) first: u64,
    /// Lines in `text`.
    pub(crate) lines: u32,
    /// Per chunk: its end in `text` and the number of lines up to there
    /// (the parallel reader cuts a block into chunks for its threads).
    pub(crate) chunks: Vec<(usize, u32)>,
    /// Lines kept as empty lines because they could not be read: their
    /// numbers and errors, in line order.
    pub(crate) bad: Vec<(u64, ParseError)>,
    /// The input has ended (the sshd reader's chunks).
    pub(crate) end: bool,
}

impl LineBlock {
    /// Empties the block for the lines of `name` from line `first` on
    /// (keeping its buffers).
    pub fn start(&mut self, name: &str, first: u64) {
        if self.name != name {
            self.name = name.to_string();
        }
        self.text.clear();
        self.chunks.clear();
        self.bad.clear();
        self.lines = 0;
        self.first = first;
        self.end = false;
    }

    /// The input's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of the first line.
    pub fn first_line(&self) -> u64 {
        self.first
    }

    /// Lines in the block (the malformed ones included).
    pub fn lines(&self) -> u32 {
        self.lines
    }

    /// Bytes of the lines.
    pub fn len_bytes(&self) -> usize {
        self.text.len()
    }

    /// Whether the block holds no line.
    pub fn is_empty(&self) -> bool {
        self.lines == 0
    }

    /// The number the next line pushed gets.
    pub fn next_line(&self) -> u64 {
        self.first + u64::from(self.lines)
    }

    /// Appends one line (`\n` added when it lacks one).
    pub fn push_line(&mut self, line: &[u8]) {
        self.text.extend_from_slice(line);
        if line.last() != Some(&b'\n') {
            self.text.push(b'\n');
        }
        self.lines += 1;
    }

    /// Appends `block`: whole lines, each ended by `\n`, `n` of them.
    pub(crate) fn push_lines(&mut self, block: &[u8], n: u32) {
        self.text.extend_from_slice(block);
        self.lines += n;
    }

    /// Appends empty lines up to (not including) line `no`: lines the
    /// reader passed over (blank ones) keep their numbers.
    pub fn pad_to(&mut self, no: u64) {
        while self.next_line() < no {
            self.push_line(b"");
        }
    }

    /// Appends the line that could not be read, as an empty line with
    /// its error (after [`LineBlock::pad_to`] its number).
    pub fn push_malformed(&mut self, error: ParseError) {
        self.bad.push((self.next_line(), error));
        self.push_line(b"");
    }

    /// The block's lines in order: number and text, or the error of a
    /// line that could not be read (a line that is not UTF-8 comes as
    /// the malformed-line error of `line_text`).
    pub fn each_line(&self, mut f: impl FnMut(u64, Result<&str, &ParseError>)) {
        let mut bad = self.bad.iter().peekable();
        let mut from = 0;
        for (no, nl) in (self.first..).zip(memchr::memchr_iter(b'\n', &self.text)) {
            let bytes = trim_cr(&self.text[from..nl]);
            from = nl + 1;
            match bad.next_if(|(n, _)| *n == no) {
                Some((_, e)) => f(no, Err(e)),
                None => match line_text(&self.name, no, bytes) {
                    Ok(text) => f(no, Ok(text)),
                    Err(e) => f(no, Err(&e)),
                },
            }
        }
    }
}
