//! Deterministic Suricata EVE generator: 60% flow, 15% dns, 10% http,
//! 5% tls, 5% alert, the rest fileinfo/anomaly/stats. Same seed, same bytes.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Writes EVE lines to `out` until at least `bytes` bytes were written.
/// Returns the number of lines.
pub fn generate(bytes: usize, seed: u64, out: &mut impl std::io::Write) -> std::io::Result<usize> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut written = 0usize;
    let mut lines = 0usize;
    let mut usec: u64 = 0;
    while written < bytes {
        usec += u64::from(rng.random_range(0..5000u32));
        let ts = format!(
            "2026-11-21T{:02}:{:02}:{:02}.{:06}+0000",
            (usec / 3_600_000_000) % 24,
            (usec / 60_000_000) % 60,
            (usec / 1_000_000) % 60,
            usec % 1_000_000
        );
        let flow_id: u64 = rng.random_range(1_000_000_000_000..2_000_000_000_000_000);
        let src = format!(
            "10.0.{}.{}",
            rng.random_range(0..4u8),
            rng.random_range(1..255u8)
        );
        let dst = format!(
            "{}.{}.{}.{}",
            [93, 151, 203, 198][rng.random_range(0..4usize)],
            rng.random_range(0..255u8),
            rng.random_range(0..255u8),
            rng.random_range(1..255u8)
        );
        let sp = rng.random_range(1024..65535u32);
        let head = format!("{{\"timestamp\":\"{ts}\",\"flow_id\":{flow_id},\"in_iface\":\"eth0\"");
        let r = rng.random_range(0..100u32);
        let line = match r {
            0..=59 => format!("{head},\"event_type\":\"flow\",\"src_ip\":\"{src}\",\"src_port\":{sp},\"dest_ip\":\"{dst}\",\"dest_port\":443,\"proto\":\"TCP\",\"app_proto\":\"tls\",\"flow\":{{\"pkts_toserver\":{},\"pkts_toclient\":{},\"bytes_toserver\":{},\"bytes_toclient\":{},\"start\":\"{ts}\",\"end\":\"{ts}\",\"age\":{},\"state\":\"closed\",\"reason\":\"timeout\",\"alerted\":false}},\"tcp\":{{\"tcp_flags\":\"1b\",\"tcp_flags_ts\":\"1b\",\"tcp_flags_tc\":\"1b\",\"syn\":true,\"fin\":true,\"psh\":true,\"ack\":true,\"state\":\"closed\"}}}}", rng.random_range(1..50u32), rng.random_range(1..50u32), rng.random_range(60..90000u32), rng.random_range(60..900000u32), rng.random_range(0..120u32)),
            60..=74 => format!("{head},\"event_type\":\"dns\",\"src_ip\":\"{src}\",\"src_port\":{sp},\"dest_ip\":\"10.0.0.53\",\"dest_port\":53,\"proto\":\"UDP\",\"dns\":{{\"version\":2,\"type\":\"answer\",\"id\":{},\"flags\":\"8180\",\"qr\":true,\"rd\":true,\"ra\":true,\"rrname\":\"host{}.example.com\",\"rrtype\":\"A\",\"rcode\":\"NOERROR\",\"answers\":[{{\"rrname\":\"host{}.example.com\",\"rrtype\":\"A\",\"ttl\":300,\"rdata\":\"{dst}\"}}],\"grouped\":{{\"A\":[\"{dst}\"]}}}}}}", rng.random_range(0..65535u32), r, r),
            75..=84 => format!("{head},\"event_type\":\"http\",\"src_ip\":\"{src}\",\"src_port\":{sp},\"dest_ip\":\"{dst}\",\"dest_port\":80,\"proto\":\"TCP\",\"tx_id\":0,\"http\":{{\"hostname\":\"www.example.com\",\"url\":\"/path/{}/index.html\",\"http_user_agent\":\"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\",\"http_content_type\":\"text/html\",\"http_method\":\"GET\",\"protocol\":\"HTTP/1.1\",\"status\":200,\"length\":{}}}}}", rng.random_range(0..10000u32), rng.random_range(100..100000u32)),
            85..=89 => format!("{head},\"event_type\":\"tls\",\"src_ip\":\"{src}\",\"src_port\":{sp},\"dest_ip\":\"{dst}\",\"dest_port\":443,\"proto\":\"TCP\",\"tls\":{{\"subject\":\"CN=cdn.example.com\",\"issuerdn\":\"C=US, O=Let's Encrypt, CN=R11\",\"serial\":\"04:A1:3F\",\"fingerprint\":\"aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd\",\"sni\":\"cdn{}.example.com\",\"version\":\"TLS 1.3\",\"notbefore\":\"2026-09-01T00:00:00\",\"notafter\":\"2026-11-30T23:59:59\",\"ja3\":{{\"hash\":\"e7d705a3286e19ea42f587b344ee6865\",\"string\":\"771,4865-4866-4867,0-23-65281,29-23-24,0\"}},\"ja4\":\"t13d1516h2_8daaf6152771_02713d6af862\"}}}}", r),
            90..=94 => format!("{head},\"event_type\":\"alert\",\"src_ip\":\"{dst}\",\"src_port\":{sp},\"dest_ip\":\"{src}\",\"dest_port\":22,\"proto\":\"TCP\",\"alert\":{{\"action\":\"allowed\",\"gid\":1,\"signature_id\":{},\"rev\":3,\"signature\":\"ET SCAN Potential SSH Scan\",\"category\":\"Attempted Information Leak\",\"severity\":2,\"metadata\":{{\"mitre_tactic_id\":[\"TA0006\"],\"mitre_tactic_name\":[\"Credential_Access\"],\"mitre_technique_id\":[\"T1110\"],\"mitre_technique_name\":[\"Brute_Force\"]}}}},\"app_proto\":\"ssh\"}}", 2001219 + r),
            95..=97 => format!("{head},\"event_type\":\"fileinfo\",\"src_ip\":\"{dst}\",\"src_port\":80,\"dest_ip\":\"{src}\",\"dest_port\":{sp},\"proto\":\"TCP\",\"fileinfo\":{{\"filename\":\"/static/app.js\",\"gaps\":false,\"state\":\"CLOSED\",\"md5\":\"5d41402abc4b2a76b9719d911017c592\",\"sha256\":\"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\",\"stored\":false,\"size\":4096,\"tx_id\":0}}}}"),
            98 => format!("{head},\"event_type\":\"anomaly\",\"src_ip\":\"{dst}\",\"src_port\":{sp},\"dest_ip\":\"{src}\",\"dest_port\":22,\"proto\":\"TCP\",\"anomaly\":{{\"type\":\"stream\",\"event\":\"stream.pkt_invalid_timestamp\",\"code\":64}}}}"),
            _ => format!("{{\"timestamp\":\"{ts}\",\"event_type\":\"stats\",\"stats\":{{\"uptime\":{},\"capture\":{{\"kernel_packets\":1200000,\"kernel_drops\":37}},\"decoder\":{{\"pkts\":1200000,\"bytes\":900000000,\"ipv4\":1150000,\"ipv6\":50000,\"tcp\":900000,\"udp\":290000}},\"flow\":{{\"memuse\":7154304}},\"detect\":{{\"alert\":5}}}}}}", usec / 1_000_000),
        };
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
        written += line.len() + 1;
        lines += 1;
    }
    Ok(lines)
}

