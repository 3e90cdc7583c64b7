//! VPC network ACL deny entries (EC2 Query protocol, XML answers).
//!
//! A network ACL evaluates its rules in ascending rule number and stops at
//! the first match, so a deny only works below every allow rule that
//! matches the same traffic. soc therefore writes its deny entries only in
//! a configured range of rule numbers (`first_rule..=last_rule`, default
//! 1-99, below the customary allow rule 100) and refuses to act when an
//! allow rule of the same direction sits inside or below that range.
//!
//! AWS allows 20 rules per direction (inbound, outbound) per network ACL by
//! default (a quota that can be raised to 40); the rule `*` (32767) that
//! denies the rest is not counted. soc counts the existing rules first and
//! refuses with a clear error at `max_rules` (default 20) instead of
//! letting the API fail. Each block is one entry: protocol all (`-1`),
//! action deny, `CidrBlock` or `Ipv6CidrBlock`, ingress or egress as
//! configured.
//!
//! Security groups cannot deny (they only allow), so blocking is done with
//! network ACLs, not security groups.

use ipnetwork::IpNetwork;
use serde::Deserialize;

use super::client::{AwsClient, AwsError, AwsRequest};
use super::waf::cidr;

/// The rule number of the default `*` rule, not counted against the limit.
const DEFAULT_RULE: u32 = 32_767;
/// The error code of a rule number taken in the meantime.
const ENTRY_EXISTS: &str = "NetworkAclEntryAlreadyExists";

/// The rule numbers and direction soc manages in one network ACL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RuleRange {
    /// Lowest rule number soc uses.
    pub first: u32,
    /// Highest rule number soc uses (allow rules must be above it).
    pub last: u32,
    /// Outbound (`true`) or inbound rules.
    pub egress: bool,
    /// Most rules of this direction the ACL may hold (AWS default: 20).
    pub max_rules: usize,
}

impl RuleRange {
    fn direction(&self) -> &'static str {
        if self.egress {
            "egress"
        } else {
            "ingress"
        }
    }
}

#[derive(Debug, Deserialize)]
struct DescribeReply {
    #[serde(rename = "networkAclSet", default)]
    acls: Items<Acl>,
}

#[derive(Debug, Deserialize)]
struct Items<T> {
    #[serde(rename = "item", default = "Vec::new")]
    item: Vec<T>,
}

impl<T> Default for Items<T> {
    fn default() -> Self {
        Items { item: Vec::new() }
    }
}

#[derive(Debug, Deserialize)]
struct Acl {
    #[serde(rename = "networkAclId")]
    id: String,
    #[serde(rename = "entrySet", default)]
    entries: Items<Entry>,
}

/// One rule of a network ACL.
#[derive(Debug, Clone, Deserialize)]
struct Entry {
    #[serde(rename = "ruleNumber")]
    rule_number: u32,
    #[serde(rename = "ruleAction")]
    rule_action: String,
    egress: bool,
    #[serde(rename = "cidrBlock")]
    cidr_block: Option<String>,
    #[serde(rename = "ipv6CidrBlock")]
    ipv6_cidr_block: Option<String>,
}

impl Entry {
    fn network(&self) -> Option<IpNetwork> {
        self.cidr_block
            .as_deref()
            .or(self.ipv6_cidr_block.as_deref())
            .and_then(|c| c.trim().parse().ok())
    }

    fn denies(&self, net: &IpNetwork) -> bool {
        self.rule_action == "deny"
            && self
                .network()
                .is_some_and(|n| n.prefix() == net.prefix() && n.network() == net.network())
    }
}

/// Deny entries in one VPC network ACL.
#[derive(Debug)]
pub(crate) struct NetworkAclDeny {
    client: AwsClient,
    endpoint: String,
    acl_id: String,
    range: RuleRange,
    // Serializes read-then-create in this process.
    lock: tokio::sync::Mutex<()>,
}

impl NetworkAclDeny {
    /// Deny entries of `acl_id` at `endpoint`, in `range`.
    pub fn new(client: AwsClient, endpoint: &str, acl_id: &str, range: RuleRange) -> Self {
        NetworkAclDeny {
            client,
            endpoint: endpoint.to_string(),
            acl_id: acl_id.to_string(),
            range,
            lock: tokio::sync::Mutex::new(()),
        }
    }

