//! AWS WAF v2 IP sets (JSON 1.1, `X-Amz-Target: AWSWAF_20190729.<Action>`).
//!
//! A WAF IP set holds one address family, so soc uses one set for IPv4 and
//! one for IPv6 (either may be left out). A set is found by name with
//! `ListIPSets` (paged) unless its id is configured; `GetIPSet` reads its
//! addresses and lock token; `UpdateIPSet` writes the whole list back with
//! that token. WAF refuses a stale token (`WAFOptimisticLockException`), so
//! a concurrent change by someone else is never overwritten: soc reads the
//! set again and retries once. Entries soc did not write (other tools',
//! even ones soc cannot parse) are kept as they are, and the set's
//! description is sent back unchanged (an omitted one would be cleared).
//!
//! The state last read or written is kept, so a run of blocks needs one
//! request each; a stale copy only costs a refused update and a fresh read.

use std::collections::HashMap;
use std::net::IpAddr;

use ipnetwork::IpNetwork;
use serde::Deserialize;
use serde_json::json;

use super::client::{AwsClient, AwsError, AwsRequest};

/// The JSON 1.1 target prefix of WAF v2.
pub(crate) const TARGET_PREFIX: &str = "AWSWAF_20190729";
/// The most addresses a WAF IP set holds (an AWS quota).
pub(crate) const MAX_ADDRESSES: usize = 10_000;
/// The error code of a stale lock token.
pub(crate) const LOCK_CONFLICT: &str = "WAFOptimisticLockException";

/// Which family an IP set holds (`IPAddressVersion`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Family {
    V4,
    V6,
}

impl Family {
    fn of(net: &IpNetwork) -> Self {
        match net.ip() {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        }
    }

    fn aws_name(self) -> &'static str {
        match self {
            Family::V4 => "IPV4",
            Family::V6 => "IPV6",
        }
    }
}

/// One configured IP set.
#[derive(Debug, Clone)]
pub(crate) struct SetRef {
    /// The set's name.
    pub name: String,
    /// Its id, when configured (else found with `ListIPSets`).
    pub id: Option<String>,
}

/// The addresses, description and lock token of a set, as last read or written.
#[derive(Debug, Clone)]
struct SetState {
    addresses: Vec<String>,
    description: Option<String>,
    lock_token: String,
}

impl SetState {
    fn holds(&self, net: &IpNetwork) -> bool {
        self.addresses.iter().any(|a| same(a, net))
    }
}

/// Whether the set entry `entry` is exactly `net` (as a normalized CIDR).
fn same(entry: &str, net: &IpNetwork) -> bool {
    entry
        .trim()
        .parse::<IpNetwork>()
        .is_ok_and(|e| e.prefix() == net.prefix() && e.network() == net.network())
}

