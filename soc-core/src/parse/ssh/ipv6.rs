//! A hand-written IPv6 parser with exactly the grammar of
//! `Ipv6Addr::from_str` (compressed `::`, embedded trailing IPv4, 1-4 hex
//! digits per group in either case), several times cheaper than the std
//! parser on the short addresses of auth logs. Property-tested against std.

use std::net::Ipv6Addr;

use super::addr::ipv4;

/// Parses `b` as an IPv6 address, accepting exactly what
/// `std::net::Ipv6Addr::from_str` accepts (no zone id, no brackets).
pub(crate) fn ipv6(b: &[u8]) -> Option<Ipv6Addr> {
    let mut head = [0u16; 8];
    let (n_head, head_v4, i) = groups(b, 0, &mut head);
    if n_head == 8 {
        return (i == b.len()).then(|| Ipv6Addr::from(head));
    }
    // An IPv4 part is only allowed at the very end, after `::` or 6 groups.
    if head_v4 || b.get(i..i + 2) != Some(b"::") {
        return None;
    }
    // `::` stands for at least one zero group: at most 7 - n_head follow.
    let mut tail = [0u16; 7];
    let limit = 7 - n_head;
    let (n_tail, _, j) = groups(b, i + 2, tail.get_mut(..limit)?);
    if j != b.len() {
        return None;
    }
    let (dst, src) = (head.get_mut(8 - n_tail..)?, tail.get(..n_tail)?);
    dst.copy_from_slice(src);
    Some(Ipv6Addr::from(head))
}

/// Reads `:`-separated groups from `b[i..]` into `out` (as many as fit),
/// the last one possibly an embedded IPv4 (taking two groups, and only
/// when at least two are left). Returns the groups read, whether the last
/// was an IPv4, and the position after them; a group that does not parse
/// (with its separator) is left unread, like std does.
fn groups(b: &[u8], mut i: usize, out: &mut [u16]) -> (usize, bool, usize) {
    let limit = out.len();
    for k in 0..limit {
        let start = if k > 0 {
            if b.get(i) != Some(&b':') {
                return (k, false, i);
            }
            i + 1
        } else {
            i
        };
        let (v, n) = hex_run(b, start);
        if b.get(start + n) == Some(&b'.') {
            // std tries an IPv4 first at each group; it can only succeed
            // where the digit run stops at a '.'. One that does not end the
            // input (or fails there) makes the whole address invalid
            // whichever way it is read, so only a complete one is taken,
            // and anything else stops here (leaving a '.' unread).
            if k + 1 < limit {
                if let Some(v4) = b.get(start..).and_then(ipv4) {
                    let [o0, o1, o2, o3] = v4.octets();
                    if let Some(pair) = out.get_mut(k..k + 2) {
                        pair[0] = u16::from_be_bytes([o0, o1]);
                        pair[1] = u16::from_be_bytes([o2, o3]);
                    }
                    return (k + 2, true, b.len());
                }
            }
            return (k, false, i);
        }
        if n == 0 || n > 4 {
            return (k, false, i);
        }
        if let Some(slot) = out.get_mut(k) {
            *slot = v;
        }
        i = start + n;
    }
    (limit, false, i)
}

/// The run of hex digits at `b[i..]`, up to 5 of them (a fifth makes the
/// group invalid, as in std): the value of the first four and the count.
fn hex_run(b: &[u8], i: usize) -> (u16, usize) {
    let mut v = 0u16;
    let mut n = 0;
    while let Some(&c) = b.get(i + n) {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => break,
        };
        n += 1;
        if n > 4 {
            break;
        }
        v = (v << 4) | u16::from(d);
    }
    (v, n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn std6(s: &str) -> Option<Ipv6Addr> {
        s.parse().ok()
    }

    #[test]
    fn agrees_with_std_on_edge_cases() {
        for s in [
            "::",
            "::1",
            "1::",
            ":::",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8::",
            "::1:2:3:4:5:6:7:8",
            "1::2::3",
            "2001:db8::1",
            "2001:DB8::AbCd",
            "2001:db8:1f::1a",
            "12345::",
            "1:12345::",
            "::ffff:1.2.3.4",
            "::ffff:1.2.3.04",
            "::ffff:1.2.3.4.5",
            "::ffff:1.2.3",
            "::ffff:256.2.3.4",
            "::1.2.3.4",
            "1.2.3.4",
            "1:2:3:4:5:6:1.2.3.4",
            "1:2:3:4:5:6:7:1.2.3.4",
            "1:2:3:4:5:6::1.2.3.4",
            "1:2:3:4:5::1.2.3.4",
            "1:2.3.4.5::",
            "::1.2.3.4:5",
            "::1.2.3.4a",
            "1::2:",
            ":1::2",
            "fe80::1%eth0",
            "",
            ":",
            "0:0:0:0:0:0:0:0",
            "00000::",
            "0000::",
            "g::",
            "::ffff:1.2.3.1234",
            "::12.3.4.5",
        ] {
            assert_eq!(ipv6(s.as_bytes()), std6(s), "{s}");
        }
    }

    fn valid_v6() -> impl Strategy<Value = String> {
        (
            prop::array::uniform8(0u16..=0xffff),
            0usize..9,
            0usize..9,
            any::<bool>(),
            any::<bool>(),
            prop::array::uniform4(any::<u8>()),
        )
            .prop_map(|(g, a, len, upper, v4, oct)| {
                let a = a.min(7);
                let len = len.min(8 - a);
                let mut parts: Vec<String> = g.iter().map(|x| format!("{x:x}")).collect();
                if v4 {
                    parts.truncate(6);
                    parts.push(format!("{}.{}.{}.{}", oct[0], oct[1], oct[2], oct[3]));
                }
                let s = if len > 0 && a + len <= parts.len() {
                    let head = parts[..a].join(":");
                    let tail = parts[a + len..].join(":");
                    format!("{head}::{tail}")
                } else {
                    parts.join(":")
                };
                if upper {
                    s.to_uppercase()
                } else {
                    s
                }
            })
    }

    proptest! {
        #[test]
        fn valid_forms_match_std(s in valid_v6()) {
            prop_assert_eq!(ipv6(s.as_bytes()), std6(&s));
        }

        #[test]
        fn garbage_matches_std(s in "[0-9a-fA-Fg:.%]{0,42}") {
            prop_assert_eq!(ipv6(s.as_bytes()), std6(&s));
        }

        #[test]
        fn near_valid_matches_std(s in "(:{0,3}[0-9a-f]{0,5}){0,9}(:[0-9]{1,4}\\.[0-9]{1,4}\\.[0-9]{1,4}\\.[0-9]{1,4})?:{0,2}") {
            prop_assert_eq!(ipv6(s.as_bytes()), std6(&s));
        }
    }
}
