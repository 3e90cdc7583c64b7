//! Conformance against fail2ban's annotated sshd test logs
//! (`../shared/corpus/ssh/`, skipped when absent). Normal mode only: blocks
//! whose `filterOptions` do not include normal mode, and lines constrained
//! to aggressive mode, are left out. Every other annotated line counts,
//! including fail2ban's injection cases (user names and auth-info suffixes
//! holding `from H port N`).
//!
//! A line's decision is "soc sees an attack trace with a source": the
//! event's `attempt` is `failure` or `probe`, or it `continues` an attempt
//! an earlier line of the same connection counted (so each attempt still
//! counts once), against fail2ban's `match`. Where soc deliberately differs
//! because the issues' rules demand it, the line is listed in
//! [`DELIBERATE`] with the reason; the targets count those as agreed, and
//! the raw figures are printed (and held) beside them.

/// Lines (by a unique fragment) where soc deliberately disagrees with
/// fail2ban's annotation, and why.
const DELIBERATE: &[(&str, &str)] = &[
    (
        "test from 127.0.0.1 port 58946 ssh2: from 10.10.1.2 port 55555 ssh2",
        "host (#14.1): OpenSSH writes no `: <info>` after a password failure (auth.c \
         auth_log), so `test from 127.0.0.1 port 58946 ssh2:` is the user name and \
         10.10.1.2 the source",
    ),
    (
        "ruser=sudoer rhost=192.0.2.114",
        "a pam_unix(sshd:auth) failure is one PAM module's result, not sshd's verdict: \
         with stacked modules it precedes a success (gh-2070, sshd[1556] in the same \
         file), so the attempt counts on sshd's own `Failed` line. fail2ban counts this \
         line because `ruser` changed, but `ruser` is PAM_RUSER, which sshd never sets \
         (auth-pam.c), and a connection cannot change its user (auth2.c)",
    ),
    (
        "Accepted password for known from",
        "`Accepted` is a `success` (#12); fail2ban counts it as a failure because the \
         pam_unix lines before it named another `ruser` (see above), which OpenSSH \
         cannot log for one connection",
    ),
    (
        "Disconnected from authenticating user admin 192.0.2.6 port 33553 [preauth]",
        "#12: a connection that names a user and ends before authentication without a \
         failure line is one failed attempt (how key-only servers log a guess); \
         fail2ban matches it only in aggressive mode",
    ),
];

fn deliberate(line: &str) -> Option<&'static str> {
    DELIBERATE
        .iter()
        .find(|(frag, _)| line.contains(frag))
        .map(|x| x.1)
}

use std::path::{Path, PathBuf};

use soc_core::model::{Attempt, Origin};
use soc_core::parse::ssh::{SshOptions, SshParser};

fn corpus(name: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus/ssh")
        .join(name);
    p.exists().then_some(p)
}

#[derive(Default)]
struct Score {
    lines: usize,
    decision_ok: usize,
    matching: usize,
    host_ok: usize,
    failure_only_ok: usize,
    probes: usize,
    probes_matching: usize,
    continued: usize,
    deliberate: usize,
    host_deliberate: usize,
    notes: Vec<String>,
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
    let mut s = Score::default();
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
        let attempt = ev.as_ref().and_then(|e| e.attempt);
        if attempt == Some(Attempt::Probe) {
            s.probes += 1;
            if want {
                s.probes_matching += 1;
            }
        }
        let continues = ev.as_ref().and_then(|e| e.continues);
        if continues.is_some() {
            s.continued += 1;
        }
        let got = (matches!(attempt, Some(Attempt::Failure) | Some(Attempt::Probe))
            || continues.is_some())
            && host.is_some();
        let got_failure_only = attempt == Some(Attempt::Failure) && host.is_some();
        if got_failure_only == want {
            s.failure_only_ok += 1;
        }
        if got == want {
            s.decision_ok += 1;
        } else if let Some(why) = deliberate(line) {
            s.deliberate += 1;
            s.notes.push(format!("{name}:{}: deliberate: {why}", i + 1));
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
            } else if let Some(why) = deliberate(line) {
                s.host_deliberate += 1;
                s.notes.push(format!("{name}:{}: deliberate: {why}", i + 1));
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
    let mut total = Score::default();
    for name in ["fail2ban-sshd.log", "fail2ban-sshd-journal.log"] {
        let Some(s) = run(name) else {
            eprintln!("skipping: ../shared/corpus/ssh/{name} not found");
            return;
        };
        total.lines += s.lines;
        total.decision_ok += s.decision_ok;
        total.matching += s.matching;
        total.host_ok += s.host_ok;
        total.failure_only_ok += s.failure_only_ok;
        total.probes += s.probes;
        total.probes_matching += s.probes_matching;
        total.continued += s.continued;
        total.deliberate += s.deliberate;
        total.host_deliberate += s.host_deliberate;
        total.notes.extend(s.notes);
        total.misses.extend(s.misses);
    }
    let raw_dec = total.decision_ok as f64 / total.lines as f64;
    let raw_host = total.host_ok as f64 / total.matching.max(1) as f64;
    let dec = (total.decision_ok + total.deliberate) as f64 / total.lines as f64;
    let host = (total.host_ok + total.host_deliberate) as f64 / total.matching.max(1) as f64;
    println!(
        "raw: decision {:.1}%, host {:.1}%; with the {} deliberate differences as agreed: decision {:.1}%, host {:.1}%",
        raw_dec * 100.0,
        raw_host * 100.0,
        total.deliberate + total.host_deliberate,
        dec * 100.0,
        host * 100.0
    );
    for n in &total.notes {
        println!("{n}");
    }
    println!(
        "annotated lines: {}, decision agrees: {} ({:.1}%), matching: {}, host agrees: {} ({:.1}%)",
        total.lines,
        total.decision_ok,
        raw_dec * 100.0,
        total.matching,
        total.host_ok,
        raw_host * 100.0
    );
    println!(
        "decision as failure only: {} ({:.1}%); probes: {} ({} of them fail2ban matches); \
         lines continuing a counted attempt: {}",
        total.failure_only_ok,
        total.failure_only_ok as f64 / total.lines as f64 * 100.0,
        total.probes,
        total.probes_matching,
        total.continued
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
    // The raw figures as they stand (every difference above is demanded
    // by the issues' rules): a new difference fails here.
    assert!(
        raw_dec >= 0.96,
        "raw decision {:.1}% < 96%",
        raw_dec * 100.0
    );
    assert!(raw_host >= 0.98, "raw host {:.1}% < 98%", raw_host * 100.0);
    assert!(host >= 0.99, "host agreement {:.1}% < 99%", host * 100.0);
}
