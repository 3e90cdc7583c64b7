//! Escaping of attacker-written text (user names, URLs, DNS names, alert
//! titles) for each kind of output soc writes for people or spreadsheets.
//!
//! * [`visible`]: terminals. Control characters (C0, DEL, C1) and Unicode
//!   bidirectional overrides are shown as `\x1b`, `\n`, `\u{202e}`, so an
//!   ESC/OSC/BEL sequence cannot drive the terminal and a newline cannot
//!   forge a row.
//! * [`csv_cell`]: spreadsheets. OWASP's rule against formula injection: a
//!   cell starting with `=`, `+`, `-`, `@`, tab or carriage return gets a
//!   leading `'` so Excel, LibreOffice and Google Sheets show it as text.
//! * [`markdown_text`]: Markdown. Brackets that make links and images, HTML
//!   and table-cell separators are escaped, and URL schemes are defanged
//!   (`hxxp`-style brackets) so no renderer turns log text into a link.
//!
//! ```
//! use soc_core::pipeline::report::{csv_cell, markdown_text, visible};
//! assert_eq!(visible("root\x1b]8;;http://evil\x07"), "root\\x1b]8;;http://evil\\x07");
//! assert_eq!(visible("a\nb"), "a\\nb");
//! assert_eq!(csv_cell("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
//! assert_eq!(csv_cell("-1"), "'-1");
//! assert_eq!(csv_cell("web01"), "web01");
//! assert_eq!(markdown_text("![x](http://evil/p.png)"), "!\\[x\\](http\\[:\\]//evil/p.png)");
//! ```

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` must not reach a terminal raw: control characters and the
/// Unicode bidirectional embeddings, overrides and isolates.
fn is_hidden(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every control character shown visibly (`\n`, `\r`, `\t`,
/// `\x1b`, `\u{9b}`...). Borrowed when there is nothing to escape.
pub fn visible(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_hidden) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_hidden(c) && (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if is_hidden(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The characters that start a formula in a spreadsheet cell (OWASP).
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `s` made safe for a spreadsheet: prefixed with `'` when it starts with
/// `=`, `+`, `-`, `@`, tab or carriage return (the CSV quoting itself is
/// the CSV writer's job).
pub fn csv_cell(s: &str) -> Cow<'_, str> {
    if s.starts_with(FORMULA_START) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// `s` made inert in Markdown: the brackets that build links and images,
/// `|` (table cells) and `\\` are backslash-escaped,
/// `<`/`>`/`&` become entities, line breaks become spaces, control
/// characters are shown visibly, and what GitHub-flavoured Markdown
/// turns into a link without any bracket is defanged: `://` is written
/// `\[:\]//` (shown as `[:]//`), `www.` as `www\[.\]` and `@` as `\[@\]`
/// (e-mail, `mailto:` and `xmpp:` autolinks).
pub fn markdown_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut skip = 0;
    for (i, c) in s.char_indices() {
        if skip > 0 {
            skip -= 1;
            continue;
        }
        if c == ':' && s[i..].starts_with("://") {
            out.push_str("\\[:\\]");
            continue;
        }
        if matches!(c, 'w' | 'W')
            && s.get(i..i + 4)
                .is_some_and(|w| w.eq_ignore_ascii_case("www."))
        {
            out.push_str(&s[i..i + 3]);
            out.push_str("\\[.\\]");
            skip = 3;
            continue;
        }
        match c {
            '@' => out.push_str("\\[@\\]"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\r' => out.push(' '),
            '\\' | '[' | ']' | '|' => {
                out.push('\\');
                out.push(c);
            }
            c if is_hidden(c) => out.push_str(&visible(c.encode_utf8(&mut [0; 4]))),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_controls_are_visible_and_plain_text_is_borrowed() {
        assert!(matches!(visible("plain ünïcode"), Cow::Borrowed(_)));
        assert_eq!(
            visible("\x1b[2J\x07\x7f\u{9b}"),
            "\\x1b[2J\\x07\\x7f\\u{9b}"
        );
        assert_eq!(visible("a\u{202e}b\tc\r"), "a\\u{202e}b\\tc\\r");
    }

    #[test]
    fn every_formula_start_is_neutralised() {
        for s in ["=1+1", "+cmd|'/c calc'!A1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(csv_cell(s), format!("'{s}"));
        }
        assert_eq!(csv_cell(""), "");
        assert_eq!(csv_cell("a=b"), "a=b");
    }

    /// GFM's extended autolinks need no brackets: `www.` names, e-mail
    /// addresses (a reverse-DNS name or a user name is attacker text).
    #[test]
    fn markdown_bracketless_autolinks_are_defanged() {
        assert_eq!(
            markdown_text("SSH scanning from WWW.evil.example: 12 probes"),
            "SSH scanning from WWW\\[.\\]evil.example: 12 probes"
        );
        assert_eq!(
            markdown_text("login as admin@evil.example, mailto:x@evil.example"),
            "login as admin\\[@\\]evil.example, mailto:x\\[@\\]evil.example"
        );
        for s in [
            "www.a.example",
            "a@b.example",
            "xmpp:a@b.example/r",
            "wwwx.é",
        ] {
            let out = markdown_text(s);
            assert!(
                !out.to_ascii_lowercase().contains("www.")
                    && !out.replace("\\[@\\]", "").contains('@'),
                "{out}"
            );
        }
    }

    #[test]
    fn markdown_links_images_and_html_are_inert() {
        let out = markdown_text("[click](https://evil.example) <img src=x> a|b\nc");
        assert!(
            !out.replace("\\]", "").contains("](") && !out.contains("://") && !out.contains('<')
        );
        assert_eq!(
            out,
            "\\[click\\](https\\[:\\]//evil.example) &lt;img src=x&gt; a\\|b c"
        );
    }
}
