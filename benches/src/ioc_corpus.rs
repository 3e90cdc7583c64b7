//! A deterministic threat-report-like corpus for the IOC benchmarks: prose
//! with about one indicator per 150 bytes, mixed kinds, a third defanged.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const WORDS: &[&str] = &[
    "the",
    "actor",
    "deployed",
    "a",
    "loader",
    "which",
    "contacted",
    "its",
    "command",
    "and",
    "control",
    "server",
    "after",
    "initial",
    "access",
    "via",
    "phishing",
    "emails",
    "with",
    "malicious",
    "attachments",
    "persistence",
    "was",
    "achieved",
    "through",
    "scheduled",
    "tasks",
    "analysts",
    "observed",
    "lateral",
    "movement",
    "using",
    "stolen",
    "credentials",
    "in",
    "the",
    "victim",
    "network",
    "payload",
    "beacon",
    "every",
    "minutes",
    "to",
    "infrastructure",
    "hosted",
    "on",
    "bulletproof",
    "providers",
    "exfiltration",
    "over",
    "HTTPS",
    "encrypted",
    "archives",
    "version",
    "2.1.4",
    "of",
    "the",
    "tool",
    "(see",
    "appendix)",
    "e.g.",
    "Node.js",
    "setup.py",
];

const TLDS: &[&str] = &[
    "com", "net", "org", "ru", "info", "xyz", "top", "co.uk", "io",
];

fn hex(rng: &mut StdRng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)]))
        .collect()
}

fn label(rng: &mut StdRng) -> String {
    let n = rng.random_range(4..12);
    (0..n)
        .map(|_| char::from(rng.random_range(b'a'..=b'z')))
        .collect()
}

fn indicator(rng: &mut StdRng, defang: bool) -> String {
    let dot = if defang { "[.]" } else { "." };
    let dom = format!(
        "{}{dot}{}{dot}{}",
        label(rng),
        label(rng),
        TLDS[rng.random_range(0..TLDS.len())]
    );
    match rng.random_range(0..12) {
        0 | 1 => format!(
            "{}{dot}{}{dot}{}{dot}{}",
            rng.random_range(1..224),
            rng.random_range(0..256),
            rng.random_range(0..256),
            rng.random_range(1..255)
        ),
        2 | 3 => dom,
        4 | 5 => format!(
            "{}://{dom}/{}/{}.php?id={}",
            if defang { "hxxps" } else { "https" },
            label(rng),
            label(rng),
            rng.random_range(0..9999)
        ),
        6 => format!("{}{}{dom}", label(rng), if defang { "[@]" } else { "@" }),
        7 => hex(rng, 32),
        8 => hex(rng, 64),
        9 => hex(rng, 40),
        10 => format!(
            "CVE-20{}-{}",
            rng.random_range(10..25),
            rng.random_range(1000..60000)
        ),
        _ => format!(
            "T1{:03}.{:03}",
            rng.random_range(0..700),
            rng.random_range(1..20)
        ),
    }
}

/// Generates about `size` bytes of report-like text, deterministically from `seed`.
pub fn generate(size: usize, seed: u64) -> String {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut out = String::with_capacity(size + 256);
    let mut since = 0usize;
    while out.len() < size {
        let before = out.len();
        if since >= 150 {
            let defang = rng.random_range(0..3) == 0;
            out.push_str(&indicator(&mut rng, defang));
            since = 0;
        } else {
            out.push_str(WORDS[rng.random_range(0..WORDS.len())]);
        }
        out.push(if rng.random_range(0..14) == 0 {
            '\n'
        } else {
            ' '
        });
        since += out.len() - before;
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn deterministic_and_dense() {
        let a = super::generate(100_000, 7);
        assert_eq!(a, super::generate(100_000, 7));
        let n = soc_core::ioc::Extractor::new(Default::default())
            .extract(&a)
            .iter()
            .map(|i| i.count)
            .sum::<u64>();
        assert!(n > 500, "{n}");
    }
}
