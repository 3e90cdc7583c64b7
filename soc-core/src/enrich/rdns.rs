//! Reverse DNS (PTR) lookups with a timeout, by a small DNS client over UDP
//! (no system resolver call that could block a thread without a deadline).
//!
//! The resolver is the configured `IP:port`, else the first `nameserver` in
//! `/etc/resolv.conf`.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use async_trait::async_trait;
use tokio::net::UdpSocket;

use super::{AddressProvider, Reading};
use crate::error::EnrichError;
use crate::model::{Enrichment, Facts, Indicator, Verdict};

const NAME: &str = "rdns";

/// The reverse-DNS provider.
///
/// ```
/// use soc_core::enrich::rdns::{ptr_name, ReverseDns};
/// assert_eq!(ptr_name("198.51.100.23".parse().unwrap()), "23.100.51.198.in-addr.arpa");
/// let r = ReverseDns::new(Some("127.0.0.1:53".parse().unwrap()), std::time::Duration::from_secs(2), 86400);
/// assert!(format!("{r:?}").contains("127.0.0.1:53"));
/// ```
#[derive(Debug, Clone)]
pub struct ReverseDns {
    resolver: Option<SocketAddr>,
    timeout: Duration,
    ttl_secs: u64,
}

/// The PTR query name of an address (`d.c.b.a.in-addr.arpa`, nibbles for IPv6).
pub fn ptr_name(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.{}.in-addr.arpa", o[3], o[2], o[1], o[0])
        }
        IpAddr::V6(v6) => {
            let mut s = String::with_capacity(72);
            for b in v6.octets().iter().rev() {
                s.push_str(&format!("{:x}.{:x}.", b & 0xf, b >> 4));
            }
            s.push_str("ip6.arpa");
            s
        }
    }
}

fn system_resolver() -> Option<SocketAddr> {
    let text = std::fs::read_to_string("/etc/resolv.conf").ok()?;
    text.lines().find_map(|l| {
        let mut parts = l.split_whitespace();
        (parts.next() == Some("nameserver"))
            .then(|| parts.next()?.parse::<IpAddr>().ok())
            .flatten()
            .map(|ip| SocketAddr::new(ip, 53))
    })
}

impl ReverseDns {
    /// A PTR resolver asking `resolver` (else the system's first nameserver)
    /// and giving up after `timeout`.
    pub fn new(resolver: Option<SocketAddr>, timeout: Duration, ttl_secs: u64) -> Self {
        ReverseDns {
            resolver,
            timeout: timeout.min(Duration::from_secs(10)),
            ttl_secs,
        }
    }

    /// The PTR names of `ip` (empty when there is none).
    pub async fn lookup(&self, ip: IpAddr) -> Result<Vec<String>, EnrichError> {
        let resolver =
            self.resolver
                .or_else(system_resolver)
                .ok_or_else(|| EnrichError::Transport {
                    provider: NAME.into(),
                    message:
                        "no DNS resolver: set enrich.rdns.base_url (IP:port) or SOC_RDNS_RESOLVER"
                            .into(),
                })?;
        let id: u16 = rand::random();
        let query = build_query(id, &ptr_name(ip));
        let fut = async {
            let bind: SocketAddr = if resolver.is_ipv4() {
                "0.0.0.0:0"
                    .parse()
                    .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
            } else {
                SocketAddr::from(([0u16; 8], 0))
            };
            let sock = UdpSocket::bind(bind).await?;
            sock.connect(resolver).await?;
            sock.send(&query).await?;
            let mut buf = [0u8; 1500];
            loop {
                let n = sock.recv(&mut buf).await?;
                if n >= 2 && u16::from_be_bytes([buf[0], buf[1]]) == id {
                    return Ok::<Vec<u8>, std::io::Error>(buf[..n].to_vec());
                }
            }
        };
        let reply = tokio::time::timeout(self.timeout, fut)
            .await
            .map_err(|_| EnrichError::Timeout {
                provider: NAME.into(),
                after: self.timeout,
            })?
            .map_err(|e| EnrichError::Transport {
                provider: NAME.into(),
                message: format!("DNS query to {resolver}: {e}"),
            })?;
        parse_reply(&reply)
    }
}

fn build_query(id: u16, name: &str) -> Vec<u8> {
    let mut q = Vec::with_capacity(64);
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]); // RD; 1 question
    for label in name.split('.') {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.push(0);
    q.extend_from_slice(&[0, 12, 0, 1]); // PTR, IN
    q
}

fn bad(reason: &str) -> EnrichError {
    EnrichError::Malformed {
        provider: NAME.into(),
        field: "dns reply".into(),
        reason: reason.into(),
    }
}

/// Reads a (possibly compressed) name at `pos`; returns it and the offset after it.
fn read_name(msg: &[u8], mut pos: usize) -> Result<(String, usize), EnrichError> {
    let mut labels: Vec<String> = Vec::new();
    let mut end = None;
    for _ in 0..128 {
        let len = *msg.get(pos).ok_or_else(|| bad("name runs past the end"))? as usize;
        if len & 0xc0 == 0xc0 {
            let lo = *msg.get(pos + 1).ok_or_else(|| bad("truncated pointer"))? as usize;
            end.get_or_insert(pos + 2);
            pos = ((len & 0x3f) << 8) | lo;
            continue;
        }
        if len == 0 {
            return Ok((labels.join("."), end.unwrap_or(pos + 1)));
        }
        let label = msg
            .get(pos + 1..pos + 1 + len)
            .ok_or_else(|| bad("label runs past the end"))?;
        labels.push(String::from_utf8_lossy(label).to_ascii_lowercase());
        pos += 1 + len;
    }
    Err(bad("name compression loop"))
}

