//! Multi-word groups: where the scanner joins a word to the words after
//! it. Spelled-out defangs (`evil dot com`, `bob at evil dot com`), spaced
//! defangs (`example [.] com`, `user @ evil[.]com`, `http:// x .com /y`)
//! and Windows paths with spaces (`C:\\Program Files (x86)\\a.exe`). Prose
//! without a defang (`the server . com`) stays apart.

use super::shape::{is_blank, starts_ci, word_end};

/// Left-hand words that never start a spelled-out domain (`the dot com era`).
pub(crate) const STOP: [&[u8]; 12] = [
    b"the", b"a", b"an", b"this", b"that", b"one", b"no", b"his", b"her", b"its", b"our", b"polka",
];

/// Right-hand words that are English first and TLDs second (`trailing dot is`).
const RIGHT_STOP: [&[u8]; 20] = [
    b"is", b"in", b"it", b"to", b"at", b"on", b"as", b"be", b"me", b"my", b"no", b"so", b"us",
    b"an", b"or", b"by", b"am", b"do", b"go", b"we",
];

/// `word dot word`: returns the end of the merged right word.
pub(crate) fn spelled_join(b: &[u8], e: usize, kw: &[u8]) -> Option<usize> {
    if e == 0 || !b[e - 1].is_ascii_alphanumeric() || b.get(e) != Some(&b' ') {
        return None;
    }
    if !starts_ci(b, e + 1, kw) || b.get(e + 1 + kw.len()) != Some(&b' ') {
        return None;
    }
    let ns = e + 2 + kw.len();
    if !b.get(ns).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    let ne = word_end(b, ns);
    let right = &b[ns..ne];
    let right = &right[..right
        .iter()
        .position(|c| !c.is_ascii_alphanumeric())
        .unwrap_or(right.len())];
    if kw == b"dot" && RIGHT_STOP.iter().any(|st| right.eq_ignore_ascii_case(st)) {
        return None;
    }
    Some(ne)
}

/// A free-standing defang at `k`: a bracketed `.` / `dot` / `@` / `at`
/// (blanks allowed inside: `[ . ]`; `dot` and `at` need a closing
/// bracket), `\.` or `@`. Returns its end.
pub(crate) fn joint(b: &[u8], k: usize) -> Option<usize> {
    match *b.get(k)? {
        b'[' | b'(' | b'{' => {
            let mut j = k;
            while j < b.len() && j - k < 12 && (b"[({".contains(&b[j]) || is_blank(b[j])) {
                j += 1;
            }
            let word = if starts_ci(b, j, b"dot") {
                3
            } else if starts_ci(b, j, b"at") {
                2
            } else if matches!(b.get(j), Some(b'.' | b'@')) {
                1
            } else {
                return None;
            };
            let mut m = j + word;
            let mut closes = 0;
            while m < b.len() && m - j < 16 && (b"])}".contains(&b[m]) || is_blank(b[m])) {
                closes += usize::from(!is_blank(b[m]));
                m += 1;
            }
            while m > j + word && is_blank(b[m - 1]) {
                m -= 1;
            }
            (closes > 0 || word == 1).then_some(m)
        }
        b'\\' if b.get(k + 1) == Some(&b'.') => Some(k + 2),
        b'@' => Some(k + 1),
        _ => None,
    }
}

/// The cheap test before [`spaced_defang`]: whether the word ending at
/// `e` is followed by a space and either ends in a byte that may end a
/// defang or is followed (after blanks) by one that may start one. Most
/// words followed by a space have neither.
#[inline]
pub(crate) fn may_join(b: &[u8], e: usize) -> bool {
    if b.get(e) != Some(&b' ') || e == 0 {
        return false;
    }
    let mut k = e + 1;
    while k < b.len() && k - e < 8 && is_blank(b[k]) {
        k += 1;
    }
    let Some(&next) = b.get(k) else {
        return false;
    };
    matches!(next, b'[' | b'(' | b'{' | b'\\' | b'@' | b'.' | b'/')
        || matches!(b[e - 1], b'@' | b'/' | b']' | b')' | b'}')
}

