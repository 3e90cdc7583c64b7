//! Windows paths (`C:\\x`, `\\\\host\\share`, `%APPDATA%\\x`) and registry
//! keys (`HKLM\\Software\\...`) inside a candidate group.

use super::classify::Group;
use super::collect::Collector;
use super::shape::trim_url;
use crate::model::IndicatorKind as K;

impl Group<'_> {
    /// The first Windows path or registry key at or after `pos`: classifies
    /// the pieces before it and it; returns its end (`None`: there is none).
    pub(super) fn windows_at(&self, out: &mut Collector, pos: usize) -> Option<usize> {
        let (ps, kind) = windows_start(self.t(), pos)?;
        self.pieces(out, pos, ps);
        Some(self.windows_path(out, ps, kind))
    }

    /// A Windows path or registry key starting at `ps`; returns its end.
    fn windows_path(&self, out: &mut Collector, ps: usize, kind: K) -> usize {
        let t = self.t();
        let mut end = ps;
        while end < t.len()
            && !matches!(
                t[end],
                b';' | b',' | b'\'' | b'"' | b'*' | b'?' | b'<' | b'>' | b'|'
            )
            && !(t[end] == b':' && end != ps + 1)
        {
            end += 1;
        }
        let stop = end;
        let end = trim_path(t, ps, end);
        let body_start = t[ps..end]
            .iter()
            .position(|&c| c == b'\\')
            .map_or(end, |q| ps + q + 1);
        if end > body_start && t[body_start..end].iter().any(u8::is_ascii_alphanumeric) {
            let value = String::from_utf8_lossy(&t[ps..end]).into_owned();
            self.emit(out, kind, value, ps, end, false);
        }
        stop.max(ps + 1)
    }
}

/// Registry hives that start a registry key.
const HIVES: [&[u8]; 10] = [
    b"HKEY_LOCAL_MACHINE",
    b"HKEY_CURRENT_USER",
    b"HKEY_CLASSES_ROOT",
    b"HKEY_USERS",
    b"HKEY_CURRENT_CONFIG",
    b"HKLM",
    b"HKCU",
    b"HKCR",
    b"HKCC",
    b"HKU",
];

/// Finds the first Windows path (`C:\`, `\\host\`, `%VAR%\`) or registry
/// key (`HKLM\`) at or after `from`.
fn windows_start(t: &[u8], from: usize) -> Option<(usize, K)> {
    let boundary = |i: usize| {
        i == 0 || !(t[i - 1].is_ascii_alphanumeric() || t[i - 1] == b'\\' || t[i - 1] == b'_')
    };
    let mut k = from;
    while let Some(off) = memchr::memchr(b'\\', &t[k..]) {
        let bs = k + off;
        if bs >= from + 2
            && t[bs - 1] == b':'
            && t[bs - 2].is_ascii_alphabetic()
            && boundary(bs - 2)
        {
            return Some((bs - 2, K::FilePath));
        }
        if t.get(bs + 1) == Some(&b'\\')
            && bs >= from
            && boundary(bs)
            && t.get(bs + 2)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'.' || *c == b'?')
        {
            return Some((bs, K::FilePath));
        }
        if bs > from && t[bs - 1] == b'%' {
            if let Some(q) = t[from..bs - 1].iter().rposition(|&c| c == b'%') {
                let ps = from + q;
                if boundary(ps)
                    && bs - 1 - ps > 1
                    && t[ps + 1..bs - 1]
                        .iter()
                        .all(|c| c.is_ascii_alphanumeric() || *c == b'_')
                {
                    return Some((ps, K::FilePath));
                }
            }
        }
        for hive in HIVES {
            if bs >= from + hive.len()
                && t[bs - hive.len()..bs].eq_ignore_ascii_case(hive)
                && boundary(bs - hive.len())
            {
                return Some((bs - hive.len(), K::RegistryKey));
            }
        }
        k = bs + 1;
    }
    None
}

/// Like [`trim_url`] for paths (which may end in `\`).
fn trim_path(t: &[u8], start: usize, end: usize) -> usize {
    let mut e = trim_url(t, start, end);
    while e > start && matches!(t[e - 1], b' ' | b'(' | b'[') {
        e = trim_url(t, start, e - 1);
    }
    e
}