    /// HTTP requests sent so far.
    pub fn requests(&self) -> u64 {
        self.client.requests()
    }

    /// The managed range and limit.
    pub fn range(&self) -> RuleRange {
        self.range
    }

    fn request(&self, action: &str, params: &[(&str, String)]) -> AwsRequest {
        let params: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        AwsRequest::query(&self.endpoint, action, &params)
    }

    fn describe_request(&self) -> AwsRequest {
        self.request(
            "DescribeNetworkAcls",
            &[("NetworkAclId.1", self.acl_id.clone())],
        )
    }

    fn create_request(&self, net: &IpNetwork, rule: &str) -> AwsRequest {
        let cidr_key = if net.is_ipv4() {
            "CidrBlock"
        } else {
            "Ipv6CidrBlock"
        };
        self.request(
            "CreateNetworkAclEntry",
            &[
                ("NetworkAclId", self.acl_id.clone()),
                ("RuleNumber", rule.to_string()),
                ("Protocol", "-1".into()),
                ("RuleAction", "deny".into()),
                ("Egress", self.range.egress.to_string()),
                (cidr_key, cidr(net)),
            ],
        )
    }

    fn delete_request(&self, rule: &str) -> AwsRequest {
        self.request(
            "DeleteNetworkAclEntry",
            &[
                ("NetworkAclId", self.acl_id.clone()),
                ("RuleNumber", rule.to_string()),
                ("Egress", self.range.egress.to_string()),
            ],
        )
    }

    /// The ACL's rules of the configured direction.
    async fn entries(&self) -> Result<Vec<Entry>, AwsError> {
        let body = self.client.call(&self.describe_request()).await?;
        let reply: DescribeReply = quick_xml::de::from_str(&body)
            .map_err(|e| AwsError::BadResponse(format!("DescribeNetworkAcls: {e}")))?;
        let acl = reply
            .acls
            .item
            .into_iter()
            .find(|a| a.id == self.acl_id)
            .ok_or_else(|| AwsError::Config(format!("network ACL {} not found", self.acl_id)))?;
        Ok(acl
            .entries
            .item
            .into_iter()
            .filter(|e| e.egress == self.range.egress)
            .collect())
    }

    fn ours(&self, e: &Entry) -> bool {
        (self.range.first..=self.range.last).contains(&e.rule_number)
    }

    /// The rule number for a new deny entry, or why there is none.
    fn free_rule(&self, entries: &[Entry]) -> Result<u32, AwsError> {
        let r = self.range;
        if let Some(allow) = entries
            .iter()
            .filter(|e| e.rule_action == "allow" && e.rule_number <= r.last)
            .min_by_key(|e| e.rule_number)
        {
            return Err(AwsError::Config(format!(
                "network ACL {}: {} allow rule {} is not above soc's deny range {}-{}; a deny must come before the allow rules (move the allow rule or lower last_rule)",
                self.acl_id,
                r.direction(),
                allow.rule_number,
                r.first,
                r.last
            )));
        }
        let counted = entries
            .iter()
            .filter(|e| e.rule_number != DEFAULT_RULE)
            .count();
        if counted >= r.max_rules {
            return Err(AwsError::Unsupported(format!(
                "network ACL {} already has {counted} {} rules, the limit per direction (max_rules = {}; the AWS default quota is 20): sweep or unblock, or raise the quota and max_rules",
                self.acl_id,
                r.direction(),
                r.max_rules
            )));
        }
        (r.first..=r.last)
            .find(|n| !entries.iter().any(|e| e.rule_number == *n))
            .ok_or_else(|| {
                AwsError::Unsupported(format!(
                    "network ACL {}: every {} rule number {}-{} is in use",
                    self.acl_id,
                    r.direction(),
                    r.first,
                    r.last
                ))
            })
    }

    /// Whether a deny entry of the direction covers exactly `net`.
    pub async fn contains(&self, net: &IpNetwork) -> Result<bool, AwsError> {
        Ok(self.entries().await?.iter().any(|e| e.denies(net)))
    }

