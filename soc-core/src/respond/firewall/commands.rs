//! The exact argv of every firewall command, per backend and address family.
//!
//! The shapes follow mature tools (fail2ban, CrowdSec's bouncer, raw nft):
//!
//! * nftables: table `inet soc`, sets `block4`/`block6` with `flags timeout`
//!   (per-element timeouts, expired by the kernel), chain `input` at priority
//!   -10 with `ip saddr @block4 counter drop` / `ip6 saddr @block6 counter drop`.
//!   Networks go to `net4`/`net6`, the same with `flags interval, timeout`.
//! * ipset: sets `soc-block4`/`soc-block6` (`hash:ip timeout 0`, `-exist`
//!   everywhere) and one `-m set --match-set ... src -j DROP` rule in INPUT;
//!   networks go to `soc-net4`/`soc-net6` (`hash:net`), with their own rule.
//! * iptables: chain `soc-block` jumped to from INPUT, one
//!   `-s <ip or network> -j DROP` rule per target; expiry is soc's job (`expire`).
//!
//! Each action is a list of [`Step`]s: a mutating command, optionally guarded
//! by a read-only check whose success means "already there, skip it".

use std::net::IpAddr;
use std::time::Duration;

use super::{Backend, BlockTarget};

/// nftables table family and name.
pub const NFT_TABLE: [&str; 2] = ["inet", "soc"];
/// The plain-iptables chain.
pub const IPT_CHAIN: &str = "soc-block";
/// The longest ipset timeout the kernel accepts, in seconds.
pub const IPSET_MAX_TIMEOUT: u64 = 2_147_483;

/// One command of an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Read-only probe: when it succeeds, `command` is not needed.
    pub check: Option<Vec<String>>,
    /// When `check` succeeds, skip the command (`true`), or run it only then
    /// (`false`, used for removals: delete only what exists).
    pub skip_if_present: bool,
    /// The command that changes the firewall.
    pub command: Vec<String>,
}

fn argv(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

fn step(command: Vec<String>) -> Step {
    Step {
        check: None,
        skip_if_present: true,
        command,
    }
}

fn guarded(check: Vec<String>, command: Vec<String>) -> Step {
    Step {
        check: Some(check),
        skip_if_present: true,
        command,
    }
}

fn if_present(check: Vec<String>, command: Vec<String>) -> Step {
    Step {
        check: Some(check),
        skip_if_present: false,
        command,
    }
}

/// `iptables` or `ip6tables` for the family of `ip`.
pub fn iptables_for(ip: IpAddr) -> &'static str {
    if ip.is_ipv4() {
        "iptables"
    } else {
        "ip6tables"
    }
}

/// The nft set for `t`: `block4`/`block6` for addresses, `net4`/`net6`
/// (interval sets) for networks.
pub fn nft_set(t: BlockTarget) -> &'static str {
    match (t.is_ipv4(), t.is_network()) {
        (true, false) => "block4",
        (false, false) => "block6",
        (true, true) => "net4",
        (false, true) => "net6",
    }
}

/// The ipset for `t`: `soc-block4`/`soc-block6` (`hash:ip`) for addresses,
/// `soc-net4`/`soc-net6` (`hash:net`) for networks.
pub fn ipset_name(t: BlockTarget) -> &'static str {
    match (t.is_ipv4(), t.is_network()) {
        (true, false) => "soc-block4",
        (false, false) => "soc-block6",
        (true, true) => "soc-net4",
        (false, true) => "soc-net6",
    }
}

/// The idempotent setup for `t`'s family and kind: table/set/chain creation
/// and the rule that drops members, each rule guarded by a check.
pub fn setup(backend: Backend, t: BlockTarget) -> Vec<Step> {
    let v4 = t.is_ipv4();
    let ip = t.ip();
    match backend {
        Backend::Nftables => {
            let set = nft_set(t);
            let (ty, match_kw) = if v4 {
                ("ipv4_addr", "ip")
            } else {
                ("ipv6_addr", "ip6")
            };
            let flags = if t.is_network() {
                "interval, timeout"
            } else {
                "timeout"
            };
            let set_def = format!("{{ type {ty}; flags {flags}; }}");
            let rule = argv(&[
                "nft",
                "add",
                "rule",
                "inet",
                "soc",
                "input",
                match_kw,
                "saddr",
                &format!("@{set}"),
                "counter",
                "drop",
            ]);
            vec![
                step(argv(&["nft", "add", "table", "inet", "soc"])),
                step(argv(&["nft", "add", "set", "inet", "soc", set, &set_def])),
                step(argv(&[
                    "nft",
                    "add",
                    "chain",
                    "inet",
                    "soc",
                    "input",
                    "{ type filter hook input priority -10; policy accept; }",
                ])),
                guarded(
                    argv(&["nft", "list", "chain", "inet", "soc", "input"]),
                    rule,
                ),
            ]
        }
        Backend::Ipset => {
            let set = ipset_name(t);
            let kind = if t.is_network() {
                "hash:net"
            } else {
                "hash:ip"
            };
            let family = if v4 { "inet" } else { "inet6" };
            let ipt = iptables_for(ip);
            let rule = |op: &str| {
                argv(&[
                    ipt,
                    "-w",
                    op,
                    "INPUT",
                    "-m",
                    "set",
                    "--match-set",
                    set,
                    "src",
                    "-j",
                    "DROP",
                ])
            };
            let mut insert = rule("-I");
            insert.insert(4, "1".into());
            vec![
                step(argv(&[
                    "ipset", "-exist", "create", set, kind, "family", family, "timeout", "0",
                    "maxelem", "65536",
                ])),
                guarded(rule("-C"), insert),
            ]
        }
        Backend::Iptables => {
            let ipt = iptables_for(ip);
            vec![
                guarded(
                    argv(&[ipt, "-w", "-n", "-L", IPT_CHAIN]),
                    argv(&[ipt, "-w", "-N", IPT_CHAIN]),
                ),
                guarded(
                    argv(&[ipt, "-w", "-C", "INPUT", "-j", IPT_CHAIN]),
                    argv(&[ipt, "-w", "-I", "INPUT", "1", "-j", IPT_CHAIN]),
                ),
            ]
        }
    }
}

