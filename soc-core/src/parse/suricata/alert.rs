//! The fast paths that find EVE alert lines without parsing the others
//! ([`is_alert_line`] for one line, [`alert_lines`] for a whole buffer).

use std::sync::LazyLock;

static ALERT_FINDERS: LazyLock<[memchr::memmem::Finder<'static>; 2]> = LazyLock::new(|| {
    [
        memchr::memmem::Finder::new(b"\"event_type\":\"alert\""),
        memchr::memmem::Finder::new(b"\"event_type\": \"alert\""),
    ]
});
static DROP_FINDER: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new(b"\"event_type\":\"drop\""));
static ALERT_OBJ: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new(b"\"alert\":"));

/// Whether a raw EVE line may hold an alert (`event_type` `alert`, or a
/// `drop` carrying an `alert` object), without parsing it. False positives
/// are possible (the text inside a string), false negatives are not for
/// Suricata's own output.
///
/// ```
/// use soc_core::parse::suricata::is_alert_line;
/// assert!(is_alert_line(br#"{"event_type":"alert","alert":{}}"#));
/// assert!(!is_alert_line(br#"{"event_type":"flow"}"#));
/// ```
pub fn is_alert_line(line: &[u8]) -> bool {
    ALERT_FINDERS.iter().any(|f| f.find(line).is_some())
        || (DROP_FINDER.find(line).is_some() && ALERT_OBJ.find(line).is_some())
}

static ALERT_WORD: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new(b"\"alert\""));

/// The lines of a whole EVE buffer for which [`is_alert_line`] holds, in
/// order (a trailing `\r` removed), found without splitting the buffer into
/// lines: one substring search for `"alert"` runs over the buffer, and only
/// the lines it hits are delimited and checked. Every line that
/// [`is_alert_line`] accepts contains `"alert"`, so none is missed.
///
/// ```
/// use soc_core::parse::suricata::alert_lines;
/// let buf = b"{\"event_type\":\"flow\",\"flow\":{\"alerted\":false}}\n{\"event_type\":\"alert\",\"alert\":{}}\r\n";
/// let v: Vec<&[u8]> = alert_lines(buf).collect();
/// assert_eq!(v, vec![&b"{\"event_type\":\"alert\",\"alert\":{}}"[..]]);
/// ```
pub fn alert_lines(buf: &[u8]) -> AlertLines<'_> {
    AlertLines { buf, pos: 0 }
}

/// Iterator returned by [`alert_lines`].
#[derive(Debug, Clone)]
pub struct AlertLines<'a> {
    buf: &'a [u8],
    /// Always the start of a line (or past the end).
    pos: usize,
}

impl<'a> AlertLines<'a> {
    /// The next candidate line with its offset in the buffer.
    pub(super) fn next_at(&mut self) -> Option<(usize, &'a [u8])> {
        loop {
            let base = self.pos;
            let rest = self.buf.get(base..)?;
            let hit = ALERT_WORD.find(rest)?;
            let before = rest.get(..hit)?;
            let start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
            let after = rest.get(hit..)?;
            let end = memchr::memchr(b'\n', after).map_or(rest.len(), |i| hit + i);
            self.pos = base + end + 1;
            let line = rest.get(start..end)?;
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if is_alert_line(line) {
                return Some((base + start, line));
            }
        }
    }
}

impl<'a> Iterator for AlertLines<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        self.next_at().map(|(_, line)| line)
    }
}