/// Whether word `w` ends in a defang that joins it to the next word
/// (`a[.]b[.]`, `user@`, `http://`).
fn ends_in_joint(w: &[u8]) -> bool {
    if w.ends_with(b"@") || w.ends_with(b"//") && w.contains(&b':') {
        return true;
    }
    let body = w.len() - w.iter().rev().take_while(|c| b"])}".contains(c)).count();
    body < w.len()
        && body > 0
        && matches!(w[body - 1], b'.' | b'@')
        && w[..body - 1]
            .iter()
            .rev()
            .take(4)
            .any(|c| b"[({".contains(c))
}

/// Extends the word `s..e` across blanks where a defang joins it to the
/// next word: `example [.] com`, `a[.]b[.] example[.]com`, `test \. com`,
/// `user @ example[.]com`, `http:// example .com /x` (after a spaced
/// scheme, ` .tld` and ` /path` join too). Prose such as `the server .
/// com` has no defang and stays apart. Returns the new end.
pub(crate) fn spaced_defang(b: &[u8], s: usize, mut e: usize) -> Option<usize> {
    let n = b.len();
    if e <= s || !may_join(b, e) {
        return None;
    }
    let mut merged = false;
    let mut spaced_scheme = false;
    for _ in 0..16 {
        if b.get(e) != Some(&b' ') {
            break;
        }
        let mut k = e;
        while k < n && k - e < 8 && is_blank(b[k]) {
            k += 1;
        }
        let Some(&next) = b.get(k) else { break };
        let word = &b[s..e];
        if ends_in_joint(word) && next.is_ascii_alphanumeric() {
            spaced_scheme |= word.ends_with(b"//");
            e = word_end(b, k);
            merged = true;
            continue;
        }
        if let Some(je) = joint(b, k) {
            if !b[e - 1].is_ascii_alphanumeric() {
                break;
            }
            let mut m = je;
            while m < n && m - je < 8 && is_blank(b[m]) {
                m += 1;
            }
            if !b.get(m).is_some_and(u8::is_ascii_alphanumeric) {
                break;
            }
            e = word_end(b, m);
            merged = true;
            continue;
        }
        // After a scheme: ` .tld` while the host is not over, and after a
        // spaced scheme ` /path` too.
        let tld = next == b'.' && b.get(k + 1).is_some_and(u8::is_ascii_alphabetic);
        let host_open =
            || memchr::memmem::find(word, b"://").is_some_and(|p| !word[p + 3..].contains(&b'/'));
        if tld && host_open() || spaced_scheme && next == b'/' {
            e = word_end(b, k);
            merged = true;
            spaced_scheme = true;
            continue;
        }
        break;
    }
    merged.then_some(e)
}

pub(crate) fn is_path_start(w: &[u8]) -> bool {
    memchr::memmem::find(w, b":\\").is_some()
        || w.starts_with(b"\\\\")
        || memchr::memmem::find(w, b"%\\").is_some()
        || starts_ci(w, 0, b"hk")
}

/// Extends a Windows path across single spaces (`C:\Program Files (x86)\a.exe`).
pub(crate) fn extend_path(b: &[u8], mut e: usize, s: usize) -> usize {
    'outer: loop {
        let last_sep = b[s..e]
            .iter()
            .rposition(|&c| c == b'\\')
            .map_or(s, |p| s + p);
        if b[last_sep..e].contains(&b'.') {
            return e;
        }
        let mut cur = e;
        for _ in 0..3 {
            if b.get(cur) != Some(&b' ') {
                return e;
            }
            let ns = cur + 1;
            let ne = word_end(b, ns);
            if ne == ns || is_path_start(&b[ns..ne]) {
                return e;
            }
            if b[ns..ne].contains(&b'\\') {
                e = ne;
                continue 'outer;
            }
            if b[ns..ne].contains(&b'.') {
                return e;
            }
            cur = ne;
        }
        return e;
    }
}