/// For guarded nft rule steps: the text `nft list chain` prints for the
/// rule (`ip saddr @block4`), which the executor looks for in the check's
/// output (the listing succeeding is not enough: the rule must be in it).
pub fn rule_marker(step: &Step) -> Option<String> {
    let c = &step.command;
    (c.len() > 6 && c[0] == "nft" && c[1] == "add" && c[2] == "rule").then(|| {
        c[6..]
            .iter()
            .take_while(|w| *w != "counter")
            .cloned()
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// `nft VERB element inet soc SET ELEMENT` on the set of `t`.
fn nft_element(verb: &str, t: BlockTarget, element: &str) -> Vec<String> {
    argv(&["nft", verb, "element", "inet", "soc", nft_set(t), element])
}

/// `iptables -w OP CHAIN -s T -j DROP`: the rule of soc's chain that drops
/// `t` (`-C` checks it, `-D` deletes it; `-I` needs a position after CHAIN).
fn iptables_drop(op: &str, t: BlockTarget) -> Vec<String> {
    let a = t.to_string();
    argv(&[
        iptables_for(t.ip()),
        "-w",
        op,
        IPT_CHAIN,
        "-s",
        &a,
        "-j",
        "DROP",
    ])
}

/// The read-only probe that says whether `t` is currently blocked.
pub fn is_blocked(backend: Backend, t: BlockTarget) -> Vec<String> {
    let a = t.to_string();
    match backend {
        Backend::Nftables => nft_element("get", t, &format!("{{ {a} }}")),
        Backend::Ipset => argv(&["ipset", "test", ipset_name(t), &a]),
        Backend::Iptables => iptables_drop("-C", t),
    }
}

/// The command that adds the block (`None` duration: permanent).
pub fn add(backend: Backend, t: BlockTarget, duration: Option<Duration>) -> Vec<String> {
    let a = t.to_string();
    match backend {
        Backend::Nftables => {
            let elem = match duration {
                Some(d) => format!("{{ {a} timeout {}s }}", d.as_secs().max(1)),
                None => format!("{{ {a} }}"),
            };
            nft_element("add", t, &elem)
        }
        Backend::Ipset => {
            let secs = duration
                .map(|d| d.as_secs().clamp(1, IPSET_MAX_TIMEOUT))
                .unwrap_or(0);
            argv(&[
                "ipset",
                "-exist",
                "add",
                ipset_name(t),
                &a,
                "timeout",
                &secs.to_string(),
            ])
        }
        Backend::Iptables => {
            let mut insert = iptables_drop("-I", t);
            insert.insert(4, "1".into());
            insert
        }
    }
}

/// The command that removes the block.
pub fn delete(backend: Backend, t: BlockTarget) -> Vec<String> {
    let a = t.to_string();
    match backend {
        Backend::Nftables => nft_element("delete", t, &format!("{{ {a} }}")),
        Backend::Ipset => argv(&["ipset", "-exist", "del", ipset_name(t), &a]),
        Backend::Iptables => iptables_drop("-D", t),
    }
}

/// The steps of a block after the [`is_blocked`] probe said "not blocked":
/// the setup, then the add.
pub fn block_steps(backend: Backend, t: BlockTarget, duration: Option<Duration>) -> Vec<Step> {
    let mut steps = setup(backend, t);
    steps.push(step(add(backend, t, duration)));
    steps
}

/// The steps of an unblock: the delete, run only if the block exists.
pub fn unblock_steps(backend: Backend, t: BlockTarget) -> Vec<Step> {
    vec![if_present(is_blocked(backend, t), delete(backend, t))]
}
