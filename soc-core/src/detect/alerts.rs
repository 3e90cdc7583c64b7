//! Building the detectors' alerts: titles, severities, ATT&CK techniques,
//! the source address (and IPv6 prefix) and the evidence of an episode.

use chrono::{DateTime, Utc};

use super::config::Rule;
use super::set::{DetectorSet, Lazy};
use super::source_key::key_address;
use super::source_windows::FAILURES;
use super::stamp::{Span, Stamp};
use super::window::{cutoff, Episode};
use crate::model::{Alert, AttackRef, Indicator, IndicatorKind, Severity};

impl DetectorSet {
    pub(super) fn success(
        &mut self,
        src: &str,
        t: DateTime<Utc>,
        evidence: &mut Lazy<'_, '_>,
    ) -> Option<Alert> {
        let sw = Span::of(self.cfg.success_window());
        let n = self.cfg.success_after_failures.max(1) as usize;
        // clock rule: failures expire by the detector clock, not by `t`
        // (a failures window never opens an episode: nothing to report).
        let now = Stamp::of(self.now.unwrap_or(t));
        let ring = &mut self.sources.get_mut(src)?.ring;
        let cut = cutoff(now, sw);
        let _never = ring.expire(FAILURES, cut);
        ring.prune(FAILURES, cut);
        if ring.len(FAILURES) < n as u64 {
            return None;
        }
        let first = ring.first_time(FAILURES)?.time();
        let failures = ring.len(FAILURES);
        let kept = ring.take_clear(FAILURES);
        let mut ev = self.arena.events(&kept);
        let id = evidence.get(&mut self.arena);
        let e = self.arena.to_event(id);
        ev.push(e.clone());
        let key = format!("{src}|{}", first.to_rfc3339());
        let user = e.user.clone().unwrap_or_default();
        let mut a = Alert::new(
            "ssh.success_after_failures",
            &key,
            format!("Successful SSH login as {user} from {src} after {failures} failures"),
            Severity::Critical,
        );
        a.source = "detect".into();
        a.src_ip = e.src_ip;
        a.user = e.user.clone();
        a.host = e.host.clone();
        a.first_seen = Some(first);
        a.last_seen = Some(t);
        a.count = failures + 1;
        a.attack = vec![attack(
            "T1078",
            "Valid Accounts",
            "TA0001",
            "initial-access",
        )];
        a.indicators = indicators(e.src_ip);
        if let (_, Some(len)) = key_address(src) {
            a.fields.insert("src_prefix".into(), src.into());
            a.fields.insert("src_prefix_len".into(), len.into());
        }
        a.events = ev;
        a.fields.insert("failures".into(), failures.into());
        Some(a)
    }

    /// The alert of a finished episode; `None` for a slow brute force that
    /// is really a fast one (it spans no more than the fast window, so the
    /// brute-force alert already covers it).
    pub(super) fn alert(&self, rule: Rule, key: &str, ep: Episode) -> Option<Alert> {
        if rule == Rule::Slow {
            let fast = self.cfg.params(Rule::Brute).0;
            if ep.last.time() - ep.first.time() <= fast {
                return None;
            }
        }
        let events = self.arena.events(&ep.events);
        let (first, last) = (ep.first.time(), ep.last.time());
        let id_key = format!("{key}|{}", first.to_rfc3339());
        let (title, sev, att) = match rule {
            Rule::Brute => (
                format!("SSH brute force from {key}: {} failures", ep.count),
                Severity::High,
                password_guessing(),
            ),
            Rule::Slow => (
                format!("Slow SSH brute force from {key}: {} failures", ep.count),
                Severity::Medium,
                password_guessing(),
            ),
            Rule::Spray => (
                format!(
                    "SSH password spraying from {key}: {} users",
                    ep.distinct.len()
                ),
                Severity::High,
                attack(
                    "T1110.003",
                    "Password Spraying",
                    "TA0006",
                    "credential-access",
                ),
            ),
            Rule::Distributed => (
                format!(
                    "Distributed SSH attack on user {key}: {} sources",
                    ep.distinct.len()
                ),
                Severity::High,
                password_guessing(),
            ),
            Rule::Scan => (
                format!("SSH scanning from {key}: {} probes", ep.count),
                Severity::Low,
                attack("T1595", "Active Scanning", "TA0043", "reconnaissance"),
            ),
        };
        let mut a = Alert::new(rule.kind(), &id_key, title, sev);
        a.source = "detect".into();
        a.first_seen = Some(first);
        a.last_seen = Some(last);
        a.count = ep.count;
        a.attack = vec![att];
        a.host = events.first().and_then(|e| e.host.clone());
        let mut distinct: Vec<String> = ep.distinct.strings().collect();
        distinct.sort();
        if rule == Rule::Distributed {
            a.user = Some(key.to_string());
            a.fields.insert("sources".into(), distinct.into());
        } else {
            let (ip, prefix) = key_address(key);
            // An aggregated IPv6 source: the address is the first one seen
            // (a real attacker address), the network goes in `src_prefix`.
            let ip = match prefix {
                Some(_) => events.iter().find_map(|e| e.src_ip).or(ip),
                None => ip,
            };
            a.src_ip = ip;
            a.indicators = indicators(ip);
            if let Some(len) = prefix {
                a.fields.insert("src_prefix".into(), key.into());
                a.fields.insert("src_prefix_len".into(), len.into());
            }
            if rule == Rule::Spray {
                a.fields.insert("users".into(), distinct.into());
            } else {
                let users: std::collections::BTreeSet<String> =
                    events.iter().filter_map(|e| e.user.clone()).collect();
                if users.len() == 1 {
                    a.user = users.into_iter().next();
                }
            }
        }
        a.events = events;
        Some(a)
    }
}

fn attack(tid: &str, tname: &str, aid: &str, aname: &str) -> AttackRef {
    AttackRef {
        technique_id: tid.into(),
        technique_name: Some(tname.into()),
        tactic_id: Some(aid.into()),
        tactic_name: Some(aname.into()),
    }
}

/// ATT&CK T1110.001, the technique of brute force and distributed attacks.
fn password_guessing() -> AttackRef {
    attack(
        "T1110.001",
        "Password Guessing",
        "TA0006",
        "credential-access",
    )
}

fn indicators(ip: Option<std::net::IpAddr>) -> Vec<Indicator> {
    ip.map(|ip| {
        let kind = if ip.is_ipv4() {
            IndicatorKind::Ipv4
        } else {
            IndicatorKind::Ipv6
        };
        vec![Indicator::new(kind, ip.to_string())]
    })
    .unwrap_or_default()
}
