//! Base64 wrapped across lines (PEM and MIME bodies at 64 or 76 columns)
//! or split by single spaces: the runs of one block, found around the run
//! being classified and joined for decoding.
//!
//! Two runs join only across blanks that look like wrapping: a line break
//! (with blanks around it), or one space. The run before the break must
//! itself look like a wrapped line: at least [`MIN_LINE`] characters, a
//! multiple of four (encoders wrap at whole 4-character groups), not
//! padded; the run after it must look like base64 (see [`looks_base64`]),
//! so a sentence after an encoded URL is not glued to it. Runs join
//! backwards only across line breaks (a word after a space is an ordinary
//! word more often than a wrapped line).
//!
//! A block reaches at most [`MAX_REACH`] bytes past the run it was found
//! from (the scanner's lookahead, so a chunked read sees the same block).

use super::scan::LOOKAHEAD;

/// Shortest run a wrap may follow.
const MIN_LINE: usize = 16;

/// How far a block reaches past the start of the run it was found from.
const MAX_REACH: usize = LOOKAHEAD;

/// A base64 character (standard or URL-safe alphabet, no padding).
fn is_b64(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'-' | b'_')
}

/// A wrapped base64 block: `start..end` in the text, `joined` its runs
/// without the blanks between them.
#[derive(Debug, PartialEq)]
pub(super) struct Block {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) joined: Vec<u8>,
    /// True when the block stopped at [`MAX_REACH`] with more to follow.
    pub(super) capped: bool,
    /// Start of the block's last run.
    pub(super) last_run: usize,
}

/// Whether `run` (base64 characters, then optional `=` padding) reads as
/// base64 rather than a word or a hex digest: four characters or more,
/// holding a digit, `+`, `/`, `=`, or an upper-case letter after its
/// first character, and not only hex digits.
pub(super) fn looks_base64(run: &[u8]) -> bool {
    run.len() >= 4
        && run.iter().enumerate().any(|(i, &c)| {
            c.is_ascii_digit() || matches!(c, b'+' | b'/' | b'=') || i > 0 && c.is_ascii_uppercase()
        })
        && !run.iter().all(u8::is_ascii_hexdigit)
}

/// A run a wrap may follow: long, whole 4-character groups, unpadded.
fn wrappable(run: &[u8]) -> bool {
    run.len() >= MIN_LINE && run.len() % 4 == 0 && looks_base64(run) && run.last() != Some(&b'=')
}

/// The wrap starting at `t[i]`: its length, or `None` when the blanks
/// there do not look like wrapping.
fn wrap_after(t: &[u8], i: usize) -> Option<usize> {
    let blanks = |k: usize| {
        t[k..]
            .iter()
            .take_while(|&&c| matches!(c, b' ' | b'\t'))
            .count()
    };
    let mut k = i + blanks(i);
    if t.get(k) == Some(&b'\r') {
        k += 1;
    }
    if t.get(k) == Some(&b'\n') {
        k += 1;
        return Some(k + blanks(k) - i);
    }
    (k == i + 1 && t[i] == b' ').then_some(1)
}

/// The line break ending at `t[..i]` (blanks around it included): its
/// length, or `None`.
fn break_before(t: &[u8], i: usize) -> Option<usize> {
    let blanks = |k: usize| {
        t[..k]
            .iter()
            .rev()
            .take_while(|&&c| matches!(c, b' ' | b'\t'))
            .count()
    };
    let mut k = i - blanks(i);
    if k == 0 || t[k - 1] != b'\n' {
        return None;
    }
    k -= 1;
    if k > 0 && t[k - 1] == b'\r' {
        k -= 1;
    }
    Some(i - (k - blanks(k)))
}

/// The run of base64 characters and padding starting at `t[i]`.
fn run_at(t: &[u8], i: usize) -> &[u8] {
    let n = t[i..].iter().take_while(|&&c| is_b64(c)).count();
    let pad = t[i + n..].iter().take_while(|&&c| c == b'=').count();
    &t[i..i + n + pad]
}