    /// Creates a deny entry for `net`; `false` when one exists already.
    pub async fn add(&self, net: &IpNetwork) -> Result<bool, AwsError> {
        let _guard = self.lock.lock().await;
        for attempt in 0..2 {
            let entries = self.entries().await?;
            if entries.iter().any(|e| e.denies(net)) {
                return Ok(false);
            }
            let rule = self.free_rule(&entries)?;
            match self
                .client
                .call(&self.create_request(net, &rule.to_string()))
                .await
            {
                Ok(_) => return Ok(true),
                // Another writer took the number since our read.
                Err(e) if e.code() == Some(ENTRY_EXISTS) && attempt == 0 => continue,
                Err(e) => return Err(e),
            }
        }
        Err(AwsError::Unsupported(format!(
            "network ACL {}: rule numbers kept being taken by another writer",
            self.acl_id
        )))
    }

    /// Deletes soc's deny entries (in the range) for `net`; `false` when
    /// there were none.
    pub async fn remove(&self, net: &IpNetwork) -> Result<bool, AwsError> {
        let _guard = self.lock.lock().await;
        let entries = self.entries().await?;
        let mut removed = false;
        for e in entries.iter().filter(|e| self.ours(e) && e.denies(net)) {
            self.client
                .call(&self.delete_request(&e.rule_number.to_string()))
                .await?;
            removed = true;
        }
        Ok(removed)
    }

    /// The networks of soc's deny entries (those in the range).
    pub async fn list(&self) -> Result<Vec<IpNetwork>, AwsError> {
        Ok(self
            .entries()
            .await?
            .iter()
            .filter(|e| self.ours(e) && e.rule_action == "deny")
            .filter_map(Entry::network)
            .collect())
    }

    /// The requests an add (`add`) or remove of `net` sends; the rule
    /// number is a placeholder.
    pub fn describe(&self, net: &IpNetwork, add: bool) -> Vec<AwsRequest> {
        let change = if add {
            self.create_request(net, "{rule_number}")
        } else {
            self.delete_request("{rule_number}")
        };
        vec![self.describe_request(), change]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPLY: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<DescribeNetworkAclsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>
  <networkAclSet>
    <item>
      <networkAclId>acl-5566953c</networkAclId>
      <vpcId>vpc-5266953b</vpcId>
      <default>true</default>
      <entrySet>
        <item><ruleNumber>100</ruleNumber><protocol>-1</protocol><ruleAction>allow</ruleAction><egress>true</egress><cidrBlock>0.0.0.0/0</cidrBlock></item>
        <item><ruleNumber>1</ruleNumber><protocol>-1</protocol><ruleAction>deny</ruleAction><egress>false</egress><cidrBlock>198.51.100.7/32</cidrBlock></item>
        <item><ruleNumber>2</ruleNumber><protocol>-1</protocol><ruleAction>deny</ruleAction><egress>false</egress><ipv6CidrBlock>2001:db8::/64</ipv6CidrBlock></item>
        <item><ruleNumber>100</ruleNumber><protocol>-1</protocol><ruleAction>allow</ruleAction><egress>false</egress><cidrBlock>0.0.0.0/0</cidrBlock></item>
        <item><ruleNumber>32767</ruleNumber><protocol>-1</protocol><ruleAction>deny</ruleAction><egress>false</egress><cidrBlock>0.0.0.0/0</cidrBlock></item>
      </entrySet>
      <associationSet/>
      <tagSet/>
    </item>
  </networkAclSet>
</DescribeNetworkAclsResponse>"#;

    #[test]
    fn reads_the_documented_describe_reply() {
        let reply: DescribeReply = quick_xml::de::from_str(REPLY).unwrap();
        let acl = &reply.acls.item[0];
        assert_eq!(acl.id, "acl-5566953c");
        assert_eq!(acl.entries.item.len(), 5);
        let v6: IpNetwork = "2001:db8::/64".parse().unwrap();
        assert!(acl.entries.item[2].denies(&v6));
        assert!(!acl.entries.item[0].denies(&v6));
        let empty: DescribeReply = quick_xml::de::from_str(
            "<DescribeNetworkAclsResponse><networkAclSet/></DescribeNetworkAclsResponse>",
        )
        .unwrap();
        assert!(empty.acls.item.is_empty());
    }
}
