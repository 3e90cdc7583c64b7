//! AWS WAF v2 IP sets and VPC network ACL deny entries against `moto` in
//! server mode on 127.0.0.1: the real AWS wire protocols (JSON 1.1 with
//! SigV4, the EC2 Query API with XML answers), no mock of our own. Blocks
//! go through the generic `CloudResponder` (protected ranges, dry-run,
//! idempotency, expiry) as in production.

#[path = "../src/respond/cloud/lent_tests.rs"]
mod lent;
#[path = "support/moto.rs"]
mod moto;
mod support;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use serde_json::json;

use lent::Lent;
use soc_core::respond::cloud::aws::{AwsApi, AwsNaclConfig, AwsWafConfig, WafScope};
use soc_core::respond::cloud::{
    ApiRequest, BlockList, Capabilities, CloudError, CloudResponder, HttpSettings, ListedBlock,
};
use soc_core::respond::firewall::{BlockTarget, FirewallConfig};
use soc_core::store::BlockEntry;
use soc_core::{ActionOutcome, Mode, StateStore};

/// The moto URL, or `None` after reporting the skip.
fn moto_or_skip(test: &str) -> Option<String> {
    match moto::server() {
        Ok(url) => Some(url),
        Err(reason) => {
            support::skip(test, &reason);
            None
        }
    }
}

fn target(s: &str) -> BlockTarget {
    BlockTarget::parse(s).unwrap()
}

fn http() -> HttpSettings {
    HttpSettings {
        timeout_secs: 10,
        max_retries: 1,
        backoff_ms: 10,
    }
}

fn responder<T: BlockList + 'static>(list: &Arc<T>) -> (CloudResponder, Arc<StateStore>) {
    let store = Arc::new(StateStore::in_memory().unwrap());
    let fw = FirewallConfig {
        allow: vec!["192.0.2.50".into()],
        ..FirewallConfig::default()
    };
    let r = CloudResponder::new(Box::new(Lent(list.clone())), &fw, Some(store.clone())).unwrap();
    (r, store)
}

/// Blocks each target live for an hour: `true` expects a new block,
/// `false` an already blocked one (nothing created).
async fn block_each(r: &CloudResponder, steps: &[(&str, bool)]) {
    for (t, new) in steps {
        let rec = r
            .block(t, Some(Duration::from_secs(3600)), Mode::Live, "alert-1")
            .await
            .unwrap();
        if *new {
            assert_eq!(rec.outcome, ActionOutcome::Done, "{t}");
        } else {
            assert!(
                matches!(rec.outcome, ActionOutcome::Skipped(_)),
                "{t}: {rec:?}"
            );
        }
    }
}

/// Marks the stored block of `ip` on `backend` as expired an hour ago.
fn expire_now(store: &StateStore, ip: &str, backend: &str) {
    store
        .add_block(&BlockEntry {
            ip: ip.into(),
            backend: backend.into(),
            created_at: Utc::now() - chrono::Duration::hours(2),
            expires_at: Some(Utc::now() - chrono::Duration::hours(1)),
            reason: "alert-1".into(),
        })
        .unwrap();
}

async fn create_ip_set(api: &AwsApi, name: &str, version: &str) -> String {
    let body = json!({
        "Name": name, "Scope": "REGIONAL", "IPAddressVersion": version,
        "Addresses": [], "Description": "soc test set"
    });
    let reply = api
        .json("AWSWAF_20190729", "CreateIPSet", &body)
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&reply).unwrap();
    v["Summary"]["Id"].as_str().unwrap().to_string()
}

async fn addresses(api: &AwsApi, name: &str, id: &str) -> (Vec<String>, String) {
    let body = json!({"Name": name, "Scope": "REGIONAL", "Id": id});
    let reply = api
        .json("AWSWAF_20190729", "GetIPSet", &body)
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&reply).unwrap();
    let list = v["IPSet"]["Addresses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    (
        list,
        v["IPSet"]["Description"].as_str().unwrap_or("").to_string(),
    )
}

