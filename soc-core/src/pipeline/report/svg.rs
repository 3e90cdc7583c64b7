//! Hand-made SVG charts (no dependencies): vertical bars by hour and
//! horizontal bars for top sources. Every label is XML-escaped.

use std::fmt::Write;

/// Escapes text for HTML and XML (element content and attribute values).
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// A vertical bar chart of `(label, value)` (e.g. alerts by hour).
pub fn vertical_bars(title: &str, data: &[(String, u64)]) -> String {
    let bar_w = 28u64;
    let gap = 8u64;
    let h = 160u64;
    let left = 90u64;
    let width = left + (bar_w + gap) * data.len().max(1) as u64 + gap;
    let height = h + 70;
    let max = data.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let mut o = String::new();
    let _ = write!(
        o,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" aria-label="{t}"><title>{t}</title>"#,
        t = esc(title)
    );
    let _ = write!(
        o,
        r##"<line x1="{left}" y1="{y}" x2="{width}" y2="{y}" stroke="#888"/><text x="4" y="20" font-size="11">{max}</text><text x="4" y="{y}" font-size="11">0</text>"##,
        y = h + 10
    );
    for (i, (label, v)) in data.iter().enumerate() {
        let bh = v * h / max;
        let x = left + gap + i as u64 * (bar_w + gap);
        let y = h + 10 - bh;
        let _ = write!(
            o,
            r##"<rect x="{x}" y="{y}" width="{bar_w}" height="{bh}" fill="#c0392b"><title>{l}: {v}</title></rect><text x="{tx}" y="{ty}" font-size="10" text-anchor="end" transform="rotate(-45 {tx} {ty})">{l}</text>"##,
            l = esc(label),
            tx = x + bar_w / 2,
            ty = h + 24
        );
    }
    o.push_str("</svg>");
    o
}

/// A horizontal bar chart of `(label, value)` (e.g. top sources).
pub fn horizontal_bars(title: &str, data: &[(String, u64)]) -> String {
    let row = 22u64;
    let label_w = 180u64;
    let bar_max = 300u64;
    let width = label_w + bar_max + 60;
    let height = row * data.len().max(1) as u64 + 10;
    let max = data.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let mut o = String::new();
    let _ = write!(
        o,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" aria-label="{t}"><title>{t}</title>"#,
        t = esc(title)
    );
    for (i, (label, v)) in data.iter().enumerate() {
        let y = 5 + i as u64 * row;
        let bw = (v * bar_max / max).max(1);
        let _ = write!(
            o,
            r##"<text x="{lx}" y="{ty}" font-size="12" text-anchor="end">{l}</text><rect x="{label_w}" y="{y}" width="{bw}" height="{bh}" fill="#2c7fb8"><title>{l}: {v}</title></rect><text x="{vx}" y="{ty}" font-size="12">{v}</text>"##,
            lx = label_w - 6,
            ty = y + 14,
            bh = row - 6,
            vx = label_w + bw + 4,
            l = esc(label)
        );
    }
    o.push_str("</svg>");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_bars_scale() {
        let svg = horizontal_bars("top <x>", &[("<script>".into(), 4), ("b".into(), 2)]);
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
        assert!(svg.contains(r#"width="300""#), "largest bar is full width");
        assert!(svg.contains(r#"width="150""#), "half value, half width");
        let v = vertical_bars("by hour", &[("h1".into(), 0), ("h2".into(), 10)]);
        assert!(v.contains(r#"height="160""#));
    }
}