fn u16_at(msg: &[u8], pos: usize) -> Result<u16, EnrichError> {
    msg.get(pos..pos + 2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
        .ok_or_else(|| bad("truncated record"))
}

/// The PTR names in a DNS reply; NXDOMAIN gives none.
fn parse_reply(msg: &[u8]) -> Result<Vec<String>, EnrichError> {
    if msg.len() < 12 {
        return Err(bad("shorter than a DNS header"));
    }
    let rcode = msg[3] & 0x0f;
    if rcode == 3 {
        return Ok(Vec::new());
    }
    if rcode != 0 {
        return Err(EnrichError::Api {
            provider: NAME.into(),
            status: u16::from(rcode),
            body: format!("DNS server answered rcode {rcode}"),
        });
    }
    let qd = u16_at(msg, 4)?;
    let an = u16_at(msg, 6)?;
    let mut pos = 12;
    for _ in 0..qd {
        pos = read_name(msg, pos)?.1 + 4;
    }
    let mut names = Vec::new();
    for _ in 0..an {
        let (_, after) = read_name(msg, pos)?;
        let rtype = u16_at(msg, after)?;
        let rdlen = u16_at(msg, after + 8)? as usize;
        let rdata = after + 10;
        if rdata + rdlen > msg.len() {
            return Err(bad("record data runs past the end"));
        }
        if rtype == 12 {
            names.push(read_name(msg, rdata)?.0);
        }
        pos = rdata + rdlen;
    }
    Ok(names)
}

#[async_trait]
impl AddressProvider for ReverseDns {
    const NAME: &'static str = NAME;

    async fn enrich_address(&self, ind: &Indicator, ip: IpAddr) -> Result<Enrichment, EnrichError> {
        let names = self.lookup(ip).await?;
        let summary = if names.is_empty() {
            "no PTR record".to_string()
        } else {
            format!("PTR {}", names.join(", "))
        };
        let facts = Facts {
            hostnames: names,
            ..Facts::default()
        };
        Ok(Reading::new(Verdict::Unknown, 0, facts, summary).answer(NAME, ind, self.ttl_secs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::Enricher;

    /// A one-shot DNS server on 127.0.0.1 answering with `answer(query)`.
    async fn server(answer: fn(&[u8]) -> Vec<u8>) -> SocketAddr {
        let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = sock.local_addr().unwrap();
        tokio::spawn(async move {
            let mut buf = [0u8; 512];
            if let Ok((n, peer)) = sock.recv_from(&mut buf).await {
                let reply = answer(&buf[..n]);
                let _ = sock.send_to(&reply, peer).await;
            }
        });
        addr
    }

    fn ptr_reply(q: &[u8]) -> Vec<u8> {
        let mut r = q.to_vec();
        r[2] = 0x81;
        r[3] = 0x80;
        r[7] = 1; // one answer
        r.extend_from_slice(&[0xc0, 12, 0, 12, 0, 1, 0, 0, 0x0e, 0x10]);
        let mut rdata = Vec::new();
        for l in ["scanner", "example", "net"] {
            rdata.push(l.len() as u8);
            rdata.extend_from_slice(l.as_bytes());
        }
        rdata.push(0);
        r.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        r.extend_from_slice(&rdata);
        r
    }

    fn nxdomain(q: &[u8]) -> Vec<u8> {
        let mut r = q.to_vec();
        r[2] = 0x81;
        r[3] = 0x83;
        r
    }

    #[tokio::test]
    async fn resolves_ptr_from_a_local_server() {
        let addr = server(ptr_reply).await;
        let r = ReverseDns::new(Some(addr), Duration::from_secs(2), 60);
        let ind = Indicator::new(crate::model::IndicatorKind::Ipv4, "198.51.100.23");
        let e = r.enrich(&ind).await.unwrap();
        assert_eq!(e.facts.hostnames, vec!["scanner.example.net"]);
        assert_eq!(e.summary, "PTR scanner.example.net");
    }

    #[tokio::test]
    async fn nxdomain_is_no_record() {
        let addr = server(nxdomain).await;
        let r = ReverseDns::new(Some(addr), Duration::from_secs(2), 60);
        assert!(r
            .lookup("192.0.2.1".parse().unwrap())
            .await
            .unwrap()
            .is_empty());
    }

    #[tokio::test]
    async fn silent_server_times_out() {
        let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let r = ReverseDns::new(
            Some(sock.local_addr().unwrap()),
            Duration::from_millis(100),
            60,
        );
        let err = r.lookup("192.0.2.1".parse().unwrap()).await.unwrap_err();
        assert!(matches!(err, EnrichError::Timeout { .. }), "{err}");
    }

    #[test]
    fn garbage_replies_are_errors_not_panics() {
        for msg in [
            &[][..],
            &[0u8; 11][..],
            &[0, 0, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 0xc0][..],
        ] {
            assert!(parse_reply(msg).is_err());
        }
        let looped = [0, 0, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12];
        assert!(parse_reply(&looped).is_err());
    }

    #[test]
    fn ipv6_ptr_name() {
        assert_eq!(
            ptr_name("2001:db8::1".parse().unwrap()),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
        );
    }
}
