//! Conformance against fail2ban's annotated sshd test logs
//! (`../shared/corpus/ssh/`, skipped when absent). Normal mode only: blocks
//! whose `filterOptions` do not include normal mode, and lines constrained
//! to aggressive mode, are left out. Every other annotated line counts,
//! including fail2ban's injection cases (user names and auth-info suffixes
//! holding `from H port N`).

use std::path::{Path, PathBuf};

use soc_core::model::Origin;
use soc_core::parse::ssh::{SshOptions, SshParser};

fn corpus(name: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus/ssh")
        .join(name);
    p.exists().then_some(p)
}

struct Score {
    lines: usize,
    decision_ok: usize,
    matching: usize,
    host_ok: usize,
    misses: Vec<String>,
}

fn run(name: &str) -> Option<Score> {
    let path = corpus(name)?;
    let text = std::fs::read_to_string(&path).unwrap();
    let mut parser = SshParser::new(SshOptions {
        year: Some(2005),
        tz: "Europe/Zurich".into(),
        ..Default::default()
    });
    let mut normal = true;
    let mut expect: Option<serde_json::Value> = None;
    let mut s = Score {
        lines: 0,
        decision_ok: 0,
        matching: 0,
        host_ok: 0,
        misses: Vec::new(),
    };
    for (i, line) in text.lines().enumerate() {
        if let Some(o) = line.strip_prefix("# filterOptions:") {
            let v: serde_json::Value = serde_json::from_str(o.trim()).unwrap();
            let opts = match v {
                serde_json::Value::Array(a) => a,
                other => vec![other],
            };
            normal = opts
                .iter()
                .any(|o| o.get("mode").and_then(|m| m.as_str()).unwrap_or("normal") == "normal");
            continue;
        }
        if let Some(o) = line.strip_prefix("# failJSON:") {
            expect = serde_json::from_str(o.trim()).ok();
            continue;
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let ev = parser.parse_line(
            line,
            Origin {
                file: name.into(),
                line: i as u64 + 1,
            },
        );
        let Some(exp) = expect.take() else { continue };
        let constraint = exp.get("constraint").and_then(|c| c.as_str()).unwrap_or("");
        if !normal || constraint.contains("== 'aggressive'") {
            continue;
        }
        s.lines += 1;
        let want = exp.get("match").and_then(|m| m.as_bool()).unwrap_or(false);
        let host = ev.as_ref().and_then(|e| {
            e.src_ip
                .map(|ip| ip.to_string())
                .or_else(|| e.src_host.clone())
        });
        let got = ev.as_ref().is_some_and(|e| e.is_failure()) && host.is_some();
        if got == want {
            s.decision_ok += 1;
        } else {
            s.misses.push(format!(
                "{name}:{}: decision want {want} got {got}: {line}",
                i + 1
            ));
        }
        if want && got {
            s.matching += 1;
            let Some(want_host) = exp.get("host").and_then(|h| h.as_str()) else {
                s.matching -= 1; // no expected host given
                continue;
            };
            let want_host = want_host.strip_prefix("::ffff:").unwrap_or(want_host);
            if host.as_deref() == Some(want_host) {
                s.host_ok += 1;
            } else {
                s.misses.push(format!(
                    "{name}:{}: host want {want_host} got {host:?}: {line}",
                    i + 1
                ));
            }
        }
    }
    Some(s)
}

#[test]
fn fail2ban_sshd_corpus_normal_mode() {
    let mut total = Score {
        lines: 0,
        decision_ok: 0,
        matching: 0,
        host_ok: 0,
        misses: Vec::new(),
    };
    for name in ["fail2ban-sshd.log", "fail2ban-sshd-journal.log"] {
        let Some(s) = run(name) else {
            eprintln!("skipping: ../shared/corpus/ssh/{name} not found");
            return;
        };
        total.lines += s.lines;
        total.decision_ok += s.decision_ok;
        total.matching += s.matching;
        total.host_ok += s.host_ok;
        total.misses.extend(s.misses);
    }
    let dec = total.decision_ok as f64 / total.lines as f64;
    let host = total.host_ok as f64 / total.matching.max(1) as f64;
    println!(
        "annotated lines: {}, decision agrees: {} ({:.1}%), matching: {}, host agrees: {} ({:.1}%)",
        total.lines,
        total.decision_ok,
        dec * 100.0,
        total.matching,
        total.host_ok,
        host * 100.0
    );
    for m in &total.misses {
        println!("miss: {m}");
    }
    assert!(
        total.lines > 150,
        "too few annotated lines: {}",
        total.lines
    );
    assert!(dec >= 0.98, "decision agreement {:.1}% < 98%", dec * 100.0);
    assert!(host >= 0.99, "host agreement {:.1}% < 99%", host * 100.0);
}
