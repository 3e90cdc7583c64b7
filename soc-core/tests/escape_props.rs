//! Properties of the escaping of attacker-written text (issue #14): for any
//! input, terminal output has no control characters, CSV cells start no
//! formula, Markdown has no live link, image or HTML, and URLs printed lose
//! their secrets.

use proptest::prelude::*;
use soc_core::pipeline::config::redact_url;
use soc_core::pipeline::report::{csv_cell, markdown_text, visible};

/// Strings rich in the characters that matter here.
fn hostile() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("\x1b".to_string()),
            Just("\u{9b}".to_string()),
            Just("\u{202e}".to_string()),
            Just("\n".to_string()),
            Just("\r".to_string()),
            Just("://".to_string()),
            Just("](".to_string()),
            Just("![".to_string()),
            Just("<".to_string()),
            Just("\\".to_string()),
            Just("=".to_string()),
            Just("+".to_string()),
            Just("@".to_string()),
            "[ -~]{0,4}",
            any::<char>().prop_map(String::from),
        ],
        0..24,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn terminal_text_has_no_control_characters(s in hostile()) {
        let v = visible(&s);
        prop_assert!(!v.chars().any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)), "{v:?}");
    }

    #[test]
    fn csv_cells_never_start_a_formula(s in hostile()) {
        let c = csv_cell(&s);
        prop_assert!(!c.starts_with(['=', '+', '-', '@', '\t', '\r']), "{c:?}");
        let prefixed = format!("'{}", s);
        prop_assert!(c == s || c == prefixed);
    }

    #[test]
    fn markdown_has_no_live_links_images_or_html(s in hostile()) {
        let m = markdown_text(&s);
        prop_assert!(!m.contains('<') && !m.contains('\n') && !m.contains('\r'), "{m:?}");
        prop_assert!(!m.contains("://"), "{m:?}");
        // Every bracket is escaped (preceded by an unescaped backslash).
        let b = m.as_bytes();
        for (i, ch) in b.iter().enumerate() {
            if *ch == b'[' || *ch == b']' {
                let slashes = b[..i].iter().rev().take_while(|c| **c == b'\\').count();
                prop_assert!(slashes % 2 == 1, "unescaped bracket at {i} in {m:?}");
            }
        }
    }

    #[test]
    fn printed_urls_lose_user_info_and_secret_parameters(
        user in "[a-z]{1,8}",
        password in "[A-Za-z0-9]{6,12}",
        key in "[A-Za-z0-9]{6,12}",
        param in prop::sample::select(vec!["key", "apikey", "api_key", "token", "password", "secret", "sig", "access_token", "X-Amz-Signature"]),
    ) {
        let url = format!("https://{user}:{password}@h.example:8443/p?{param}={key}&q=1");
        let shown = redact_url(&url);
        prop_assert!(!shown.contains(&password) && !shown.contains(&key), "{shown}");
        prop_assert!(shown.contains("h.example:8443/p?") && shown.contains("&q=1"), "{shown}");
    }
}
