//! AWS WAF v2 IP sets and VPC network ACL deny entries against `moto` in
//! server mode on 127.0.0.1: the real AWS wire protocols (JSON 1.1 with
//! SigV4, the EC2 Query API with XML answers), no mock of our own.

#[path = "support/moto.rs"]
mod moto;
mod support;

use ipnetwork::IpNetwork;
use serde_json::json;
use soc_core::respond::cloud::aws::{
    AwsApi, AwsNacl, AwsNaclConfig, AwsWaf, AwsWafConfig, WafScope,
};

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

fn net(s: &str) -> IpNetwork {
    s.parse().unwrap()
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
async fn waf_ip_sets_block_v4_v6_and_networks_once() {
    let Some(url) = moto_or_skip("waf_ip_sets_block_v4_v6_and_networks_once") else {
        return;
    };
    let api = AwsApi::new("wafv2", None, None, Some(&url)).unwrap();
    let (v4, v6) = (moto::unique("soc-v4"), moto::unique("soc-v6"));
    let id4 = create_ip_set(&api, &v4, "IPV4").await;
    let id6 = create_ip_set(&api, &v6, "IPV6").await;
    let waf = AwsWaf::new(&waf_config(&url, Some(&v4), Some(&v6))).unwrap();

    assert!(waf.add(&net("198.51.100.7/32")).await.unwrap());
    assert!(
        !waf.add(&net("198.51.100.7/32")).await.unwrap(),
        "second block is a no-op"
    );
    assert!(waf.add(&net("203.0.113.0/24")).await.unwrap());
    assert!(waf.add(&net("2001:db8::7/128")).await.unwrap());
    assert!(!waf.add(&net("2001:db8::7/128")).await.unwrap());

    let (list4, description) = addresses(&api, &v4, &id4).await;
    assert_eq!(list4, ["198.51.100.7/32", "203.0.113.0/24"]);
    assert_eq!(
        description, "soc test set",
        "the description is sent back unchanged"
    );
    assert_eq!(addresses(&api, &v6, &id6).await.0, ["2001:db8::7/128"]);
    assert!(waf.contains(&net("2001:db8::7/128")).await.unwrap());
    assert_eq!(waf.list().await.unwrap().len(), 3);

    assert!(waf.remove(&net("198.51.100.7/32")).await.unwrap());
    assert!(!waf.remove(&net("198.51.100.7/32")).await.unwrap());
    assert_eq!(addresses(&api, &v4, &id4).await.0, ["203.0.113.0/24"]);
}

#[tokio::test]
async fn waf_lock_conflict_is_read_again_and_retried_once() {
    let Some(url) = moto_or_skip("waf_lock_conflict_is_read_again_and_retried_once") else {
        return;
    };
    let api = AwsApi::new("wafv2", None, None, Some(&url)).unwrap();
    let v4 = moto::unique("soc-lock");
    let id4 = create_ip_set(&api, &v4, "IPV4").await;
    let ours = AwsWaf::new(&waf_config(&url, Some(&v4), None)).unwrap();
    let theirs = AwsWaf::new(&waf_config(&url, Some(&v4), None)).unwrap();

    assert!(ours.list().await.unwrap().is_empty()); // ListIPSets + GetIPSet
    assert_eq!(ours.requests(), 2);
    // Another writer changes the set: our lock token is now stale.
    assert!(theirs.add(&net("192.0.2.10/32")).await.unwrap());
    assert!(ours.add(&net("192.0.2.20/32")).await.unwrap());
    // UpdateIPSet refused (WAFOptimisticLockException), GetIPSet, UpdateIPSet.
    assert_eq!(ours.requests(), 5);
    let (list, _) = addresses(&api, &v4, &id4).await;
    assert_eq!(
        list,
        ["192.0.2.10/32", "192.0.2.20/32"],
        "the other writer's entry survives"
    );
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
    let nacl = AwsNacl::new(&nacl_config(&url, &acl_id)).unwrap();

    assert!(nacl.add(&net("198.51.100.7/32")).await.unwrap());
    assert!(
        !nacl.add(&net("198.51.100.7/32")).await.unwrap(),
        "one entry per address"
    );
    assert!(nacl.add(&net("2001:db8::/64")).await.unwrap());
    assert!(nacl.add(&net("203.0.113.0/24")).await.unwrap());
    let entries = ingress(&api, &acl_id).await;
    let deny = |n: u32, c: &str| (n, "deny".to_string(), c.to_string());
    assert_eq!(
        entries,
        [
            deny(1, "198.51.100.7/32"),
            deny(2, "2001:db8::/64"),
            deny(3, "203.0.113.0/24"),
            (100, "allow".into(), "0.0.0.0/0".into()),
        ]
    );
    assert_eq!(nacl.list().await.unwrap().len(), 3);

    assert!(nacl.remove(&net("198.51.100.7/32")).await.unwrap());
    assert!(!nacl.remove(&net("198.51.100.7/32")).await.unwrap());
    // The freed number is reused.
    assert!(nacl.add(&net("192.0.2.99/32")).await.unwrap());
    assert_eq!(ingress(&api, &acl_id).await[0], deny(1, "192.0.2.99/32"));
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
    let nacl = AwsNacl::new(&nacl_config(&url, &acl_id)).unwrap();
    let before = ingress(&api, &acl_id).await.len();
    let e = nacl
        .add(&net("198.51.100.8/32"))
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("20 ingress rules") && e.contains("limit"), "{e}");
    assert_eq!(
        ingress(&api, &acl_id).await.len(),
        before,
        "nothing was created"
    );

    // An allow rule inside soc's range would shadow its denies.
    let acl2 = create_acl(&api).await;
    allow(&api, &acl2, 50).await;
    let nacl2 = AwsNacl::new(&nacl_config(&url, &acl2)).unwrap();
    let e = nacl2
        .add(&net("198.51.100.8/32"))
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("allow rule 50"), "{e}");
}