/// The wrapped block holding the run `t[s..e]`, starting no earlier than
/// `floor`; `None` when no other run joins it. Allocates only for a block.
pub(super) fn block_around(t: &[u8], s: usize, e: usize, floor: usize) -> Option<Block> {
    // Backwards, across line breaks only; no line shorter than the next.
    let mut first = s;
    let mut next_len = e - s;
    while first > floor {
        let Some(w) = break_before(t, first) else {
            break;
        };
        let end = first - w;
        let start = end - t[..end].iter().rev().take_while(|&&c| is_b64(c)).count();
        if start < floor
            || s - start > MAX_REACH
            || end - start < next_len
            || !wrappable(&t[start..end])
        {
            break;
        }
        first = start;
        next_len = end - start;
    }
    let mut last = (s, e);
    let mut capped = false;
    while wrappable(&t[last.0..last.1]) {
        let Some(w) = wrap_after(t, last.1) else {
            break;
        };
        let next = last.1 + w;
        if next >= t.len() {
            break;
        }
        let run = run_at(t, next);
        // After the first line, no line is longer than the one before.
        if !looks_base64(run) || last.0 != first && run.len() > last.1 - last.0 {
            break;
        }
        if next + run.len() - s > MAX_REACH {
            capped = true;
            break;
        }
        last = (next, next + run.len());
    }
    if first == s && last.0 == s {
        return None;
    }
    // Only blanks stand between the runs.
    let joined = t[first..last.1]
        .iter()
        .copied()
        .filter(|c| !matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
        .collect();
    Some(Block {
        start: first,
        end: last.1,
        joined,
        capped,
        last_run: last.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(text: &str, run: &str) -> Option<String> {
        let s = text.find(run).unwrap();
        let e = s + run_at(text.as_bytes(), s).len();
        block_around(text.as_bytes(), s, e, 0).map(|b| String::from_utf8(b.joined).unwrap())
    }

    #[test]
    fn joins_wrapped_lines() {
        let t = "x\naHR0cDovL2V2aWwuZXhhbXBsZS5jb20v\r\nbWFsd2FyZS5leGU=\nThanks";
        let want = "aHR0cDovL2V2aWwuZXhhbXBsZS5jb20vbWFsd2FyZS5leGU=";
        assert_eq!(joined(t, "aHR0cDovL2V2").as_deref(), Some(want));
        // From the second line, backwards.
        assert_eq!(joined(t, "bWFsd2FyZS5leGU=").as_deref(), Some(want));
        let b = block_around(t.as_bytes(), 2, 34, 0).unwrap();
        assert_eq!((b.start, &t[b.end..]), (2, "\nThanks"));
    }

    #[test]
    fn joins_single_spaces_and_indented_lines() {
        let t = "aHR0cDovL2V2aWwuZXhhbXBsZS5jb20v bWFsd2FyZS5leGU=";
        assert!(joined(t, "aHR0").unwrap().ends_with("leGU="));
        let t = "  aHR0cDovL2V2aWwuZXhhbXBsZS5jb20v\n  bWFsd2FyZS5leGU=";
        assert!(joined(t, "aHR0").unwrap().ends_with("leGU="));
    }

    #[test]
    fn prose_and_odd_lengths_do_not_join() {
        // A sentence after the run.
        assert_eq!(
            joined("aHR0cDovL2V2aWwuZXhhbXBsZS5jb20v is bad", "aHR0"),
            None
        );
        assert_eq!(
            joined("aHR0cDovL2V2aWwuZXhhbXBsZS5jb20v\nThanks, Bob", "aHR0"),
            None
        );
        // A run that is not whole 4-character groups, or is padded.
        assert_eq!(
            joined("aHR0cDovL2V2aWwuZXhhbXBsZS5jb2\nbWFsd2FyZS5leGU=", "aHR0"),
            None
        );
        assert_eq!(
            joined("aHR0cDovL2V2aWwuZXhhbXBsZS5jb2==\nbWFsd2FyZS5leGU=", "aHR0"),
            None
        );
        // Two spaces, or a space backwards, are not wrapping.
        assert_eq!(
            joined("aHR0cDovL2V2aWwuZXhhbXBsZS5jb20v  bWFsd2FyZS5leGU=", "aHR0"),
            None
        );
        assert_eq!(
            joined("aHR0cDovL2V2aWwuZXhhbXBsZS5jb20v bWFsd2FyZS5leGU=", "bWFs"),
            None
        );
    }

    #[test]
    fn blocks_are_bounded() {
        let line = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3";
        let t = vec![line; 100].join("\n");
        let b = block_around(t.as_bytes(), 0, line.len(), 0).unwrap();
        assert!(b.capped && b.end <= MAX_REACH && b.last_run < b.end);
        // Not below the floor.
        let s = 10 * (line.len() + 1);
        let b = block_around(t.as_bytes(), s, s + line.len(), s - line.len() - 1).unwrap();
        assert_eq!(b.start, s - line.len() - 1);
    }
}