/// `net` as WAF writes it: `198.51.100.7/32`, `2001:db8::/64`.
pub(crate) fn cidr(net: &IpNetwork) -> String {
    format!("{}/{}", net.network(), net.prefix())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListReply {
    next_marker: Option<String>,
    #[serde(rename = "IPSets", default)]
    ip_sets: Vec<Summary>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Summary {
    name: String,
    id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetReply {
    #[serde(rename = "IPSet")]
    ip_set: IpSetBody,
    lock_token: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct IpSetBody {
    #[serde(default)]
    description: Option<String>,
    #[serde(rename = "IPAddressVersion")]
    ip_address_version: String,
    #[serde(default)]
    addresses: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateReply {
    next_lock_token: String,
}

fn parse<T: for<'de> Deserialize<'de>>(body: &str, action: &str) -> Result<T, AwsError> {
    serde_json::from_str(body).map_err(|e| AwsError::BadResponse(format!("{action}: {e}")))
}

/// The IPv4 and IPv6 IP sets of one WAF scope.
#[derive(Debug)]
pub(crate) struct WafIpSets {
    client: AwsClient,
    endpoint: String,
    scope: &'static str,
    sets: HashMap<Family, SetRef>,
    // Per family: the set's id once known and its last seen state; the
    // lock is held across a read-modify-write.
    known: tokio::sync::Mutex<HashMap<Family, (String, Option<SetState>)>>,
}

impl WafIpSets {
    /// The sets `v4` and `v6` of `scope` (`REGIONAL` or `CLOUDFRONT`) at
    /// `endpoint`.
    pub fn new(
        client: AwsClient,
        endpoint: &str,
        scope: &'static str,
        v4: Option<SetRef>,
        v6: Option<SetRef>,
    ) -> Self {
        let mut sets = HashMap::new();
        if let Some(s) = v4 {
            sets.insert(Family::V4, s);
        }
        if let Some(s) = v6 {
            sets.insert(Family::V6, s);
        }
        WafIpSets {
            client,
            endpoint: endpoint.to_string(),
            scope,
            sets,
            known: tokio::sync::Mutex::new(HashMap::new()),
        }
    }

    /// HTTP requests sent so far.
    pub fn requests(&self) -> u64 {
        self.client.requests()
    }

    /// Why `net` cannot be blocked here, if it cannot.
    pub fn unsupported(&self, net: &IpNetwork) -> Option<String> {
        let family = Family::of(net);
        if !self.sets.contains_key(&family) {
            return Some(format!(
                "no {} IP set is configured (set ipv{}_set)",
                family.aws_name(),
                if family == Family::V4 { 4 } else { 6 }
            ));
        }
        if net.prefix() == 0 {
            return Some("WAF IP sets refuse /0".into());
        }
        None
    }

    fn set(&self, net: &IpNetwork) -> Result<(Family, &SetRef), AwsError> {
        let family = Family::of(net);
        match self.sets.get(&family) {
            Some(s) => Ok((family, s)),
            None => Err(AwsError::Unsupported(
                self.unsupported(net).unwrap_or_default(),
            )),
        }
    }

    fn request(&self, action: &str, body: serde_json::Value) -> AwsRequest {
        AwsRequest::json(&self.endpoint, TARGET_PREFIX, action, &body)
    }

    /// The set's id: configured, or found by name with `ListIPSets`.
    async fn find_id(&self, set: &SetRef) -> Result<String, AwsError> {
        if let Some(id) = &set.id {
            return Ok(id.clone());
        }
        let mut marker: Option<String> = None;
        for _ in 0..1000 {
            let mut body = json!({"Scope": self.scope, "Limit": 100});
            if let Some(m) = &marker {
                body["NextMarker"] = json!(m);
            }
            let reply = self.client.call(&self.request("ListIPSets", body)).await?;
            let page: ListReply = parse(&reply, "ListIPSets")?;
            if let Some(found) = page.ip_sets.iter().find(|s| s.name == set.name) {
                return Ok(found.id.clone());
            }
            match page.next_marker.filter(|m| !m.is_empty()) {
                Some(m) if !page.ip_sets.is_empty() => marker = Some(m),
                _ => break,
            }
        }
        Err(AwsError::Config(format!(
            "no WAF IP set named '{}' in scope {}; create it (aws wafv2 create-ip-set) or fix the name",
            set.name, self.scope
        )))
    }

    async fn get(&self, family: Family, set: &SetRef, id: &str) -> Result<SetState, AwsError> {
        let body = json!({"Name": set.name, "Scope": self.scope, "Id": id});
        let reply = self.client.call(&self.request("GetIPSet", body)).await?;
        let got: GetReply = parse(&reply, "GetIPSet")?;
        if got.ip_set.ip_address_version != family.aws_name() {
            return Err(AwsError::Config(format!(
                "WAF IP set '{}' holds {} addresses, not {}",
                set.name,
                got.ip_set.ip_address_version,
                family.aws_name()
            )));
        }
        Ok(SetState {
            addresses: got.ip_set.addresses,
            description: got.ip_set.description,
            lock_token: got.lock_token,
        })
    }

    fn update_body(
        &self,
        set: &SetRef,
        id: &str,
        addresses: &[String],
        lock: &str,
        description: Option<&str>,
    ) -> serde_json::Value {
        let mut body = json!({
            "Name": set.name,
            "Scope": self.scope,
            "Id": id,
            "Addresses": addresses,
            "LockToken": lock,
        });
        if let Some(d) = description {
            body["Description"] = json!(d);
        }
        body
    }

    /// Whether `net` is in its family's set (read fresh).
    pub async fn contains(&self, net: &IpNetwork) -> Result<bool, AwsError> {
        let (family, set) = self.set(net)?;
        let mut known = self.known.lock().await;
        let id = match known.get(&family) {
            Some((id, _)) => id.clone(),
            None => self.find_id(set).await?,
        };
        let state = self.get(family, set, &id).await?;
        let holds = state.holds(net);
        known.insert(family, (id, Some(state)));
        Ok(holds)
    }

    /// Adds (`add`) or removes `net`; `false` when there was nothing to do.
    pub async fn change(&self, net: &IpNetwork, add: bool) -> Result<bool, AwsError> {
        let (family, set) = self.set(net)?;
        let mut known = self.known.lock().await;
        let (id, cached) = match known.remove(&family) {
            Some(k) => k,
            None => (self.find_id(set).await?, None),
        };
        let (mut state, mut fresh) = match cached {
            Some(s) => (s, false),
            None => (self.get(family, set, &id).await?, true),
        };
        let mut conflicts = 0;
        loop {
            if state.holds(net) == add {
                if fresh {
                    known.insert(family, (id, Some(state)));
                    return Ok(false);
                }
                state = self.get(family, set, &id).await?;
                fresh = true;
                continue;
            }
            if add && state.addresses.len() >= MAX_ADDRESSES {
                known.insert(family, (id, Some(state)));
                return Err(AwsError::Unsupported(format!(
                    "WAF IP set '{}' holds {MAX_ADDRESSES} addresses, the AWS limit per set",
                    set.name
                )));
            }
            let addresses: Vec<String> = if add {
                let mut a = state.addresses.clone();
                a.push(cidr(net));
                a
            } else {
                state
                    .addresses
                    .iter()
                    .filter(|a| !same(a, net))
                    .cloned()
                    .collect()
            };
            let body = self.update_body(
                set,
                &id,
                &addresses,
                &state.lock_token,
                state.description.as_deref(),
            );
            match self.client.call(&self.request("UpdateIPSet", body)).await {
                Ok(reply) => {
                    let next: UpdateReply = parse(&reply, "UpdateIPSet")?;
                    let description = state.description;
                    known.insert(
                        family,
                        (
                            id,
                            Some(SetState {
                                addresses,
                                description,
                                lock_token: next.next_lock_token,
                            }),
                        ),
                    );
                    return Ok(true);
                }
                // A stale copy of ours: read and try again (not counted).
                Err(e) if e.code() == Some(LOCK_CONFLICT) && !fresh => {}
                // Someone changed the set between our read and write: once.
                Err(e) if e.code() == Some(LOCK_CONFLICT) && conflicts == 0 => conflicts += 1,
                Err(e) => {
                    known.insert(family, (id, None));
                    return Err(e);
                }
            }
            tracing::debug!(target: "soc::respond", set = %set.name, "WAF lock token was stale; reading the IP set again");
            state = self.get(family, set, &id).await?;
            fresh = true;
        }
    }

    /// Every address and network in the configured sets (read fresh);
    /// entries soc cannot parse are left out.
    pub async fn list(&self) -> Result<Vec<IpNetwork>, AwsError> {
        let mut out = Vec::new();
        let mut known = self.known.lock().await;
        for family in [Family::V4, Family::V6] {
            let Some(set) = self.sets.get(&family) else {
                continue;
            };
            let id = match known.get(&family) {
                Some((id, _)) => id.clone(),
                None => self.find_id(set).await?,
            };
            let state = self.get(family, set, &id).await?;
            out.extend(
                state
                    .addresses
                    .iter()
                    .filter_map(|a| a.trim().parse::<IpNetwork>().ok()),
            );
            known.insert(family, (id, Some(state)));
        }
        Ok(out)
    }

    /// The requests an add (`add`) or remove of `net` sends; the id, the
    /// current addresses and the lock token are placeholders.
    pub fn describe(&self, net: &IpNetwork, add: bool) -> Vec<AwsRequest> {
        let Ok((_, set)) = self.set(net) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if set.id.is_none() {
            out.push(self.request("ListIPSets", json!({"Scope": self.scope, "Limit": 100})));
        }
        let id = set.id.clone().unwrap_or_else(|| "{id}".into());
        out.push(self.request(
            "GetIPSet",
            json!({"Name": set.name, "Scope": self.scope, "Id": id}),
        ));
        let addresses = if add {
            vec!["{addresses}".to_string(), cidr(net)]
        } else {
            vec![format!("{{addresses without {}}}", cidr(net))]
        };
        let body = self.update_body(set, &id, &addresses, "{lock_token}", Some("{description}"));
        out.push(self.request("UpdateIPSet", body));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_compare_as_networks() {
        let n: IpNetwork = "2001:db8::1/128".parse().unwrap();
        assert!(same("2001:0db8:0000::0001/128", &n));
        assert!(!same("2001:db8::1/127", &n));
        assert!(!same("not an address", &n));
        let v4: IpNetwork = "203.0.113.0/24".parse().unwrap();
        assert_eq!(cidr(&v4), "203.0.113.0/24");
        assert!(same(" 203.0.113.0/24", &v4));
    }
}
