//! E-mail local parts that RFC 5321/5322 lets a writer quote or escape:
//! quoted strings (`"john doe"@example.com`, `"a\"b"@example.com`) and
//! quoted pairs outside quotes (`john\ doe@example.com`,
//! `first\@last@example.com`, the RFC 3696 examples).
//!
//! Canonical form (RFC 5321 section 4.1.2: a local part that can be a
//! dot-string is written as one): the unescaped content bare when it is a
//! plain local part (`"john"` -> `john`), otherwise quoted, with `"` and
//! `\` escaped (`john\ doe` -> `"john doe"`, `first\@last` ->
//! `"first@last"`).
//!
//! Only where the text makes an address certain: a quoted pair escapes
//! only a character that needs it (a blank or one of `@"\(),:;<>[]`, so
//! `C:\Users\bob@example.com` keeps its `\` as a path separator), the
//! escaped local part starts at a word boundary and with a letter or
//! digit, and a quoted string stays on one line.

use super::validate as v;

/// Longest local part (RFC 5321 section 4.5.3.1.1).
const MAX_LOCAL: usize = 64;

/// A character a local part must quote or escape.
fn needs_escape(c: u8) -> bool {
    matches!(
        c,
        b' ' | b'@' | b'"' | b'\\' | b'(' | b')' | b',' | b':' | b';' | b'<' | b'>' | b'[' | b']'
    )
}

/// A character of a plain local part (see [`v::email_local`]).
fn plain(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"._%+-".contains(&c)
}

/// The canonical form of unescaped local-part `content` (see the module
/// docs), or `None` when it cannot be one.
pub(super) fn canonical(content: &[u8]) -> Option<String> {
    if content.is_empty()
        || content.len() > MAX_LOCAL
        || content.iter().any(|&c| !c.is_ascii_graphic() && c != b' ')
    {
        return None;
    }
    // A dot-string: a plain local part without empty atoms (`a..b`).
    if v::email_local(content) && !content.windows(2).any(|w| w == b"..") {
        return Some(String::from_utf8_lossy(content).into_owned());
    }
    let mut s = String::with_capacity(content.len() + 4);
    s.push('"');
    for &c in content {
        if matches!(c, b'"' | b'\\') {
            s.push('\\');
        }
        s.push(char::from(c));
    }
    s.push('"');
    Some(s)
}

/// A local part with quoted pairs ending right before `text[at]` (the
/// `@`): its start and canonical form. `None` unless it holds a quoted
/// pair and starts a word.
pub(super) fn escaped(text: &[u8], at: usize) -> Option<(usize, String)> {
    let floor = at.saturating_sub(2 * MAX_LOCAL);
    let mut k = at;
    let mut pairs = 0;
    let mut rev = Vec::new();
    while k > floor {
        let c = text[k - 1];
        if k >= 2 && text[k - 2] == b'\\' && needs_escape(c) {
            pairs += 1;
            k -= 2;
        } else if plain(c) {
            k -= 1;
        } else {
            break;
        }
        rev.push(c);
    }
    let first = *rev.last()?;
    let boundary = k == 0 || !matches!(text[k - 1], b'\\' | b'/') && !plain(text[k - 1]);
    if pairs == 0 || !boundary || !first.is_ascii_alphanumeric() {
        return None;
    }
    rev.reverse();
    Some((k, canonical(&rev)?))
}

/// A quoted string ending with the quote at `text[close]`: its start (the
/// opening quote) and the canonical form of its content. `None` when it
/// is not closed on the same line within [`MAX_LOCAL`] characters.
pub(super) fn quoted(text: &[u8], close: usize) -> Option<(usize, String)> {
    let floor = close.saturating_sub(2 * MAX_LOCAL + 2);
    let mut k = close;
    let open = loop {
        k = k.checked_sub(1).filter(|&k| k >= floor)?;
        match text[k] {
            b'\n' | b'\r' => return None,
            b'"' => {
                let slashes = text[..k].iter().rev().take_while(|&&c| c == b'\\').count();
                if slashes % 2 == 0 {
                    break k;
                }
            }
            _ => {}
        }
    };
    let mut content = Vec::with_capacity(close - open);
    let mut i = open + 1;
    while i < close {
        let c = if text[i] == b'\\' {
            i += 1;
            text[i]
        } else {
            text[i]
        };
        content.push(c);
        i += 1;
    }
    Some((open, canonical(&content)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esc(t: &str) -> Option<String> {
        let at = t.rfind('@')?;
        escaped(t.as_bytes(), at).map(|(s, v)| format!("{}|{v}", &t[s..at]))
    }

    #[test]
    fn canonical_forms() {
        assert_eq!(canonical(b"john").as_deref(), Some("john"));
        assert_eq!(canonical(b"john doe").as_deref(), Some("\"john doe\""));
        assert_eq!(canonical(b"a\"b\\c").as_deref(), Some("\"a\\\"b\\\\c\""));
        assert_eq!(canonical(b"John..Doe").as_deref(), Some("\"John..Doe\""));
        assert_eq!(canonical(b""), None);
        assert_eq!(canonical(b"a\nb"), None);
        assert_eq!(canonical(&[b'a'; 65]), None);
    }

    #[test]
    fn escaped_local_parts() {
        assert_eq!(
            esc("mail john\\ doe@").as_deref(),
            Some("john\\ doe|\"john doe\"")
        );
        assert_eq!(
            esc("first\\@last@").as_deref(),
            Some("first\\@last|\"first@last\"")
        );
        assert_eq!(
            esc("<Joe.\\\\Blow@").as_deref(),
            Some("Joe.\\\\Blow|\"Joe.\\\\Blow\"")
        );
        // No pair, a path separator, a pair of an ordinary letter.
        assert_eq!(esc("john@"), None);
        assert_eq!(esc("C:\\Users\\bob@"), None);
        assert_eq!(esc("C:\\temp\\ bob@"), None);
        assert_eq!(esc("/srv/My\\ Files@"), None);
        assert_eq!(esc("\\ bob@"), None);
    }

    #[test]
    fn quoted_strings() {
        let q = |t: &str| quoted(t.as_bytes(), t.len() - 1).map(|(s, v)| format!("{s}|{v}"));
        assert_eq!(q("to \"john doe\"").as_deref(), Some("3|\"john doe\""));
        assert_eq!(q("\"john\"").as_deref(), Some("0|john"));
        assert_eq!(
            q("\"say \\\"hi\\\"\"").as_deref(),
            Some("0|\"say \\\"hi\\\"\"")
        );
        assert_eq!(q("\"two\nlines\""), None);
        assert_eq!(q("no opening\""), None);
        assert_eq!(q("\"\""), None);
    }
}
