use super::*;
use crate::model::Severity;

fn store_with(n: usize) -> (StateStore, Vec<String>) {
    let store = StateStore::in_memory().unwrap();
    store.ensure_triage_schema().unwrap();
    let ids = (0..n)
        .map(|i| {
            let a = Alert::new("ssh.brute_force", &format!("k{i}"), "t", Severity::High);
            store.save_alert(&a, None).unwrap();
            a.id
        })
        .collect();
    (store, ids)
}

#[test]
fn schema_migration_is_idempotent_and_keeps_alerts_writable() {
    let (store, ids) = store_with(1);
    store.ensure_triage_schema().unwrap();
    let mut a = Alert::new("ssh.brute_force", "k0", "t", Severity::High);
    a.user = Some("root".into());
    assert!(!store.save_alert(&a, None).unwrap(), "same id updates");
    assert_eq!(ids[0], a.id);
}

#[test]
fn workflow_records_every_change_once() {
    let (store, ids) = store_with(2);
    let ack = TriageChange {
        status: Some(TriageStatus::Acknowledged),
        assignee: Some(Some("bob".into())),
        ..Default::default()
    };
    assert_eq!(store.update_triage(&ids, "ana", &ack).unwrap(), 2);
    // The same change again changes nothing and records nothing.
    assert_eq!(store.update_triage(&ids, "ana", &ack).unwrap(), 0);
    let close = TriageChange {
        status: Some(TriageStatus::Closed(CloseReason::TruePositive)),
        comment: Some("confirmed in the firewall logs".into()),
        ..Default::default()
    };
    assert_eq!(store.update_triage(&ids[..1], "bob", &close).unwrap(), 1);
    let st = store.triage_state(&ids[0]).unwrap();
    assert_eq!(st.status, TriageStatus::Closed(CloseReason::TruePositive));
    assert_eq!(st.assignee.as_deref(), Some("bob"));
    assert_eq!(st.updated_by.as_deref(), Some("bob"));
    let trail: Vec<_> = store
        .triage_audit(&ids[0])
        .unwrap()
        .into_iter()
        .map(|e| (e.actor, e.action, e.detail))
        .collect();
    assert_eq!(
        trail,
        vec![
            ("ana".into(), "status".into(), "acknowledged".into()),
            ("ana".into(), "assign".into(), "bob".into()),
            (
                "bob".into(),
                "status".into(),
                "closed (true_positive)".into()
            ),
            (
                "bob".into(),
                "comment".into(),
                "confirmed in the firewall logs".into()
            ),
        ]
    );
    assert_eq!(
        store.triage_state(&ids[1]).unwrap().status,
        TriageStatus::Acknowledged
    );
    let labels = store.triage_labels().unwrap();
    assert_eq!(labels.len(), 1);
    assert_eq!(
        (labels[0].0.id.as_str(), labels[0].1),
        (ids[0].as_str(), true)
    );
}

#[test]
fn unknown_ids_are_ignored_and_untriaged_alerts_are_open() {
    let (store, ids) = store_with(1);
    let c = TriageChange {
        comment: Some("x".into()),
        ..Default::default()
    };
    assert_eq!(store.update_triage(&["nope".into()], "a", &c).unwrap(), 0);
    assert!(store.triage_audit("nope").unwrap().is_empty());
    assert_eq!(store.triage_state(&ids[0]).unwrap(), TriageState::default());
}

#[test]
fn close_reasons_parse_and_label() {
    for r in CloseReason::ALL {
        assert_eq!(r.as_str().parse::<CloseReason>().unwrap(), r);
    }
    assert!("<b>"
        .parse::<CloseReason>()
        .unwrap_err()
        .contains("unknown close reason"));
    assert_eq!(CloseReason::FalsePositive.label(), Some(false));
    assert_eq!(CloseReason::Benign.label(), None);
}