/// About `bytes` bytes of EVE in memory.
pub fn generate_string(bytes: usize, seed: u64) -> String {
    let mut v = Vec::with_capacity(bytes + 4096);
    generate(bytes, seed, &mut v).unwrap_or_else(|e| panic!("writing to memory: {e}"));
    String::from_utf8(v).unwrap_or_else(|e| panic!("generator wrote non-UTF-8: {e}"))
}

#[cfg(test)]
mod tests {
    use soc_core::parse::suricata::{
        alert_from_eve, alert_from_line, alert_lines, parse_eve_line, EveRecord,
    };

    #[test]
    fn same_seed_same_bytes() {
        assert_eq!(
            super::generate_string(64 << 10, 3),
            super::generate_string(64 << 10, 3)
        );
    }

    /// The one-pass reader and the alert fast path give what the `Value`
    /// tree reference gives, on every generated line.
    #[test]
    fn fast_paths_match_the_reference_on_generated_eve() {
        let text = super::generate_string(1 << 20, 7);
        let mut want = Vec::new();
        for l in text.lines() {
            let map = serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}"));
            let reference = EveRecord::from_map(map);
            let rec = parse_eve_line(l).unwrap_or_else(|e| panic!("{l}: {e}"));
            assert_eq!(rec, reference, "{l}");
            assert_eq!(rec.to_json(), l);
            let alert = alert_from_eve(&reference);
            assert_eq!(alert_from_line(l).ok().flatten(), alert, "{l}");
            want.extend(alert);
        }
        let got: Vec<_> = alert_lines(text.as_bytes())
            .filter_map(|l| std::str::from_utf8(l).ok())
            .filter_map(|l| alert_from_line(l).ok().flatten())
            .collect();
        assert!(got.len() > 50, "{}", got.len());
        assert_eq!(got, want);
    }
}
