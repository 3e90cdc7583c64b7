//! Playbook selection per risk level and kind.

mod support;

use soc_core::respond::{LevelActions, Playbook, PlaybookConfig};
use soc_core::{Alert, RiskLevel, Score, Severity};

fn score(level: RiskLevel) -> Score {
    support::score("t", 0.0, level)
}

fn alert(src: Option<&str>) -> Alert {
    let mut a = Alert::new("ssh.brute_force", "k", "SSH brute force", Severity::High);
    a.src_ip = src.map(|s| s.parse().unwrap());
    a.host = Some("web01".into());
    a
}

fn actions(pb: &Playbook, a: &Alert, level: RiskLevel) -> Vec<String> {
    let mut v: Vec<String> = pb
        .plan(a, &score(level))
        .into_iter()
        .map(|p| p.action)
        .collect();
    v.dedup();
    v
}

#[test]
fn default_ladder_per_level() {
    let pb = Playbook::new(PlaybookConfig::default()).unwrap();
    let a = alert(Some("203.0.113.9"));
    assert_eq!(
        actions(&pb, &a, RiskLevel::Low),
        ["record", "watch", "forward"]
    );
    assert_eq!(
        actions(&pb, &a, RiskLevel::Medium),
        ["record", "watch", "forward", "notify"]
    );
    assert_eq!(
        actions(&pb, &a, RiskLevel::High),
        ["record", "watch", "forward", "notify", "ticket"]
    );
    assert_eq!(
        actions(&pb, &a, RiskLevel::Critical),
        ["record", "watch", "forward", "notify", "ticket", "block"]
    );
    let plan = pb.plan(&a, &score(RiskLevel::Critical));
    let block = plan.iter().find(|p| p.action == "block").unwrap();
    assert_eq!(
        (block.responder.as_str(), block.target.as_str()),
        ("firewall", "203.0.113.9")
    );
    assert_eq!(block.key(&a), "firewall|203.0.113.9|ssh.brute_force");
    let notify: Vec<&str> = plan
        .iter()
        .filter(|p| p.action == "notify")
        .map(|p| p.responder.as_str())
        .collect();
    assert_eq!(notify, ["email", "slack", "webhook"]);
}

#[test]
fn internal_sources_are_isolated_not_blocked() {
    let pb = Playbook::new(PlaybookConfig::default()).unwrap();
    let a = alert(Some("10.0.0.7"));
    let plan = pb.plan(&a, &score(RiskLevel::Critical));
    assert!(!plan.iter().any(|p| p.action == "block"));
    let iso = plan.iter().find(|p| p.action == "isolate").unwrap();
    assert_eq!(iso.target, "10.0.0.7");
    // Configured internal networks count too.
    let cfg = PlaybookConfig {
        internal_networks: vec!["203.0.113.0/24".into()],
        ..Default::default()
    };
    let pb = Playbook::new(cfg).unwrap();
    let plan = pb.plan(&alert(Some("203.0.113.9")), &score(RiskLevel::Critical));
    assert!(plan.iter().any(|p| p.action == "isolate"));
    assert!(!plan.iter().any(|p| p.action == "block"));
    // No address at all: the host is isolated, nothing is blocked.
    let plan = pb.plan(&alert(None), &score(RiskLevel::Critical));
    assert_eq!(
        plan.iter().find(|p| p.action == "isolate").unwrap().target,
        "web01"
    );
}

#[test]
fn kind_overrides_and_validation() {
    let mut cfg = PlaybookConfig::default();
    cfg.kinds.insert(
        "ssh.success_after_failures".into(),
        LevelActions {
            medium: Some(vec!["record".into(), "ticket".into()]),
            ..Default::default()
        },
    );
    let pb = Playbook::new(cfg.clone()).unwrap();
    let mut a = alert(Some("203.0.113.9"));
    a.kind = "ssh.success_after_failures".into();
    assert_eq!(actions(&pb, &a, RiskLevel::Medium), ["record", "ticket"]);
    // Levels the override does not set fall back to the ladder.
    assert!(actions(&pb, &a, RiskLevel::Low).contains(&"watch".to_string()));

    cfg.levels.low = Some(vec!["nuke".into()]);
    let e = Playbook::new(cfg).unwrap_err().to_string();
    assert!(e.contains("unknown action 'nuke'"), "{e}");
    let cfg = PlaybookConfig {
        internal_networks: vec!["not-a-net".into()],
        ..Default::default()
    };
    assert!(Playbook::new(cfg).is_err());
}

#[test]
fn config_from_toml() {
    let cfg: PlaybookConfig = toml::from_str(
        r#"
        levels.low = ["record"]
        responders.notify = ["slack"]
        "#,
    )
    .unwrap();
    let pb = Playbook::new(cfg).unwrap();
    let a = alert(Some("203.0.113.9"));
    assert_eq!(actions(&pb, &a, RiskLevel::Low), ["record"]);
    let plan = pb.plan(&a, &score(RiskLevel::Medium));
    let notify: Vec<&str> = plan
        .iter()
        .filter(|p| p.action == "notify")
        .map(|p| p.responder.as_str())
        .collect();
    assert_eq!(notify, ["slack"]);
    // Levels and mappings left out keep their defaults.
    assert!(actions(&pb, &a, RiskLevel::High).contains(&"ticket".to_string()));
    assert!(plan
        .iter()
        .any(|p| p.action == "watch" && p.responder == "watchlist"));
    assert!(toml::from_str::<PlaybookConfig>("bogus = 1").is_err());
}