fn waf_config(url: &str, v4: Option<&str>, v6: Option<&str>) -> AwsWafConfig {
    AwsWafConfig {
        name: moto::unique("edge"),
        scope: WafScope::Regional,
        region: None,
        profile: None,
        ipv4_set: v4.map(str::to_string),
        ipv4_set_id: None,
        ipv6_set: v6.map(str::to_string),
        ipv6_set_id: None,
        endpoint_url: Some(url.to_string()),
    }
}

#[tokio::test]
async fn waf_blocks_v4_v6_and_networks_once_and_sweeps_expired_ones() {
    let Some(url) = moto_or_skip("waf_blocks_v4_v6_and_networks_once_and_sweeps_expired_ones")
    else {
        return;
    };
    let api = AwsApi::new("wafv2", None, None, Some(&url)).unwrap();
    let (v4, v6) = (moto::unique("soc-v4"), moto::unique("soc-v6"));
    let id4 = create_ip_set(&api, &v4, "IPV4").await;
    let id6 = create_ip_set(&api, &v6, "IPV6").await;
    let waf = Arc::new(
        waf_config(&url, Some(&v4), Some(&v6))
            .block_list(http())
            .unwrap(),
    );
    let (r, store) = responder(&waf);
    let name = waf.name().to_string();

    // Dry-run: the exact requests, signature redacted, nothing sent.
    let dry = r
        .block("198.51.100.7", None, Mode::DryRun, "alert-1")
        .await
        .unwrap();
    assert_eq!(dry.outcome, ActionOutcome::DryRun);
    assert_eq!(dry.requests.len(), 3, "{:?}", dry.requests);
    let update = &dry.requests[2];
    assert!(update.starts_with(&format!("POST {url}/\n")), "{update}");
    assert!(
        update.contains("x-amz-target: AWSWAF_20190729.UpdateIPSet"),
        "{update}"
    );
    assert!(
        update.contains("Authorization: AWS4-HMAC-SHA256 <redacted>"),
        "{update}"
    );
    assert!(
        update.contains(r#""Addresses":["{addresses}","198.51.100.7/32"]"#),
        "{update}"
    );
    assert!(update.contains(r#""LockToken":"{lock_token}""#), "{update}");
    let shown = format!("{dry:?} {r:?} {waf:?}");
    assert!(
        !shown.contains(moto::SECRET_KEY),
        "the secret key leaked: {shown}"
    );
    assert_eq!(waf.requests(), 0);

    // Protected addresses: refused before any request.
    for protected in ["127.0.0.1", "10.1.2.3", "192.0.2.50", "::1"] {
        assert!(
            r.block(protected, None, Mode::Live, "x").await.is_err(),
            "{protected}"
        );
    }
    assert_eq!(waf.requests(), 0);

    let steps = [
        ("198.51.100.7", true),
        ("198.51.100.7", false),
        ("203.0.113.0/24", true),
        ("2001:db8::7", true),
        ("2001:db8::7", false),
    ];
    block_each(&r, &steps).await;

    let (list4, description) = addresses(&api, &v4, &id4).await;
    assert_eq!(
        list4,
        ["198.51.100.7/32", "203.0.113.0/24"],
        "one entry per block"
    );
    assert_eq!(
        description, "soc test set",
        "the description is sent back unchanged"
    );
    assert_eq!(addresses(&api, &v6, &id6).await.0, ["2001:db8::7/128"]);
    assert_eq!(waf.list().await.unwrap().len(), 3);
    assert_eq!(store.blocks().unwrap().len(), 3);

    // Unblock, then a sweep removes the block whose expiry has passed.
    assert_eq!(
        r.unblock("2001:db8::7", Mode::Live).await.unwrap().outcome,
        ActionOutcome::Done
    );
    assert!(addresses(&api, &v6, &id6).await.0.is_empty());
    expire_now(&store, "198.51.100.7", &name);
    let swept = r.sweep(Mode::Live).await.unwrap();
    assert_eq!(swept.len(), 1, "{swept:?}");
    assert_eq!(
        (swept[0].action.as_str(), &swept[0].outcome),
        ("expire", &ActionOutcome::Done)
    );
    assert_eq!(addresses(&api, &v4, &id4).await.0, ["203.0.113.0/24"]);
    assert_eq!(store.blocks().unwrap().len(), 1);
}

#[tokio::test]
async fn waf_lock_conflict_is_read_again_and_retried_once() {
    let Some(url) = moto_or_skip("waf_lock_conflict_is_read_again_and_retried_once") else {
        return;
    };
    let api = AwsApi::new("wafv2", None, None, Some(&url)).unwrap();
    let v4 = moto::unique("soc-lock");
    let id4 = create_ip_set(&api, &v4, "IPV4").await;
    let ours = waf_config(&url, Some(&v4), None)
        .block_list(http())
        .unwrap();
    let theirs = waf_config(&url, Some(&v4), None)
        .block_list(http())
        .unwrap();

    assert!(ours.list().await.unwrap().is_empty()); // ListIPSets + GetIPSet
    assert_eq!(ours.requests(), 2);
    // Another writer changes the set: our lock token is now stale.
    theirs.add(&target("192.0.2.10"), "soc: x").await.unwrap();
    ours.add(&target("192.0.2.20"), "soc: y").await.unwrap();
    // UpdateIPSet refused (WAFOptimisticLockException), GetIPSet, UpdateIPSet.
    assert_eq!(ours.requests(), 5);
    let (list, _) = addresses(&api, &v4, &id4).await;
    assert_eq!(
        list,
        ["192.0.2.10/32", "192.0.2.20/32"],
        "the other writer's entry survives"
    );

    // A set of the wrong family, and a missing set, are clear errors.
    let wrong = waf_config(&url, None, Some(&v4))
        .block_list(http())
        .unwrap();
    let e = wrong
        .add(&target("2001:db8::1"), "soc: z")
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("holds IPV4 addresses"), "{e}");
    let missing = waf_config(&url, Some("no-such-set"), None)
        .block_list(http())
        .unwrap();
    let e = missing
        .contains(&target("192.0.2.1"))
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("no WAF IP set named 'no-such-set'"), "{e}");
}

async fn create_acl(api: &AwsApi) -> String {
    let vpc = api
        .query("CreateVpc", &[("CidrBlock", "10.77.0.0/16")])
        .await
        .unwrap();
    let vpc_id = moto::xml_texts(&vpc, "vpcId").remove(0);
    let acl = api
        .query("CreateNetworkAcl", &[("VpcId", vpc_id.as_str())])
        .await
        .unwrap();
    let acl_id = moto::xml_texts(&acl, "networkAclId").remove(0);
    allow(api, &acl_id, 100).await;
    acl_id
}

async fn allow(api: &AwsApi, acl_id: &str, rule: u32) {
    let rule = rule.to_string();
    api.query(
        "CreateNetworkAclEntry",
        &[
            ("NetworkAclId", acl_id),
            ("RuleNumber", rule.as_str()),
            ("Protocol", "-1"),
            ("RuleAction", "allow"),
            ("Egress", "false"),
            ("CidrBlock", "0.0.0.0/0"),
        ],
    )
    .await
    .unwrap();
}

/// (rule number, action, cidr) of the ACL's ingress entries.
async fn ingress(api: &AwsApi, acl_id: &str) -> Vec<(u32, String, String)> {
    let xml = api
        .query("DescribeNetworkAcls", &[("NetworkAclId.1", acl_id)])
        .await
        .unwrap();
    let set = xml.split("<entrySet>").nth(1).unwrap_or("");
    let set = set.split("</entrySet>").next().unwrap_or("");
    let first = |item: &str, name: &str| moto::xml_texts(item, name).into_iter().next();
    let mut out: Vec<(u32, String, String)> = set
        .split("<item>")
        .skip(1)
        .filter(|item| first(item, "egress").as_deref() == Some("false"))
        .map(|item| {
            (
                first(item, "ruleNumber").unwrap().parse().unwrap(),
                first(item, "ruleAction").unwrap(),
                first(item, "cidrBlock")
                    .or_else(|| first(item, "ipv6CidrBlock"))
                    .unwrap_or_default(),
            )
        })
        .collect();
    out.sort();
    out
}

fn nacl_config(url: &str, acl_id: &str) -> AwsNaclConfig {
    let mut c: AwsNaclConfig = toml::from_str(&format!(
        "name = '{}'\nnetwork_acl_id = '{acl_id}'\nendpoint_url = '{url}'",
        moto::unique("subnets")
    ))
    .unwrap();
    c.region = Some(moto::REGION.into());
    c
}

#[tokio::test]
async fn nacl_deny_entries_below_the_allow_rule_once_each() {
    let Some(url) = moto_or_skip("nacl_deny_entries_below_the_allow_rule_once_each") else {
        return;
    };
    let api = AwsApi::new("ec2", None, None, Some(&url)).unwrap();
    let acl_id = create_acl(&api).await;
    let nacl = Arc::new(nacl_config(&url, &acl_id).block_list(http()).unwrap());
    let (r, store) = responder(&nacl);
    let name = nacl.name().to_string();

    let dry = r
        .block("198.51.100.7", None, Mode::DryRun, "alert-1")
        .await
        .unwrap();
    assert!(
        dry.requests[1].ends_with("RuleAction=deny&Egress=false&CidrBlock=198.51.100.7%2F32"),
        "{:?}",
        dry.requests
    );
    assert!(r.block("192.168.1.1", None, Mode::Live, "x").await.is_err());
    assert_eq!(nacl.requests(), 0, "dry-run and refusals send nothing");

    let steps = [
        ("198.51.100.7", true),
        ("198.51.100.7", false),
        ("2001:db8::/64", true),
        ("203.0.113.0/24", true),
    ];
    block_each(&r, &steps).await;
    let deny = |n: u32, c: &str| (n, "deny".to_string(), c.to_string());
    assert_eq!(
        ingress(&api, &acl_id).await,
        [
            deny(1, "198.51.100.7/32"),
            deny(2, "2001:db8::/64"),
            deny(3, "203.0.113.0/24"),
            (100, "allow".into(), "0.0.0.0/0".into()),
        ]
    );
    assert_eq!(nacl.list().await.unwrap().len(), 3);

    assert_eq!(
        r.unblock("198.51.100.7", Mode::Live).await.unwrap().outcome,
        ActionOutcome::Done
    );
    assert!(matches!(
        r.unblock("198.51.100.7", Mode::Live).await.unwrap().outcome,
        ActionOutcome::Skipped(_)
    ));
    // The freed number is reused.
    block_each(&r, &[("192.0.2.99", true)]).await;
    assert_eq!(ingress(&api, &acl_id).await[0], deny(1, "192.0.2.99/32"));

    expire_now(&store, "2001:db8::/64", &name);
    let swept = r.sweep(Mode::Live).await.unwrap();
    assert_eq!(swept.len(), 1, "{swept:?}");
    assert_eq!(swept[0].outcome, ActionOutcome::Done);
    assert!(!ingress(&api, &acl_id)
        .await
        .contains(&deny(2, "2001:db8::/64")));
}

#[tokio::test]
async fn nacl_refuses_past_twenty_rules_and_under_an_allow_rule() {
    let Some(url) = moto_or_skip("nacl_refuses_past_twenty_rules_and_under_an_allow_rule") else {
        return;
    };
    let api = AwsApi::new("ec2", None, None, Some(&url)).unwrap();
    let acl_id = create_acl(&api).await;
    // 19 more allow rules above the range: 20 ingress rules in all.
    for rule in 101..120 {
        allow(&api, &acl_id, rule).await;
    }
    let nacl = Arc::new(nacl_config(&url, &acl_id).block_list(http()).unwrap());
    assert_eq!(nacl.capabilities().max_entries, Some(20));
    let (r, _store) = responder(&nacl);
    let before = ingress(&api, &acl_id).await.len();
    let rec = r
        .block("198.51.100.8", None, Mode::Live, "x")
        .await
        .unwrap();
    let ActionOutcome::Failed(e) = &rec.outcome else {
        panic!("{rec:?}");
    };
    assert!(e.contains("20 ingress rules") && e.contains("limit"), "{e}");
    assert_eq!(
        ingress(&api, &acl_id).await.len(),
        before,
        "nothing was created"
    );

    // An allow rule inside soc's range would shadow its denies.
    let acl2 = create_acl(&api).await;
    allow(&api, &acl2, 50).await;
    let nacl2 = nacl_config(&url, &acl2).block_list(http()).unwrap();
    let e = nacl2
        .add(&target("198.51.100.8"), "soc: x")
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("allow rule 50"), "{e}");
}
